//! Enrolment in an authenticator app: the otpauth URI and its QR code.
//!
//! Both contain the secret: serve them with `Cache-Control: no-store`, never
//! log them, and drop them once the user has confirmed a first code.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};
use zeroize::Zeroizing;

use super::{DIGITS, PERIOD_SECS, TotpSecret};
use crate::factors::FactorError;

/// Smallest width and height of the QR code SVG, in pixels.
pub const QR_MIN_PIXELS: u32 = 200;

/// The `otpauth://totp/` URI (Google Authenticator Key URI format) that
/// authenticator apps import: label `Issuer:account`, and the issuer,
/// algorithm, digits and period spelled out.
///
/// Issuer and account name are percent-encoded (everything but RFC 3986
/// unreserved characters). A colon would split the label, so colons in
/// either are replaced by hyphens. An empty issuer is left out.
pub fn otpauth_uri(secret: &TotpSecret, issuer: &str, account_name: &str) -> Zeroizing<String> {
    let issuer = percent_encode(&issuer.replace(':', "-"));
    let account = percent_encode(&account_name.replace(':', "-"));
    let b32 = secret.to_base32();
    let mut uri = Zeroizing::new(String::with_capacity(128));
    uri.push_str("otpauth://totp/");
    if !issuer.is_empty() {
        uri.push_str(&issuer);
        uri.push(':');
    }
    uri.push_str(&account);
    uri.push_str("?secret=");
    uri.push_str(&b32);
    if !issuer.is_empty() {
        uri.push_str("&issuer=");
        uri.push_str(&issuer);
    }
    uri.push_str(&format!(
        "&algorithm=SHA1&digits={DIGITS}&period={PERIOD_SECS}"
    ));
    uri
}

/// A QR code of `uri` as plain SVG markup, at least 200×200 px with a quiet
/// zone. Colours are `fill` attributes: no `style` attribute or element, so it
/// passes a strict CSP (`style-src 'self'`) inline in a page. No XML
/// declaration, so it can be inlined in HTML as is (it is also a valid
/// standalone SVG file). Give it an accessible name where it is placed.
///
/// # Errors
/// [`FactorError::Qr`] if `uri` does not fit in a QR code.
pub fn qr_svg(uri: &str) -> Result<Zeroizing<String>, FactorError> {
    let code =
        QrCode::with_error_correction_level(uri.as_bytes(), EcLevel::M).map_err(FactorError::Qr)?;
    let image = Zeroizing::new(
        code.render::<svg::Color<'_>>()
            .min_dimensions(QR_MIN_PIXELS, QR_MIN_PIXELS)
            .quiet_zone(true)
            .dark_color(svg::Color("#000000"))
            .light_color(svg::Color("#ffffff"))
            .build(),
    );
    let body = image.find("<svg").map_or(image.as_str(), |at| &image[at..]);
    Ok(Zeroizing::new(body.to_owned()))
}

fn percent_encode(text: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rfc_secret() -> TotpSecret {
        TotpSecret::from_bytes(b"12345678901234567890").expect("20 bytes")
    }

    #[test]
    fn otpauth_uri_escapes_issuer_and_account() {
        let s = rfc_secret();
        let uri = otpauth_uri(&s, "Latchkey & Co", "alice+1@example.com");
        assert_eq!(
            uri.as_str(),
            "otpauth://totp/Latchkey%20%26%20Co:alice%2B1%40example.com\
             ?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Latchkey%20%26%20Co\
             &algorithm=SHA1&digits=6&period=30"
        );
        let uri = otpauth_uri(&s, "a:b", "Zoë/?#&=");
        assert!(uri.starts_with("otpauth://totp/a-b:Zo%C3%AB%2F%3F%23%26%3D?secret="));
        let uri = otpauth_uri(&s, "", "bob");
        assert!(uri.starts_with("otpauth://totp/bob?secret="));
        assert!(!uri.contains("issuer="));
    }

    #[test]
    fn qr_svg_is_plain_csp_safe_markup_of_page_size() {
        let s = rfc_secret();
        let svg = qr_svg(&otpauth_uri(&s, "Latchkey", "alice@example.com")).expect("fits");
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.ends_with("</svg>"));
        assert!(!svg.contains("style"), "no style attribute or element");
        assert!(!svg.contains("<?xml") && !svg.contains("<script"));
        assert!(svg.contains("fill=\"#000000\"") && svg.contains("fill=\"#ffffff\""));
        let width: u32 = svg
            .split("width=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .and_then(|w| w.parse().ok())
            .expect("width attribute");
        assert!(width >= QR_MIN_PIXELS, "{width}");
    }

    #[test]
    fn qr_svg_refuses_oversized_data() {
        assert!(matches!(
            qr_svg(&"x".repeat(5_000)),
            Err(FactorError::Qr(_))
        ));
        assert!(qr_svg("").is_ok());
    }
}

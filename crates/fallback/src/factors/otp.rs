//! Email and SMS one-time codes, and email magic-link tokens.
//!
//! # How they are stored, and why not with argon2id
//!
//! The design says secrets are stored "only as hashes". For these secrets the
//! hash is **HMAC-SHA256 under a server-side key** ([`digest`]), not a slow
//! password hash, on purpose:
//!
//! - A 6-digit code carries 20 bits. Anyone holding its stored hash could try
//!   all 10^6 candidates even against argon2id (about 6 hours of one core at
//!   ~20 ms per hash, and trivially parallel), so a slow hash buys nothing
//!   while costing the server ~20 ms of CPU and 19 MiB on every attempt, which
//!   is itself a denial-of-service lever.
//! - What actually protects a code is: a short TTL, an attempt limit per
//!   challenge, rate limits (all enforced by the server), and the HMAC key,
//!   without which a leaked ephemeral-store dump cannot be brute-forced at
//!   all.
//! - A link token has 256 bits; any hash makes it unguessable, and a keyed one
//!   also makes a stored digest useless without the server key.
//!
//! The MAC input binds the secret to its `purpose` (for example `"email-code"`,
//! `"sms-code"`, `"email-link"`) and to the challenge id, with every field
//! length-prefixed so that no two different inputs share an encoding. A digest
//! computed for one challenge or channel never verifies for another.
//!
//! Comparisons are constant time ([`subtle`]). Malformed presented input is
//! rejected before any MAC is computed; that reveals only that the input was
//! malformed, which the user already knows.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac as _};
use rand::{CryptoRng, Rng as _};
use sha2::Sha256;
use subtle::ConstantTimeEq as _;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::FactorError;

/// Fewest digits in a one-time code (RFC 4226 §5.3: at least 6).
pub const MIN_DIGITS: u8 = 6;
/// Most digits in a one-time code.
pub const MAX_DIGITS: u8 = 8;
/// Random bytes in a magic-link token (256 bits; at least 128 are required).
pub const LINK_TOKEN_BYTES: usize = 32;
/// Length of a link token's base64url (no padding) text.
pub const LINK_TOKEN_LEN: usize = 43;

/// Longest presented code considered at all (room for separators).
const MAX_PRESENTED_LEN: usize = 64;
/// Domain separation for the MAC input, versioned for future changes.
const DOMAIN: &[u8] = b"latchkey/fallback/otp/v1";

/// A numeric one-time code sent by email or SMS. Zeroized on drop; `Debug`
/// does not print it.
pub struct OneTimeCode(String);

impl OneTimeCode {
    /// A new uniformly random code of `digits` digits (6 to 8), zero-padded,
    /// from the thread-local CSPRNG.
    ///
    /// # Errors
    /// [`FactorError::InvalidCodeLength`] if `digits` is outside 6..=8.
    pub fn generate(digits: u8) -> Result<Self, FactorError> {
        Self::generate_with(&mut rand::rng(), digits)
    }

    /// As [`generate`](Self::generate), from the given cryptographic RNG.
    ///
    /// # Errors
    /// [`FactorError::InvalidCodeLength`] if `digits` is outside 6..=8.
    pub fn generate_with<R: CryptoRng + ?Sized>(
        rng: &mut R,
        digits: u8,
    ) -> Result<Self, FactorError> {
        if !(MIN_DIGITS..=MAX_DIGITS).contains(&digits) {
            return Err(FactorError::InvalidCodeLength(digits));
        }
        // `random_range` is unbiased over the whole range (no modulo bias).
        let value = rng.random_range(0..10u32.pow(u32::from(digits)));
        Ok(Self(format!(
            "{value:0width$}",
            width = usize::from(digits)
        )))
    }

    /// The code as digits, to put in the message sent to the user.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Number of digits.
    pub fn digits(&self) -> usize {
        self.0.len()
    }
}

impl Drop for OneTimeCode {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl ZeroizeOnDrop for OneTimeCode {}

impl fmt::Debug for OneTimeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OneTimeCode([redacted])")
    }
}

/// A magic-link token: 32 random bytes as base64url without padding (43
/// characters, safe in a URL without escaping). Zeroized on drop; `Debug`
/// does not print it.
pub struct LinkToken(String);

impl LinkToken {
    /// A new token from the thread-local CSPRNG.
    pub fn generate() -> Self {
        Self::generate_with(&mut rand::rng())
    }

    /// A new token from the given cryptographic RNG.
    pub fn generate_with<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut bytes = Zeroizing::new([0u8; LINK_TOKEN_BYTES]);
        rng.fill_bytes(bytes.as_mut());
        Self(URL_SAFE_NO_PAD.encode(bytes.as_ref()))
    }

    /// The token text, to put in the link.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Drop for LinkToken {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl ZeroizeOnDrop for LinkToken {}

impl fmt::Debug for LinkToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LinkToken([redacted])")
    }
}

/// The storage digest of a code or link token: lowercase hex of
/// HMAC-SHA256(`key`, domain ‖ purpose ‖ challenge_id ‖ secret), each field
/// prefixed with its length as a 64-bit big-endian integer.
///
/// Store this, never the secret. `key` is a server secret (32 random bytes,
/// from configuration); rotating it invalidates outstanding codes, which
/// live only minutes.
pub fn digest(key: &[u8; 32], purpose: &str, challenge_id: &str, secret: &str) -> String {
    // HMAC pads a key shorter than the block size with zeros (RFC 2104 §2),
    // so padding the 32-byte key to SHA-256's 64-byte block ourselves gives
    // the same MAC and avoids the fallible variable-length constructor.
    let mut block = Zeroizing::new([0u8; 64]);
    block[..32].copy_from_slice(key);
    let mut mac = <Hmac<Sha256> as hmac::digest::KeyInit>::new(
        hmac::digest::generic_array::GenericArray::from_slice(block.as_ref()),
    );
    for field in [
        DOMAIN,
        purpose.as_bytes(),
        challenge_id.as_bytes(),
        secret.as_bytes(),
    ] {
        mac.update(&(field.len() as u64).to_be_bytes());
        mac.update(field);
    }
    hex::encode(mac.finalize().into_bytes())
}

/// Whether a code the user typed matches `stored_digest` (from [`digest`]
/// with the same key, purpose and challenge id). Constant time in the code.
///
/// Spaces (any Unicode white space) and dashes are ignored and full-width
/// digits are read as digits, so `123 456`, `123-456` and `１２３４５６` work.
/// Anything else that is not 6 to 8 digits is `false` without computing a MAC.
pub fn verify_code(
    key: &[u8; 32],
    purpose: &str,
    challenge_id: &str,
    presented: &str,
    stored_digest: &str,
) -> bool {
    let Some(code) = normalise_digits(presented) else {
        return false;
    };
    let computed = Zeroizing::new(digest(key, purpose, challenge_id, &code));
    computed.as_bytes().ct_eq(stored_digest.as_bytes()).into()
}

/// Whether a link token taken from a URL matches `stored_digest`. Constant
/// time in the token. Anything that is not exactly 43 base64url characters is
/// `false` without computing a MAC.
pub fn verify_link_token(
    key: &[u8; 32],
    purpose: &str,
    challenge_id: &str,
    presented: &str,
    stored_digest: &str,
) -> bool {
    let well_formed = presented.len() == LINK_TOKEN_LEN
        && presented
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !well_formed {
        return false;
    }
    let computed = Zeroizing::new(digest(key, purpose, challenge_id, presented));
    computed.as_bytes().ct_eq(stored_digest.as_bytes()).into()
}

/// The ASCII digits of a presented code, or `None` if it is not 6 to 8 digits
/// once separators are removed. Shared with TOTP codes.
pub(super) fn normalise_digits(presented: &str) -> Option<Zeroizing<String>> {
    if presented.len() > MAX_PRESENTED_LEN {
        return None;
    }
    let mut out = Zeroizing::new(String::with_capacity(usize::from(MAX_DIGITS)));
    for c in presented.chars() {
        match c {
            '0'..='9' => out.push(c),
            // Full-width digits from CJK input methods.
            '\u{FF10}'..='\u{FF19}' => {
                out.push(char::from(b'0' + (u32::from(c) - 0xFF10) as u8));
            }
            '-' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FF0D}' => {}
            c if c.is_whitespace() => {}
            _ => return None,
        }
    }
    let len = out.len();
    (usize::from(MIN_DIGITS)..=usize::from(MAX_DIGITS))
        .contains(&len)
        .then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng as _;
    use rand::rngs::StdRng;

    const KEY: [u8; 32] = [7; 32];

    #[test]
    fn codes_have_requested_length_and_only_digits() {
        for digits in MIN_DIGITS..=MAX_DIGITS {
            let code = OneTimeCode::generate(digits).expect("valid length");
            assert_eq!(code.digits(), usize::from(digits));
            assert!(code.as_str().bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn invalid_code_lengths_are_errors() {
        for digits in [0, 1, 5, 9, 10, 255] {
            assert!(matches!(
                OneTimeCode::generate(digits),
                Err(FactorError::InvalidCodeLength(d)) if d == digits
            ));
        }
    }

    #[test]
    fn codes_are_zero_padded_and_roughly_uniform() {
        let mut rng = StdRng::seed_from_u64(1);
        let mut first = [0u32; 10];
        for _ in 0..10_000 {
            let code = OneTimeCode::generate_with(&mut rng, 6).expect("valid");
            assert_eq!(code.as_str().len(), 6);
            let d = code.as_str().as_bytes()[0] - b'0';
            first[usize::from(d)] += 1;
        }
        // Leading zeros appear (padding works) and no digit is far off 1,000.
        assert!(
            first.iter().all(|&n| (850..=1150).contains(&n)),
            "{first:?}"
        );
    }

    #[test]
    fn link_tokens_are_256_bit_base64url() {
        let a = LinkToken::generate();
        let b = LinkToken::generate();
        assert_eq!(a.as_str().len(), LINK_TOKEN_LEN);
        assert_ne!(a.as_str(), b.as_str());
        let bytes = URL_SAFE_NO_PAD.decode(a.as_str()).expect("base64url");
        assert_eq!(bytes.len(), LINK_TOKEN_BYTES);
    }

    #[test]
    fn debug_never_prints_secrets() {
        let code = OneTimeCode::generate(8).expect("valid");
        let token = LinkToken::generate();
        assert!(!format!("{code:?}").contains(code.as_str()));
        assert!(!format!("{token:?}").contains(token.as_str()));
        assert!(format!("{code:?}{token:?}").contains("redacted"));
    }

    #[test]
    fn digest_is_hmac_sha256_of_the_length_prefixed_fields() {
        let mut mac = <Hmac<Sha256> as hmac::Mac>::new_from_slice(&KEY).expect("any key length");
        for f in [DOMAIN, b"email-code", b"c1", b"123456"] {
            mac.update(&(f.len() as u64).to_be_bytes());
            mac.update(f);
        }
        let expected = hex::encode(mac.finalize().into_bytes());
        assert_eq!(digest(&KEY, "email-code", "c1", "123456"), expected);
        assert_eq!(expected.len(), 64);
    }

    #[test]
    fn digest_binds_every_input() {
        let base = digest(&KEY, "email-code", "c1", "123456");
        assert_ne!(base, digest(&[8; 32], "email-code", "c1", "123456"));
        assert_ne!(base, digest(&KEY, "sms-code", "c1", "123456"));
        assert_ne!(base, digest(&KEY, "email-code", "c2", "123456"));
        assert_ne!(base, digest(&KEY, "email-code", "c1", "123457"));
        // Length prefixes: moving a boundary changes the digest.
        assert_ne!(
            digest(&KEY, "ab", "c", "123456"),
            digest(&KEY, "a", "bc", "123456")
        );
    }

    #[test]
    fn code_verifies_with_separators_and_only_in_its_context() {
        let code = OneTimeCode::generate(6).expect("valid");
        let stored = digest(&KEY, "email-code", "c1", code.as_str());
        let s = code.as_str();
        assert!(verify_code(&KEY, "email-code", "c1", s, &stored));
        let spaced = format!(" {} {} ", &s[..3], &s[3..]);
        assert!(verify_code(&KEY, "email-code", "c1", &spaced, &stored));
        let dashed = format!("{}-{}", &s[..3], &s[3..]);
        assert!(verify_code(&KEY, "email-code", "c1", &dashed, &stored));
        let wide: String = s
            .chars()
            .map(|c| char::from_u32(u32::from(c) - 0x30 + 0xFF10).expect("digit"))
            .collect();
        assert!(verify_code(&KEY, "email-code", "c1", &wide, &stored));
        assert!(!verify_code(&KEY, "sms-code", "c1", s, &stored));
        assert!(!verify_code(&KEY, "email-code", "c2", s, &stored));
        assert!(!verify_code(&[0; 32], "email-code", "c1", s, &stored));
    }

    #[test]
    fn wrong_and_malformed_codes_are_false() {
        let stored = digest(&KEY, "sms-code", "c", "012345");
        let long = "1".repeat(10_000);
        for bad in [
            "",
            " ",
            "-",
            "12345",
            "123456789",
            "012346",
            "01234a",
            "0123456\0",
            "01234５x",
            "١٢٣٤٥٦",
            "012345\u{301}",
            "+12345",
            "012 345 678 9",
            &long,
        ] {
            assert!(!verify_code(&KEY, "sms-code", "c", bad, &stored), "{bad:?}");
        }
        assert!(verify_code(&KEY, "sms-code", "c", "012345", &stored));
        // A damaged or missing stored digest never matches.
        for stored in ["", "00", "not hex", &stored.to_uppercase(), &stored[1..]] {
            assert!(!verify_code(&KEY, "sms-code", "c", "012345", stored));
        }
    }

    #[test]
    fn link_token_verifies_exactly() {
        let token = LinkToken::generate();
        let stored = digest(&KEY, "email-link", "c1", token.as_str());
        assert!(verify_link_token(
            &KEY,
            "email-link",
            "c1",
            token.as_str(),
            &stored
        ));
        assert!(!verify_link_token(
            &KEY,
            "email-code",
            "c1",
            token.as_str(),
            &stored
        ));
        let other = LinkToken::generate();
        assert!(!verify_link_token(
            &KEY,
            "email-link",
            "c1",
            other.as_str(),
            &stored
        ));
        let t = token.as_str();
        let padded = format!("{t}=");
        let spaced = format!(" {t}");
        let accented = format!("{}é", &t[..41]);
        for bad in ["", &t[..42], &padded, &spaced, &accented, &"A".repeat(4096)] {
            assert!(
                !verify_link_token(&KEY, "email-link", "c1", bad, &stored),
                "{bad:?}"
            );
        }
    }
}

//! Presenting verified claims: the "how you signed in" claims first, and
//! a summary read from `amr` as a relying party would.

use latchkey_pages::{DemoClaim, DemoMethod, DemoResult, DemoSummary};
use serde_json::{Map, Value};

use super::DEMO_CLIENT_ID;

/// Claims that say how the user signed in, shown first and highlighted.
const HOW_CLAIMS: [&str; 4] = ["amr", "acr", "auth_time", "latchkey_fallback"];

/// The page's view of verified claims.
pub(super) fn result(issuer: &str, claims: &Map<String, Value>) -> DemoResult {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut shown: Vec<DemoClaim> = HOW_CLAIMS
        .iter()
        .filter_map(|name| {
            claims.get(*name).map(|v| DemoClaim {
                name: (*name).to_owned(),
                value: text(v),
                highlighted: true,
            })
        })
        .collect();
    // serde_json's map is ordered by name: the rest alphabetically.
    shown.extend(
        claims
            .iter()
            .filter(|(k, _)| !HOW_CLAIMS.contains(&k.as_str()))
            .map(|(k, v)| DemoClaim {
                name: k.clone(),
                value: text(v),
                highlighted: false,
            }),
    );
    let mut logout = url::form_urlencoded::Serializer::new(String::new());
    logout
        .append_pair("client_id", DEMO_CLIENT_ID)
        .append_pair("post_logout_redirect_uri", &format!("{issuer}/demo"));
    DemoResult {
        subject: claims
            .get("sub")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        summary: summary(claims),
        claims: shown,
        sign_out_url: format!("{issuer}/logout?{}", logout.finish()),
    }
}

/// How the user signed in, read from `amr` (RFC 8176 values and
/// Latchkey's, see docs/oidc.md) and the `latchkey_fallback` reason, as an
/// RP would.
fn summary(claims: &Map<String, Value>) -> DemoSummary {
    let amr: Vec<&str> = claims
        .get("amr")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let has = |v: &str| amr.contains(&v);
    if has("pop") {
        return DemoSummary::Passkey;
    }
    let mut methods = Vec::new();
    if has("urn:latchkey:amr:email") {
        methods.push(DemoMethod::EmailCode);
    }
    if has("sms") {
        methods.push(DemoMethod::SmsCode);
    }
    if has("kba") {
        methods.push(DemoMethod::RecoveryCode);
    }
    if has("pwd") {
        methods.push(DemoMethod::Password);
    }
    // `otp` comes with email and SMS codes too; on its own, or as the
    // second factor of an `mfa` sign-in, it is the authenticator app.
    let otp_explained = has("urn:latchkey:amr:email") || has("sms");
    if has("otp") && (!otp_explained || (has("mfa") && methods.len() < 2)) {
        methods.push(DemoMethod::Totp);
    }
    if methods.is_empty() {
        return DemoSummary::Unknown;
    }
    let reason = claims
        .get("latchkey_fallback")
        .and_then(|f| f.get("reason"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    DemoSummary::Fallback { methods, reason }
}

#[cfg(test)]
mod tests {
    use super::*;
    use latchkey_oidc::AuthMethod::{self, *};

    fn claims_for(methods: &[AuthMethod], reason: Option<&str>) -> Map<String, Value> {
        let mut amr: Vec<&str> = Vec::new();
        for m in methods {
            for v in m.amr() {
                if !amr.contains(v) {
                    amr.push(v);
                }
            }
        }
        if methods.len() > 1 {
            amr.push("mfa");
        }
        let mut c = Map::new();
        c.insert("amr".into(), serde_json::json!(amr));
        if let Some(r) = reason {
            c.insert(
                "latchkey_fallback".into(),
                serde_json::json!({ "reason": r }),
            );
        }
        c
    }

    #[test]
    fn summary_reads_amr_as_an_rp_would() {
        use DemoMethod as D;
        let fallback = |m: Vec<D>| DemoSummary::Fallback {
            methods: m,
            reason: None,
        };
        let cases: Vec<(Vec<AuthMethod>, DemoSummary)> = vec![
            (vec![PasskeySynced], DemoSummary::Passkey),
            (vec![PasskeyHardwareAttested], DemoSummary::Passkey),
            (vec![EmailCode], fallback(vec![D::EmailCode])),
            (vec![SmsCode], fallback(vec![D::SmsCode])),
            (vec![Totp], fallback(vec![D::Totp])),
            (vec![RecoveryCode], fallback(vec![D::RecoveryCode])),
            (vec![Password], fallback(vec![D::Password])),
            (vec![EmailCode, Totp], fallback(vec![D::EmailCode, D::Totp])),
            (vec![SmsCode, Totp], fallback(vec![D::SmsCode, D::Totp])),
            (
                vec![EmailCode, SmsCode],
                fallback(vec![D::EmailCode, D::SmsCode]),
            ),
            (
                vec![RecoveryCode, Totp],
                fallback(vec![D::RecoveryCode, D::Totp]),
            ),
            (vec![], DemoSummary::Unknown),
        ];
        for (methods, want) in cases {
            assert_eq!(summary(&claims_for(&methods, None)), want, "{methods:?}");
        }
        let with_reason = summary(&claims_for(&[EmailCode], Some("no_passkey_on_this_device")));
        assert_eq!(
            with_reason,
            DemoSummary::Fallback {
                methods: vec![D::EmailCode],
                reason: Some("no_passkey_on_this_device".into()),
            }
        );
    }

    #[test]
    fn how_claims_come_first_and_highlighted() {
        let mut c = claims_for(&[EmailCode], Some("user_choice"));
        c.insert("sub".into(), "u1".into());
        c.insert("acr".into(), "urn:latchkey:acr:sfa".into());
        c.insert("aud".into(), DEMO_CLIENT_ID.into());
        let r = result("http://localhost:8080", &c);
        assert_eq!(r.subject, "u1");
        let names: Vec<(&str, bool)> = r
            .claims
            .iter()
            .map(|c| (c.name.as_str(), c.highlighted))
            .collect();
        assert_eq!(
            names,
            vec![
                ("amr", true),
                ("acr", true),
                ("latchkey_fallback", true),
                ("aud", false),
                ("sub", false)
            ]
        );
        assert_eq!(r.claims[1].value, "urn:latchkey:acr:sfa");
        assert!(r.sign_out_url.contains("post_logout_redirect_uri="));
    }
}

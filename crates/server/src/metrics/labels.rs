//! Label values, kept to small fixed sets.
//!
//! Every distinct label value is a time series the scraper stores for
//! good, so a value that a request or a configuration could make up (a raw
//! path, a custom HTTP method, a free-text reason) would let anyone grow
//! the series without bound. Each function here maps its input onto a
//! fixed list and anything else onto [`OTHER`].

use latchkey_core::PasskeyFailure;
use latchkey_fallback::policy::FallbackMethod;

/// The value of any label whose input is not on its list.
pub const OTHER: &str = "other";

/// The route label of a request no route matched (404s, probes).
pub const UNMATCHED: &str = "unmatched";

/// The most steps one fallback option has in practice (a code plus a
/// second factor); longer combinations are [`OTHER`].
const MAX_STEPS: usize = 3;

/// Reasons that are not a passkey failure: how a fallback ended or why a
/// flow failed (the OAuth error codes a flow can fail with).
const OTHER_REASONS: &[&str] = &[
    "none",
    "user_choice",
    "wrong_code",
    "code_expired",
    "not_completed",
    "access_denied",
    "login_required",
    "interaction_required",
    "consent_required",
    "unmet_authentication_requirements",
    "temporarily_unavailable",
    "server_error",
];

/// The HTTP methods the routes answer; anything else is [`OTHER`].
#[must_use]
pub fn http_method(method: &str) -> &'static str {
    const KNOWN: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
    KNOWN
        .iter()
        .find(|m| **m == method)
        .copied()
        .unwrap_or(OTHER)
}

/// The route pattern (`/api/login/flows/{id}`), never the raw path; a
/// request no route matched is [`UNMATCHED`]. Patterns come from the
/// application's own route table, so their number is fixed.
#[must_use]
pub fn route(pattern: Option<String>) -> String {
    pattern.unwrap_or_else(|| UNMATCHED.to_owned())
}

/// A sign-in method as stored on an event: `passkey` for any passkey
/// (`passkey_synced`, `passkey_device_bound`), a fallback method or a
/// combination of up to three (`email_code+totp`), else [`OTHER`].
#[must_use]
pub fn method(method: Option<&str>) -> String {
    let Some(method) = method else {
        return "none".to_owned();
    };
    // The passkey events name the kind of passkey; `passkey_hybrid` (a
    // phone's passkey) is a fallback method of its own.
    if matches!(
        method,
        "passkey" | "passkey_synced" | "passkey_device_bound"
    ) {
        return "passkey".to_owned();
    }
    let steps: Vec<&str> = method.split('+').collect();
    if steps.len() <= MAX_STEPS && steps.iter().all(|s| FallbackMethod::parse(s).is_some()) {
        method.to_owned()
    } else {
        OTHER.to_owned()
    }
}

/// Why a passkey failed or a fallback happened: a passkey failure
/// classification or one of a few fixed words; absent is `none`.
#[must_use]
pub fn reason(reason: Option<&str>) -> &'static str {
    let Some(reason) = reason else {
        return "none";
    };
    PasskeyFailure::ALL
        .iter()
        .map(|f| f.as_str())
        .chain(OTHER_REASONS.iter().copied())
        .find(|known| *known == reason)
        .unwrap_or(OTHER)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_methods_are_clamped() {
        assert_eq!(http_method("GET"), "GET");
        assert_eq!(http_method("POST"), "POST");
        assert_eq!(http_method("BREW"), OTHER);
        assert_eq!(http_method("get"), OTHER);
        assert_eq!(http_method(&"X".repeat(10_000)), OTHER);
    }

    #[test]
    fn routes_are_patterns_or_unmatched() {
        assert_eq!(route(Some("/token".into())), "/token");
        assert_eq!(route(None), UNMATCHED);
    }

    #[test]
    fn methods_are_known_names_or_other() {
        assert_eq!(method(Some("passkey_synced")), "passkey");
        assert_eq!(method(Some("passkey_device_bound")), "passkey");
        assert_eq!(method(Some("passkey")), "passkey");
        assert_eq!(method(Some("passkey_hybrid")), "passkey_hybrid");
        assert_eq!(method(Some("email_code")), "email_code");
        assert_eq!(method(Some("email_code+totp")), "email_code+totp");
        assert_eq!(method(None), "none");
        // Made-up, refused and over-long combinations collapse.
        assert_eq!(method(Some("refused:unmet")), OTHER);
        assert_eq!(method(Some("email_code+nope")), OTHER);
        assert_eq!(method(Some("totp+totp+totp+totp")), OTHER);
        assert_eq!(method(Some("passkey_\"}\n")), OTHER);
        assert_eq!(method(Some("")), OTHER);
        assert_eq!(method(Some(&"a".repeat(5000))), OTHER);
    }

    #[test]
    fn reasons_are_known_words_or_other() {
        for f in PasskeyFailure::ALL {
            assert_eq!(reason(Some(f.as_str())), f.as_str());
        }
        assert_eq!(reason(Some("wrong_code")), "wrong_code");
        assert_eq!(
            reason(Some("unmet_authentication_requirements")),
            "unmet_authentication_requirements"
        );
        assert_eq!(reason(None), "none");
        assert_eq!(reason(Some("user typed <script>")), OTHER);
        assert_eq!(reason(Some("")), OTHER);
    }
}

//! The relying-party side of the callback: the code redeemed at our own
//! `/token` over HTTP, and the ID token's checks.

use std::time::Duration;

use serde_json::{Map, Value};
use subtle::ConstantTimeEq as _;

use super::{DEMO_CLIENT_ID, redirect_uri};
use crate::state::AppState;

/// How long the token request to ourselves may take.
const TOKEN_TIMEOUT: Duration = Duration::from_secs(10);

/// Why the token request failed: the OAuth error code when the endpoint
/// answered with one, and a detail for the log.
pub(super) struct TokenFailure {
    pub(super) code: Option<String>,
    pub(super) detail: String,
}

impl TokenFailure {
    fn detail(detail: impl std::fmt::Display) -> Self {
        Self {
            code: None,
            detail: detail.to_string(),
        }
    }
}

/// Redeem `code` at `{issuer}/token` over HTTP, as a public client
/// (`client_id` and `code_verifier`, no secret); the ID token.
pub(super) async fn redeem(
    issuer: &str,
    code: &str,
    verifier: &str,
) -> Result<String, TokenFailure> {
    let http = reqwest::Client::builder()
        .timeout(TOKEN_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(TokenFailure::detail)?;
    let redirect = redirect_uri(issuer);
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "authorization_code")
        .append_pair("code", code)
        .append_pair("redirect_uri", &redirect)
        .append_pair("client_id", DEMO_CLIENT_ID)
        .append_pair("code_verifier", verifier)
        .finish();
    let res = http
        .post(format!("{issuer}/token"))
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(body)
        .send()
        .await
        .map_err(TokenFailure::detail)?;
    let status = res.status();
    let bytes = res.bytes().await.map_err(TokenFailure::detail)?;
    let json: Value = serde_json::from_slice(&bytes)
        .map_err(|e| TokenFailure::detail(format!("{status}: not JSON: {e}")))?;
    if !status.is_success() {
        return Err(TokenFailure {
            code: json["error"].as_str().map(str::to_owned),
            detail: format!("{status}: {json}"),
        });
    }
    json["id_token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| TokenFailure::detail("the token response has no id_token"))
}

/// The ID token's claims after the checks of OpenID Connect Core
/// §3.1.3.7: signature (the key set `/jwks` publishes), `iss`, `aud`,
/// `exp` and `nonce`.
pub(super) fn verify_id_token(
    state: &AppState,
    token: &str,
    nonce: &str,
) -> Result<Map<String, Value>, &'static str> {
    let now = state.clock.now();
    let claims: Map<String, Value> = state
        .keys
        .current()
        .verify(token, None, now, false)
        .map_err(|_| "signature, key or expiry")?;
    if claims.get("iss").and_then(Value::as_str) != Some(state.config.issuer_str()) {
        return Err("iss");
    }
    let aud_ok = match claims.get("aud") {
        Some(Value::String(a)) => a == DEMO_CLIENT_ID,
        Some(Value::Array(a)) => {
            a.iter().any(|v| v == DEMO_CLIENT_ID)
                && (a.len() == 1
                    || claims.get("azp").and_then(Value::as_str) == Some(DEMO_CLIENT_ID))
        }
        _ => false,
    };
    if !aud_ok {
        return Err("aud");
    }
    match claims.get("exp").and_then(Value::as_i64) {
        Some(exp) if exp > now.0 => {}
        _ => return Err("exp"),
    }
    let nonce_ok = claims
        .get("nonce")
        .and_then(Value::as_str)
        .is_some_and(|n| bool::from(n.as_bytes().ct_eq(nonce.as_bytes())));
    if !nonce_ok {
        return Err("nonce");
    }
    Ok(claims)
}

//! The claims Latchkey signs: ID tokens (OpenID Connect Core §2), access
//! tokens as JWTs (RFC 9068) and the standard user claims by scope (OIDC
//! Core §5.4).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_core::{UnixTime, User};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256, Sha512};

use crate::alg::SigningAlg;
use crate::grant::Grant;

/// The JWT `typ` of access tokens (RFC 9068 §2.1).
pub const ACCESS_TOKEN_TYP: &str = "at+jwt";

/// ID token claims.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdTokenClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub auth_time: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    pub acr: String,
    pub amr: Vec<String>,
    pub azp: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at_hash: Option<String>,
    /// Present when the sign-in used a fallback method and the client was
    /// granted the [`FALLBACK_SCOPE`] scope.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub latchkey_fallback: Option<FallbackClaim>,
    /// Standard user claims granted by scope.
    #[serde(flatten)]
    pub user: Map<String, Value>,
}

/// The scope that releases the [`FallbackClaim`] in ID tokens.
pub const FALLBACK_SCOPE: &str = "latchkey_fallback";

/// `latchkey_fallback` claim: this sign-in used a fallback method (the
/// methods are in `amr`), and why the passkey was not used: a classified
/// passkey failure (`no_passkey_on_this_device`, `cancelled`, …) or
/// `user_choice`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FallbackClaim {
    pub reason: String,
}

/// Access token claims (RFC 9068 §2.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessTokenClaims {
    pub iss: String,
    /// The user, or the client itself for `client_credentials`.
    pub sub: String,
    /// The resource: Latchkey itself (its issuer URL) until resource
    /// indicators (RFC 8707) are supported.
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    pub client_id: String,
    pub scope: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acr: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amr: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

impl AccessTokenClaims {
    /// Claims for a token acting for a user.
    #[must_use]
    pub fn for_grant(issuer: &str, grant: &Grant, jti: String, now: UnixTime, ttl: i64) -> Self {
        Self {
            iss: issuer.to_owned(),
            sub: grant.subject.0.clone(),
            aud: issuer.to_owned(),
            exp: now.0 + ttl,
            iat: now.0,
            jti,
            client_id: grant.client_id.0.clone(),
            scope: grant.scopes.join(" "),
            auth_time: Some(grant.auth_time.0),
            acr: Some(grant.acr.as_str().to_owned()),
            amr: Some(grant.amr.clone()),
            sid: grant.sid.clone(),
        }
    }
}

/// `at_hash`: the left half of the hash of the access token's ASCII bytes,
/// with the hash of the ID token's `alg` (OIDC Core §3.1.3.6): SHA-256 for
/// ES256 and RS256, SHA-512 for EdDSA with Ed25519.
#[must_use]
pub fn at_hash(access_token: &str, alg: SigningAlg) -> String {
    let digest: Vec<u8> = match alg {
        SigningAlg::ES256 | SigningAlg::RS256 => Sha256::digest(access_token.as_bytes()).to_vec(),
        SigningAlg::EdDSA => Sha512::digest(access_token.as_bytes()).to_vec(),
    };
    URL_SAFE_NO_PAD.encode(&digest[..digest.len() / 2])
}

/// The user's phone number, for the `phone` scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhoneClaim<'a> {
    /// E.164, as stored.
    pub number: &'a str,
    /// Whether the user proved they receive messages on it.
    pub verified: bool,
}

/// The user claims the granted scopes release (OIDC Core §5.4). `phone` is
/// the user's phone number when they have one (`None` otherwise, and then
/// the scope releases nothing).
#[must_use]
pub fn user_claims(
    user: &User,
    phone: Option<PhoneClaim<'_>>,
    scopes: &[String],
) -> Map<String, Value> {
    let mut m = Map::new();
    let has = |s: &str| scopes.iter().any(|x| x == s);
    if has("profile") {
        m.insert("name".into(), Value::String(user.display_name.clone()));
        m.insert(
            "preferred_username".into(),
            Value::String(user.username.clone()),
        );
    }
    if let Some(email) = user.email.as_ref().filter(|_| has("email")) {
        m.insert("email".into(), Value::String(email.clone()));
        m.insert("email_verified".into(), Value::Bool(user.email_verified));
    }
    if let Some(phone) = phone.filter(|_| has("phone")) {
        m.insert(
            "phone_number".into(),
            Value::String(phone.number.to_owned()),
        );
        m.insert("phone_number_verified".into(), Value::Bool(phone.verified));
    }
    m
}

/// The scopes Latchkey knows, with the claims each releases.
pub const SCOPES: &[&str] = &[
    "openid",
    "profile",
    "email",
    "phone",
    "offline_access",
    FALLBACK_SCOPE,
];

/// Every claim Latchkey can put in an ID token or userinfo response.
pub const CLAIMS: &[&str] = &[
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "acr",
    "amr",
    "azp",
    "sid",
    "at_hash",
    "latchkey_fallback",
    "name",
    "preferred_username",
    "email",
    "email_verified",
    "phone_number",
    "phone_number_verified",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_hash_is_the_left_half_of_the_algs_hash() {
        // Expected values computed independently (Python hashlib).
        let token = "jHkWEdUXMU1BwAsC4vtUsZwnNS3B2s8w";
        assert_eq!(at_hash(token, SigningAlg::RS256), "LzWMf2hKbY_Kud1l73sy8A");
        assert_eq!(at_hash(token, SigningAlg::ES256), "LzWMf2hKbY_Kud1l73sy8A");
        assert_eq!(
            at_hash(token, SigningAlg::EdDSA),
            "bPHcbnoLD11zLAQWWRH-F3oUFjdDD8vEAHyYTtHhioc"
        );
    }

    #[test]
    fn claims_follow_scopes() {
        let user = User {
            id: latchkey_core::UserId("u".into()),
            username: "alice".into(),
            email: Some("a@example.com".into()),
            email_verified: true,
            display_name: "Alice".into(),
            status: latchkey_core::UserStatus::Active,
            created_at: UnixTime(0),
        };
        let phone = Some(PhoneClaim {
            number: "+15551234567",
            verified: true,
        });
        assert!(user_claims(&user, phone, &["openid".into()]).is_empty());
        let c = user_claims(&user, phone, &["openid".into(), "email".into()]);
        assert_eq!(c["email"], "a@example.com");
        assert!(!c.contains_key("name"));
        assert!(!c.contains_key("phone_number"));
        let c = user_claims(&user, phone, &["profile".into()]);
        assert_eq!(c["preferred_username"], "alice");
        let c = user_claims(&user, phone, &["phone".into()]);
        assert_eq!(c["phone_number"], "+15551234567");
        assert_eq!(c["phone_number_verified"], true);
        assert_eq!(c.len(), 2);
        assert!(user_claims(&user, None, &["phone".into()]).is_empty());
    }
}

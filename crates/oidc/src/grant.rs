//! What an authorization carries from the authorization endpoint to the
//! token endpoint, and from one refresh to the next.

use latchkey_core::{UnixTime, UserId};
use serde::{Deserialize, Serialize};

use crate::authn::Acr;
use crate::client::ClientId;

/// Lifetimes of what Latchkey issues, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifetimes {
    /// Authorization codes: short, since they travel through the browser
    /// (OIDC Core §3.1.3.2 asks for single use; RFC 6749 §4.1.2 recommends
    /// at most 10 minutes; we use 60 s).
    pub code: i64,
    pub id_token: i64,
    pub access_token: i64,
    /// A refresh token's own lifetime (renewed at each rotation).
    pub refresh_token: i64,
    /// A refresh-token family's absolute lifetime: no rotation extends it.
    pub refresh_family: i64,
    /// Browser sessions.
    pub session: i64,
    /// A rotated refresh token presented again within this many seconds is
    /// taken for a concurrent request of the same client (refused, family
    /// kept); later, for theft (family revoked).
    pub refresh_reuse_grace: i64,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Self {
            code: 60,
            id_token: 600,
            access_token: 600,
            refresh_token: 14 * 24 * 3600,
            refresh_family: 90 * 24 * 3600,
            session: 12 * 3600,
            refresh_reuse_grace: 2,
        }
    }
}

/// An authorization of a client to act for a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub client_id: ClientId,
    pub subject: UserId,
    pub scopes: Vec<String>,
    pub auth_time: UnixTime,
    pub amr: Vec<String>,
    pub acr: Acr,
    pub sid: Option<String>,
    /// Why a fallback was used, if one was (`AuthnResult::fallback_reason`);
    /// not kept with refresh tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback_reason: Option<String>,
}

impl Grant {
    /// Whether `scope` was granted.
    #[must_use]
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

/// An issued authorization code's data, stored in the ephemeral store under
/// the code's hash and taken (atomically, once) at redemption.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeData {
    pub grant: Grant,
    /// The redirect URI of the authorization request, which the token request
    /// must repeat exactly (RFC 6749 §4.1.3).
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub nonce: Option<String>,
    pub issued_at: UnixTime,
}

/// What a redeemed code issued, kept for a while so a replayed code can
/// revoke it (RFC 6749 §4.1.2: "SHOULD revoke (when possible) all tokens
/// previously issued based on that authorization code").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedeemedCode {
    pub access_token_jti: String,
    pub access_token_exp: UnixTime,
    pub refresh_family: Option<String>,
}

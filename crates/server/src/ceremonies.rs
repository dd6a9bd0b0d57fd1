//! Passkey sign-in ceremonies between their two steps (WebAuthn L3 §7.2):
//! the server-side state of `navigator.credentials.get()` options waits in
//! the ephemeral store under `ceremony:<id>` until the browser answers.
//!
//! - The id is 128 random bits, known only to the browser that asked for
//!   the options; the record names the login flow it belongs to.
//! - The TTL is the ceremony timeout sent to the browser
//!   ([`latchkey_passkey::PasskeyService::ceremony_timeout`]): after it the
//!   browser has given up too (L3 §5.4 `timeout`).
//! - [`take`] removes the record atomically before verification, so an
//!   assertion is checked against its challenge at most once: a replay, or
//!   the same answer sent to a second node, finds nothing (L3 §13.4.3:
//!   challenges must not be reused). This is what stops a replay of a
//!   passkey that keeps no signature counter.
//! - The record also carries its own expiry on the server clock, checked on
//!   `take`, so the timeout holds even where the store's clock and the
//!   server's disagree.

use latchkey_core::{Ephemeral as _, UnixTime};
use latchkey_passkey::AuthenticationState;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::state::AppState;

/// Who may finish a ceremony.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Expecting {
    /// Whoever the state accepts: any registered discoverable credential
    /// (usernameless), or the identified user's (identifier-first; the state
    /// itself names the user).
    Any,
    /// Nobody: the options carried a stand-in credential id because the
    /// identifier names no account, or one without passkeys. No
    /// authenticator holds the stand-in, so only a forged answer can arrive;
    /// it is refused like another user's credential would be.
    Nobody,
}

/// A ceremony waiting for the browser's answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ceremony {
    /// The login flow that asked for the options; finishing it in another
    /// flow is refused.
    pub flow_id: String,
    /// webauthn-rs's state, including the challenge.
    pub state: AuthenticationState,
    pub expecting: Expecting,
    /// When the ceremony times out, on the server's clock.
    pub expires_at: UnixTime,
}

fn key(id: &str) -> String {
    format!("ceremony:{id}")
}

/// Whether `id` has the form [`put`] gives ids (32 hex digits). Anything
/// else cannot name a ceremony and is not looked up.
#[must_use]
pub fn is_ceremony_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Store a new ceremony for `flow_id`; returns its id.
pub async fn put(
    state: &AppState,
    flow_id: &str,
    auth_state: AuthenticationState,
    expecting: Expecting,
) -> Result<String, ApiError> {
    let timeout = state.passkeys.ceremony_timeout();
    let secs = i64::try_from(timeout.as_secs()).unwrap_or(i64::MAX);
    let ceremony = Ceremony {
        flow_id: flow_id.to_owned(),
        state: auth_state,
        expecting,
        expires_at: state.clock.now().plus_secs(secs),
    };
    let bytes = serde_json::to_vec(&ceremony).map_err(|e| ApiError::Internal(e.to_string()))?;
    let id = latchkey_core::id::random_hex(16);
    // A fresh 128-bit id cannot collide in practice; put_if_absent makes
    // sure a collision could never overwrite another browser's ceremony.
    if !state
        .ephemeral
        .put_if_absent(&key(&id), &bytes, timeout)
        .await?
    {
        return Err(ApiError::Internal("ceremony id collision".into()));
    }
    Ok(id)
}

/// Take a ceremony out of the store: at most one caller, on any node, ever
/// gets it. `None` when the id is malformed, unknown, already taken or
/// expired.
pub async fn take(state: &AppState, id: &str) -> Result<Option<Ceremony>, ApiError> {
    if !is_ceremony_id(id) {
        return Ok(None);
    }
    let Some(bytes) = state.ephemeral.take(&key(id)).await? else {
        return Ok(None);
    };
    let ceremony: Ceremony = match serde_json::from_slice(&bytes) {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "unreadable passkey ceremony; treated as absent");
            return Ok(None);
        }
    };
    if state.clock.now() >= ceremony.expires_at {
        return Ok(None);
    }
    Ok(Some(ceremony))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceremony_ids_are_32_hex_digits() {
        assert!(is_ceremony_id(&latchkey_core::id::random_hex(16)));
        assert!(!is_ceremony_id(""));
        assert!(!is_ceremony_id(&"a".repeat(31)));
        assert!(!is_ceremony_id(&"a".repeat(33)));
        assert!(!is_ceremony_id("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"));
        assert!(!is_ceremony_id("flow:aaaaaaaaaaaaaaaaaaaaaaaaaaa"));
    }
}

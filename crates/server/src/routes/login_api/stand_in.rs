//! Stand-in `allowCredentials` for identifiers that name no account, or an
//! account without passkeys.
//!
//! Identifier-first options list the account's credential ids (WebAuthn L3
//! §5.5 `allowCredentials`). Answering an unknown identifier with an empty
//! list, or an error, would tell anyone who types a name whether that
//! account exists; L3 §14.6.2 ("Username Enumeration") suggests answering
//! with plausible imaginary credential ids instead. Latchkey's stand-in is
//! one id derived from the identifier with HMAC-SHA256 (RFC 2104) under the
//! server's privacy key: the same identifier always gets the same id, on
//! every node and after restarts, as a real account's would; without the
//! key it cannot be told from a real one.

use hmac::{Hmac, Mac as _};
use latchkey_passkey::webauthn::RequestChallengeResponse;
use latchkey_passkey::{AuthenticationState, Mediation};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::error::ApiError;
use crate::state::AppState;

/// Lengths of real platform credential ids (16 bytes is common for synced
/// passkeys, 20 for iCloud Keychain, 32 for Windows Hello and many security
/// keys); the stand-in takes one of them, chosen by the MAC itself.
const LENGTHS: [usize; 3] = [16, 20, 32];

/// The transports a modern platform passkey reports at registration
/// (L3 §5.2.1 `getTransports()`: lexicographic order), which
/// `allowCredentials` repeats for real credentials.
const TRANSPORTS: [&str; 2] = ["hybrid", "internal"];

/// Domain separation: nothing else MACed under the privacy key can collide
/// with a stand-in id.
const CONTEXT: &[u8] = b"latchkey/stand-in-credential-id/v1\0";

/// The stand-in credential id for `identifier`: deterministic, 16 to 32
/// bytes. Identifiers are compared lowercased (as accounts are matched),
/// so "Alice" and "alice" get the same id.
pub fn credential_id(privacy_key: &[u8; 32], identifier: &str) -> Result<Vec<u8>, ApiError> {
    let mut mac = Hmac::<Sha256>::new_from_slice(privacy_key)
        .map_err(|e| ApiError::Internal(format!("HMAC key: {e}")))?;
    mac.update(CONTEXT);
    mac.update(identifier.to_lowercase().as_bytes());
    let out = mac.finalize().into_bytes();
    let pick = usize::from(out[out.len() - 1]) % LENGTHS.len();
    let len = LENGTHS[pick].min(out.len());
    Ok(out[..len].to_vec())
}

/// Options that look like an identifier-first request for an account with
/// one passkey whose id is `stand_in`, and the state to keep for them.
///
/// The state is a usernameless one (webauthn-rs builds identifier-first
/// state only from real credentials); the caller must store it so that no
/// answer can complete it (`Expecting::Nobody`), since a usernameless
/// state would accept any registered discoverable credential.
pub fn options(
    state: &AppState,
    stand_in: &[u8],
) -> Result<(RequestChallengeResponse, AuthenticationState), ApiError> {
    let (options, auth_state) = state
        .passkeys
        .start_discoverable_authentication(Mediation::Modal)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut json = serde_json::to_value(&options).map_err(|e| ApiError::Internal(e.to_string()))?;
    let id = base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, stand_in);
    let public_key = json
        .get_mut("publicKey")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| ApiError::Internal("request options without publicKey".into()))?;
    public_key.insert(
        "allowCredentials".into(),
        json!([{ "type": "public-key", "id": id, "transports": TRANSPORTS }]),
    );
    // Usernameless options ask for the `uvm` extension and identifier-first
    // ones do not; remove it so the two cannot be told apart.
    public_key.remove("extensions");
    if let Some(top) = json.as_object_mut() {
        top.remove("mediation");
    }
    let options = serde_json::from_value(json).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((options, auth_state))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn stand_in_ids_are_stable_per_identifier_and_key() {
        let key = [7u8; 32];
        let a = credential_id(&key, "nobody@example.com").unwrap();
        assert_eq!(a, credential_id(&key, "Nobody@Example.com").unwrap());
        assert_ne!(a, credential_id(&key, "somebody@example.com").unwrap());
        assert_ne!(a, credential_id(&[8u8; 32], "nobody@example.com").unwrap());
        for name in ["a", "b", "c", "d", "e", "f", "g", "h"] {
            let len = credential_id(&key, name).unwrap().len();
            assert!(LENGTHS.contains(&len), "{len}");
        }
    }
}

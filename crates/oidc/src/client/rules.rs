//! The rules a registration is checked against that are more than a
//! field's syntax: which redirect URIs a client may have in which mode, and
//! the parsers of the registration input.

use super::{ClientError, ClientType};
use crate::redirect_uri::{RedirectUri, RedirectUriError};

/// Which registration rules apply: those of a production instance, or the
/// looser ones of a development instance (`dev_mode`, an http issuer on
/// loopback), where a server-side application on the developer's machine
/// may be tried without TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationMode {
    /// http loopback redirect URIs are for native apps (public clients)
    /// only (RFC 8252 §7.3, §8.3); a confidential client needs https.
    Production,
    /// A confidential client may also register http loopback redirect URIs.
    /// It still gets exact matching: the loopback port exception is for
    /// public clients in every mode.
    Development,
}

impl RegistrationMode {
    /// The mode of a server (or CLI) running with `dev_mode`.
    #[must_use]
    pub fn from_dev_mode(dev_mode: bool) -> Self {
        if dev_mode {
            Self::Development
        } else {
            Self::Production
        }
    }
}

/// A JWK Set for `private_key_jwt`: an object with a non-empty `keys` array
/// of public keys (no private members), each with `kty`.
pub(super) fn parse_jwks(raw: &str) -> Result<serde_json::Value, ClientError> {
    let bad = |m: &str| ClientError::Jwks(m.to_owned());
    let v: serde_json::Value = serde_json::from_str(raw).map_err(|e| bad(&e.to_string()))?;
    let keys = v
        .get("keys")
        .and_then(|k| k.as_array())
        .ok_or_else(|| bad("no \"keys\" array"))?;
    if keys.is_empty() {
        return Err(bad("\"keys\" is empty"));
    }
    for k in keys {
        let obj = k.as_object().ok_or_else(|| bad("a key is not an object"))?;
        if !obj.contains_key("kty") {
            return Err(bad("a key has no \"kty\""));
        }
        if ["d", "p", "q", "dp", "dq", "qi", "k"]
            .iter()
            .any(|m| obj.contains_key(*m))
        {
            return Err(bad("a key contains private or symmetric material"));
        }
    }
    Ok(v)
}

/// Plain-http loopback redirect URIs exist for native apps, which receive
/// the response on a port they open at request time (RFC 8252 §7.3). A
/// confidential client runs on a server and can use https; on a production
/// instance an http loopback URI for it is a mistake (or a way to send codes
/// to whatever listens on the machine), so it is refused.
pub(super) fn loopback_only_for_native_apps(
    client_type: ClientType,
    mode: RegistrationMode,
    uris: &[RedirectUri],
) -> Result<(), ClientError> {
    if client_type == ClientType::Public || mode == RegistrationMode::Development {
        return Ok(());
    }
    match uris.iter().find(|u| u.is_loopback()) {
        Some(uri) => Err(ClientError::LoopbackForConfidential(uri.to_string())),
        None => Ok(()),
    }
}

pub(super) fn validate_id(id: &str) -> Result<String, ClientError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(id.to_owned())
    } else {
        Err(ClientError::Id)
    }
}

pub(super) fn parse_uris(raw: &[String]) -> Result<Vec<RedirectUri>, RedirectUriError> {
    let mut out: Vec<RedirectUri> = Vec::with_capacity(raw.len());
    for r in raw {
        let uri = RedirectUri::parse(r)?;
        if !out.contains(&uri) {
            out.push(uri);
        }
    }
    Ok(out)
}

/// `scope-token = 1*( %x21 / %x23-5B / %x5D-7E )` (RFC 6749 §3.3).
pub(super) fn is_scope_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b))
}

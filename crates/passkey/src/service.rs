//! The relying party: one `webauthn_rs::Webauthn` built from Latchkey's
//! settings, and the AAGUID names, held together and shared by every
//! ceremony (see `registration.rs` and `authentication.rs`).

use std::time::Duration;

use latchkey_core::UserId;
use url::Url;
use webauthn_rs::prelude::{Webauthn, WebauthnBuilder};

use crate::aaguid::AaguidNames;
use crate::attestation::AttestationPolicy;
use crate::error::CeremonyError;

/// How long a ceremony may take by default. WebAuthn L3 §5.4 recommends
/// 300 s to 600 s when user verification is required; autofill (conditional
/// mediation) waits for the user to focus the field, so the longer end of the
/// usual range is kinder.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// Relying party settings (WebAuthn L3 §5.4.2 `rp`, §5.1.3 step "RP ID").
#[derive(Debug, Clone)]
pub struct PasskeyConfig {
    /// The RP ID: the issuer's host (e.g. `localhost`, `id.example.com`).
    /// Credentials are scoped to it for good (L3 §4 "RP ID").
    pub rp_id: String,
    /// The one origin ceremonies may come from (the issuer,
    /// e.g. `http://localhost:8080`). No subdomains, no other ports.
    pub rp_origin: Url,
    /// Shown by some authenticators while creating a passkey.
    pub rp_name: String,
    /// The ceremony timeout, sent to the browser and used as the TTL of the
    /// ceremony state in the ephemeral store.
    pub timeout: Duration,
    /// Which authenticator models count as hardware-protected; `None`
    /// (the default) asks for no attestation, and no passkey earns `phrh`.
    pub attestation: Option<AttestationPolicy>,
}

impl PasskeyConfig {
    /// Settings with the default timeout.
    #[must_use]
    pub fn new(rp_id: impl Into<String>, rp_origin: Url, rp_name: impl Into<String>) -> Self {
        Self {
            rp_id: rp_id.into(),
            rp_origin,
            rp_name: rp_name.into(),
            timeout: DEFAULT_TIMEOUT,
            attestation: None,
        }
    }
}

/// The WebAuthn relying party. Build once at start-up and share (it is
/// immutable); every method is a pure function of its arguments and the
/// settings, so any node can finish a ceremony another node started.
///
/// User verification is always required: webauthn-rs's passkey ceremonies
/// demand the UV flag at registration and at every assertion, and the
/// `amr`/`acr` table (`latchkey_oidc::authn`) presumes it (`user`, `phr`).
#[derive(Debug)]
pub struct PasskeyService {
    pub(crate) webauthn: Webauthn,
    pub(crate) names: AaguidNames,
    pub(crate) attestation: Option<AttestationPolicy>,
    timeout: Duration,
    rp_id: String,
}

impl PasskeyService {
    /// Build the relying party. Fails when the RP ID is not a registrable
    /// suffix of the origin's host (L3 §5.1.3 step 8) or the AAGUID table is
    /// malformed.
    pub fn new(config: PasskeyConfig) -> Result<Self, CeremonyError> {
        let webauthn = WebauthnBuilder::new(&config.rp_id, &config.rp_origin)
            .map_err(|e| CeremonyError::Config(e.to_string()))?
            .rp_name(&config.rp_name)
            .timeout(config.timeout)
            .build()
            .map_err(|e| CeremonyError::Config(e.to_string()))?;
        let names = AaguidNames::builtin().map_err(|e| CeremonyError::Config(e.to_string()))?;
        Ok(Self {
            webauthn,
            names,
            attestation: config.attestation,
            timeout: config.timeout,
            rp_id: config.rp_id,
        })
    }

    /// How long a ceremony may take: the TTL for its stored state.
    #[must_use]
    pub fn ceremony_timeout(&self) -> Duration {
        self.timeout
    }

    /// The RP ID credentials are scoped to.
    #[must_use]
    pub fn rp_id(&self) -> &str {
        &self.rp_id
    }

    /// The AAGUID names used for new passkeys.
    #[must_use]
    pub fn aaguid_names(&self) -> &AaguidNames {
        &self.names
    }
}

/// The WebAuthn user handle for a user (L3 §5.4.3): the 16 bytes of the
/// user's UUID, which carries no personal data.
pub(crate) fn user_handle(user: &UserId) -> Result<uuid::Uuid, CeremonyError> {
    uuid::Uuid::parse_str(&user.0).map_err(|_| CeremonyError::UserHandle(user.0.clone()))
}

/// The user a handle names (the inverse of [`user_handle`], in the
/// hyphenated lowercase form `latchkey_core::id::new_uuid` produces).
pub(crate) fn user_from_handle(handle: uuid::Uuid) -> UserId {
    UserId(handle.hyphenated().to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn rp_id_must_match_origin() {
        let origin = Url::parse("http://localhost:8080").unwrap();
        assert!(PasskeyService::new(PasskeyConfig::new("localhost", origin.clone(), "L")).is_ok());
        let err = PasskeyService::new(PasskeyConfig::new("example.com", origin, "L")).unwrap_err();
        assert!(matches!(err, CeremonyError::Config(_)), "{err:?}");
    }

    #[test]
    fn user_handles_are_uuids() {
        let id = UserId(latchkey_core::id::new_uuid());
        let handle = user_handle(&id).unwrap();
        assert_eq!(user_from_handle(handle), id);
        assert!(matches!(
            user_handle(&UserId("alice".into())),
            Err(CeremonyError::UserHandle(_))
        ));
    }
}

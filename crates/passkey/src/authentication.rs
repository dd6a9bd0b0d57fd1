//! Authentication ceremonies (WebAuthn L3 §7.2): usernameless (discoverable
//! credentials, with a button or through autofill) and identifier-first
//! (`allowCredentials`).
//!
//! The caller's sequence for both:
//! 1. `start_*` → send the options to the browser, store the state under a
//!    random id bound to the login flow, TTL = [`PasskeyService::ceremony_timeout`];
//! 2. take the state atomically; [`PasskeyService::presented_credential`]
//!    reads the credential id from the response; load that credential
//!    (none → [`CeremonyError::UnknownCredential`]);
//! 3. [`PasskeyService::finish_authentication`]; on success persist
//!    [`AssertionOutcome::credential_use`] and hand
//!    [`AssertionOutcome::authn_result`] to the OIDC layer.

use latchkey_core::{UnixTime, UserId};
use latchkey_oidc::{AuthMethod, AuthnResult};
use serde::{Deserialize, Serialize};
use webauthn_rs::prelude::{
    DiscoverableAuthentication, DiscoverableKey, Passkey, PasskeyAuthentication,
    PublicKeyCredential, RequestChallengeResponse,
};

use crate::credential::{CredentialId, CredentialUse, PasskeyCredential, check_counter};
use crate::error::CeremonyError;
use crate::service::{PasskeyService, user_from_handle, user_handle};

/// How a usernameless request is shown (Credential Management `mediation`,
/// used by WebAuthn L3 §5.1.4 and §5.1.4.1 for conditional mediation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mediation {
    /// Autofill: passkeys offered in the username field's suggestions; the
    /// request stays pending until the user picks one.
    Conditional,
    /// A modal prompt after the user pressed "Sign in with a passkey".
    Modal,
}

/// Server-side state of an authentication between its two steps;
/// serialisable for the ephemeral store, never sent to the browser.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AuthenticationState {
    /// Usernameless: the response names the user (its user handle).
    Discoverable { state: DiscoverableAuthentication },
    /// Identifier-first: only this user's credentials are acceptable.
    Identified {
        user_id: UserId,
        state: PasskeyAuthentication,
    },
}

/// A verified assertion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssertionOutcome {
    pub user_id: UserId,
    pub credential_id: CredentialId,
    pub counter: u32,
    pub backup_eligible: bool,
    pub backup_state: bool,
    /// The stored credential's attestation flag
    /// ([`PasskeyCredential::hardware_attested`]).
    pub hardware_attested: bool,
    /// The credential's webauthn-rs `Passkey`, updated with this use.
    pub passkey: String,
}

impl AssertionOutcome {
    /// The method for the `amr`/`acr` table.
    #[must_use]
    pub fn auth_method(&self) -> AuthMethod {
        auth_method(self.backup_eligible, self.hardware_attested)
    }

    /// What to persist for the credential ([`crate::CredentialRepo::record_credential_use`]).
    #[must_use]
    pub fn credential_use(&self, now: UnixTime) -> CredentialUse {
        CredentialUse {
            counter: self.counter,
            backup_state: self.backup_state,
            last_used_at: now,
            passkey: self.passkey.clone(),
        }
    }

    /// The sign-in result for the OIDC layer.
    #[must_use]
    pub fn authn_result(&self, auth_time: UnixTime) -> AuthnResult {
        AuthnResult::new(self.user_id.clone(), vec![self.auth_method()], auth_time)
    }
}

/// The method a verified passkey assertion (always with user verification)
/// counts as: a backup-eligible credential can be synced to other devices
/// (L3 §6.1.3, "multi-device credential"), so it is a software-protected key
/// (`swk`) whatever its attestation says; one that is not eligible stays on
/// its authenticator (`hwk`), and is hardware-protected (`phrh`) only when
/// registration proved its model by attestation.
#[must_use]
pub fn auth_method(backup_eligible: bool, hardware_attested: bool) -> AuthMethod {
    match (backup_eligible, hardware_attested) {
        (true, _) => AuthMethod::PasskeySynced,
        (false, true) => AuthMethod::PasskeyHardwareAttested,
        (false, false) => AuthMethod::PasskeyDeviceBound,
    }
}

/// What the response says about who is signing in, before verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresentedCredential {
    pub credential_id: CredentialId,
    /// The user handle (L3 §5.2.2 `userHandle`), when the authenticator sent
    /// one and it is a Latchkey user handle.
    pub user_handle: Option<UserId>,
}

impl PasskeyService {
    /// Start a usernameless sign-in: empty `allowCredentials`, so the
    /// authenticator offers its discoverable credentials (L3 §5.4.4).
    pub fn start_discoverable_authentication(
        &self,
        mediation: Mediation,
    ) -> Result<(RequestChallengeResponse, AuthenticationState), CeremonyError> {
        let (mut options, state) = self
            .webauthn
            .start_discoverable_authentication()
            .map_err(|e| CeremonyError::Config(e.to_string()))?;
        if mediation == Mediation::Modal {
            options.mediation = None;
        }
        Ok((options, AuthenticationState::Discoverable { state }))
    }

    /// Start an identifier-first sign-in for `user` with their credentials
    /// in `allowCredentials` (L3 §5.5 `allowCredentials`).
    pub fn start_identified_authentication(
        &self,
        user: &UserId,
        credentials: &[PasskeyCredential],
    ) -> Result<(RequestChallengeResponse, AuthenticationState), CeremonyError> {
        let passkeys = credentials
            .iter()
            .filter(|c| &c.user_id == user)
            .map(|c| parse_passkey(&c.passkey))
            .collect::<Result<Vec<Passkey>, _>>()?;
        // An empty list would turn this into a usernameless request.
        if passkeys.is_empty() {
            return Err(CeremonyError::NoCredentials);
        }
        let (options, state) = self
            .webauthn
            .start_passkey_authentication(&passkeys)
            .map_err(|e| CeremonyError::Config(e.to_string()))?;
        let state = AuthenticationState::Identified {
            user_id: user.clone(),
            state,
        };
        Ok((options, state))
    }

    /// The credential id (checked: 1 to 1023 bytes) and user handle of a
    /// response, to look the credential up before verifying.
    pub fn presented_credential(
        &self,
        response: &PublicKeyCredential,
    ) -> Result<PresentedCredential, CeremonyError> {
        let credential_id = CredentialId::try_from(response.raw_id.as_ref())?;
        let user_handle = response
            .response
            .user_handle
            .as_ref()
            .and_then(|h| uuid::Uuid::from_slice(h.as_ref()).ok())
            .map(user_from_handle);
        Ok(PresentedCredential {
            credential_id,
            user_handle,
        })
    }

    /// Verify an assertion against the ceremony's state and the stored
    /// credential the response names. Beyond webauthn-rs's checks
    /// (challenge, origin, RP ID hash, UP/UV flags, signature), this
    /// enforces the owner rules of L3 §7.2 step 6, the fixed BE flag
    /// (§6.1.3) and the counter rule against the *stored* counter, which may
    /// be newer than the copy inside an identifier-first state.
    pub fn finish_authentication(
        &self,
        response: &PublicKeyCredential,
        state: AuthenticationState,
        credential: &PasskeyCredential,
    ) -> Result<AssertionOutcome, CeremonyError> {
        let presented = self.presented_credential(response)?;
        if presented.credential_id != credential.credential_id {
            return Err(CeremonyError::UnknownCredential);
        }
        let mut passkey = parse_passkey(&credential.passkey)?;
        let result = match state {
            AuthenticationState::Discoverable { state } => {
                // §7.2 step 6: the user handle must be present and name the
                // credential's owner.
                let (handle, _) = self
                    .webauthn
                    .identify_discoverable_authentication(response)
                    .map_err(CeremonyError::from_webauthn)?;
                if handle != user_handle(&credential.user_id)? {
                    return Err(CeremonyError::UnknownCredential);
                }
                self.webauthn
                    .finish_discoverable_authentication(
                        response,
                        state,
                        &[DiscoverableKey::from(&passkey)],
                    )
                    .map_err(CeremonyError::from_webauthn)?
            }
            AuthenticationState::Identified { user_id, state } => {
                // §7.2 step 6: the identified user must own the credential,
                // and a user handle, if sent, must name that user.
                let expected = user_handle(&user_id)?;
                let handle_differs = response
                    .response
                    .user_handle
                    .as_ref()
                    .is_some_and(|h| h.as_ref() != expected.as_bytes().as_slice());
                if credential.user_id != user_id || handle_differs {
                    return Err(CeremonyError::UnknownCredential);
                }
                self.webauthn
                    .finish_passkey_authentication(response, &state)
                    .map_err(CeremonyError::from_webauthn)?
            }
        };
        if !result.user_verified() {
            return Err(CeremonyError::UserNotVerified);
        }
        if result.backup_eligible() != credential.backup_eligible {
            return Err(CeremonyError::BackupEligibilityChanged);
        }
        if !check_counter(credential.counter, result.counter()) {
            return Err(CeremonyError::CounterRegressed {
                stored: credential.counter,
                presented: result.counter(),
            });
        }
        passkey.update_credential(&result);
        let passkey =
            serde_json::to_string(&passkey).map_err(|e| CeremonyError::Malformed(e.to_string()))?;
        Ok(AssertionOutcome {
            user_id: credential.user_id.clone(),
            credential_id: credential.credential_id.clone(),
            counter: result.counter(),
            backup_eligible: result.backup_eligible(),
            backup_state: result.backup_state(),
            hardware_attested: credential.hardware_attested,
            passkey,
        })
    }
}

fn parse_passkey(json: &str) -> Result<Passkey, CeremonyError> {
    serde_json::from_str(json).map_err(|e| CeremonyError::Malformed(format!("stored passkey: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backup_eligibility_decides_the_method() {
        assert_eq!(auth_method(true, false), AuthMethod::PasskeySynced);
        assert_eq!(auth_method(false, false), AuthMethod::PasskeyDeviceBound);
        assert_eq!(
            auth_method(false, true),
            AuthMethod::PasskeyHardwareAttested
        );
        // A synced credential is never hardware-protected, attested or not.
        assert_eq!(auth_method(true, true), AuthMethod::PasskeySynced);
        assert_eq!(
            auth_method(false, true).acr(),
            latchkey_oidc::Acr::PhishingResistantHardware
        );
        assert!(auth_method(false, true).amr().contains(&"hwk"));
        assert_eq!(
            auth_method(true, true).acr(),
            latchkey_oidc::Acr::PhishingResistant
        );
    }
}

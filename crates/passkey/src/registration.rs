//! Registration ceremonies (WebAuthn L3 §7.1): create a passkey for a user.

use latchkey_core::{UnixTime, User, UserId};
use serde::{Deserialize, Serialize};
use webauthn_rs::prelude::{
    AttestedPasskeyRegistration, CreationChallengeResponse, CredentialID, Passkey,
    PasskeyRegistration, RegisterPublicKeyCredential,
};

use crate::authdata::parse_attestation_object;
use crate::credential::{CredentialId, PasskeyCredential};
use crate::error::CeremonyError;
use crate::service::{PasskeyService, user_handle};

/// The longest user agent kept with a credential; the rest is cut off.
const MAX_USER_AGENT_CHARS: usize = 256;

/// Server-side state of a registration between its two steps. Serialisable so
/// it can wait in the ephemeral store (taken atomically before
/// [`PasskeyService::finish_registration`]); it must never travel to the
/// browser, since it holds the challenge.
///
/// Exactly one of the two ceremonies is set: `state` without an attestation
/// policy (attestation `none`), `attested` with one. Two optional fields
/// rather than an enum keep states stored before attestation existed
/// readable.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegistrationState {
    user_id: UserId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    state: Option<PasskeyRegistration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    attested: Option<AttestedPasskeyRegistration>,
}

impl RegistrationState {
    /// Whose passkey is being created.
    #[must_use]
    pub fn user_id(&self) -> &UserId {
        &self.user_id
    }
}

/// What the server knows about the request that finished a registration.
#[derive(Debug, Clone)]
pub struct RegistrationContext {
    pub now: UnixTime,
    /// The browser's `User-Agent`, kept (shortened) to help the user tell
    /// passkeys apart.
    pub user_agent: Option<String>,
    /// A name the user chose; the AAGUID table's name otherwise.
    pub friendly_name: Option<String>,
}

impl PasskeyService {
    /// Start creating a passkey for `user`. `existing` are the user's current
    /// credentials: they go into `excludeCredentials` (L3 §5.4
    /// `excludeCredentials`) so an authenticator that already holds one says
    /// so instead of making a duplicate.
    ///
    /// The options require a discoverable credential (`residentKey:
    /// "required"`, L3 §5.4.6), because usernameless and autofill sign-in
    /// only find discoverable ones; user verification is required.
    /// Attestation is `none` (webauthn-rs's passkey defaults) unless the
    /// operator configured an [`crate::AttestationPolicy`]: then the
    /// authenticator is asked for its attestation, and only one that chains
    /// to a trusted root for an allowed AAGUID can finish (webauthn-rs
    /// verifies both; see `docs/configuration.md`, `[passkeys]`).
    pub fn start_registration(
        &self,
        user: &User,
        existing: &[PasskeyCredential],
    ) -> Result<(CreationChallengeResponse, RegistrationState), CeremonyError> {
        let handle = user_handle(&user.id)?;
        let exclude: Vec<CredentialID> = existing
            .iter()
            .map(|c| CredentialID::from(c.credential_id.as_bytes().to_vec()))
            .collect();
        let exclude = (!exclude.is_empty()).then_some(exclude);
        let (mut options, state) = match &self.attestation {
            None => {
                let (options, state) = self
                    .webauthn
                    .start_passkey_registration(handle, &user.username, &user.display_name, exclude)
                    .map_err(|e| CeremonyError::Config(e.to_string()))?;
                (options, (Some(state), None))
            }
            Some(policy) => {
                let (options, state) = self
                    .webauthn
                    .start_attested_passkey_registration(
                        handle,
                        &user.username,
                        &user.display_name,
                        exclude,
                        policy.ca_list().clone(),
                        None,
                    )
                    .map_err(|e| CeremonyError::Config(e.to_string()))?;
                (options, (None, Some(state)))
            }
        };
        // Fail closed: without authenticatorSelection the browser would be
        // free to create a non-discoverable credential.
        let selection = options
            .public_key
            .authenticator_selection
            .as_mut()
            .ok_or_else(|| {
                CeremonyError::Config("webauthn-rs sent no authenticatorSelection".into())
            })?;
        selection.resident_key = Some(webauthn_rs_proto::ResidentKeyRequirement::Required);
        // L3 §5.4.6: set for Level 1 clients, true iff residentKey is required.
        selection.require_resident_key = true;
        let state = RegistrationState {
            user_id: user.id.clone(),
            state: state.0,
            attested: state.1,
        };
        Ok((options, state))
    }

    /// Verify the browser's response against the state and build the
    /// credential record to store. The caller inserts it; the store refuses
    /// an id already registered to anyone (L3 §7.1 step "credentialId is not
    /// yet registered").
    pub fn finish_registration(
        &self,
        response: &RegisterPublicKeyCredential,
        state: &RegistrationState,
        context: RegistrationContext,
    ) -> Result<PasskeyCredential, CeremonyError> {
        // An attested credential becomes an ordinary `Passkey` once
        // registered: sign-in verifies both kinds the same way.
        let (passkey, attested): (Passkey, bool) = match (&state.state, &state.attested) {
            (Some(plain), None) => (
                self.webauthn
                    .finish_passkey_registration(response, plain)
                    .map_err(CeremonyError::from_webauthn)?,
                false,
            ),
            (None, Some(attested)) => (
                self.webauthn
                    .finish_attested_passkey_registration(response, attested)
                    .map_err(CeremonyError::from_attestation)?
                    .into(),
                true,
            ),
            _ => {
                return Err(CeremonyError::Malformed(
                    "registration state holds no single ceremony".into(),
                ));
            }
        };
        let credential_id = CredentialId::try_from(passkey.cred_id().as_ref())?;
        if response
            .extensions
            .cred_props
            .as_ref()
            .is_some_and(|props| props.rk == Some(false))
        {
            return Err(CeremonyError::NotDiscoverable);
        }
        let data = parse_attestation_object(response.response.attestation_object.as_ref())
            .map_err(|e| CeremonyError::Malformed(e.to_string()))?;
        if data.credential_id != credential_id.as_bytes() {
            return Err(CeremonyError::Malformed(
                "credential id differs between the response and its authenticator data".into(),
            ));
        }
        // webauthn-rs checked the AAGUID against the policy's list while
        // verifying the attestation; checking again here keeps the stored
        // flag right even if the policy changed since the ceremony began.
        let hardware_attested = attested
            && self
                .attestation
                .as_ref()
                .is_some_and(|policy| policy.allows(data.aaguid));
        let friendly_name = match context.friendly_name.as_deref() {
            Some(name) => crate::credential::normalise_friendly_name(name)
                .map_err(|e| CeremonyError::Malformed(e.to_string()))?,
            None => self.names.default_name(data.aaguid).to_owned(),
        };
        let passkey =
            serde_json::to_string(&passkey).map_err(|e| CeremonyError::Malformed(e.to_string()))?;
        Ok(PasskeyCredential {
            credential_id,
            user_id: state.user_id.clone(),
            passkey,
            counter: data.counter,
            backup_eligible: data.backup_eligible,
            backup_state: data.backup_state,
            transports: transports(response),
            aaguid: data.aaguid,
            friendly_name,
            created_at: context.now,
            last_used_at: None,
            user_agent: context
                .user_agent
                .map(|ua| shorten(&ua, MAX_USER_AGENT_CHARS)),
            hardware_attested,
        })
    }
}

/// The transports the client reported (L3 §5.2.1 `getTransports()`), in
/// their wire spelling, so later `allowCredentials` can carry them.
fn transports(response: &RegisterPublicKeyCredential) -> Vec<String> {
    match serde_json::to_value(&response.response.transports) {
        Ok(serde_json::Value::Array(items)) => items
            .into_iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

fn shorten(s: &str, max_chars: usize) -> String {
    s.chars()
        .filter(|c| !c.is_control())
        .take(max_chars)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agents_are_shortened_and_cleaned() {
        assert_eq!(shorten("Mozilla/5.0\n(X11)", 100), "Mozilla/5.0(X11)");
        assert_eq!(shorten(&"a".repeat(300), 256).len(), 256);
    }
}

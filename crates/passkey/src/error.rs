//! Why a ceremony failed on the server, and how that reads as a
//! [`PasskeyFailure`] for the user.

use webauthn_rs::prelude::WebauthnError;

use crate::credential::CredentialIdError;
use crate::failure::PasskeyFailure;

/// A ceremony step that did not succeed. Messages are for logs; users see
/// the [`PasskeyFailure`] from [`CeremonyError::failure`].
#[derive(Debug, thiserror::Error)]
pub enum CeremonyError {
    /// The relying party settings were rejected (bad RP ID or origin).
    #[error("invalid WebAuthn configuration: {0}")]
    Config(String),
    /// User handles are the user's UUID (16 bytes, no personal data, as
    /// WebAuthn L3 §5.4.3 asks); this id is not one.
    #[error("user id {0:?} is not a UUID and cannot be a WebAuthn user handle")]
    UserHandle(String),
    /// Identifier-first sign-in was asked for a user without passkeys.
    #[error("the user has no passkeys to offer")]
    NoCredentials,
    /// The credential id is empty or longer than 1023 bytes (L3 §7.1).
    #[error(transparent)]
    CredentialId(#[from] CredentialIdError),
    /// The credential is not registered, or not to the user this ceremony is
    /// for (L3 §7.2 step 6).
    #[error("the credential is not registered here, or not to this user")]
    UnknownCredential,
    /// The origin or RP ID hash did not match (L3 §7.1 steps 9 and 13,
    /// §7.2 steps 13 and 15).
    #[error("origin or RP ID rejected: {0}")]
    Security(String),
    /// Signature, challenge, type or format checks failed.
    #[error("verification failed: {0}")]
    Verification(String),
    /// The UV flag was clear although verification is required (L3 §7.2 step 17).
    #[error("user verification was not performed")]
    UserNotVerified,
    /// The signature counter did not move forward (L3 §6.1.1, §7.2 step 22).
    #[error("signature counter went from {stored} to {presented}")]
    CounterRegressed { stored: u32, presented: u32 },
    /// The BE flag differs from the one registered; it is fixed for a
    /// credential's life (L3 §6.1.3), so this is not the same authenticator.
    #[error("backup eligibility differs from the registered credential")]
    BackupEligibilityChanged,
    /// The client reported (credProps, L3 §10.1.3) that the new credential is
    /// not discoverable; Latchkey's sign-in depends on discoverable ones.
    #[error("the authenticator created a credential that is not discoverable")]
    NotDiscoverable,
    /// An attestation policy is configured and the authenticator's
    /// attestation is missing, does not chain to a trusted root, or names
    /// a model not on the allow-list (L3 §7.1 steps 21–24).
    #[error("attestation not accepted: {0}")]
    AttestationRejected(String),
    /// A stored passkey or a response could not be read.
    #[error("malformed data: {0}")]
    Malformed(String),
}

impl CeremonyError {
    /// Map a webauthn-rs verification error: origin and RP ID mismatches are
    /// security errors, a missing UV flag is its own case, anything else
    /// failed verification.
    pub(crate) fn from_webauthn(e: WebauthnError) -> Self {
        match e {
            WebauthnError::InvalidRPOrigin | WebauthnError::InvalidRPIDHash => {
                Self::Security(e.to_string())
            }
            WebauthnError::UserNotVerified => Self::UserNotVerified,
            other => Self::Verification(format!("{other:?}")),
        }
    }

    /// Map an error of an attested registration: webauthn-rs's attestation
    /// errors (its `Attestation…` variants: missing, unverifiable or
    /// untrusted attestation, AAGUID not allowed) mean the operator's policy
    /// refused this authenticator; anything else as [`Self::from_webauthn`].
    pub(crate) fn from_attestation(e: WebauthnError) -> Self {
        let name = format!("{e:?}");
        if name.starts_with("Attestation") || name.contains("Aaguid") {
            Self::AttestationRejected(name)
        } else {
            Self::from_webauthn(e)
        }
    }

    /// What to tell the user. `NoCredentials` reads as `NoPasskeyAtAll`,
    /// which describes an account: it arises only in identifier-first flows,
    /// and callers must not show it to a visitor who may not learn whether
    /// the account exists (see [`crate::classify`]).
    #[must_use]
    pub fn failure(&self) -> PasskeyFailure {
        match self {
            Self::UnknownCredential => PasskeyFailure::UnknownCredential,
            Self::Security(_) => PasskeyFailure::SecurityError,
            Self::NotDiscoverable | Self::AttestationRejected(_) => PasskeyFailure::NotSupported,
            Self::NoCredentials => PasskeyFailure::NoPasskeyAtAll,
            _ => PasskeyFailure::VerificationFailed,
        }
    }
}

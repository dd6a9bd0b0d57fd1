//! WebAuthn ceremonies on webauthn-rs, credential records and the
//! classification of passkey failures.
//!
//! - [`PasskeyService`]: the relying party (one `webauthn_rs::Webauthn`),
//!   registration ([`PasskeyService::start_registration`]) and sign-in,
//!   usernameless ([`PasskeyService::start_discoverable_authentication`],
//!   with autofill or a button) and identifier-first
//!   ([`PasskeyService::start_identified_authentication`]). Ceremony state
//!   is serde-serialisable for the ephemeral store.
//! - [`PasskeyCredential`] and [`CredentialRepo`]: the durable record and the
//!   storage seam `latchkey-store` implements.
//! - [`AaguidNames`]: default names for new passkeys.
//! - [`classify`]: why a passkey sign-in failed, without revealing accounts.
//!
//! Nothing here does I/O; the server stores state and records.

mod aaguid;
mod attestation;
mod authdata;
mod authentication;
mod credential;
mod error;
mod failure;
pub mod invitation;
mod registration;
mod service;

pub use aaguid::{AaguidNames, AaguidTableError, GENERIC_NAME};
pub use attestation::{AttestationPolicy, AttestationPolicyError, TrustedRoot};
pub use authentication::{
    AssertionOutcome, AuthenticationState, Mediation, PresentedCredential, auth_method,
};
pub use credential::{
    CredentialId, CredentialIdError, CredentialRepo, CredentialUse, FriendlyNameError,
    MAX_CREDENTIAL_ID_LEN, MAX_FRIENDLY_NAME_CHARS, PasskeyCredential, check_counter,
    normalise_friendly_name,
};
pub use error::CeremonyError;
pub use failure::{ClientReport, PasskeyFailure, ServerKnowledge, classify};
pub use registration::{RegistrationContext, RegistrationState};
pub use service::{DEFAULT_TIMEOUT, PasskeyConfig, PasskeyService};

/// The browser-facing WebAuthn JSON types, re-exported so callers need not
/// depend on webauthn-rs themselves: options to send
/// (`CreationChallengeResponse`, `RequestChallengeResponse`) and responses
/// to receive (`RegisterPublicKeyCredential`, `PublicKeyCredential`).
pub mod webauthn {
    pub use webauthn_rs::prelude::{
        CreationChallengeResponse, PublicKeyCredential, RegisterPublicKeyCredential,
        RequestChallengeResponse,
    };
}

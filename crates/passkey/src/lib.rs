//! WebAuthn ceremonies on webauthn-rs, credential records and the
//! classification of passkey failures.
//!
//! Empty until the passkeys issue lands: this crate holds only what works.

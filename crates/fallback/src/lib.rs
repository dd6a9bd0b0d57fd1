//! What happens when a passkey sign-in does not work.
//!
//! - [`policy`]: the `[fallback]` policy language (enabled methods, two-factor
//!   combinations, per-client overrides), parsed and validated.
//! - [`engine`]: the pure, deterministic fallback engine: from the client's
//!   requirement, its policy, the account's methods, the passkey failure and
//!   the device, decide which alternatives to offer, best first, or refuse
//!   (`docs/fallback-policy.md`).
//! - [`factors`] and [`repo`]: the fallback methods' secrets and their
//!   durable records.

/// Durable records of the fallback factors, known devices and sign-in
/// events, and the repository traits `latchkey-store` implements.
pub mod repo;

/// Secrets of the fallback methods: one-time codes, magic-link tokens, TOTP,
/// recovery codes and passwords (generate, hash, verify in constant time).
pub mod factors;

/// The fallback policy language: `[fallback]` configuration, validation and
/// per-client resolution.
pub mod policy;

/// The fallback policy engine: which alternatives to offer after a passkey
/// failure (pure, no I/O).
pub mod engine;

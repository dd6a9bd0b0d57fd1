//! Signing keys: generation, encryption at rest, rotation rules and the
//! parsed key set that signs and verifies JWTs (RFC 7515, RFC 7517, RFC 7518).
//!
//! Pure crypto and rules, no I/O: the durable records live behind
//! [`KeyRepo`] (implemented by `latchkey-store`), and the server keeps one
//! parsed [`KeySet`] in memory, rebuilt from the database on an interval.
//!
//! A key's life, in instants stored with it:
//!
//! ```text
//! created_at ──── activates_at ──────────── retires_at ──────────── expires_at
//!  published in JWKS (pre-publication)  signs       published, verifies only   gone
//! ```
//!
//! - **Pre-publication**: relying parties cache the JWKS (we send
//!   `Cache-Control: max-age`), so a key is published before it signs; an RP
//!   holding a cached JWKS already knows the key when the first token signed
//!   with it arrives, instead of failing or re-fetching under load.
//! - **Retention**: a retired key stays published until every token it signed
//!   has expired (`expires_at = retires_at + max token lifetime`), so tokens
//!   issued just before a rotation keep verifying.

mod es256;
mod generate;
mod rotation;
mod seal;
mod set;
#[cfg(test)]
mod tests;

use latchkey_core::{RepoError, UnixTime};

use crate::alg::SigningAlg;

pub use generate::{GeneratedKey, generate};
pub use rotation::{KeyState, Retirement, Rotation, initial_keys, new_stored_key, rotate};
pub use seal::{open, seal};
pub use set::{CLOCK_SKEW_LEEWAY_SECS, KeySet};

/// A signing key as stored: the public JWK in the clear, the private key
/// sealed (see [`seal`]), and the instants that govern its life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredKey {
    /// Key id (`kid`, RFC 7515 §4.1.4): the RFC 7638 thumbprint of the
    /// public key.
    pub kid: String,
    pub alg: SigningAlg,
    /// The public JWK as JSON text (RFC 7517 §4).
    pub public_jwk: String,
    /// PKCS#8 DER sealed with AES-256-GCM under the encryption key
    /// (`v1.<nonce>.<ciphertext>`). Never the key in the clear.
    pub private_key: String,
    /// Published in the JWKS from this instant.
    pub created_at: UnixTime,
    /// Signs from this instant.
    pub activates_at: UnixTime,
    /// Stops signing at this instant (still verifies).
    pub retires_at: Option<UnixTime>,
    /// Leaves the JWKS at this instant; no token it signed is still valid.
    pub expires_at: Option<UnixTime>,
}

impl StoredKey {
    /// Where this key is in its life at `now`.
    #[must_use]
    pub fn state(&self, now: UnixTime) -> KeyState {
        KeyState::of(self, now)
    }
}

/// Durable signing-key storage, implemented by `latchkey-store`.
#[allow(async_fn_in_trait)]
pub trait KeyRepo {
    /// Insert one key; `Conflict("kid")` when the kid exists.
    async fn insert_key(&self, key: &StoredKey) -> Result<(), RepoError>;
    /// Insert `keys` in one transaction, but only if the table holds no key
    /// at all; `Ok(false)` when some key already existed (another node that
    /// started at the same time won, so the caller re-reads). Concurrent
    /// callers are serialised by the backend, so exactly one first set exists.
    async fn insert_keys_if_empty(&self, keys: &[StoredKey]) -> Result<bool, RepoError>;
    /// Every stored key, oldest first.
    async fn list_keys(&self) -> Result<Vec<StoredKey>, RepoError>;
    /// Set a key's retirement and expiry; `NotFound` when it does not exist.
    async fn retire_key(
        &self,
        kid: &str,
        retires_at: UnixTime,
        expires_at: UnixTime,
    ) -> Result<(), RepoError>;
    /// Delete keys whose `expires_at` is at or before `now`; how many went.
    async fn delete_expired_keys(&self, now: UnixTime) -> Result<u64, RepoError>;
}

/// Why a key operation failed. Messages name the key, never key material.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("key generation failed: {0}")]
    Generate(String),
    #[error("encryption failed")]
    Seal,
    /// Wrong encryption key, a sealed key moved to another row, or a
    /// tampered record: AES-GCM cannot tell these apart, by design.
    #[error("cannot decrypt signing key {0}: wrong keys.encryption_key, or the record was altered")]
    Open(String),
    #[error("signing key {kid} is malformed: {reason}")]
    Malformed { kid: String, reason: String },
    #[error("no active {0} signing key")]
    NoActiveKey(SigningAlg),
    #[error("signing failed: {0}")]
    Sign(String),
    #[error("invalid token: {0}")]
    Token(#[from] TokenError),
}

/// Why a JWT was refused. Callers may branch on these (an expired token is
/// reported differently from a forged one); the text never echoes the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("not a well-formed JWS")]
    Malformed,
    /// `none`, HMAC, or any algorithm we do not sign with (RFC 8725 §3.1).
    #[error("algorithm not accepted")]
    Algorithm,
    #[error("unknown or expired key id")]
    UnknownKey,
    #[error("unsupported critical header parameter")]
    Critical,
    #[error("unexpected token type")]
    Type,
    #[error("signature does not verify")]
    Signature,
    #[error("token has expired")]
    Expired,
    #[error("token is not yet valid")]
    NotYetValid,
    #[error("claims do not match: {0}")]
    Claims(String),
}

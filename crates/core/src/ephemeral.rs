//! The ephemeral store contract: short-lived state with a TTL.
//!
//! Login flows, WebAuthn ceremony state, authorization codes, OTPs, rate-limit
//! counters and browser sessions live here. Every value expires; a value read
//! after its TTL is gone. Implementations: in-process memory (the embedded
//! default) and Redis (shared by several nodes), both in `latchkey-store`.

use std::time::Duration;

/// Why an ephemeral-store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum EphemeralError {
    /// The backing service could not be reached or timed out. Callers answer
    /// 503 and the user can retry; nothing was half-written.
    #[error("ephemeral store unavailable: {0}")]
    Unavailable(String),
    /// The in-memory store is at its configured capacity even after reclaiming
    /// expired entries. Refusing is safer than evicting live security state
    /// (an attacker could otherwise flush rate-limit counters).
    #[error("ephemeral store is full ({0} entries)")]
    Full(usize),
    /// A zero TTL or an empty key: a programming error, reported not panicked.
    #[error("invalid ephemeral operation: {0}")]
    Invalid(&'static str),
}

/// Short-lived key/value state with a TTL on every entry.
///
/// Keys are namespaced by the caller (`flow:…`, `code:…`); implementations may
/// add their own prefix. All operations are atomic with respect to each other,
/// also across processes for shared backends.
#[allow(async_fn_in_trait)]
pub trait Ephemeral {
    /// Store `value` under `key` for `ttl`, replacing any previous value.
    async fn put(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), EphemeralError>;

    /// Store `value` only if `key` holds no live value. Returns whether it was
    /// stored.
    async fn put_if_absent(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
    ) -> Result<bool, EphemeralError>;

    /// The live value under `key`, if any.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, EphemeralError>;

    /// Atomically read and delete: of any number of concurrent takes of one
    /// key, across processes, exactly one receives the value.
    async fn take(&self, key: &str) -> Result<Option<Vec<u8>>, EphemeralError>;

    /// Delete `key`. Returns whether a live value was removed.
    async fn delete(&self, key: &str) -> Result<bool, EphemeralError>;

    /// Atomically delete `key` only if its live value is `value`: a lock's
    /// owner releases its own lock, never one another holder took after it
    /// lapsed. Returns whether it was removed.
    async fn delete_if(&self, key: &str, value: &[u8]) -> Result<bool, EphemeralError>;

    /// Increment the counter under `key` and return the new value. The first
    /// increment creates the counter with `ttl` (a fixed window); later
    /// increments keep the original expiry.
    async fn increment(&self, key: &str, ttl: Duration) -> Result<u64, EphemeralError>;

    /// Check the backend answers (for `/readyz`).
    async fn ping(&self) -> Result<(), EphemeralError>;
}

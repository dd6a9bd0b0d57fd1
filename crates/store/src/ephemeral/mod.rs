//! The ephemeral store: short-lived state with a TTL on every entry.
//!
//! Two backends behind one type, chosen by URL scheme: in-process memory (the
//! embedded default, so `cargo run` needs nothing else) and Redis (shared by
//! several nodes, because any request may land on any node). Both pass the
//! same conformance suite (`tests/it/ephemeral.rs`).
//!
//! Counters made by [`Ephemeral::increment`] read back through `get` as the
//! decimal ASCII of their value on both backends (that is what Redis stores).

mod memory;
mod redis;

use std::time::Duration;

use latchkey_core::{Ephemeral, EphemeralError};

pub use self::memory::MemoryStore;
pub use self::redis::RedisStore;

/// The longest TTL accepted. A guard against arithmetic overflow (an
/// `Instant` plus a huge duration, a Redis `PX` beyond `i64`), not a policy:
/// nothing Latchkey keeps ephemerally lives anywhere near this long.
pub(crate) const MAX_TTL: Duration = Duration::from_secs(10 * 366 * 24 * 60 * 60);

/// Settings shared by both backends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EphemeralOptions {
    /// Memory backend: the most entries held at once. At this bound writes of
    /// new keys fail with [`EphemeralError::Full`] rather than evicting live
    /// entries, so memory stays bounded under a flood of new login flows.
    pub max_entries: usize,
    /// Redis backend: prepended to every key, so several deployments (or
    /// test runs) can share one Redis without seeing each other's state.
    pub key_prefix: String,
    /// Redis backend: the bound on connecting and on every operation. A slow
    /// Redis must turn into a quick 503, not a pile of hung requests.
    pub timeout: Duration,
}

impl Default for EphemeralOptions {
    fn default() -> Self {
        Self {
            max_entries: 100_000,
            key_prefix: "latchkey:".to_owned(),
            timeout: Duration::from_secs(2),
        }
    }
}

/// The configured ephemeral store. Cloning is cheap and clones share state.
#[derive(Debug, Clone)]
pub enum EphemeralStore {
    /// In-process memory: one node only.
    Memory(MemoryStore),
    /// Redis: shared by every node.
    Redis(RedisStore),
}

impl EphemeralStore {
    /// Open the store named by `url`: `memory://` (or `memory:`) for the
    /// in-process store, `redis://` or `rediss://` for Redis.
    ///
    /// A Redis that cannot be reached fails here, within `options.timeout`,
    /// so a misconfigured node refuses to start instead of failing every
    /// sign-in later.
    ///
    /// # Errors
    ///
    /// [`EphemeralError::Unavailable`] for an unknown scheme or an unreachable
    /// Redis; [`EphemeralError::Invalid`] for a zero `max_entries` or
    /// `timeout`.
    pub async fn connect(url: &str, options: EphemeralOptions) -> Result<Self, EphemeralError> {
        let scheme = url
            .split_once(':')
            .map(|(scheme, _)| scheme.to_ascii_lowercase());
        match scheme.as_deref() {
            Some("memory") => {
                if options.max_entries == 0 {
                    return Err(EphemeralError::Invalid(
                        "ephemeral max_entries must be positive",
                    ));
                }
                Ok(Self::Memory(MemoryStore::new(options.max_entries)))
            }
            Some("redis" | "rediss") => {
                if options.timeout.is_zero() {
                    return Err(EphemeralError::Invalid(
                        "ephemeral timeout must be positive",
                    ));
                }
                Ok(Self::Redis(RedisStore::connect(url, &options).await?))
            }
            // The URL itself is not echoed: it may carry a Redis password.
            _ => Err(EphemeralError::Unavailable(
                "unsupported ephemeral store URL: expected memory://, redis:// or rediss://"
                    .to_owned(),
            )),
        }
    }

    /// `"memory"` or `"redis"`, for logs and `/readyz`.
    #[must_use]
    pub fn backend_name(&self) -> &'static str {
        match self {
            Self::Memory(_) => "memory",
            Self::Redis(_) => "redis",
        }
    }
}

impl Ephemeral for EphemeralStore {
    async fn put(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), EphemeralError> {
        match self {
            Self::Memory(s) => s.put(key, value, ttl).await,
            Self::Redis(s) => s.put(key, value, ttl).await,
        }
    }

    async fn put_if_absent(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
    ) -> Result<bool, EphemeralError> {
        match self {
            Self::Memory(s) => s.put_if_absent(key, value, ttl).await,
            Self::Redis(s) => s.put_if_absent(key, value, ttl).await,
        }
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, EphemeralError> {
        match self {
            Self::Memory(s) => s.get(key).await,
            Self::Redis(s) => s.get(key).await,
        }
    }

    async fn take(&self, key: &str) -> Result<Option<Vec<u8>>, EphemeralError> {
        match self {
            Self::Memory(s) => s.take(key).await,
            Self::Redis(s) => s.take(key).await,
        }
    }

    async fn delete(&self, key: &str) -> Result<bool, EphemeralError> {
        match self {
            Self::Memory(s) => s.delete(key).await,
            Self::Redis(s) => s.delete(key).await,
        }
    }

    async fn delete_if(&self, key: &str, value: &[u8]) -> Result<bool, EphemeralError> {
        match self {
            Self::Memory(s) => s.delete_if(key, value).await,
            Self::Redis(s) => s.delete_if(key, value).await,
        }
    }

    async fn increment(&self, key: &str, ttl: Duration) -> Result<u64, EphemeralError> {
        match self {
            Self::Memory(s) => s.increment(key, ttl).await,
            Self::Redis(s) => s.increment(key, ttl).await,
        }
    }

    async fn ping(&self) -> Result<(), EphemeralError> {
        match self {
            Self::Memory(s) => s.ping().await,
            Self::Redis(s) => s.ping().await,
        }
    }
}

/// An empty key is a caller bug (a missing id spliced into `flow:{id}`);
/// storing it would let unrelated callers collide on one entry.
pub(crate) fn check_key(key: &str) -> Result<(), EphemeralError> {
    if key.is_empty() {
        return Err(EphemeralError::Invalid("empty ephemeral key"));
    }
    Ok(())
}

/// A zero TTL would store something already dead (or, in Redis, be rejected
/// by the server); every ephemeral value must expire, so there is no "no TTL".
pub(crate) fn check_ttl(ttl: Duration) -> Result<(), EphemeralError> {
    if ttl.is_zero() {
        return Err(EphemeralError::Invalid("zero ephemeral TTL"));
    }
    if ttl > MAX_TTL {
        return Err(EphemeralError::Invalid("ephemeral TTL too long"));
    }
    Ok(())
}

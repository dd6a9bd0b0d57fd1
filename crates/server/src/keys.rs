//! The signing keys every request handler uses: one parsed
//! [`KeySet`], shared by all workers, rebuilt from the database on an
//! interval so that a rotation done on one node (or by `latchkey keys
//! rotate`) is picked up by every node within [`DEFAULT_REFRESH_INTERVAL`].
//!
//! The database is the source of truth; this is a cache that may be stale
//! without harm, because rotation pre-publishes keys for longer than the
//! refresh interval plus the JWKS `max-age` (see `docs/operations.md`).

use std::sync::{Arc, PoisonError, RwLock, Weak};
use std::time::Duration;

use latchkey_core::{Clock, RepoError};
use latchkey_oidc::SigningAlg;
use latchkey_oidc::keys::{KeyError, KeyRepo as _, KeySet, StoredKey, initial_keys};
use latchkey_store::Db;

/// How often each node re-reads the signing keys.
pub const DEFAULT_REFRESH_INTERVAL: Duration = Duration::from_secs(60);

/// The longest lifetime of any token we sign (ID and access tokens are at
/// most a day: configuration validation bounds `tokens.id_token_ttl_secs`
/// and `tokens.access_token_ttl_secs` to 86400, and a compile-time assertion
/// in `config::resolve` fails if this constant drops below that bound;
/// logout tokens minutes). A retired key stays in the JWKS this long after
/// its last signature. Generous on purpose: keeping a public key published
/// longer costs nothing, dropping it early breaks valid tokens.
pub const MAX_TOKEN_LIFETIME_SECS: i64 = 24 * 3600;

/// Default pre-publication of a rotated key: a day, so that relying parties
/// which cache the JWKS far longer than our `max-age` (many libraries keep
/// it for hours) still see the new key before it signs.
pub const DEFAULT_PREPUBLISH_SECS: i64 = 24 * 3600;

/// The shortest pre-publication `keys rotate` accepts: every node must have
/// refreshed (`DEFAULT_REFRESH_INTERVAL`) and every cached JWKS must have
/// expired (`JWKS_MAX_AGE_SECS`) before the new key signs; plus a minute of
/// margin for clock skew and slow caches.
pub const MIN_PREPUBLISH_SECS: i64 =
    crate::routes::jwks::JWKS_MAX_AGE_SECS as i64 + DEFAULT_REFRESH_INTERVAL.as_secs() as i64 + 60;

/// Why the key ring could not be loaded or refreshed.
#[derive(Debug, thiserror::Error)]
pub enum KeyRingError {
    #[error("signing keys: {0}")]
    Repo(#[from] RepoError),
    #[error("signing keys: {0}")]
    Key(#[from] KeyError),
}

/// A handle to the current key set; cheap to clone, shared by all workers.
#[derive(Clone)]
pub struct KeyRing {
    /// Readers clone the inner `Arc` and release the lock at once, so the
    /// lock is never held across an `.await` or while signing.
    current: Arc<RwLock<Arc<KeySet>>>,
    enc_key: Arc<[u8; 32]>,
    clock: Arc<dyn Clock>,
    refresh_interval: Duration,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing")
            .field("current", &self.current())
            .field("refresh_interval", &self.refresh_interval)
            .finish_non_exhaustive()
    }
}

impl KeyRing {
    /// Load the keys, creating the first ones on a fresh install. Nodes
    /// that start together on one PostgreSQL database agree on one first
    /// set: the insertion is serialised and the losers re-read.
    pub async fn load(
        db: &Db,
        enc_key: [u8; 32],
        clock: Arc<dyn Clock>,
    ) -> Result<KeyRing, KeyRingError> {
        let mut stored = db.list_keys().await?;
        if stored.is_empty() {
            let now = clock.now();
            // RSA key generation takes a noticeable moment: off the runtime.
            let initial = tokio::task::spawn_blocking(move || initial_keys(&enc_key, now))
                .await
                .map_err(|e| KeyError::Generate(e.to_string()))??;
            if db.insert_keys_if_empty(&initial).await? {
                tracing::info!(
                    kids = ?initial.iter().map(|k| k.kid.as_str()).collect::<Vec<_>>(),
                    "created the first signing keys"
                );
            } else {
                tracing::info!("another node created the first signing keys; using those");
            }
            stored = db.list_keys().await?;
        }
        let set = build(&stored, &enc_key, clock.now())?;
        Ok(KeyRing {
            current: Arc::new(RwLock::new(Arc::new(set))),
            enc_key: Arc::new(enc_key),
            clock,
            refresh_interval: DEFAULT_REFRESH_INTERVAL,
        })
    }

    /// The same ring refreshing every `interval` instead (tests).
    #[must_use]
    pub fn with_refresh_interval(mut self, interval: Duration) -> Self {
        self.refresh_interval = interval;
        self
    }

    /// How often [`KeyRing::spawn_refresher`] re-reads the keys.
    #[must_use]
    pub fn refresh_interval(&self) -> Duration {
        self.refresh_interval
    }

    /// The current key set. Hold the `Arc` for one operation, not forever:
    /// a refresh replaces it.
    #[must_use]
    pub fn current(&self) -> Arc<KeySet> {
        // A writer that panicked mid-swap cannot leave a half-written
        // value (the swap is one assignment), so a poisoned lock is safe
        // to keep using.
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Rebuild the key set from the database and swap it in. On error the
    /// previous set stays in use.
    pub async fn refresh(&self, db: &Db) -> Result<(), KeyRingError> {
        let stored = db.list_keys().await?;
        let set = build(&stored, &self.enc_key, self.clock.now())?;
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(set);
        Ok(())
    }

    /// Refresh in the background every `refresh_interval`. A failed refresh
    /// (database down, a bad record) logs a warning and keeps the previous
    /// set, so signing continues through a database outage. The task ends
    /// by itself once every clone of this ring is dropped (the server
    /// stopped). Returns `false`, after a warning, outside a Tokio runtime.
    pub fn spawn_refresher(&self, db: Db) -> bool {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::warn!("no async runtime: signing keys will not be refreshed");
            return false;
        };
        let weak: Weak<RwLock<Arc<KeySet>>> = Arc::downgrade(&self.current);
        let (enc_key, clock, every) = (
            Arc::clone(&self.enc_key),
            Arc::clone(&self.clock),
            self.refresh_interval,
        );
        runtime.spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick.tick().await; // the first tick is immediate; just loaded
            loop {
                tick.tick().await;
                let Some(current) = weak.upgrade() else {
                    break;
                };
                let ring = KeyRing {
                    current,
                    enc_key: Arc::clone(&enc_key),
                    clock: Arc::clone(&clock),
                    refresh_interval: every,
                };
                if let Err(e) = ring.refresh(&db).await {
                    tracing::warn!(error = %e, "signing keys: refresh failed; keeping the previous set");
                }
            }
        });
        true
    }
}

fn build(
    stored: &[StoredKey],
    enc_key: &[u8; 32],
    now: latchkey_core::UnixTime,
) -> Result<KeySet, KeyError> {
    let set = KeySet::from_stored(stored, enc_key, now)?;
    for alg in SigningAlg::ALL {
        if !set.has_active(alg, now) {
            tracing::warn!(%alg, "no active signing key; run `latchkey keys rotate --alg {alg}`");
        }
    }
    Ok(set)
}

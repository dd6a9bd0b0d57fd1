//! A short-lived, in-process copy of client records.
//!
//! Every `/token`, `/introspect` and `/authorize` request looks its client
//! up; clients change rarely. Answering from memory saves a database round
//! trip (and a hop to the blocking pool) on each of those requests.
//!
//! Freshness:
//! - a change made through this process's [`Db`](super::Db) (tests, the
//!   server itself) is seen at once: writes clear the entry, and a lookup
//!   that raced a write never stores what it read before the write;
//! - a change made by another process (the `latchkey client …` CLI, another
//!   node) is seen within the time-to-live.
//!
//! Only clients that exist are kept, and at most [`MAX_ENTRIES`] of them, so
//! a stream of made-up client ids cannot grow it.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use latchkey_oidc::Client;

/// The most clients kept at once.
pub const MAX_ENTRIES: usize = 1024;

#[derive(Debug, Default)]
struct Inner {
    entries: HashMap<String, (Instant, Client)>,
    /// Bumped by every write; a lookup stores its result only if no write
    /// happened since it started.
    generation: u64,
}

/// Client records by id, each for at most `ttl`.
#[derive(Debug)]
pub struct ClientCache {
    ttl: Duration,
    inner: Mutex<Inner>,
}

impl ClientCache {
    /// A cache keeping records for `ttl` (zero: keep nothing).
    #[must_use]
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            inner: Mutex::new(Inner::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // The map holds plain data; a panic elsewhere cannot leave it torn.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The fresh record for `id`, or the generation to hand back to
    /// [`ClientCache::store`] after reading the database.
    pub fn get(&self, id: &str) -> Result<Client, u64> {
        let inner = self.lock();
        match inner.entries.get(id) {
            Some((at, client)) if at.elapsed() < self.ttl => Ok(client.clone()),
            _ => Err(inner.generation),
        }
    }

    /// Keep `client`, read from the database by a lookup that started at
    /// `generation`, unless a write happened meanwhile.
    pub fn store(&self, generation: u64, client: &Client) {
        if self.ttl.is_zero() {
            return;
        }
        let mut inner = self.lock();
        if inner.generation != generation {
            return;
        }
        let ttl = self.ttl;
        if inner.entries.len() >= MAX_ENTRIES {
            inner.entries.retain(|_, (at, _)| at.elapsed() < ttl);
        }
        if inner.entries.len() < MAX_ENTRIES || inner.entries.contains_key(&client.id.0) {
            inner
                .entries
                .insert(client.id.0.clone(), (Instant::now(), client.clone()));
        }
    }

    /// Forget `id` (after it was written) and refuse lookups in flight.
    pub fn invalidate(&self, id: &str) {
        let mut inner = self.lock();
        inner.generation = inner.generation.wrapping_add(1);
        inner.entries.remove(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use latchkey_oidc::{ClientId, NewClient};

    fn client(id: &str) -> Client {
        let mut c = NewClient {
            name: "Shop".into(),
            redirect_uris: vec!["https://shop.example/cb".into()],
            ..NewClient::default()
        }
        .into_client(
            id.into(),
            Some("sha256$x".into()),
            latchkey_core::UnixTime(0),
        )
        .unwrap();
        c.id = ClientId(id.into());
        c
    }

    #[test]
    fn a_stored_client_is_answered_until_it_expires() {
        let cache = ClientCache::new(Duration::from_millis(50));
        let g = cache.get("shop").unwrap_err();
        cache.store(g, &client("shop"));
        assert_eq!(cache.get("shop").unwrap().id.0, "shop");
        std::thread::sleep(Duration::from_millis(60));
        assert!(cache.get("shop").is_err());
    }

    #[test]
    fn a_write_during_a_lookup_keeps_the_old_record_out() {
        let cache = ClientCache::new(Duration::from_secs(60));
        let g = cache.get("shop").unwrap_err();
        cache.invalidate("shop");
        cache.store(g, &client("shop"));
        assert!(cache.get("shop").is_err());
    }

    #[test]
    fn invalidate_forgets_the_record() {
        let cache = ClientCache::new(Duration::from_secs(60));
        let g = cache.get("shop").unwrap_err();
        cache.store(g, &client("shop"));
        cache.invalidate("shop");
        assert!(cache.get("shop").is_err());
    }

    #[test]
    fn zero_ttl_keeps_nothing() {
        let cache = ClientCache::new(Duration::ZERO);
        let g = cache.get("shop").unwrap_err();
        cache.store(g, &client("shop"));
        assert!(cache.get("shop").is_err());
    }

    #[test]
    fn the_cache_stays_bounded() {
        let cache = ClientCache::new(Duration::from_secs(60));
        for i in 0..MAX_ENTRIES + 10 {
            let g = cache.get("x").unwrap_err();
            cache.store(g, &client(&format!("c{i}")));
        }
        assert_eq!(cache.lock().entries.len(), MAX_ENTRIES);
        assert!(cache.get(&format!("c{}", MAX_ENTRIES + 5)).is_err());
        assert!(cache.get("c0").is_ok());
    }
}

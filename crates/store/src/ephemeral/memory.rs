//! The in-process ephemeral store: the embedded default for one node.
//!
//! Bounded, and never evicts live entries: if an attacker could push out
//! entries by creating many new ones, rate-limit and attempt counters would be
//! flushable. At capacity (after reclaiming expired entries) writes of new keys
//! fail with [`EphemeralError::Full`], which callers answer with a 503.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use latchkey_core::{Ephemeral, EphemeralError};

use super::{check_key, check_ttl};

/// Ephemeral state in this process's memory. Clones share the same map.
#[derive(Debug, Clone)]
pub struct MemoryStore {
    inner: Arc<Mutex<Inner>>,
    max_entries: usize,
}

#[derive(Debug, Default)]
struct Inner {
    map: HashMap<String, Entry>,
    /// New keys inserted since the last sweep; a sweep runs once this reaches
    /// half the map's size, so its O(n) cost is amortised over O(n) writes.
    writes_since_sweep: usize,
    /// A lower bound on every stored expiry (`None` when empty). Until `now`
    /// reaches it nothing can have expired, so a sweep, even one at capacity
    /// on every refused write, costs O(1) instead of a scan.
    earliest_expiry: Option<Instant>,
}

#[derive(Debug)]
struct Entry {
    /// Raw bytes; counters hold their value as decimal ASCII, as in Redis.
    value: Vec<u8>,
    expires_at: Instant,
}

impl Entry {
    fn is_live(&self, now: Instant) -> bool {
        now < self.expires_at
    }
}

impl MemoryStore {
    /// An empty store holding at most `max_entries` entries.
    #[must_use]
    pub fn new(max_entries: usize) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Inner::default())),
            max_entries,
        }
    }

    /// Entries currently held, including expired ones not yet reclaimed
    /// (they are never returned, but they do use memory).
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    /// Whether no entries are held at all.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.lock().map.is_empty()
    }

    /// Reclaim every expired entry now and return how many were removed.
    /// Writes already do this amortised; a periodic call also frees memory on
    /// an idle node.
    pub fn purge_expired(&self) -> usize {
        self.lock().sweep(Instant::now())
    }

    /// Reclaim expired entries every `every`, on the current tokio runtime,
    /// so an idle node gives back the memory of a burst (writes reclaim
    /// only as they come). The task holds no strong reference: it ends once
    /// the last clone of this store is dropped.
    pub fn spawn_sweeper(&self, every: Duration) {
        let inner = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick.tick().await;
            loop {
                tick.tick().await;
                let Some(inner) = inner.upgrade() else {
                    break;
                };
                let removed = inner
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .sweep(Instant::now());
                if removed > 0 {
                    tracing::debug!(removed, "expired ephemeral entries reclaimed");
                }
            }
        });
    }

    /// A poisoned lock only means another thread panicked while holding it.
    /// Every mutation below is a single map operation, so the map is still
    /// consistent; recovering keeps one panic from failing every later
    /// sign-in on this node.
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn expiry(now: Instant, ttl: Duration) -> Result<Instant, EphemeralError> {
        check_ttl(ttl)?;
        now.checked_add(ttl)
            .ok_or(EphemeralError::Invalid("ephemeral TTL too long"))
    }
}

impl Inner {
    /// The entry under `key` if it is live; an expired one is removed, so it
    /// can never be read.
    fn live(&mut self, key: &str, now: Instant) -> Option<&mut Entry> {
        if self.map.get(key).is_some_and(|e| !e.is_live(now)) {
            self.map.remove(key);
            return None;
        }
        self.map.get_mut(key)
    }

    /// Remove expired entries; returns how many.
    fn sweep(&mut self, now: Instant) -> usize {
        self.writes_since_sweep = 0;
        if self.earliest_expiry.is_none_or(|t| now < t) {
            return 0;
        }
        let before = self.map.len();
        self.map.retain(|_, e| e.is_live(now));
        self.earliest_expiry = self.map.values().map(|e| e.expires_at).min();
        before - self.map.len()
    }

    /// Make room to store `key`. Replacing an existing key (live or not)
    /// does not grow the map; a new key may trigger the amortised sweep, and
    /// at capacity always sweeps before refusing. Live entries are never
    /// evicted.
    fn reserve(&mut self, key: &str, now: Instant, max: usize) -> Result<(), EphemeralError> {
        if self.map.contains_key(key) {
            return Ok(());
        }
        self.writes_since_sweep += 1;
        if self.writes_since_sweep >= self.map.len() / 2 {
            self.sweep(now);
        }
        if self.map.len() >= max {
            self.sweep(now);
            if self.map.len() >= max {
                return Err(EphemeralError::Full(max));
            }
        }
        Ok(())
    }

    fn insert(&mut self, key: &str, value: Vec<u8>, expires_at: Instant) {
        self.earliest_expiry = Some(
            self.earliest_expiry
                .map_or(expires_at, |t| t.min(expires_at)),
        );
        self.map.insert(key.to_owned(), Entry { value, expires_at });
    }

    fn put(
        &mut self,
        key: &str,
        value: &[u8],
        expires_at: Instant,
        now: Instant,
        max: usize,
    ) -> Result<(), EphemeralError> {
        self.reserve(key, now, max)?;
        self.insert(key, value.to_vec(), expires_at);
        Ok(())
    }

    fn increment(
        &mut self,
        key: &str,
        expires_at: Instant,
        now: Instant,
        max: usize,
    ) -> Result<u64, EphemeralError> {
        if let Some(entry) = self.live(key, now) {
            // A fixed window: the count grows, the expiry stays. Extending it
            // would let steady guessing keep a lockout alive forever, or
            // (for the caller's view) never let the window close.
            let next = std::str::from_utf8(&entry.value)
                .ok()
                .and_then(|s| s.parse::<u64>().ok())
                .ok_or(EphemeralError::Invalid("increment of a non-counter value"))?
                .checked_add(1)
                .ok_or(EphemeralError::Invalid("ephemeral counter overflow"))?;
            entry.value = next.to_string().into_bytes();
            return Ok(next);
        }
        self.reserve(key, now, max)?;
        self.insert(key, b"1".to_vec(), expires_at);
        Ok(1)
    }
}

impl Ephemeral for MemoryStore {
    async fn put(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), EphemeralError> {
        check_key(key)?;
        check_ttl(ttl)?;
        let mut inner = self.lock();
        // `now` is read under the lock so no thread judges liveness with a
        // clock reading older than another thread's write.
        let now = Instant::now();
        inner.put(key, value, Self::expiry(now, ttl)?, now, self.max_entries)
    }

    async fn put_if_absent(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
    ) -> Result<bool, EphemeralError> {
        check_key(key)?;
        check_ttl(ttl)?;
        let mut inner = self.lock();
        let now = Instant::now();
        let expires_at = Self::expiry(now, ttl)?;
        if inner.live(key, now).is_some() {
            return Ok(false);
        }
        inner.put(key, value, expires_at, now, self.max_entries)?;
        Ok(true)
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, EphemeralError> {
        check_key(key)?;
        let mut inner = self.lock();
        let now = Instant::now();
        Ok(inner.live(key, now).map(|e| e.value.clone()))
    }

    async fn take(&self, key: &str) -> Result<Option<Vec<u8>>, EphemeralError> {
        check_key(key)?;
        let mut inner = self.lock();
        let now = Instant::now();
        // Remove first, then judge: an expired entry goes too, and under the
        // one lock exactly one concurrent caller can receive a live value.
        Ok(inner
            .map
            .remove(key)
            .filter(|e| e.is_live(now))
            .map(|e| e.value))
    }

    async fn delete(&self, key: &str) -> Result<bool, EphemeralError> {
        check_key(key)?;
        let mut inner = self.lock();
        let now = Instant::now();
        Ok(inner.map.remove(key).is_some_and(|e| e.is_live(now)))
    }

    async fn delete_if(&self, key: &str, value: &[u8]) -> Result<bool, EphemeralError> {
        check_key(key)?;
        let mut inner = self.lock();
        let now = Instant::now();
        let held = inner.live(key, now).is_some_and(|e| e.value == value);
        Ok(held && inner.map.remove(key).is_some())
    }

    async fn increment(&self, key: &str, ttl: Duration) -> Result<u64, EphemeralError> {
        check_key(key)?;
        check_ttl(ttl)?;
        let mut inner = self.lock();
        let now = Instant::now();
        inner.increment(key, Self::expiry(now, ttl)?, now, self.max_entries)
    }

    async fn ping(&self) -> Result<(), EphemeralError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[tokio::test]
    async fn the_sweeper_reclaims_without_writes_and_stops_with_the_store() {
        let store = MemoryStore::new(100);
        for i in 0..10 {
            let key = format!("k{i}");
            store
                .put(&key, b"v", Duration::from_millis(20))
                .await
                .unwrap();
        }
        store.put("live", b"v", 60 * S).await.unwrap();
        store.spawn_sweeper(Duration::from_millis(25));
        let weak = Arc::downgrade(&store.inner);
        let deadline = Instant::now() + 5 * S;
        while store.len() > 1 {
            assert!(Instant::now() < deadline, "still {} entries", store.len());
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(store.get("live").await.unwrap().as_deref(), Some(&b"v"[..]));
        drop(store);
        assert!(weak.upgrade().is_none(), "the sweeper keeps no store alive");
    }

    fn filled(n: usize, now: Instant, ttl: Duration) -> Inner {
        let mut inner = Inner::default();
        for i in 0..n {
            inner.insert(&format!("k{i}"), vec![1], now + ttl);
        }
        inner
    }

    #[test]
    fn sweep_before_earliest_expiry_scans_nothing() {
        let t0 = Instant::now();
        let mut inner = filled(10, t0, S);
        assert_eq!(inner.sweep(t0), 0);
        assert_eq!(inner.map.len(), 10);
        assert_eq!(inner.earliest_expiry, Some(t0 + S));
    }

    #[test]
    fn sweep_removes_only_expired_and_recomputes_bound() {
        let t0 = Instant::now();
        let mut inner = filled(4, t0, S);
        inner.insert("long", vec![2], t0 + 10 * S);
        assert_eq!(inner.sweep(t0 + 2 * S), 4);
        assert_eq!(inner.map.len(), 1);
        assert_eq!(inner.earliest_expiry, Some(t0 + 10 * S));
        assert_eq!(inner.sweep(t0 + 20 * S), 1);
        assert_eq!(inner.earliest_expiry, None);
    }

    #[test]
    fn amortised_sweep_reclaims_expired_entries_below_capacity() {
        let t0 = Instant::now();
        let mut inner = filled(100, t0, S);
        let later = t0 + 2 * S;
        inner.writes_since_sweep = 0;
        // Far below capacity: the sweep comes from the write count alone.
        for i in 0..100 {
            inner
                .put(&format!("n{i}"), b"v", later + S, later, 1_000)
                .unwrap();
        }
        // Without the sweep all 200 would still be held.
        assert_eq!(inner.map.len(), 100);
        assert!(inner.map.keys().all(|k| k.starts_with('n')));
    }

    #[test]
    fn at_capacity_refuses_without_evicting_live_entries() {
        let t0 = Instant::now();
        let mut inner = filled(3, t0, S);
        let err = inner.put("new", b"v", t0 + S, t0, 3).unwrap_err();
        assert!(matches!(err, EphemeralError::Full(3)));
        assert_eq!(inner.map.len(), 3);
        // Replacing an existing key needs no room.
        inner.put("k0", b"w", t0 + S, t0, 3).unwrap();
        // Once they expire, the at-capacity sweep makes room.
        inner.put("new", b"v", t0 + 3 * S, t0 + 2 * S, 3).unwrap();
        assert_eq!(inner.map.len(), 1);
    }

    #[test]
    fn live_removes_an_expired_entry() {
        let t0 = Instant::now();
        let mut inner = filled(1, t0, S);
        assert!(inner.live("k0", t0).is_some());
        assert!(inner.live("k0", t0 + S).is_none());
        assert!(inner.map.is_empty());
    }

    #[test]
    fn increment_keeps_the_first_expiry() {
        let t0 = Instant::now();
        let mut inner = Inner::default();
        assert_eq!(inner.increment("c", t0 + S, t0, 10).unwrap(), 1);
        assert_eq!(inner.increment("c", t0 + 9 * S, t0, 10).unwrap(), 2);
        assert_eq!(inner.map["c"].expires_at, t0 + S);
        assert_eq!(inner.map["c"].value, b"2");
        assert_eq!(inner.increment("c", t0 + 3 * S, t0 + 2 * S, 10).unwrap(), 1);
    }

    #[test]
    fn increment_of_bytes_is_invalid() {
        let t0 = Instant::now();
        let mut inner = Inner::default();
        inner.put("b", &[0xff], t0 + S, t0, 10).unwrap();
        let err = inner.increment("b", t0 + S, t0, 10).unwrap_err();
        assert!(matches!(err, EphemeralError::Invalid(_)));
    }

    #[test]
    fn poisoned_lock_is_recovered() {
        let store = MemoryStore::new(10);
        let clone = store.clone();
        let _ = std::thread::spawn(move || {
            let _guard = clone.inner.lock().unwrap();
            panic!("poison the lock");
        })
        .join();
        assert!(store.inner.is_poisoned());
        assert_eq!(store.len(), 0);
        assert_eq!(store.purge_expired(), 0);
    }
}

//! The ephemeral-store conformance suite: every case is written once and run
//! against each backend (memory and Redis), because callers rely on the
//! contract, not on a backend. Redis cases use a random key prefix per test so
//! they run in parallel on one shared Redis; all keys carry TTLs and vanish.

use std::time::{Duration, Instant};

use latchkey_core::{Ephemeral, EphemeralError};
use latchkey_store::ephemeral::MemoryStore;
use latchkey_store::testing;
use latchkey_store::{EphemeralOptions, EphemeralStore};
use tokio::task::JoinSet;
use tokio::time::sleep;

const LONG: Duration = Duration::from_secs(60);
const SHORT: Duration = Duration::from_millis(50);
const PAST_SHORT: Duration = Duration::from_millis(120);

async fn memory_store() -> EphemeralStore {
    EphemeralStore::connect("memory://", EphemeralOptions::default())
        .await
        .unwrap()
}

async fn redis_store_with(test: &str, prefix: &str) -> Option<EphemeralStore> {
    let options = EphemeralOptions {
        key_prefix: prefix.to_owned(),
        ..EphemeralOptions::default()
    };
    match EphemeralStore::connect(&testing::redis_url(), options).await {
        Ok(store) => Some(store),
        Err(err) => {
            testing::unreachable("Redis", test, &err);
            None
        }
    }
}

async fn redis_store(test: &str) -> Option<EphemeralStore> {
    redis_store_with(test, &testing::unique_prefix(test)).await
}

macro_rules! conformance {
    ($($case:ident),+ $(,)?) => {
        mod memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let store = super::memory_store().await;
                    assert_eq!(store.backend_name(), "memory");
                    super::$case(&store).await;
                }
            )+
        }
        mod redis {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let test = concat!("ephemeral::redis::", stringify!($case));
                    if let Some(store) = super::redis_store(test).await {
                        assert_eq!(store.backend_name(), "redis");
                        super::$case(&store).await;
                    }
                }
            )+
        }
    };
}

conformance!(
    put_then_get_roundtrips,
    put_replaces_value_and_ttl,
    expired_entries_are_gone,
    put_if_absent_stores_only_once,
    take_returns_the_value_once,
    delete_reports_whether_it_removed,
    delete_if_removes_only_the_expected_value,
    increment_counts_in_a_fixed_window,
    increment_keeps_the_original_expiry,
    zero_ttl_and_empty_key_are_invalid,
    binary_values_roundtrip,
    concurrent_takes_yield_exactly_one_value,
    concurrent_increments_are_all_counted,
    racing_put_if_absent_has_one_winner,
    ping_answers,
);

async fn put_then_get_roundtrips(store: &EphemeralStore) {
    assert_eq!(store.get("flow:a").await.unwrap(), None);
    store.put("flow:a", b"state", LONG).await.unwrap();
    assert_eq!(
        store.get("flow:a").await.unwrap().as_deref(),
        Some(&b"state"[..])
    );
    // A read does not consume.
    assert_eq!(
        store.get("flow:a").await.unwrap().as_deref(),
        Some(&b"state"[..])
    );
}

async fn put_replaces_value_and_ttl(store: &EphemeralStore) {
    store.put("k", b"one", SHORT).await.unwrap();
    store.put("k", b"two", LONG).await.unwrap();
    assert_eq!(store.get("k").await.unwrap().as_deref(), Some(&b"two"[..]));
    sleep(PAST_SHORT).await;
    assert_eq!(store.get("k").await.unwrap().as_deref(), Some(&b"two"[..]));
}

async fn expired_entries_are_gone(store: &EphemeralStore) {
    store.put("k", b"v", SHORT).await.unwrap();
    store.put("t", b"v", SHORT).await.unwrap();
    store.put("d", b"v", SHORT).await.unwrap();
    assert!(store.get("k").await.unwrap().is_some());
    sleep(PAST_SHORT).await;
    assert_eq!(store.get("k").await.unwrap(), None);
    assert_eq!(store.take("t").await.unwrap(), None);
    assert!(!store.delete("d").await.unwrap());
    assert!(store.put_if_absent("k", b"again", LONG).await.unwrap());
    assert_eq!(
        store.get("k").await.unwrap().as_deref(),
        Some(&b"again"[..])
    );
}

async fn put_if_absent_stores_only_once(store: &EphemeralStore) {
    assert!(store.put_if_absent("k", b"first", LONG).await.unwrap());
    assert!(!store.put_if_absent("k", b"second", LONG).await.unwrap());
    assert_eq!(
        store.get("k").await.unwrap().as_deref(),
        Some(&b"first"[..])
    );
}

async fn take_returns_the_value_once(store: &EphemeralStore) {
    store.put("code:x", b"grant", LONG).await.unwrap();
    assert_eq!(
        store.take("code:x").await.unwrap().as_deref(),
        Some(&b"grant"[..])
    );
    assert_eq!(store.take("code:x").await.unwrap(), None);
    assert_eq!(store.get("code:x").await.unwrap(), None);
}

async fn delete_reports_whether_it_removed(store: &EphemeralStore) {
    store.put("k", b"v", LONG).await.unwrap();
    assert!(store.delete("k").await.unwrap());
    assert!(!store.delete("k").await.unwrap());
    assert_eq!(store.get("k").await.unwrap(), None);
}

async fn delete_if_removes_only_the_expected_value(store: &EphemeralStore) {
    store.put("lock", b"mine", LONG).await.unwrap();
    assert!(!store.delete_if("lock", b"theirs").await.unwrap());
    assert_eq!(
        store.get("lock").await.unwrap().as_deref(),
        Some(&b"mine"[..])
    );
    assert!(store.delete_if("lock", b"mine").await.unwrap());
    assert_eq!(store.get("lock").await.unwrap(), None);
    assert!(!store.delete_if("lock", b"mine").await.unwrap());
    assert!(matches!(
        store.delete_if("", b"x").await,
        Err(EphemeralError::Invalid(_))
    ));
}

async fn increment_counts_in_a_fixed_window(store: &EphemeralStore) {
    let window = Duration::from_millis(100);
    assert_eq!(store.increment("rl", window).await.unwrap(), 1);
    assert_eq!(store.increment("rl", window).await.unwrap(), 2);
    assert_eq!(store.increment("rl", window).await.unwrap(), 3);
    // Counters read back as decimal ASCII on every backend.
    assert_eq!(store.get("rl").await.unwrap().as_deref(), Some(&b"3"[..]));
    sleep(Duration::from_millis(200)).await;
    assert_eq!(store.increment("rl", window).await.unwrap(), 1);
}

async fn increment_keeps_the_original_expiry(store: &EphemeralStore) {
    let window = Duration::from_millis(300);
    assert_eq!(store.increment("rl", window).await.unwrap(), 1);
    sleep(Duration::from_millis(100)).await;
    // A later increment with a longer TTL must not extend the window.
    assert_eq!(store.increment("rl", LONG).await.unwrap(), 2);
    sleep(Duration::from_millis(300)).await;
    assert_eq!(store.increment("rl", LONG).await.unwrap(), 1);
}

fn assert_invalid<T: std::fmt::Debug>(result: Result<T, EphemeralError>, what: &str) {
    assert!(
        matches!(result, Err(EphemeralError::Invalid(_))),
        "{what}: expected Invalid, got {result:?}"
    );
}

async fn zero_ttl_and_empty_key_are_invalid(store: &EphemeralStore) {
    let zero = Duration::ZERO;
    assert_invalid(store.put("k", b"v", zero).await, "put zero ttl");
    assert_invalid(
        store.put_if_absent("k", b"v", zero).await,
        "put_if_absent zero ttl",
    );
    assert_invalid(store.increment("k", zero).await, "increment zero ttl");
    assert_invalid(store.put("", b"v", LONG).await, "put empty key");
    assert_invalid(
        store.put_if_absent("", b"v", LONG).await,
        "put_if_absent empty key",
    );
    assert_invalid(store.get("").await, "get empty key");
    assert_invalid(store.take("").await, "take empty key");
    assert_invalid(store.delete("").await, "delete empty key");
    assert_invalid(store.increment("", LONG).await, "increment empty key");
    // Nothing was stored by the refused writes.
    assert_eq!(store.get("k").await.unwrap(), None);
}

async fn binary_values_roundtrip(store: &EphemeralStore) {
    let odd = vec![0x00, 0xff, 0xfe, 0x80, b'\r', b'\n', 0x00, 0xc3, 0x28];
    store.put("bin", &odd, LONG).await.unwrap();
    assert_eq!(store.get("bin").await.unwrap(), Some(odd.clone()));
    assert_eq!(store.take("bin").await.unwrap(), Some(odd));

    let big: Vec<u8> = (0..=255u8).cycle().take(64 * 1024).collect();
    store.put("big", &big, LONG).await.unwrap();
    assert_eq!(store.get("big").await.unwrap(), Some(big));

    store.put("empty", b"", LONG).await.unwrap();
    assert_eq!(store.get("empty").await.unwrap(), Some(Vec::new()));
}

async fn concurrent_takes_yield_exactly_one_value(store: &EphemeralStore) {
    store.put("code:race", b"grant", LONG).await.unwrap();
    let mut tasks = JoinSet::new();
    for _ in 0..100 {
        let store = store.clone();
        tasks.spawn(async move { store.take("code:race").await.unwrap() });
    }
    let got: Vec<Vec<u8>> = tasks.join_all().await.into_iter().flatten().collect();
    assert_eq!(got, vec![b"grant".to_vec()]);
}

async fn concurrent_increments_are_all_counted(store: &EphemeralStore) {
    let mut tasks = JoinSet::new();
    for _ in 0..100 {
        let store = store.clone();
        tasks.spawn(async move { store.increment("rl:race", LONG).await.unwrap() });
    }
    let mut counts = tasks.join_all().await;
    counts.sort_unstable();
    assert_eq!(counts, (1..=100).collect::<Vec<u64>>());
    assert_eq!(
        store.get("rl:race").await.unwrap().as_deref(),
        Some(&b"100"[..])
    );
}

async fn racing_put_if_absent_has_one_winner(store: &EphemeralStore) {
    let mut tasks = JoinSet::new();
    for i in 0..50u32 {
        let store = store.clone();
        tasks.spawn(async move {
            let value = i.to_string().into_bytes();
            let won = store.put_if_absent("lock", &value, LONG).await.unwrap();
            won.then_some(value)
        });
    }
    let winners: Vec<Vec<u8>> = tasks.join_all().await.into_iter().flatten().collect();
    assert_eq!(winners.len(), 1, "winners: {winners:?}");
    assert_eq!(store.get("lock").await.unwrap(), winners.into_iter().next());
}

async fn ping_answers(store: &EphemeralStore) {
    store.ping().await.unwrap();
}

mod memory_only {
    use super::*;

    async fn memory_with(max_entries: usize) -> (EphemeralStore, MemoryStore) {
        let options = EphemeralOptions {
            max_entries,
            ..EphemeralOptions::default()
        };
        let store = EphemeralStore::connect("memory://", options).await.unwrap();
        let EphemeralStore::Memory(mem) = &store else {
            panic!("memory:// gave {}", store.backend_name());
        };
        let mem = mem.clone();
        (store, mem)
    }

    #[tokio::test]
    async fn full_store_refuses_new_keys_and_never_evicts_live_ones() {
        let (store, mem) = memory_with(10).await;
        for i in 0..10 {
            store.put(&format!("k{i}"), b"v", SHORT).await.unwrap();
        }
        let err = store.put("k10", b"v", LONG).await.unwrap_err();
        assert!(matches!(err, EphemeralError::Full(10)), "{err:?}");
        assert!(matches!(
            store.increment("rl", LONG).await,
            Err(EphemeralError::Full(10))
        ));
        assert!(matches!(
            store.put_if_absent("k10", b"v", LONG).await,
            Err(EphemeralError::Full(10))
        ));
        // Every live entry survived, and replacing one needs no room.
        assert_eq!(mem.len(), 10);
        assert!(store.get("k9").await.unwrap().is_some());
        store.put("k0", b"w", SHORT).await.unwrap();

        sleep(PAST_SHORT).await;
        store.put("k10", b"v", LONG).await.unwrap();
        assert_eq!(mem.len(), 1);
    }

    #[tokio::test]
    async fn expired_entries_are_reclaimed_by_later_writes() {
        let (store, mem) = memory_with(1_000).await;
        for i in 0..100 {
            store.put(&format!("old{i}"), b"v", SHORT).await.unwrap();
        }
        assert_eq!(mem.len(), 100);
        sleep(PAST_SHORT).await;
        for i in 0..100 {
            store.put(&format!("new{i}"), b"v", LONG).await.unwrap();
        }
        // Far below capacity, the amortised sweep still reclaimed them all.
        assert_eq!(mem.len(), 100);
        store.put("short", b"v", SHORT).await.unwrap();
        sleep(PAST_SHORT).await;
        assert_eq!(mem.purge_expired(), 1);
        assert_eq!(mem.len(), 100);
    }

    #[tokio::test]
    async fn unknown_scheme_is_refused_naming_the_accepted_ones() {
        for url in ["postgres://x", "memcached://h", "nonsense", ""] {
            let err = EphemeralStore::connect(url, EphemeralOptions::default())
                .await
                .unwrap_err();
            let EphemeralError::Unavailable(msg) = &err else {
                panic!("{url}: {err:?}");
            };
            assert!(
                msg.contains("memory://") && msg.contains("redis://"),
                "{msg}"
            );
        }
        let store = EphemeralStore::connect("memory:", EphemeralOptions::default()).await;
        assert_eq!(store.unwrap().backend_name(), "memory");
    }
}

mod redis_only {
    use super::*;

    #[tokio::test]
    async fn keys_are_stored_under_the_prefix_with_a_ttl() {
        let test = "ephemeral::redis_only::keys_are_stored_under_the_prefix_with_a_ttl";
        let prefix = testing::unique_prefix("prefix");
        let Some(store) = redis_store_with(test, &prefix).await else {
            return;
        };
        store.put("flow:abc", b"v", LONG).await.unwrap();
        store.increment("rl:abc", LONG).await.unwrap();

        let client = ::redis::Client::open(testing::redis_url()).unwrap();
        let mut raw = client.get_multiplexed_async_connection().await.unwrap();
        for key in ["flow:abc", "rl:abc"] {
            let full = format!("{prefix}{key}");
            let exists: bool = ::redis::cmd("EXISTS")
                .arg(&full)
                .query_async(&mut raw)
                .await
                .unwrap();
            assert!(exists, "{full} missing");
            let pttl: i64 = ::redis::cmd("PTTL")
                .arg(&full)
                .query_async(&mut raw)
                .await
                .unwrap();
            assert!(pttl > 0 && pttl <= 60_000, "{full} PTTL {pttl}");
        }
    }

    #[tokio::test]
    async fn unreachable_redis_fails_fast_with_unavailable() {
        let start = Instant::now();
        let err = EphemeralStore::connect("redis://127.0.0.1:1", EphemeralOptions::default())
            .await
            .unwrap_err();
        let elapsed = start.elapsed();
        assert!(elapsed < Duration::from_secs(3), "took {elapsed:?}");
        let EphemeralError::Unavailable(msg) = &err else {
            panic!("{err:?}");
        };
        assert!(msg.contains("127.0.0.1:1"), "{msg}");
    }

    #[tokio::test]
    async fn redis_url_password_is_not_echoed() {
        let url = "redis://user:s3cret-pw@127.0.0.1:1";
        let err = EphemeralStore::connect(url, EphemeralOptions::default())
            .await
            .unwrap_err();
        assert!(!err.to_string().contains("s3cret-pw"), "{err}");
    }
}

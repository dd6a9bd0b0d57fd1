//! The Redis ephemeral store: state shared by every Latchkey node.
//!
//! Each operation is one Redis command (or one Lua script), so it is atomic
//! across processes, which is what single-use codes and rate-limit counters
//! need when any request may land on any node. Requires Redis >= 6.2
//! (`GETDEL`).
//!
//! Every operation is bounded by the configured timeout and reports failures
//! as [`EphemeralError::Unavailable`]: a slow or absent Redis becomes a quick
//! 503, never a hung request or a panic. A timed-out write or `take` may still
//! have happened on the server; callers treat the error as a failure, which
//! fails closed (a consumed code is not handed out; a stored value expires).
//!
//! Each thread that uses the store has its own multiplexed connection, made
//! on first use there. redis-rs runs a connection's reader and writer as a
//! task on the runtime that made it; with one shared connection, every
//! command from an HTTP worker went to the thread that started the server
//! and its reply came back, two thread wake-ups per command, which was
//! about a third of a passkey sign-in's CPU on the shared stack
//! (`docs/performance.md`). With a connection per worker thread the task
//! runs on the worker's own runtime.

use std::cell::RefCell;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use ::redis::aio::{ConnectionManager, ConnectionManagerConfig};
use ::redis::{Client, RedisResult, Script, Value};
use latchkey_core::{Ephemeral, EphemeralError};

use super::{EphemeralOptions, check_key, check_ttl};

/// `INCR`, and a `PEXPIRE` only when the counter has no expiry yet (it was
/// just created): later increments keep the window's original end. Checking
/// `PTTL` rather than "result is 1" also repairs a counter that somehow lost
/// its TTL, which would otherwise be a lockout that never ends. `pcall`
/// turns "not an integer" into -1 so the caller can report `Invalid`.
/// Plain `PEXPIRE` without `NX` keeps this working on Redis < 7.
const INCREMENT_LUA: &str = r"
local n = redis.pcall('INCR', KEYS[1])
if type(n) == 'table' then return -1 end
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
";

/// `DEL` only if the value is still the caller's (a lock released by its
/// owner only); one script, so no other command runs in between.
const DELETE_IF_LUA: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
";

/// Reconnection attempts per reconnect before an operation fails; a later
/// operation starts a fresh reconnect, so the store recovers whenever Redis
/// comes back (after a restart or failover) without restarting Latchkey.
const RECONNECT_RETRIES: usize = 3;
/// The first back-off between reconnection attempts (grows exponentially).
const RECONNECT_MIN_DELAY: Duration = Duration::from_millis(50);

/// What every thread's connection is made from.
struct Target {
    /// Tells this store's connections from another store's (tests run
    /// several stores in one process).
    id: u64,
    client: Client,
    config: ConnectionManagerConfig,
    /// `host:port`, for messages (never the URL, which may hold a password).
    addr: String,
}

static NEXT_STORE: AtomicU64 = AtomicU64::new(0);

/// A store on a runtime: a connection's task lives on the runtime that
/// made it, so a thread that runs a new runtime (tests do) gets a new one.
type Slot = (u64, Option<tokio::runtime::Id>);

thread_local! {
    /// This thread's connection to each live store.
    static CONNECTIONS: RefCell<Vec<(Slot, Weak<Target>, ConnectionManager)>> =
        const { RefCell::new(Vec::new()) };
}

/// Ephemeral state in Redis, shared by every node. Clones share the
/// connections: one per thread that uses the store (see the module docs).
#[derive(Clone)]
pub struct RedisStore {
    target: Arc<Target>,
    prefix: Arc<str>,
    timeout: Duration,
    increment: Arc<Script>,
    delete_if: Arc<Script>,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("addr", &self.target.addr)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// Connect and check that Redis answers, all within `options.timeout`.
    ///
    /// # Errors
    ///
    /// [`EphemeralError::Unavailable`] naming the address (never the URL, which
    /// may hold a password) when the URL is invalid or Redis does not answer.
    pub async fn connect(url: &str, options: &EphemeralOptions) -> Result<Self, EphemeralError> {
        let client = Client::open(url).map_err(|e| {
            EphemeralError::Unavailable(format!("invalid Redis URL for the ephemeral store: {e}"))
        })?;
        let addr = client.get_connection_info().addr().to_string();
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(options.timeout))
            .set_response_timeout(Some(options.timeout))
            .set_number_of_retries(RECONNECT_RETRIES)
            .set_min_delay(RECONNECT_MIN_DELAY)
            .set_max_delay(options.timeout);
        let store = Self {
            target: Arc::new(Target {
                id: NEXT_STORE.fetch_add(1, Ordering::Relaxed),
                client,
                config,
                addr,
            }),
            prefix: Arc::from(options.key_prefix.as_str()),
            timeout: options.timeout,
            increment: Arc::new(Script::new(INCREMENT_LUA)),
            delete_if: Arc::new(Script::new(DELETE_IF_LUA)),
        };
        // Fail at start, with a clear message, if Redis does not answer.
        let mut conn = store.conn().await?;
        store
            .run("PING", async move {
                ::redis::cmd("PING").query_async::<Value>(&mut conn).await
            })
            .await
            .map_err(|e| store.unreachable(&e.to_string()))?;
        Ok(store)
    }

    fn unreachable(&self, why: &str) -> EphemeralError {
        EphemeralError::Unavailable(format!(
            "cannot reach Redis at {} for the ephemeral store: {why}",
            self.target.addr
        ))
    }

    /// This thread's connection, made now if it has none yet.
    async fn conn(&self) -> Result<ConnectionManager, EphemeralError> {
        let runtime = tokio::runtime::Handle::try_current().ok().map(|h| h.id());
        let id = (self.target.id, runtime);
        let found = CONNECTIONS.with(|c| {
            c.borrow()
                .iter()
                .find(|(i, ..)| *i == id)
                .map(|(.., conn)| conn.clone())
        });
        if let Some(conn) = found {
            return Ok(conn);
        }
        let connecting = ConnectionManager::new_with_config(
            self.target.client.clone(),
            self.target.config.clone(),
        );
        let conn = match tokio::time::timeout(self.timeout, connecting).await {
            Ok(Ok(conn)) => conn,
            Ok(Err(e)) => return Err(self.unreachable(&e.to_string())),
            Err(_) => return Err(self.unreachable(&format!("no answer within {:?}", self.timeout))),
        };
        CONNECTIONS.with(|c| {
            let mut c = c.borrow_mut();
            // A thread runs one runtime at a time: connections made under
            // another one, and those of dropped stores, are let go.
            c.retain(|((_, rt), store, _)| *rt == runtime && store.strong_count() > 0);
            if !c.iter().any(|(i, ..)| *i == id) {
                c.push((id, Arc::downgrade(&self.target), conn.clone()));
            }
        });
        Ok(conn)
    }

    fn key(&self, key: &str) -> Result<String, EphemeralError> {
        check_key(key)?;
        Ok(format!("{}{key}", self.prefix))
    }

    /// Run one Redis operation under the store's timeout.
    async fn run<T>(
        &self,
        op: &'static str,
        fut: impl Future<Output = RedisResult<T>>,
    ) -> Result<T, EphemeralError> {
        match tokio::time::timeout(self.timeout, fut).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(EphemeralError::Unavailable(format!("Redis {op}: {e}"))),
            Err(_) => Err(EphemeralError::Unavailable(format!(
                "Redis {op}: no answer within {:?}",
                self.timeout
            ))),
        }
    }
}

/// The TTL in whole milliseconds, rounded up so a value never expires
/// earlier than asked and a sub-millisecond TTL still gets the 1 ms minimum.
fn ttl_millis(ttl: Duration) -> Result<u64, EphemeralError> {
    check_ttl(ttl)?;
    u64::try_from(ttl.as_nanos().div_ceil(1_000_000))
        .map_err(|_| EphemeralError::Invalid("ephemeral TTL too long"))
}

impl Ephemeral for RedisStore {
    async fn put(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), EphemeralError> {
        let (key, ms) = (self.key(key)?, ttl_millis(ttl)?);
        let mut conn = self.conn().await?;
        self.run("SET", async move {
            ::redis::cmd("SET")
                .arg(&key)
                .arg(value)
                .arg("PX")
                .arg(ms)
                .query_async::<Value>(&mut conn)
                .await
        })
        .await?;
        Ok(())
    }

    async fn put_if_absent(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
    ) -> Result<bool, EphemeralError> {
        let (key, ms) = (self.key(key)?, ttl_millis(ttl)?);
        let mut conn = self.conn().await?;
        let reply = self
            .run("SET NX", async move {
                ::redis::cmd("SET")
                    .arg(&key)
                    .arg(value)
                    .arg("NX")
                    .arg("PX")
                    .arg(ms)
                    .query_async::<Value>(&mut conn)
                    .await
            })
            .await?;
        // `SET … NX` answers OK when it stored and nil when the key existed.
        Ok(!matches!(reply, Value::Nil))
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, EphemeralError> {
        let key = self.key(key)?;
        let mut conn = self.conn().await?;
        self.run("GET", async move {
            ::redis::cmd("GET").arg(&key).query_async(&mut conn).await
        })
        .await
    }

    async fn take(&self, key: &str) -> Result<Option<Vec<u8>>, EphemeralError> {
        let key = self.key(key)?;
        let mut conn = self.conn().await?;
        // GETDEL is one command: of concurrent takes on any nodes, exactly one
        // gets the value (authorization codes are single use, RFC 6749 §4.1.2).
        self.run("GETDEL", async move {
            ::redis::cmd("GETDEL")
                .arg(&key)
                .query_async(&mut conn)
                .await
        })
        .await
    }

    async fn delete(&self, key: &str) -> Result<bool, EphemeralError> {
        let key = self.key(key)?;
        let mut conn = self.conn().await?;
        let removed: u64 = self
            .run("DEL", async move {
                ::redis::cmd("DEL").arg(&key).query_async(&mut conn).await
            })
            .await?;
        Ok(removed > 0)
    }

    async fn delete_if(&self, key: &str, value: &[u8]) -> Result<bool, EphemeralError> {
        let key = self.key(key)?;
        let mut conn = self.conn().await?;
        let script = Arc::clone(&self.delete_if);
        let value = value.to_vec();
        let removed: u64 = self
            .run("DEL-IF script", async move {
                script.key(&key).arg(value).invoke_async(&mut conn).await
            })
            .await?;
        Ok(removed > 0)
    }

    async fn increment(&self, key: &str, ttl: Duration) -> Result<u64, EphemeralError> {
        let (key, ms) = (self.key(key)?, ttl_millis(ttl)?);
        let mut conn = self.conn().await?;
        let script = Arc::clone(&self.increment);
        let n: i64 = self
            .run("INCR script", async move {
                script.key(&key).arg(ms).invoke_async(&mut conn).await
            })
            .await?;
        u64::try_from(n).map_err(|_| EphemeralError::Invalid("increment of a non-counter value"))
    }

    async fn ping(&self) -> Result<(), EphemeralError> {
        let mut conn = self.conn().await?;
        self.run("PING", async move {
            ::redis::cmd("PING").query_async::<Value>(&mut conn).await
        })
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Redis's id for the connection this thread's commands use.
    async fn connection_id(store: &RedisStore) -> i64 {
        let mut conn = store.conn().await.unwrap();
        ::redis::cmd("CLIENT")
            .arg("ID")
            .query_async(&mut conn)
            .await
            .unwrap()
    }

    fn on_new_runtime<T>(f: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn each_thread_and_runtime_has_its_own_connection() {
        let test = "ephemeral::redis::each_thread_and_runtime_has_its_own_connection";
        let options = EphemeralOptions {
            key_prefix: crate::testing::unique_prefix(test),
            ..EphemeralOptions::default()
        };
        let made = on_new_runtime(RedisStore::connect(&crate::testing::redis_url(), &options));
        let store = match made {
            Ok(store) => store,
            Err(e) => return crate::testing::unreachable("Redis", test, &e),
        };
        let (first, again) = on_new_runtime(async {
            store.put("k", b"v", Duration::from_secs(60)).await.unwrap();
            (connection_id(&store).await, connection_id(&store).await)
        });
        assert_eq!(first, again, "one thread, one runtime: one connection");

        // Another thread sees the same data over its own connection.
        let other = std::thread::scope(|s| {
            s.spawn(|| {
                on_new_runtime(async {
                    let value = store.get("k").await.unwrap();
                    (value, connection_id(&store).await)
                })
            })
            .join()
            .unwrap()
        });
        assert_eq!(other.0.as_deref(), Some(&b"v"[..]));
        assert_ne!(other.1, first, "another thread has its own connection");

        // The runtime that made this thread's connection is gone (its task
        // with it): a new runtime on the same thread works at once, on a new
        // connection.
        let later = on_new_runtime(async {
            let value = store.get("k").await.unwrap();
            (value, connection_id(&store).await)
        });
        assert_eq!(later.0.as_deref(), Some(&b"v"[..]));
        assert_ne!(later.1, first);
        assert_eq!(
            CONNECTIONS.with(|c| c.borrow().len()),
            1,
            "the dead runtime's connection was let go"
        );
    }

    #[test]
    fn ttl_rounds_up_to_whole_milliseconds() {
        assert_eq!(ttl_millis(Duration::from_micros(1)).unwrap(), 1);
        assert_eq!(ttl_millis(Duration::from_micros(1_500)).unwrap(), 2);
        assert_eq!(ttl_millis(Duration::from_secs(2)).unwrap(), 2_000);
        assert!(matches!(
            ttl_millis(Duration::ZERO),
            Err(EphemeralError::Invalid(_))
        ));
    }
}

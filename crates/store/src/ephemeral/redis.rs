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

use std::future::Future;
use std::sync::Arc;
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

/// Ephemeral state in Redis, shared by every node. Clones share one
/// multiplexed connection.
#[derive(Debug, Clone)]
pub struct RedisStore {
    conn: ConnectionManager,
    prefix: Arc<str>,
    timeout: Duration,
    increment: Arc<Script>,
    delete_if: Arc<Script>,
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
        let target = client.get_connection_info().addr().to_string();
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(options.timeout))
            .set_response_timeout(Some(options.timeout))
            .set_number_of_retries(RECONNECT_RETRIES)
            .set_min_delay(RECONNECT_MIN_DELAY)
            .set_max_delay(options.timeout);
        let fail = |why: String| {
            EphemeralError::Unavailable(format!(
                "cannot reach Redis at {target} for the ephemeral store: {why}"
            ))
        };
        let connecting = async {
            let mut conn = ConnectionManager::new_with_config(client, config).await?;
            let _: Value = ::redis::cmd("PING").query_async(&mut conn).await?;
            Ok::<_, ::redis::RedisError>(conn)
        };
        let conn = match tokio::time::timeout(options.timeout, connecting).await {
            Ok(Ok(conn)) => conn,
            Ok(Err(e)) => return Err(fail(e.to_string())),
            Err(_) => return Err(fail(format!("no answer within {:?}", options.timeout))),
        };
        Ok(Self {
            conn,
            prefix: Arc::from(options.key_prefix.as_str()),
            timeout: options.timeout,
            increment: Arc::new(Script::new(INCREMENT_LUA)),
            delete_if: Arc::new(Script::new(DELETE_IF_LUA)),
        })
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
        let mut conn = self.conn.clone();
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
        let mut conn = self.conn.clone();
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
        let mut conn = self.conn.clone();
        self.run("GET", async move {
            ::redis::cmd("GET").arg(&key).query_async(&mut conn).await
        })
        .await
    }

    async fn take(&self, key: &str) -> Result<Option<Vec<u8>>, EphemeralError> {
        let key = self.key(key)?;
        let mut conn = self.conn.clone();
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
        let mut conn = self.conn.clone();
        let removed: u64 = self
            .run("DEL", async move {
                ::redis::cmd("DEL").arg(&key).query_async(&mut conn).await
            })
            .await?;
        Ok(removed > 0)
    }

    async fn delete_if(&self, key: &str, value: &[u8]) -> Result<bool, EphemeralError> {
        let key = self.key(key)?;
        let mut conn = self.conn.clone();
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
        let mut conn = self.conn.clone();
        let script = Arc::clone(&self.increment);
        let n: i64 = self
            .run("INCR script", async move {
                script.key(&key).arg(ms).invoke_async(&mut conn).await
            })
            .await?;
        u64::try_from(n).map_err(|_| EphemeralError::Invalid("increment of a non-counter value"))
    }

    async fn ping(&self) -> Result<(), EphemeralError> {
        let mut conn = self.conn.clone();
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

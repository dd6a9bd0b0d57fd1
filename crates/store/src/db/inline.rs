//! SQLite's request-path connection: one connection, used on the calling
//! thread, and the checkpointer that keeps its write-ahead log short.
//!
//! A SQLite statement found by key is a few microseconds of work on pages
//! that are already in memory; handing it to a blocking-pool thread and
//! waking the request's thread again cost more than that (about a third of
//! a passkey sign-in's CPU, `docs/performance.md`). So on SQLite [`Db::run`]
//! executes on the calling thread, on one connection behind a mutex:
//!
//! - one connection, so SQLite never makes one of our own writers wait for
//!   another (its busy handler sleeps at least a millisecond, which on a
//!   request thread would stall every request that thread serves), and its
//!   page cache is never invalidated by a sibling connection's write;
//! - no automatic checkpoints on it (`wal_autocheckpoint = 0`): copying the
//!   log into the database and syncing both files is real disk I/O, which
//!   must not run on a request thread. [`spawn_checkpointer`] does it on the
//!   blocking pool instead.
//!
//! Queries that scan (listings, aggregates, purges, migrations) use
//! [`Db::run_long`] and stay on the blocking pool.
//!
//! [`Db::run`]: super::Db::run
//! [`Db::run_long`]: super::Db::run_long

use std::sync::{Mutex, Weak};
use std::time::Duration;

use diesel::connection::SimpleConnection as _;

use super::connection::{AnyConnection, ConnectError, Manager};

/// How often the checkpointer copies the write-ahead log into the database.
pub const CHECKPOINT_INTERVAL: Duration = Duration::from_millis(200);

/// The one SQLite connection requests use.
pub(crate) struct Inline {
    conn: Mutex<AnyConnection>,
    /// To open a fresh connection if a panic left this one mid-statement.
    manager: Manager,
}

impl Inline {
    /// Open the connection with the usual settings, minus automatic
    /// checkpoints.
    pub(crate) fn open(manager: Manager) -> Result<Self, ConnectError> {
        Ok(Self {
            conn: Mutex::new(connect(&manager)?),
            manager,
        })
    }

    /// Run `f` on this thread with the connection.
    ///
    /// A panic in an earlier `f` poisons the lock, and may have left the
    /// connection inside a transaction (diesel does not roll back on
    /// unwind). Such a connection is replaced by a fresh one before use; if
    /// that fails, the old one is used and the next call tries again.
    pub(crate) fn run<T>(&self, f: impl FnOnce(&mut AnyConnection) -> T) -> T {
        let mut conn = match self.conn.lock() {
            Ok(conn) => conn,
            Err(poisoned) => {
                let mut conn = poisoned.into_inner();
                match connect(&self.manager) {
                    Ok(fresh) => {
                        *conn = fresh;
                        self.conn.clear_poison();
                    }
                    Err(error) => {
                        tracing::error!(%error, "cannot replace the SQLite request connection");
                    }
                }
                conn
            }
        };
        f(&mut conn)
    }
}

/// A connection with the usual settings, minus automatic checkpoints.
fn connect(manager: &Manager) -> Result<AnyConnection, ConnectError> {
    let mut conn = manager.open()?;
    conn.batch_execute("PRAGMA wal_autocheckpoint = 0;")
        .map_err(ConnectError::Query)?;
    Ok(conn)
}

/// Checkpoint every `every` on the blocking pool, for as long as `inline`
/// is alive (that is, as long as some clone of the `Db` is).
///
/// Each round has two steps. The first copies the log into the database
/// while requests go on writing. The log only starts again from its
/// beginning when a write finds every frame copied, and under steady
/// writes new frames arrive during the copy, so the second step holds the
/// request connection for the moment it takes to copy those few frames:
/// the next write then restarts the log, and the file stays short
/// (`journal_size_limit` truncates it if a burst made it long).
pub(crate) fn spawn_checkpointer(pool: r2d2::Pool<Manager>, inline: Weak<Inline>, every: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut failing = false;
        loop {
            tick.tick().await;
            let Some(inline) = inline.upgrade() else {
                break;
            };
            let pool = pool.clone();
            let result = tokio::task::spawn_blocking(move || checkpoint(&pool, &inline)).await;
            match result {
                Ok(Ok(())) => failing = false,
                Ok(Err(error)) if !failing => {
                    failing = true;
                    tracing::warn!(%error, "SQLite checkpoint failed; will retry");
                }
                Ok(Err(_)) => {}
                Err(error) => tracing::error!(%error, "SQLite checkpoint task failed"),
            }
        }
    });
}

/// One two-step checkpoint (see [`spawn_checkpointer`]).
fn checkpoint(pool: &r2d2::Pool<Manager>, inline: &Inline) -> Result<(), String> {
    const PASSIVE: &str = "PRAGMA wal_checkpoint(PASSIVE);";
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let conn = &mut conn.conn;
    conn.batch_execute(PASSIVE).map_err(|e| e.to_string())?;
    inline
        .run(|_| conn.batch_execute(PASSIVE))
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use std::panic::{AssertUnwindSafe, catch_unwind};
    use std::time::Duration;

    use diesel::connection::SimpleConnection as _;

    use super::{Inline, Manager};
    use crate::db::DbUrl;

    #[test]
    fn a_panic_mid_transaction_leaves_a_fresh_connection_behind() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/inline.db", dir.path().display());
        let manager = Manager::new(DbUrl::parse(&url, Duration::from_secs(5)).unwrap());
        let inline = Inline::open(manager).unwrap();
        let panicked = catch_unwind(AssertUnwindSafe(|| {
            inline.run(|c| {
                c.batch_execute("BEGIN").unwrap();
                panic!("a bug while the transaction is open");
            })
        }));
        assert!(panicked.is_err());
        // On the old connection BEGIN would fail: "cannot start a
        // transaction within a transaction".
        inline
            .run(|c| c.batch_execute("BEGIN; ROLLBACK;"))
            .expect("a connection outside any transaction");
    }
}

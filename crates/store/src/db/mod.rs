//! The durable database: one diesel code path over SQLite and PostgreSQL.
//!
//! diesel is synchronous. On PostgreSQL every query runs on tokio's
//! blocking pool, and a semaphore sized to the connection pool bounds how
//! many blocking threads can wait on the database at once. On SQLite,
//! statements that touch a few rows by key ([`Db::run`]) run on the calling
//! thread on one dedicated connection, and only scans ([`Db::run_long`])
//! use the pool; `inline` says why.
//!
//! Lookups by key use `get_result`, never `first`: `first` adds `LIMIT ?`,
//! and SQLite (3.53 bundled) reads a bound LIMIT when planning, so such a
//! statement is re-prepared on every execution even from diesel's statement
//! cache. That re-parse was a tenth of the token endpoint's instructions
//! (`docs/performance.md`).

mod client_cache;
mod clients;
mod connection;
mod consents;
mod devices;
mod events;
mod factors;
mod inline;
mod invitations;
mod keys;
mod liveness;
mod migrations;
mod passkeys;
mod refresh;
pub mod schema;
mod users;

use std::sync::Arc;
use std::time::Duration;

use latchkey_core::RepoError;
use tokio::sync::Semaphore;

pub use connection::{AnyConnection, Backend, DbUrl};

/// Pool settings.
#[derive(Debug, Clone)]
pub struct DbOptions {
    /// Maximum open connections (and concurrent queries).
    pub pool_size: u32,
    /// How long to wait for a connection, at start and per query.
    pub connect_timeout: Duration,
    /// How long a client record read from the database is answered from
    /// memory (see `client_cache`); zero turns the cache off.
    pub client_cache_ttl: Duration,
    /// SQLite: how often the write-ahead log is copied into the database
    /// (see `inline`); ignored on PostgreSQL.
    pub checkpoint_interval: Duration,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            pool_size: 8,
            connect_timeout: Duration::from_secs(5),
            client_cache_ttl: CLIENT_CACHE_TTL,
            checkpoint_interval: inline::CHECKPOINT_INTERVAL,
        }
    }
}

/// How long a running server answers a client record from memory: a
/// change made by another process (the CLI, another node) reaches it
/// within this time.
pub const CLIENT_CACHE_TTL: Duration = Duration::from_secs(5);

/// Why the database could not be opened or migrated.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("invalid database URL: {0}")]
    Url(String),
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    #[error("database migration failed: {0}")]
    Migration(String),
}

/// The connection pool at one moment ([`Db::pool_state`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolState {
    /// The most connections the pool opens (`database.pool_size`).
    pub max_size: u32,
    /// Connections open now, idle or in use.
    pub connections: u32,
    /// Open connections waiting for a query.
    pub idle: u32,
}

/// A handle to the database pool; cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: r2d2::Pool<connection::Manager>,
    permits: Arc<Semaphore>,
    backend: Backend,
    timeout: Duration,
    clients: Arc<client_cache::ClientCache>,
    /// SQLite only: the connection [`Db::run`] uses on the calling thread.
    inline: Option<Arc<inline::Inline>>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl Db {
    /// Open a pool for `url` (`sqlite://…` or `postgres://…`). Fails with a
    /// clear message if the database cannot be reached within the timeout.
    /// Does not run migrations (see [`Db::migrate`]).
    pub async fn connect(url: &str, options: DbOptions) -> Result<Self, DbError> {
        let parsed = DbUrl::parse(url, options.connect_timeout)?;
        let backend = parsed.backend();
        let manager = connection::Manager::new(parsed.clone());
        let size = options.pool_size.max(1);
        let timeout = options.connect_timeout;
        // A PostgreSQL connection can die with the server; a SQLite one
        // is a file handle and cannot, so checking it on every checkout
        // would only cost a query. PostgreSQL's check is skipped for a
        // connection the server has just answered on (`liveness`).
        let test_on_check_out = backend == Backend::Postgres;
        let pool = tokio::task::spawn_blocking(move || {
            r2d2::Pool::builder()
                .max_size(size)
                .min_idle(Some(1))
                .test_on_check_out(test_on_check_out)
                .connection_timeout(timeout)
                .error_handler(Box::new(connection::LogErrors))
                .build(manager)
        })
        .await
        .map_err(|e| DbError::Connect(e.to_string()))?
        .map_err(|e| DbError::Connect(e.to_string()))?;
        let inline = match backend {
            Backend::Sqlite => {
                let manager = connection::Manager::new(parsed);
                let inline = inline::Inline::open(manager)
                    .map(Arc::new)
                    .map_err(|e| DbError::Connect(e.to_string()))?;
                let every = options.checkpoint_interval;
                inline::spawn_checkpointer(pool.clone(), Arc::downgrade(&inline), every);
                Some(inline)
            }
            Backend::Postgres => None,
        };
        let permits = Arc::new(Semaphore::new(size as usize));
        Ok(Self {
            pool,
            permits,
            backend,
            timeout,
            clients: Arc::new(client_cache::ClientCache::new(options.client_cache_ttl)),
            inline,
        })
    }

    /// Which backend this is.
    #[must_use]
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The connection pool right now, for saturation metrics.
    #[must_use]
    pub fn pool_state(&self) -> PoolState {
        let state = self.pool.state();
        PoolState {
            max_size: self.pool.max_size(),
            connections: state.connections,
            idle: state.idle_connections,
        }
    }

    /// Run pending migrations (embedded in the binary). On PostgreSQL an
    /// advisory lock serialises nodes that start at the same time.
    pub async fn migrate(&self) -> Result<Vec<String>, DbError> {
        self.run_long(migrations::run_pending)
            .await
            .map_err(|e| DbError::Migration(e.to_string()))?
            .map_err(|e| DbError::Migration(e.to_string()))
    }

    /// Check the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<(), RepoError> {
        self.run(|conn| conn.ping()).await?
    }

    /// Run `f`, statements that find a few rows by key (never a scan): on
    /// SQLite on this thread with the request connection, on PostgreSQL
    /// like [`Db::run_long`].
    pub async fn run<T, F>(&self, f: F) -> Result<T, RepoError>
    where
        F: FnOnce(&mut AnyConnection) -> T + Send + 'static,
        T: Send + 'static,
    {
        match &self.inline {
            Some(inline) => Ok(inline.run(f)),
            None => self.run_long(f).await,
        }
    }

    /// Run `f` with a pooled connection on the blocking pool: for anything
    /// that may take long (listings, aggregates, purges, migrations).
    pub async fn run_long<T, F>(&self, f: F) -> Result<T, RepoError>
    where
        F: FnOnce(&mut AnyConnection) -> T + Send + 'static,
        T: Send + 'static,
    {
        let permit = tokio::time::timeout(self.timeout, Arc::clone(&self.permits).acquire_owned())
            .await
            .map_err(|_| RepoError::Unavailable("timed out waiting for a database slot".into()))?
            .map_err(|_| RepoError::Unavailable("database pool closed".into()))?;
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let mut conn = pool
                .get()
                .map_err(|e| RepoError::Unavailable(e.to_string()))?;
            Ok(f(&mut conn.conn))
        })
        .await
        .map_err(|e| RepoError::Backend(format!("database task failed: {e}")))?
    }

    /// The names of migrations this binary carries for the current backend.
    #[must_use]
    pub fn embedded_migrations(&self) -> Vec<String> {
        migrations::embedded_names(self.backend)
    }

    /// Whether every table of the schema answers a query; used by the parity
    /// test and by operators after a migration.
    pub async fn check_tables(&self) -> Result<(), RepoError> {
        self.run_long(|conn| {
            for table in schema::TABLES {
                conn.count_rows(table)?;
            }
            Ok(())
        })
        .await?
    }
}

/// An update or delete by key that changed no row found nothing to change.
pub(crate) fn rows_changed(n: usize) -> Result<(), RepoError> {
    if n == 0 {
        Err(RepoError::NotFound)
    } else {
        Ok(())
    }
}

/// Whether a lookup key can exist in the database at all. PostgreSQL
/// refuses NUL bytes in text (an error, which would surface as a 500), and
/// no stored key is longer than 1 KiB; such keys are simply not found.
pub(crate) fn storable_key(key: &str) -> bool {
    !key.contains('\0') && key.len() <= 1024
}

/// Map a diesel error to the domain's repository error. Unique violations
/// become `Conflict(field)` where the field is recognised from the backend's
/// message (SQLite: "UNIQUE constraint failed: users.email"; PostgreSQL: the
/// constraint name, e.g. "users_email_key").
pub(crate) fn repo_error(e: diesel::result::Error, fields: &[&'static str]) -> RepoError {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::NotFound => RepoError::NotFound,
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            let text = format!(
                "{} {}",
                info.message(),
                info.constraint_name().unwrap_or("")
            );
            let field = fields
                .iter()
                .find(|f| text.contains(&format!("_{f}_")) || text.contains(&format!(".{f}")))
                .or_else(|| fields.first())
                .copied()
                .unwrap_or("record");
            RepoError::Conflict(field)
        }
        Error::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
            RepoError::Unavailable(info.message().to_owned())
        }
        other => RepoError::Backend(other.to_string()),
    }
}

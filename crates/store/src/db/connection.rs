//! Connections: the backend chosen by URL scheme, one enum over both, and
//! our own r2d2 manager that prepares every SQLite connection.

use std::path::PathBuf;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};

use super::DbError;
use super::liveness::{FRESH, Pooled};
use latchkey_core::RepoError;

/// One connection type over both backends, so queries are written once.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

impl std::fmt::Debug for AnyConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Postgresql(_) => "AnyConnection::Postgresql",
            Self::Sqlite(_) => "AnyConnection::Sqlite",
        })
    }
}

impl AnyConnection {
    /// A trivial query, to prove the connection answers.
    pub fn ping(&mut self) -> Result<(), RepoError> {
        self.batch_execute("SELECT 1")
            .map_err(|e| super::repo_error(e, &[]))
    }

    /// `SELECT COUNT(*)` on a table named in the schema (never user input).
    pub(crate) fn count_rows(&mut self, table: &'static str) -> Result<i64, RepoError> {
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let sql = format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM {table}");
        let row: Count = diesel::sql_query(sql)
            .get_result(self)
            .map_err(|e| RepoError::Backend(format!("table {table}: {e}")))?;
        Ok(row.n)
    }
}

/// Which database backend a URL selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Name for logs and `/readyz`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// A parsed database URL.
#[derive(Debug, Clone)]
pub enum DbUrl {
    /// A file path: `sqlite://data/x.db` is relative, `sqlite:///abs/x.db` absolute.
    Sqlite(PathBuf),
    /// A libpq connection URI, with `connect_timeout` added when absent so an
    /// unreachable server cannot hang start-up.
    Postgres(String),
}

impl DbUrl {
    /// Parse and check the scheme.
    pub fn parse(url: &str, connect_timeout: Duration) -> Result<Self, DbError> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() || path.contains('?') {
                return Err(DbError::Url(
                    "sqlite URLs name a file: sqlite://relative/path.db or sqlite:///absolute/path.db"
                        .into(),
                ));
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let mut parsed = url::Url::parse(url).map_err(|e| DbError::Url(e.to_string()))?;
            if !parsed.query_pairs().any(|(k, _)| k == "connect_timeout") {
                let secs = connect_timeout.as_secs().max(1).to_string();
                parsed
                    .query_pairs_mut()
                    .append_pair("connect_timeout", &secs);
            }
            return Ok(Self::Postgres(parsed.into()));
        }
        Err(DbError::Url(
            "expected a sqlite:// or postgres:// URL".into(),
        ))
    }

    /// The backend this URL selects.
    #[must_use]
    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }
}

/// Why a connection could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("{0}")]
    Connection(#[from] diesel::ConnectionError),
    #[error("{0}")]
    Query(#[from] diesel::result::Error),
    #[error("cannot create the database directory {0}: {1}")]
    Directory(String, std::io::Error),
}

/// r2d2 manager that opens either backend and applies SQLite's per-connection
/// settings.
#[derive(Debug)]
pub struct Manager {
    url: DbUrl,
}

impl Manager {
    pub(crate) fn new(url: DbUrl) -> Self {
        Self { url }
    }
}

/// SQLite settings that are per connection, so they are set on every one:
/// enforce foreign keys, write-ahead logging for concurrent readers, and wait
/// for a lock instead of failing at once with "database is locked".
/// A burst of writes can grow the log past what the checkpointer keeps;
/// `journal_size_limit` (64 MiB) shrinks the file again afterwards.
const SQLITE_PRAGMAS: &str = "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; \
     PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; \
     PRAGMA journal_size_limit = 67108864;";

impl Manager {
    /// A new connection with the backend's settings.
    pub(crate) fn open(&self) -> Result<AnyConnection, ConnectError> {
        match &self.url {
            DbUrl::Sqlite(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| ConnectError::Directory(dir.display().to_string(), e))?;
                }
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
                conn.batch_execute(SQLITE_PRAGMAS)?;
                Ok(AnyConnection::Sqlite(conn))
            }
            DbUrl::Postgres(url) => Ok(AnyConnection::Postgresql(PgConnection::establish(url)?)),
        }
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = Pooled;
    type Error = ConnectError;

    fn connect(&self) -> Result<Pooled, ConnectError> {
        self.open().map(Pooled::new)
    }

    /// Called at checkout (PostgreSQL only): `SELECT 1`, unless the server
    /// answered on this connection just now (`liveness`).
    fn is_valid(&self, conn: &mut Pooled) -> Result<(), ConnectError> {
        if conn.answered_within(FRESH) {
            return Ok(());
        }
        conn.conn
            .batch_execute("SELECT 1")
            .map_err(ConnectError::Query)
    }

    fn has_broken(&self, _conn: &mut Pooled) -> bool {
        false
    }
}

/// Log pool connection errors once through `tracing` instead of r2d2's default
/// stderr logger.
#[derive(Debug)]
pub(crate) struct LogErrors;

impl r2d2::HandleError<ConnectError> for LogErrors {
    fn handle_error(&self, error: ConnectError) {
        tracing::warn!(%error, "database connection failed");
    }
}

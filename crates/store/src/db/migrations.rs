//! Embedded migrations, one folder per backend with identical names.

use diesel::connection::SimpleConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::{AnyConnection, Backend};

const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// An arbitrary constant that names Latchkey's migration lock on PostgreSQL.
const PG_MIGRATION_LOCK: i64 = 0x4c41_5443_484b_4559; // "LATCHKEY"

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Apply pending migrations; returns the names of those applied.
pub(super) fn run_pending(conn: &mut AnyConnection) -> Result<Vec<String>, BoxError> {
    let applied = match conn {
        AnyConnection::Sqlite(c) => c.run_pending_migrations(SQLITE)?,
        AnyConnection::Postgresql(c) => {
            c.batch_execute(&format!("SELECT pg_advisory_lock({PG_MIGRATION_LOCK})"))?;
            let result = c
                .run_pending_migrations(POSTGRES)
                .map(|v| v.into_iter().map(|m| m.to_string()).collect::<Vec<_>>());
            c.batch_execute(&format!("SELECT pg_advisory_unlock({PG_MIGRATION_LOCK})"))?;
            return result;
        }
    };
    Ok(applied.into_iter().map(|m| m.to_string()).collect())
}

/// Names of the migrations embedded for `backend`, sorted.
pub(super) fn embedded_names(backend: Backend) -> Vec<String> {
    use diesel::migration::MigrationSource;
    let names: Result<Vec<String>, BoxError> = match backend {
        Backend::Sqlite => MigrationSource::<diesel::sqlite::Sqlite>::migrations(&SQLITE)
            .map(|v| v.iter().map(|m| m.name().to_string()).collect()),
        Backend::Postgres => MigrationSource::<diesel::pg::Pg>::migrations(&POSTGRES)
            .map(|v| v.iter().map(|m| m.name().to_string()).collect()),
    };
    let mut names = names.unwrap_or_default();
    names.sort();
    names
}

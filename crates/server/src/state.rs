//! Everything a request handler may use, shared by all workers.

use std::sync::Arc;

use latchkey_core::{Clock, SystemClock};
use latchkey_store::{Db, DbOptions, EphemeralOptions, EphemeralStore};

use crate::config::Config;

/// Shared application state (`web::Data<AppState>`). Cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub ephemeral: EphemeralStore,
    pub clock: Arc<dyn Clock>,
}

/// Why the state could not be built at start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Database(#[from] latchkey_store::DbError),
    #[error("{0}")]
    Ephemeral(#[from] latchkey_core::EphemeralError),
}

impl AppState {
    /// Connect to the database and the ephemeral store named in `config`.
    /// Does not migrate (the caller decides: `serve` and `migrate` do).
    pub async fn connect(config: Config) -> Result<Self, StartError> {
        let db = connect_db(&config).await?;
        let ephemeral = EphemeralStore::connect(
            config.ephemeral.url.expose(),
            EphemeralOptions {
                max_entries: config.ephemeral.max_entries,
                key_prefix: config.ephemeral.key_prefix.clone(),
                timeout: std::time::Duration::from_millis(config.ephemeral.timeout_ms),
            },
        )
        .await?;
        Ok(Self {
            config: Arc::new(config),
            db,
            ephemeral,
            clock: Arc::new(SystemClock),
        })
    }
}

/// Open the database pool named in `config`.
pub async fn connect_db(config: &Config) -> Result<Db, latchkey_store::DbError> {
    Db::connect(
        config.database.url.expose(),
        DbOptions {
            pool_size: config.database.pool_size,
            connect_timeout: std::time::Duration::from_secs(config.database.connect_timeout_secs),
        },
    )
    .await
}

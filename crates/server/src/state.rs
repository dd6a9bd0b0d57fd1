//! Everything a request handler may use, shared by all workers.

use std::sync::Arc;

use latchkey_core::{Clock, SystemClock};
use latchkey_store::{Db, DbOptions, EphemeralOptions, EphemeralStore};

use crate::config::Config;
use crate::keys::KeyRing;

/// How often an in-memory ephemeral store reclaims expired entries when no
/// writes do it (an idle node after a burst).
const MEMORY_SWEEP_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);
/// Shared application state (`web::Data<AppState>`). Cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub ephemeral: EphemeralStore,
    pub clock: Arc<dyn Clock>,
    /// The signing keys, refreshed from the database in the background.
    pub keys: KeyRing,
    /// Lifetimes of codes, tokens and sessions.
    pub lifetimes: latchkey_oidc::grant::Lifetimes,
    /// The WebAuthn relying party: RP id = the issuer's host, origin = the
    /// issuer's origin.
    pub passkeys: Arc<latchkey_passkey::PasskeyService>,
    /// A key derived from the encryption key for values that must look the
    /// same whether or not an account exists (e.g. stand-in credential ids
    /// for unknown identifiers), stable across nodes and restarts.
    pub privacy_key: [u8; 32],
    /// Email for the fallback methods: SMTP, the dev outbox, or off
    /// (`mailer.is_enabled()`).
    pub mailer: Arc<crate::delivery::Mailer>,
    /// Text messages for the fallback methods: an HTTP provider, the dev
    /// log, or off (`sms.is_enabled()`).
    pub sms: Arc<crate::delivery::SmsSender>,
    /// The fallback policy: the global default and per-client overrides.
    pub policy: Arc<latchkey_fallback::policy::Policy>,
    /// This server's Prometheus registry (`/metrics`).
    pub metrics: Arc<crate::metrics::Metrics>,
    /// The discovery document for `config`'s issuer, serialised at start.
    pub discovery: actix_web::web::Bytes,
    /// Writes sign-in events to the database in batches (`events`).
    pub events: crate::events::EventWriter,
}

/// Why the state could not be built at start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Database(#[from] latchkey_store::DbError),
    #[error("{0}")]
    Ephemeral(#[from] latchkey_core::EphemeralError),
    #[error("{0}")]
    Migration(latchkey_store::DbError),
    #[error("{0}")]
    Keys(String),
    #[error("passkeys cannot be configured for this issuer: {0}")]
    Passkeys(String),
    #[error("{0}")]
    Delivery(String),
    #[error("{0}")]
    Policy(String),
}

impl AppState {
    /// The fallback policy that applies to `client_id`.
    #[must_use]
    pub fn policy_for(&self, client_id: &str) -> latchkey_fallback::policy::ClientPolicy {
        self.policy.for_client(client_id)
    }

    /// Connect to the database and the ephemeral store named in `config`,
    /// migrate the database (the signing keys live in it and are loaded
    /// here, so a fresh database must be migrated first) and load the
    /// signing keys, creating them on a fresh install.
    pub async fn connect(config: Config) -> Result<Self, StartError> {
        let enc_key = config
            .encryption_key()
            .map_err(|e| StartError::Keys(e.to_string()))?;
        let db = connect_db(&config).await?;
        let applied = db.migrate().await.map_err(StartError::Migration)?;
        if !applied.is_empty() {
            tracing::info!(?applied, "applied database migrations");
        }
        let ephemeral = EphemeralStore::connect(
            config.ephemeral.url.expose(),
            EphemeralOptions {
                max_entries: config.ephemeral.max_entries,
                key_prefix: config.ephemeral.key_prefix.clone(),
                timeout: std::time::Duration::from_millis(config.ephemeral.timeout_ms),
            },
        )
        .await?;
        if let EphemeralStore::Memory(memory) = &ephemeral {
            memory.spawn_sweeper(MEMORY_SWEEP_INTERVAL);
        }
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let keys = KeyRing::load(&db, enc_key, Arc::clone(&clock))
            .await
            .map_err(|e| StartError::Keys(e.to_string()))?;
        let lifetimes = config.lifetimes();
        let passkeys = Arc::new(passkey_service(&config)?);
        let mailer =
            Arc::new(crate::delivery::Mailer::from_config(&config).map_err(StartError::Delivery)?);
        let sms = Arc::new(
            crate::delivery::SmsSender::from_config(&config).map_err(StartError::Delivery)?,
        );
        let policy = Arc::new(config.fallback_policy().map_err(StartError::Policy)?);
        let privacy_key = {
            use sha2::Digest as _;
            let mut h = sha2::Sha256::new();
            h.update(b"latchkey/privacy-key/v1/");
            h.update(enc_key);
            h.finalize().into()
        };
        let metrics = Arc::new(crate::metrics::Metrics::new(
            config.metrics.enabled,
            Some(db.clone()),
        ));
        let discovery = crate::routes::discovery::document(config.issuer_str());
        let events = crate::events::EventWriter::spawn(db.clone(), Arc::clone(&metrics));
        Ok(Self {
            events,
            discovery,
            config: Arc::new(config),
            db,
            ephemeral,
            clock,
            keys,
            lifetimes,
            passkeys,
            privacy_key,
            mailer,
            sms,
            policy,
            metrics,
        })
    }
}

/// The relying party for the issuer: its host is the RP id (WebAuthn L3
/// §5.1.2 RP ID must be a registrable domain suffix of the origin's host;
/// IP addresses are not allowed, which is why the development issuer is
/// `http://localhost:8080`).
fn passkey_service(config: &Config) -> Result<latchkey_passkey::PasskeyService, StartError> {
    let origin = config.issuer.clone();
    let host = origin
        .host_str()
        .ok_or_else(|| StartError::Passkeys("the issuer has no host".into()))?
        .to_owned();
    let mut pk = latchkey_passkey::PasskeyConfig::new(host, origin, "Latchkey");
    pk.attestation = config
        .passkeys
        .attestation_policy()
        .map_err(|e| StartError::Passkeys(e.to_string()))?;
    latchkey_passkey::PasskeyService::new(pk).map_err(|e| StartError::Passkeys(e.to_string()))
}

/// Open the database pool named in `config`.
pub async fn connect_db(config: &Config) -> Result<Db, latchkey_store::DbError> {
    Db::connect(
        config.database.url.expose(),
        DbOptions {
            pool_size: config.database.pool_size,
            connect_timeout: std::time::Duration::from_secs(config.database.connect_timeout_secs),
            ..DbOptions::default()
        },
    )
    .await
}

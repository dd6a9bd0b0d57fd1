//! Configuration of the `latchkey` server.
//!
//! Layers, later wins: built-in defaults → TOML file (`--config PATH`, else
//! `./latchkey.toml` when it exists) → `LATCHKEY_*` environment variables
//! (`__` between table and key: `LATCHKEY_DATABASE__URL` is `database.url`).
//! Each secret can instead be read from a file named by its `_file` twin
//! (`database.url_file`, `LATCHKEY_DATABASE__URL_FILE`), so secrets can come
//! from container secret mounts rather than the environment.
//!
//! Every table denies unknown keys: a typo is an error that names the key and
//! the file or variable it came from, never a silently ignored setting.
//! `docs/configuration.md` is the reference; a test keeps it, the example file
//! and this module in step.

mod checks;
mod delivery;
mod error;
mod fallback;
mod keys;
mod observability;
mod passkeys;
mod raw;
mod resolve;
mod secret;
mod sources;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

use latchkey_oidc::grant::Lifetimes;
use serde::{Serialize, Serializer};
use url::Url;

pub use delivery::{DEV_EMAIL_FROM, EmailConfig, SmsConfig};
pub use error::{ConfigError, Problem};
pub use observability::{MetricsConfig, SamplingRatio, TelemetryConfig};
pub use passkeys::PasskeysConfig;
pub use secret::{REDACTED, Secret};

/// The file read when no `--config` is given, relative to the working directory.
pub const DEFAULT_CONFIG_FILE: &str = "latchkey.toml";

/// The default issuer. `localhost` rather than `127.0.0.1`: WebAuthn needs a
/// domain as relying-party id, and browsers treat `http://localhost` as a
/// secure context, so passkeys work in development without TLS.
pub const DEFAULT_ISSUER: &str = "http://localhost:8080";

/// The effective configuration, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Config {
    /// The OpenID Provider's issuer identifier. Use [`Config::issuer_str`] for
    /// the `iss` value: `Url` adds a `/` to a bare origin.
    #[serde(serialize_with = "serialize_issuer")]
    pub issuer: Url,
    /// Development conveniences: http issuer allowed, encryption key generated
    /// on first start. Never in production.
    pub dev_mode: bool,
    /// Where Latchkey keeps local files (the dev-mode key). Relative paths are
    /// relative to the working directory.
    pub data_dir: PathBuf,
    /// HTTP server settings.
    pub server: ServerConfig,
    /// Durable storage.
    pub database: DatabaseConfig,
    /// Short-lived state with TTLs.
    pub ephemeral: EphemeralConfig,
    /// Logging.
    pub log: LogConfig,
    /// Key material.
    pub keys: KeysConfig,
    /// Lifetimes of authorization codes and tokens.
    pub tokens: TokensConfig,
    /// Browser sessions.
    pub session: SessionConfig,
    /// Email delivery (SMTP, or the dev outbox) for the fallback methods.
    pub email: EmailConfig,
    /// SMS delivery (an HTTP provider, or the dev log) for the fallback
    /// methods.
    pub sms: SmsConfig,
    /// The fallback policy (`[fallback]`, see `docs/fallback-policy.md`).
    pub fallback: latchkey_fallback::policy::PolicyConfig,
    /// The built-in demo relying application at `/demo`.
    pub demo: DemoConfig,
    /// The Prometheus endpoint `/metrics`.
    pub metrics: MetricsConfig,
    /// OpenTelemetry trace export (off unless `telemetry.otlp_endpoint`).
    pub telemetry: TelemetryConfig,
    /// Passkey attestation policy (`[passkeys]`; off by default).
    pub passkeys: PasskeysConfig,
}

/// The built-in demo relying application (`/demo`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DemoConfig {
    /// `demo.enabled` as configured; unset follows `dev_mode` (see
    /// [`Config::demo_enabled`]), decided when used so that a change of
    /// `dev_mode` after loading cannot leave the demo on by accident.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// HTTP server settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerConfig {
    /// The address to bind.
    pub listen: SocketAddr,
    /// Worker threads; `None` means one per CPU core (actix-web's default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workers: Option<usize>,
    /// How long a graceful shutdown waits for requests in flight.
    pub shutdown_timeout_secs: u64,
    /// Load balancers whose `X-Forwarded-For` names the client.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trusted_proxies: Vec<crate::net::IpNet>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 8080)),
            workers: None,
            shutdown_timeout_secs: 30,
            trusted_proxies: Vec::new(),
        }
    }
}

/// Durable storage (SQL).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DatabaseConfig {
    /// `sqlite://relative/path.db`, `sqlite:///absolute/path.db` or a
    /// `postgres://` URL. A secret: PostgreSQL URLs carry a password.
    pub url: Secret,
    /// Connections in the pool.
    pub pool_size: u32,
    /// How long to wait for a connection before failing.
    pub connect_timeout_secs: u64,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: Secret::new("sqlite://data/latchkey.db"),
            pool_size: 8,
            connect_timeout_secs: 5,
        }
    }
}

/// The ephemeral store: login flows, challenges, codes, counters, sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EphemeralConfig {
    /// `memory://` (one node) or `redis://` (shared by nodes).
    /// A secret: Redis URLs may carry a password.
    pub url: Secret,
    /// Bound of the in-memory store, so a flood of abandoned flows cannot
    /// exhaust memory.
    pub max_entries: usize,
    /// Prefix of every Redis key, so several deployments can share a Redis.
    pub key_prefix: String,
    /// Timeout of one Redis operation.
    pub timeout_ms: u64,
}

impl Default for EphemeralConfig {
    fn default() -> Self {
        Self {
            url: Secret::new("memory://"),
            max_entries: 100_000,
            key_prefix: "latchkey:".to_owned(),
            timeout_ms: 2000,
        }
    }
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Logging.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogConfig {
    /// Output format.
    pub format: LogFormat,
    /// A `tracing_subscriber::EnvFilter` directive, checked at load time so a
    /// typo fails start-up instead of silently logging nothing.
    pub level: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            format: LogFormat::Text,
            level: "info".to_owned(),
        }
    }
}

/// Key material.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct KeysConfig {
    /// Base64 of the 32-byte key that encrypts signing keys at rest.
    /// Required unless `dev_mode`; see [`Config::encryption_key`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption_key: Option<Secret>,
}

/// Lifetimes of authorization codes and tokens, in seconds.
///
/// The defaults are those of [`Lifetimes::default`]; validation keeps every
/// value inside the bounds that `docs/configuration.md` justifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TokensConfig {
    /// Authorization codes, at most 10 minutes (RFC 6749 §4.1.2).
    pub code_ttl_secs: i64,
    /// ID tokens, at most a day: see `crate::keys::MAX_TOKEN_LIFETIME_SECS`.
    pub id_token_ttl_secs: i64,
    /// Access tokens, at most a day: see `crate::keys::MAX_TOKEN_LIFETIME_SECS`.
    pub access_token_ttl_secs: i64,
    /// A refresh token's own lifetime, renewed at each rotation.
    pub refresh_token_ttl_secs: i64,
    /// A refresh-token family's absolute lifetime, which no rotation extends;
    /// at least `refresh_token_ttl_secs`.
    pub refresh_family_ttl_secs: i64,
    /// How long a rotated refresh token presented again counts as a
    /// concurrent request (refused, family kept) rather than theft (family
    /// revoked).
    pub refresh_reuse_grace_secs: i64,
}

impl Default for TokensConfig {
    fn default() -> Self {
        let d = Lifetimes::default();
        Self {
            code_ttl_secs: d.code,
            id_token_ttl_secs: d.id_token,
            access_token_ttl_secs: d.access_token,
            refresh_token_ttl_secs: d.refresh_token,
            refresh_family_ttl_secs: d.refresh_family,
            refresh_reuse_grace_secs: d.refresh_reuse_grace,
        }
    }
}

/// Browser sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SessionConfig {
    /// Seconds a sign-in lasts (single sign-on for every client) before the
    /// user must authenticate again.
    pub ttl_secs: i64,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            ttl_secs: Lifetimes::default().session,
        }
    }
}

impl Config {
    /// Loads the configuration from the defaults, the TOML file and the
    /// process environment.
    ///
    /// `path`: `Some` is an explicit `--config` path and must exist; `None`
    /// reads `./latchkey.toml` if it exists. `dev_override`: `Some(true)` when
    /// `serve --dev` was given; it overrides the layered `dev_mode`.
    ///
    /// # Errors
    ///
    /// [`ConfigError::NotFound`] for a missing explicit file,
    /// [`ConfigError::Io`] for an unreadable one, [`ConfigError::Invalid`]
    /// listing every wrong setting.
    pub fn load(path: Option<&Path>, dev_override: Option<bool>) -> Result<Config, ConfigError> {
        let file = match path {
            Some(path) => match std::fs::read_to_string(path) {
                Ok(text) => Some((text, path.to_path_buf())),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    return Err(ConfigError::NotFound {
                        path: path.to_path_buf(),
                    });
                }
                Err(source) => return Err(read_error(path, source)),
            },
            None => {
                let path = Path::new(DEFAULT_CONFIG_FILE);
                match std::fs::read_to_string(path) {
                    Ok(text) => Some((text, path.to_path_buf())),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                    Err(source) => return Err(read_error(path, source)),
                }
            }
        };
        let env = process_env()?;
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        Self::from_sources(
            file.as_ref()
                .map(|(text, path)| (text.as_str(), path.as_path())),
            &env,
            dev_override,
        )
    }

    /// The same layering as [`Config::load`], from TOML text (with the path it
    /// is named by in errors) and an explicit environment, so tests never
    /// depend on the process environment or working directory.
    ///
    /// `_file` paths are read from disk, relative to the working directory.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Invalid`] listing every wrong setting.
    pub fn from_sources(
        toml: Option<(&str, &Path)>,
        env: &[(&str, &str)],
        dev_override: Option<bool>,
    ) -> Result<Config, ConfigError> {
        resolve::resolve(toml, env, dev_override)
    }

    /// For the config sections' unit tests: `toml` as the file
    /// `/etc/latchkey.toml` plus `env`, in dev mode, with the error as text.
    #[cfg(test)]
    pub(crate) fn from_test_sources(toml: &str, env: &[(&str, &str)]) -> Result<Config, String> {
        Self::from_sources(
            Some((toml, Path::new("/etc/latchkey.toml"))),
            env,
            Some(true),
        )
        .map_err(|e| e.to_string())
    }

    /// The issuer exactly as it appears in `iss` and discovery.
    ///
    /// `Url` serialises a bare origin with a trailing `/`
    /// (`https://id.example.com/`), but the issuer was configured without one,
    /// and OIDC compares issuers as exact strings (OpenID Connect Discovery
    /// 1.0 §3, §4.3). Validation rejects a configured trailing slash, so the
    /// only `/` to strip is the one `Url` added.
    #[must_use]
    pub fn issuer_str(&self) -> &str {
        let s = self.issuer.as_str();
        if self.issuer.path() == "/" {
            s.strip_suffix('/').unwrap_or(s)
        } else {
            s
        }
    }

    /// The configured lifetimes of codes, tokens and sessions.
    #[must_use]
    pub fn lifetimes(&self) -> Lifetimes {
        let t = &self.tokens;
        Lifetimes {
            code: t.code_ttl_secs,
            id_token: t.id_token_ttl_secs,
            access_token: t.access_token_ttl_secs,
            refresh_token: t.refresh_token_ttl_secs,
            refresh_family: t.refresh_family_ttl_secs,
            session: self.session.ttl_secs,
            refresh_reuse_grace: t.refresh_reuse_grace_secs,
        }
    }

    /// Whether the demo relying application at `/demo` is served:
    /// `demo.enabled` if set, otherwise only in dev mode.
    #[must_use]
    pub fn demo_enabled(&self) -> bool {
        self.demo.enabled.unwrap_or(self.dev_mode)
    }

    /// The effective configuration as TOML, every secret shown as
    /// `[redacted]`, for `latchkey config check`.
    #[must_use]
    pub fn redacted_toml(&self) -> String {
        toml::to_string_pretty(self)
            .unwrap_or_else(|e| format!("# the configuration cannot be shown as TOML: {e}\n"))
    }

    /// The 32-byte key that encrypts signing keys at rest.
    ///
    /// The configured `keys.encryption_key` if there is one. Otherwise, in dev
    /// mode only, the key in `<data_dir>/secret.key`, generated (mode 0600) on
    /// first use so `cargo run` works on a fresh machine; in
    /// production a missing key is an error rather than a generated one, since
    /// a key that silently changes with the data directory loses every
    /// signing key.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Invalid`] for a missing or malformed key,
    /// [`ConfigError::Io`] when the dev key file cannot be read or created.
    pub fn encryption_key(&self) -> Result<[u8; 32], ConfigError> {
        if self.keys.encryption_key.is_none() && self.dev_mode {
            return secret::dev_key(&self.data_dir.join("secret.key"));
        }
        self.configured_encryption_key()
    }

    /// What [`Self::encryption_key`] checks, without creating the
    /// development key file (for `config check`, which changes nothing).
    ///
    /// # Errors
    ///
    /// As [`Self::encryption_key`].
    pub fn check_encryption_key(&self) -> Result<(), ConfigError> {
        if self.keys.encryption_key.is_none() && self.dev_mode {
            return secret::check_dev_key(&self.data_dir.join("secret.key"));
        }
        self.configured_encryption_key().map(|_| ())
    }

    /// The configured key; in production, its absence is an error.
    fn configured_encryption_key(&self) -> Result<[u8; 32], ConfigError> {
        if let Some(key) = &self.keys.encryption_key {
            return secret::decode_key(key.expose()).map_err(|reason| {
                ConfigError::Invalid(vec![Problem::new(
                    Some("keys.encryption_key"),
                    format!("invalid value for \"keys.encryption_key\": expected base64 of exactly 32 bytes{reason}"),
                )])
            });
        }
        Err(ConfigError::Invalid(vec![resolve::missing_key_problem()]))
    }
}

fn serialize_issuer<S: Serializer>(issuer: &Url, serializer: S) -> Result<S::Ok, S::Error> {
    let s = issuer.as_str();
    let s = if issuer.path() == "/" {
        s.strip_suffix('/').unwrap_or(s)
    } else {
        s
    };
    serializer.serialize_str(s)
}

fn read_error(path: &Path, source: std::io::Error) -> ConfigError {
    ConfigError::Io {
        action: "read",
        path: path.to_path_buf(),
        source,
    }
}

/// The process's `LATCHKEY_*` variables. A non-UTF-8 value is an error rather
/// than lossily converted, which would silently alter a secret.
fn process_env() -> Result<Vec<(String, String)>, ConfigError> {
    let mut vars = Vec::new();
    for (name, value) in std::env::vars_os() {
        let Some(name) = name.to_str() else { continue };
        if !name
            .get(..keys::ENV_PREFIX.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(keys::ENV_PREFIX))
        {
            continue;
        }
        let value = value.into_string().map_err(|_| {
            ConfigError::Invalid(vec![Problem::new(
                None,
                format!("environment variable {name} is not valid UTF-8"),
            )])
        })?;
        vars.push((name.to_owned(), value));
    }
    Ok(vars)
}

/// Every configuration key, dotted (`database.url`), as documented in
/// `docs/configuration.md`. The environment variable of a key is
/// `LATCHKEY_` followed by the key in upper case with `.` replaced by `__`.
pub fn keys() -> impl Iterator<Item = &'static str> {
    keys::KEYS.iter().map(|k| k.name)
}

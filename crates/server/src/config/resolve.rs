//! From layered sources to a validated [`Config`].
//!
//! Each key is converted and checked on its own, recording a problem and
//! carrying on with the default, so one run reports everything that is wrong.
//! Defaults come from the `Default` impls of the public types, the one place
//! they are written down.

use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

use figment::value::{Dict, Value};
use figment::{Figment, Profile, Provider};
use url::Url;

use super::checks;
use super::error::{ConfigError, Problem, from_figment};
use super::keys::is_secret;
use super::raw::{self, Layer, LayerSource, RawConfig, origin_of};
use super::sources::{EnvSource, Origin, TomlSource};
use super::{
    Config, DEFAULT_ISSUER, DatabaseConfig, DemoConfig, EphemeralConfig, KeysConfig, LogConfig,
    LogFormat, Secret, ServerConfig, SessionConfig, TokensConfig,
};

/// The longest ID or access token lifetime accepted. A retired signing key
/// stays in the JWKS for `crate::keys::MAX_TOKEN_LIFETIME_SECS` after its
/// last signature; a token that outlived that could no longer be verified.
/// The assertion keeps the two in step if either changes.
const MAX_TOKEN_TTL_SECS: u128 = 86_400;
const _: () = assert!(MAX_TOKEN_TTL_SECS <= crate::keys::MAX_TOKEN_LIFETIME_SECS as u128);

/// The longest authorization-code lifetime accepted: 60 s (issue 3, "code
/// single-use, ≤ 60 s"; RFC 6749 §4.1.2 only caps it at 10 minutes).
const MAX_CODE_TTL_SECS: u128 = 60;

/// The problem for a production configuration without an encryption key.
pub(super) fn missing_key_problem() -> Problem {
    Problem::new(
        Some("keys.encryption_key"),
        "keys.encryption_key (or LATCHKEY_KEYS__ENCRYPTION_KEY_FILE) is required when dev_mode is false; \
         generate one with `openssl rand -base64 32`"
            .to_owned(),
    )
}

pub(super) fn resolve(
    toml: Option<(&str, &Path)>,
    env: &[(&str, &str)],
    dev_override: Option<bool>,
) -> Result<Config, ConfigError> {
    let (env, malformed) = EnvSource::new(env.iter().copied());
    let mut figment = Figment::new();
    if let Some((text, path)) = toml {
        figment = figment.merge(TomlSource { text, path });
    }
    let figment = figment.merge(env.clone());

    let problems: Vec<Problem> = malformed
        .into_iter()
        .map(|name| {
            Problem::new(
                None,
                format!(
                    "environment variable {name} does not name a configuration key: \
                     use LATCHKEY_KEY or LATCHKEY_TABLE__KEY"
                ),
            )
        })
        .collect();
    let fail = |mut problems: Vec<Problem>, more: Vec<Problem>| {
        problems.extend(more);
        Err(ConfigError::Invalid(problems))
    };

    // A provider failure (TOML syntax) surfaces here.
    if let Err(e) = figment.extract::<Value>() {
        return fail(problems, from_figment(e, &env));
    }
    let mut layers = Vec::new();
    if let Some((text, path)) = toml {
        layers.push(Layer {
            source: LayerSource::File(path),
            data: layer_data(&TomlSource { text, path }),
        });
    }
    layers.push(Layer {
        source: LayerSource::Env,
        data: layer_data(&env),
    });
    let unknown = raw::unknown_keys(&layers);
    if !unknown.is_empty() {
        return fail(problems, unknown);
    }
    let raw = match figment.extract::<RawConfig>() {
        Ok(raw) => raw,
        Err(e) => return fail(problems, from_figment(e, &env)),
    };
    let mut r = Resolver {
        figment: &figment,
        problems,
    };
    match r.config(raw, dev_override) {
        Some(config) if r.problems.is_empty() => Ok(config),
        _ => Err(ConfigError::Invalid(r.problems)),
    }
}

/// A provider's own data, before merging. Errors were already reported by
/// the merged extraction, so none are expected here.
fn layer_data(provider: &impl Provider) -> Dict {
    provider
        .data()
        .ok()
        .and_then(|mut profiles| profiles.remove(&Profile::Default))
        .unwrap_or_default()
}

pub(super) struct Resolver<'a> {
    pub(super) figment: &'a Figment,
    pub(super) problems: Vec<Problem>,
}

impl Resolver<'_> {
    /// Where the value of `key` came from.
    pub(super) fn origin(&self, key: &str) -> Origin {
        let path: Vec<String> = key.split('.').map(str::to_owned).collect();
        Origin::from_metadata(self.figment.find_metadata(key), &path)
    }

    pub(super) fn invalid(&mut self, key: &str, detail: &str) {
        let origin = self.origin(key);
        self.problems.push(Problem::invalid(key, &origin, detail));
    }

    /// A value of the wrong type: what was found is shown, unless secret.
    fn wrong_type(&mut self, key: &str, value: &Value) {
        let origin = origin_of(self.figment, value, key);
        let detail = if is_secret(key) {
            String::new()
        } else {
            format!(" (found {})", value.to_actual())
        };
        self.problems.push(Problem::invalid(key, &origin, &detail));
    }

    pub(super) fn string(&mut self, key: &str, value: Option<Value>) -> Option<String> {
        match value? {
            Value::String(_, s) => Some(s),
            other => {
                self.wrong_type(key, &other);
                None
            }
        }
    }

    pub(super) fn path(&mut self, key: &str, value: Option<Value>) -> Option<PathBuf> {
        self.string(key, value).map(PathBuf::from)
    }

    /// Environment values are strings: `true`, `yes`, `on`, `1` and their
    /// opposites count as booleans.
    pub(super) fn bool(&mut self, key: &str, value: Option<Value>) -> Option<bool> {
        let value = value?;
        let b = value.to_bool_lossy();
        if b.is_none() {
            self.wrong_type(key, &value);
        }
        b
    }

    /// An integer key checked against its range (so "0", "-1", "1.5" and
    /// "many" all get the same message stating the range). `None` when unset
    /// or wrong; a wrong value has been recorded as a problem.
    pub(super) fn integer<T: TryFrom<u128>>(
        &mut self,
        key: &str,
        value: Option<Value>,
        range: RangeInclusive<u128>,
    ) -> Option<T> {
        let value = value?;
        let Some(n) = value.to_num_lossy().and_then(|n| n.to_u128_lossy()) else {
            self.wrong_type(key, &value);
            return None;
        };
        let converted = range.contains(&n).then(|| T::try_from(n).ok()).flatten();
        if converted.is_none() {
            let origin = origin_of(self.figment, &value, key);
            self.problems
                .push(Problem::invalid(key, &origin, &format!(" (found {n})")));
        }
        converted
    }

    /// Builds the configuration. `None` only when a problem was recorded.
    fn config(&mut self, raw: RawConfig, dev_override: Option<bool>) -> Option<Config> {
        let dev_mode = self.bool("dev_mode", raw.dev_mode);
        let dev_mode = dev_override.or(dev_mode).unwrap_or(false);
        let issuer = self.string("issuer", raw.issuer);
        let issuer = self.issuer(issuer.as_deref().unwrap_or(DEFAULT_ISSUER), dev_mode);
        let data_dir = self
            .path("data_dir", raw.data_dir)
            .unwrap_or_else(|| PathBuf::from("data"));
        if data_dir.as_os_str().is_empty() {
            self.invalid("data_dir", " (found an empty path)");
        }
        let server = self.server(raw.server);
        let database = self.database(raw.database);
        let ephemeral = self.ephemeral(raw.ephemeral);
        let log = self.log(raw.log);
        let keys = self.keys(raw.keys, dev_mode);
        let tokens = self.tokens(raw.tokens);
        let session = self.session(raw.session);
        let email = self.email(raw.email, dev_mode);
        let sms = self.sms(raw.sms, dev_mode);
        let fallback = self.fallback(raw.fallback);
        let demo = DemoConfig {
            enabled: self.bool("demo.enabled", raw.demo.enabled),
        };
        let metrics = self.metrics(raw.metrics);
        let telemetry = self.telemetry(raw.telemetry);
        let passkeys = self.passkeys(raw.passkeys);
        Some(Config {
            issuer: issuer?,
            dev_mode,
            data_dir,
            server,
            database,
            ephemeral,
            log,
            keys,
            tokens,
            session,
            email,
            sms,
            fallback,
            demo,
            metrics,
            telemetry,
            passkeys,
        })
    }

    /// `[fallback]`: parsed by the policy's own types and validated now, so
    /// a broken rule stops the start with its path named.
    fn fallback(&mut self, raw: Option<Value>) -> latchkey_fallback::policy::PolicyConfig {
        use latchkey_fallback::policy::{Policy, PolicyConfig};
        let Some(value) = raw else {
            return PolicyConfig::default();
        };
        let config = match value.deserialize::<PolicyConfig>() {
            Ok(c) => c,
            Err(e) => {
                let origin = self.origin("fallback");
                self.problems.push(Problem::new(
                    Some("fallback"),
                    format!("invalid fallback policy {origin}: {e}"),
                ));
                return PolicyConfig::default();
            }
        };
        if let Err(e) = Policy::from_config(&config) {
            let origin = self.origin("fallback");
            self.problems.push(Problem::new(
                Some("fallback"),
                format!("invalid fallback policy {origin}: {e}"),
            ));
        }
        config
    }

    fn issuer(&mut self, raw: &str, dev_mode: bool) -> Option<Url> {
        checks::issuer(raw, dev_mode)
            .map_err(|reason| self.invalid("issuer", &format!(" (found {raw:?}: {reason})")))
            .ok()
    }

    fn server(&mut self, raw: raw::RawServer) -> ServerConfig {
        let d = ServerConfig::default();
        let listen = self.string("server.listen", raw.listen).and_then(|s| {
            let parsed = s.trim().parse::<SocketAddr>().ok();
            if parsed.is_none() {
                self.invalid("server.listen", &format!(" (found {s:?})"));
            }
            parsed
        });
        ServerConfig {
            listen: listen.unwrap_or(d.listen),
            workers: self.integer("server.workers", raw.workers, 1..=1024),
            shutdown_timeout_secs: self
                .integer(
                    "server.shutdown_timeout_secs",
                    raw.shutdown_timeout_secs,
                    0..=3600,
                )
                .unwrap_or(d.shutdown_timeout_secs),
            trusted_proxies: self
                .string("server.trusted_proxies", raw.trusted_proxies)
                .and_then(|s| match crate::net::parse_list(&s) {
                    Ok(list) => Some(list),
                    Err(e) => {
                        self.invalid("server.trusted_proxies", &format!(" ({e})"));
                        None
                    }
                })
                .unwrap_or(d.trusted_proxies),
        }
    }

    fn database(&mut self, raw: raw::RawDatabase) -> DatabaseConfig {
        let d = DatabaseConfig::default();
        let url = self
            .secret("database.url", "database.url_file", raw.url, raw.url_file)
            .unwrap_or(d.url);
        if let Some(detail) = checks::database_url(url.expose()) {
            self.invalid("database.url", &detail);
        }
        DatabaseConfig {
            url,
            pool_size: self
                .integer("database.pool_size", raw.pool_size, 1..=256)
                .unwrap_or(d.pool_size),
            connect_timeout_secs: self
                .integer(
                    "database.connect_timeout_secs",
                    raw.connect_timeout_secs,
                    1..=120,
                )
                .unwrap_or(d.connect_timeout_secs),
        }
    }

    fn ephemeral(&mut self, raw: raw::RawEphemeral) -> EphemeralConfig {
        let d = EphemeralConfig::default();
        let url = self
            .secret("ephemeral.url", "ephemeral.url_file", raw.url, raw.url_file)
            .unwrap_or(d.url);
        if let Some(detail) = checks::ephemeral_url(url.expose()) {
            self.invalid("ephemeral.url", &detail);
        }
        EphemeralConfig {
            url,
            max_entries: self
                .integer("ephemeral.max_entries", raw.max_entries, 100..=u128::MAX)
                .unwrap_or(d.max_entries),
            key_prefix: self
                .string("ephemeral.key_prefix", raw.key_prefix)
                .unwrap_or(d.key_prefix),
            timeout_ms: self
                .integer("ephemeral.timeout_ms", raw.timeout_ms, 50..=60_000)
                .unwrap_or(d.timeout_ms),
        }
    }

    fn log(&mut self, raw: raw::RawLog) -> LogConfig {
        let d = LogConfig::default();
        let format = match self.string("log.format", raw.format).as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                self.invalid("log.format", &format!(" (found {other:?})"));
                d.format
            }
        };
        let level = self.string("log.level", raw.level).unwrap_or(d.level);
        if let Err(e) = tracing_subscriber::EnvFilter::try_new(&level) {
            self.invalid("log.level", &format!(" (found {level:?}: {e})"));
        }
        LogConfig { format, level }
    }

    fn keys(&mut self, raw: raw::RawKeys, dev_mode: bool) -> KeysConfig {
        let key = self.secret(
            "keys.encryption_key",
            "keys.encryption_key_file",
            raw.encryption_key,
            raw.encryption_key_file,
        );
        match &key {
            Some(k) => {
                if let Err(detail) = super::secret::decode_key(k.expose()) {
                    self.invalid("keys.encryption_key", &detail);
                }
            }
            None if !dev_mode => self.problems.push(missing_key_problem()),
            None => {}
        }
        KeysConfig {
            encryption_key: key,
        }
    }

    fn tokens(&mut self, raw: raw::RawTokens) -> TokensConfig {
        let d = TokensConfig::default();
        let code_ttl_secs = self
            .integer(
                "tokens.code_ttl_secs",
                raw.code_ttl_secs,
                10..=MAX_CODE_TTL_SECS,
            )
            .unwrap_or(d.code_ttl_secs);
        let id_token_ttl_secs = self
            .integer(
                "tokens.id_token_ttl_secs",
                raw.id_token_ttl_secs,
                60..=MAX_TOKEN_TTL_SECS,
            )
            .unwrap_or(d.id_token_ttl_secs);
        let access_token_ttl_secs = self
            .integer(
                "tokens.access_token_ttl_secs",
                raw.access_token_ttl_secs,
                60..=MAX_TOKEN_TTL_SECS,
            )
            .unwrap_or(d.access_token_ttl_secs);
        let before = self.problems.len();
        let refresh_token_ttl_secs = self
            .integer(
                "tokens.refresh_token_ttl_secs",
                raw.refresh_token_ttl_secs,
                3600..=31_536_000,
            )
            .unwrap_or(d.refresh_token_ttl_secs);
        let refresh_family_ttl_secs = self
            .integer(
                "tokens.refresh_family_ttl_secs",
                raw.refresh_family_ttl_secs,
                3600..=63_072_000,
            )
            .unwrap_or(d.refresh_family_ttl_secs);
        // No rotation extends a family, so a refresh token longer than its
        // family would be cut short without saying so. Checked only when both
        // values are valid: a default standing in for a wrong value would
        // make a confusing second error.
        if self.problems.len() == before && refresh_family_ttl_secs < refresh_token_ttl_secs {
            let token_key = "tokens.refresh_token_ttl_secs";
            let token_origin = self.origin(token_key);
            self.invalid(
                "tokens.refresh_family_ttl_secs",
                &format!(
                    " (found {refresh_family_ttl_secs}, less than \"{token_key}\" = \
                     {refresh_token_ttl_secs} {token_origin}: no rotation extends a family, \
                     so a refresh token cannot outlive its family)"
                ),
            );
        }
        TokensConfig {
            code_ttl_secs,
            id_token_ttl_secs,
            access_token_ttl_secs,
            refresh_token_ttl_secs,
            refresh_family_ttl_secs,
            refresh_reuse_grace_secs: self
                .integer(
                    "tokens.refresh_reuse_grace_secs",
                    raw.refresh_reuse_grace_secs,
                    0..=60,
                )
                .unwrap_or(d.refresh_reuse_grace_secs),
        }
    }

    fn session(&mut self, raw: raw::RawSession) -> SessionConfig {
        let d = SessionConfig::default();
        SessionConfig {
            ttl_secs: self
                .integer("session.ttl_secs", raw.ttl_secs, 300..=2_592_000)
                .unwrap_or(d.ttl_secs),
        }
    }

    /// A secret given directly or through its `_file` twin.
    ///
    /// Within one layer, setting both is an error naming both keys (which one
    /// was meant is a guess). Across layers the pair acts as one setting, so
    /// `LATCHKEY_DATABASE__URL_FILE` overrides `database.url` from the TOML
    /// file, as every other environment variable overrides the file.
    pub(super) fn secret(
        &mut self,
        key: &str,
        file_key: &str,
        value: Option<Value>,
        file: Option<Value>,
    ) -> Option<Secret> {
        let layers = (
            value.as_ref().map(|v| origin_of(self.figment, v, key)),
            file.as_ref().map(|v| origin_of(self.figment, v, file_key)),
        );
        let use_file = match layers {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(v), Some(f)) if v.layer() == f.layer() => {
                self.problems.push(Problem::new(
                    Some(key),
                    format!("both \"{key}\" ({v}) and \"{file_key}\" ({f}) are set; set only one of them"),
                ));
                return None;
            }
            (Some(v), Some(f)) => f.layer() > v.layer(),
        };
        if !use_file {
            return self.string(key, value).map(Secret::new);
        }
        let path = self.path(file_key, file)?;
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let text = text.trim_end_matches(['\n', '\r']);
                if text.is_empty() {
                    self.invalid(
                        file_key,
                        &format!(" (the file {} is empty)", path.display()),
                    );
                    None
                } else {
                    Some(Secret::new(text))
                }
            }
            Err(e) => {
                self.invalid(file_key, &format!(" (cannot read {}: {e})", path.display()));
                None
            }
        }
    }
}

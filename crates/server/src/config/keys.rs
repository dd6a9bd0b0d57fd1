//! The table of every configuration key: its dotted name, what a valid value
//! looks like and whether it is a secret.
//!
//! Error messages, key suggestions and the docs-drift test all read this one
//! table, so a key cannot be documented in one place and spelled differently
//! in another.

/// One leaf key of the configuration.
#[derive(Debug)]
pub(super) struct KeySpec {
    /// Dotted TOML path, e.g. `database.url`.
    pub name: &'static str,
    /// What a valid value looks like, completing "expected …".
    pub expected: &'static str,
    /// A secret's value never appears in an error message or in
    /// `config check` output, because both end up in logs and tickets.
    pub secret: bool,
}

const fn key(name: &'static str, expected: &'static str) -> KeySpec {
    KeySpec {
        name,
        expected,
        secret: false,
    }
}

const fn secret(name: &'static str, expected: &'static str) -> KeySpec {
    KeySpec {
        name,
        expected,
        secret: true,
    }
}

const FILE: &str = "the path of a file that holds the secret";

pub(super) const KEYS: &[KeySpec] = &[
    key(
        "issuer",
        "an absolute http(s) URL without a trailing slash, query or fragment, like https://id.example.com",
    ),
    key("dev_mode", "true or false"),
    key("data_dir", "a directory path"),
    key("server.listen", "a socket address like 127.0.0.1:8080"),
    key(
        "server.workers",
        "an integer from 1 to 1024 (leave the key out for one worker per CPU core)",
    ),
    key("server.shutdown_timeout_secs", "an integer from 0 to 3600"),
    key(
        "server.trusted_proxies",
        "a comma-separated list of IP addresses or CIDR networks, like \"10.0.0.0/8, 192.0.2.7\"",
    ),
    secret(
        "database.url",
        "a sqlite://, postgres:// or postgresql:// URL",
    ),
    key("database.url_file", FILE),
    key("database.pool_size", "an integer from 1 to 256"),
    key("database.connect_timeout_secs", "an integer from 1 to 120"),
    secret("ephemeral.url", "a memory:// or redis:// URL"),
    key("ephemeral.url_file", FILE),
    key("ephemeral.max_entries", "an integer of at least 100"),
    key("ephemeral.key_prefix", "a string"),
    key("ephemeral.timeout_ms", "an integer from 50 to 60000"),
    key("log.format", "\"text\" or \"json\""),
    key(
        "log.level",
        "a tracing filter like \"info\" or \"info,latchkey_server=debug\"",
    ),
    secret(
        "keys.encryption_key",
        "base64 (standard or URL-safe, padding optional) of exactly 32 bytes",
    ),
    key("keys.encryption_key_file", FILE),
    key("tokens.code_ttl_secs", "an integer from 10 to 60"),
    key("tokens.id_token_ttl_secs", "an integer from 60 to 86400"),
    key(
        "tokens.access_token_ttl_secs",
        "an integer from 60 to 86400",
    ),
    key(
        "tokens.refresh_token_ttl_secs",
        "an integer from 3600 to 31536000",
    ),
    key(
        "tokens.refresh_family_ttl_secs",
        "an integer from 3600 to 63072000, at least tokens.refresh_token_ttl_secs",
    ),
    key("tokens.refresh_reuse_grace_secs", "an integer from 0 to 60"),
    key("session.ttl_secs", "an integer from 300 to 2592000"),
    secret(
        "email.smtp_url",
        "an smtp:// or smtps:// URL like smtps://user:password@smtp.example.com (add ?tls=required to smtp:// for STARTTLS)",
    ),
    key("email.smtp_url_file", FILE),
    key(
        "email.from",
        "an email address like login@example.com or \"Example Login <login@example.com>\"",
    ),
    key("email.timeout_secs", "an integer from 1 to 300"),
    key(
        "email.outbox_dir",
        "a directory path (only with dev_mode = true and without email.smtp_url)",
    ),
    key(
        "sms.http_url",
        "an https URL of the provider's send-message endpoint (http only on a loopback host), without credentials",
    ),
    key(
        "sms.account_id",
        "the provider account id (the HTTP Basic user name), set together with sms.http_url",
    ),
    secret(
        "sms.auth_token",
        "the provider auth token (the HTTP Basic password), set together with sms.http_url",
    ),
    key("sms.auth_token_file", FILE),
    key(
        "sms.from",
        "a phone number in E.164 form like +15551234567, or an alphanumeric sender id of 1 to 11 letters, digits or spaces",
    ),
    key("sms.timeout_secs", "an integer from 1 to 120"),
    key(
        "demo.enabled",
        "true or false (leave the key out for on in dev mode, off otherwise)",
    ),
    key("metrics.enabled", "true or false"),
    secret(
        "metrics.bearer_token",
        "at least 16 printable ASCII characters without spaces, like the output of `openssl rand -hex 32`",
    ),
    key("metrics.bearer_token_file", FILE),
    key(
        "telemetry.otlp_endpoint",
        "an http(s) URL of an OTLP/HTTP collector without credentials, query or fragment, like http://collector:4318",
    ),
    key(
        "telemetry.service_name",
        "a non-empty string of at most 128 bytes",
    ),
    key("telemetry.sampling_ratio", "a number from 0 to 1"),
    key(
        "passkeys.attestation_ca_files",
        "a list of readable PEM files of X.509 attestation root CAs (in the environment: paths separated by commas), set together with passkeys.aaguid_allow_list",
    ),
    key(
        "passkeys.aaguid_allow_list",
        "a list of AAGUIDs like \"cb69481e-8ff7-4039-93ec-0a2729a154a8\" (in the environment: separated by commas), set together with passkeys.attestation_ca_files",
    ),
];

/// The tables, so `LATCHKEY_SERVER=…` or `server = 1` get a precise message.
pub(super) const SECTIONS: &[&str] = &[
    "server",
    "database",
    "ephemeral",
    "log",
    "keys",
    "tokens",
    "session",
    "email",
    "sms",
    "demo",
    "metrics",
    "telemetry",
    "passkeys",
];

/// The environment variables with our prefix that are not configuration keys:
/// the CLI's `--config` fallback and the test suites' service URLs. Without
/// this list, `deny_unknown_fields` would reject a server started from a
/// shell that runs the test suites.
pub(super) fn is_reserved_env(rest_upper: &str) -> bool {
    rest_upper == "CONFIG" || rest_upper == "REQUIRE_BACKENDS" || rest_upper.starts_with("TEST_")
}

/// The prefix of every configuration environment variable.
pub(super) const ENV_PREFIX: &str = "LATCHKEY_";

pub(super) fn spec(name: &str) -> Option<&'static KeySpec> {
    KEYS.iter().find(|k| k.name == name)
}

pub(super) fn is_secret(name: &str) -> bool {
    spec(name).is_some_and(|k| k.secret)
}

/// `database.url` → `LATCHKEY_DATABASE__URL`.
pub(super) fn env_var(name: &str) -> String {
    format!(
        "{ENV_PREFIX}{}",
        name.to_ascii_uppercase().replace('.', "__")
    )
}

/// The closest known key or table to a mistyped one, if any is close enough
/// to be a plausible typo (`databse`, `database_url`, `server.listn`).
pub(super) fn suggest(unknown: &str) -> Option<&'static str> {
    let candidates = KEYS.iter().map(|k| k.name).chain(SECTIONS.iter().copied());
    let limit = (unknown.len() / 4).clamp(1, 3);
    candidates
        .map(|c| (edit_distance(unknown, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance over bytes (keys are ASCII).
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, &ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = prev[j] + usize::from(ca != cb);
            cur[j + 1] = substitution.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_misses_only() {
        assert_eq!(suggest("databse"), Some("database"));
        assert_eq!(suggest("database.urll"), Some("database.url"));
        assert_eq!(suggest("database_url"), Some("database.url"));
        assert_eq!(suggest("completely_different"), None);
    }

    #[test]
    fn env_names() {
        assert_eq!(env_var("dev_mode"), "LATCHKEY_DEV_MODE");
        assert_eq!(env_var("database.url_file"), "LATCHKEY_DATABASE__URL_FILE");
    }
}

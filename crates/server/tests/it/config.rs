//! Configuration loading: layering, secrets, validation messages, and the
//! docs / example / code agreement.
//!
//! Every test uses `Config::from_sources` with an explicit environment and
//! absolute temporary paths: nothing reads the process environment or
//! changes directory, so tests run in parallel safely.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use latchkey_oidc::grant::Lifetimes;
use latchkey_server::config::{self, Config, ConfigError, LogFormat, Secret};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn example_text() -> String {
    std::fs::read_to_string(repo_root().join("latchkey.example.toml")).unwrap()
}

fn docs_text() -> String {
    std::fs::read_to_string(repo_root().join("docs/configuration.md")).unwrap()
}

const TOML_PATH: &str = "/etc/latchkey/latchkey.toml";

/// A valid production configuration to vary from.
fn prod_env(key: &str) -> Vec<(&'static str, String)> {
    vec![
        ("LATCHKEY_ISSUER", "https://id.example.com".to_owned()),
        ("LATCHKEY_KEYS__ENCRYPTION_KEY", key.to_owned()),
    ]
}

fn key_b64() -> String {
    STANDARD.encode([7u8; 32])
}

fn load(
    toml: Option<&str>,
    env: &[(&str, &str)],
    dev: Option<bool>,
) -> Result<Config, ConfigError> {
    Config::from_sources(toml.map(|t| (t, Path::new(TOML_PATH))), env, dev)
}

fn load_owned(
    toml: Option<&str>,
    env: &[(&str, String)],
    dev: Option<bool>,
) -> Result<Config, ConfigError> {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    load(toml, &env, dev)
}

fn err(result: Result<Config, ConfigError>) -> String {
    match result {
        Ok(c) => panic!("expected an error, got {c:?}"),
        Err(e) => e.to_string(),
    }
}

/// Leaf keys of the example: active assignments plus commented-out ones
/// (`# workers = 4`), tracked by `[table]` headers.
fn example_keys(text: &str) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    let mut table = String::new();
    for line in text.lines() {
        let line = line.trim();
        let uncommented = line.strip_prefix('#').unwrap_or(line).trim();
        if let Some(name) = uncommented
            .strip_prefix('[')
            .and_then(|l| l.strip_suffix(']'))
        {
            table = name.trim().to_owned();
            continue;
        }
        // `[fallback]` is the policy language (docs/fallback-policy.md), not
        // a table of keys of this reference.
        if table == "fallback" || table.starts_with("fallback.") {
            continue;
        }
        let candidate = line.strip_prefix('#').unwrap_or(line).trim();
        let Ok(parsed) = candidate.parse::<toml::Table>() else {
            continue;
        };
        let mut entries = parsed.into_iter();
        let (Some((key, value)), None) = (entries.next(), entries.next()) else {
            continue;
        };
        if value.is_table() || !key.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            continue;
        }
        keys.insert(if table.is_empty() {
            key
        } else {
            format!("{table}.{key}")
        });
    }
    keys
}

/// (key, environment variable) of each row of the reference table.
fn doc_rows(text: &str) -> Vec<(String, String)> {
    let start = text.find("<!-- keys:start -->").expect("start marker");
    let end = text.find("<!-- keys:end -->").expect("end marker");
    text[start..end]
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            (
                cells[1].trim_matches('`').to_owned(),
                cells[2].trim_matches('`').to_owned(),
            )
        })
        .collect()
}

#[test]
fn example_parses_and_equals_the_defaults() {
    let example = example_text();
    let from_example = Config::from_sources(
        Some((&example, &repo_root().join("latchkey.example.toml"))),
        &[],
        Some(true),
    )
    .unwrap();
    let defaults = Config::from_sources(None, &[], Some(true)).unwrap();
    assert_eq!(from_example, defaults);

    assert_eq!(defaults.issuer_str(), "http://localhost:8080");
    assert_eq!(defaults.server.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(defaults.server.workers, None);
    assert_eq!(defaults.server.shutdown_timeout_secs, 30);
    assert_eq!(defaults.database.url.expose(), "sqlite://data/latchkey.db");
    assert_eq!(defaults.database.pool_size, 8);
    assert_eq!(defaults.database.connect_timeout_secs, 5);
    assert_eq!(defaults.ephemeral.url.expose(), "memory://");
    assert_eq!(defaults.ephemeral.max_entries, 100_000);
    assert_eq!(defaults.ephemeral.key_prefix, "latchkey:");
    assert_eq!(defaults.ephemeral.timeout_ms, 2000);
    assert_eq!(defaults.log.format, LogFormat::Text);
    assert_eq!(defaults.log.level, "info");
    assert_eq!(defaults.keys.encryption_key, None);
    assert_eq!(defaults.data_dir, PathBuf::from("data"));
    assert_eq!(defaults.tokens.code_ttl_secs, 60);
    assert_eq!(defaults.tokens.refresh_family_ttl_secs, 7_776_000);
    assert_eq!(defaults.session.ttl_secs, 43_200);
}

#[test]
fn docs_example_and_code_name_the_same_keys() {
    let code: BTreeSet<String> = config::keys().map(str::to_owned).collect();
    let example = example_keys(&example_text());
    let rows = doc_rows(&docs_text());
    let documented: BTreeSet<String> = rows.iter().map(|(k, _)| k.clone()).collect();

    assert_eq!(rows.len(), documented.len(), "a key is documented twice");
    assert_eq!(
        example, documented,
        "latchkey.example.toml vs docs/configuration.md"
    );
    assert_eq!(code, documented, "config::keys() vs docs/configuration.md");
    for (key, env) in &rows {
        let expected = format!("LATCHKEY_{}", key.to_uppercase().replace('.', "__"));
        assert_eq!(env, &expected, "environment variable documented for {key}");
    }
}

#[test]
fn every_documented_key_is_accepted() {
    // Whatever the value's validity, no key of the docs may be "unknown".
    for (key, env) in doc_rows(&docs_text()) {
        let result = load(None, &[(&env, "1")], Some(true));
        if let Err(e) = result {
            assert!(!e.to_string().contains("unknown key"), "{key}: {e}");
        }
    }
}

#[test]
fn unknown_key_in_file_names_key_and_path() {
    let msg = err(load(
        Some("[databse]\nurl = \"sqlite://x.db\"\n"),
        &[],
        Some(true),
    ));
    assert!(msg.contains("unknown key \"databse\""), "{msg}");
    assert!(msg.contains(TOML_PATH), "{msg}");
    assert!(msg.contains("did you mean \"database\""), "{msg}");

    let msg = err(load(
        Some("[server]\nlistn = \"127.0.0.1:1\"\n"),
        &[],
        Some(true),
    ));
    assert!(
        msg.contains("unknown key \"server.listn\" in /etc/latchkey/latchkey.toml"),
        "{msg}"
    );
}

#[test]
fn unknown_key_in_env_names_the_variable() {
    let msg = err(load(
        None,
        &[("LATCHKEY_DATABASE__URLL", "sqlite://x.db")],
        Some(true),
    ));
    assert!(msg.contains("unknown key \"database.urll\""), "{msg}");
    assert!(
        msg.contains("environment variable LATCHKEY_DATABASE__URLL"),
        "{msg}"
    );
    assert!(
        msg.contains("did you mean LATCHKEY_DATABASE__URL?"),
        "{msg}"
    );

    // A mistyped table is reported with the full variable name too.
    let msg = err(load(
        None,
        &[("LATCHKEY_DATABSE__POOL_SIZE", "4")],
        Some(true),
    ));
    assert!(msg.contains("LATCHKEY_DATABSE__POOL_SIZE"), "{msg}");

    // One underscore where two were meant.
    let msg = err(load(
        None,
        &[("LATCHKEY_DATABASE_URL", "sqlite://x.db")],
        Some(true),
    ));
    assert!(
        msg.contains("did you mean LATCHKEY_DATABASE__URL?"),
        "{msg}"
    );
}

#[test]
fn unknown_key_error_does_not_echo_a_secret_value() {
    let msg = err(load(
        None,
        &[("LATCHKEY_DATABASE__URLL", "postgres://u:Sw0rdfish@db/x")],
        Some(true),
    ));
    assert!(!msg.contains("Sw0rdfish"), "{msg}");
}

#[test]
fn top_level_keys_with_underscores_work_from_env() {
    let c = load(
        None,
        &[
            ("LATCHKEY_DEV_MODE", "true"),
            ("LATCHKEY_DATA_DIR", "/srv/lk"),
        ],
        None,
    )
    .unwrap();
    assert!(c.dev_mode);
    assert_eq!(c.data_dir, PathBuf::from("/srv/lk"));
}

#[test]
fn invalid_listen_address_names_server_listen() {
    let msg = err(load(
        None,
        &[("LATCHKEY_SERVER__LISTEN", "localhost")],
        Some(true),
    ));
    assert!(
        msg.contains(
            "invalid value for \"server.listen\" from environment variable LATCHKEY_SERVER__LISTEN: \
             expected a socket address like 127.0.0.1:8080"
        ),
        "{msg}"
    );
    let msg = err(load(Some("[server]\nlisten = 8080\n"), &[], Some(true)));
    assert!(
        msg.contains("\"server.listen\" in /etc/latchkey/latchkey.toml"),
        "{msg}"
    );
}

#[test]
fn env_overrides_file_and_converts_types() {
    let toml = "[server]\nlisten = \"127.0.0.1:9000\"\nworkers = 2\n[log]\nformat = \"text\"\n";
    let c = load(
        Some(toml),
        &[
            ("LATCHKEY_SERVER__LISTEN", "0.0.0.0:7000"),
            ("LATCHKEY_SERVER__WORKERS", "3"),
            ("LATCHKEY_LOG__FORMAT", "json"),
            ("LATCHKEY_ISSUER", "https://id.example.com/tenant"),
        ],
        Some(true),
    )
    .unwrap();
    assert_eq!(c.server.listen.to_string(), "0.0.0.0:7000");
    assert_eq!(c.server.workers, Some(3));
    assert_eq!(c.log.format, LogFormat::Json);
    assert_eq!(c.issuer_str(), "https://id.example.com/tenant");
}

#[test]
fn env_values_are_taken_verbatim_and_empty_ones_ignored() {
    // figment's Env would turn `"lk"` into `lk` and `[a,b]` into an array.
    let c = load(
        None,
        &[
            ("LATCHKEY_EPHEMERAL__KEY_PREFIX", "\"lk\""),
            ("LATCHKEY_LOG__LEVEL", "[a,b]"),
            ("LATCHKEY_EPHEMERAL__URL", ""),
        ],
        Some(true),
    );
    let e = err(c);
    assert!(e.contains("\"[a,b]\""), "{e}");
    let c = load(
        None,
        &[
            ("LATCHKEY_EPHEMERAL__KEY_PREFIX", "\"lk\""),
            ("LATCHKEY_EPHEMERAL__URL", ""),
        ],
        Some(true),
    )
    .unwrap();
    assert_eq!(c.ephemeral.key_prefix, "\"lk\"");
    assert_eq!(c.ephemeral.url.expose(), "memory://");
}

#[test]
fn reserved_variables_are_not_configuration() {
    let c = load(
        None,
        &[
            ("LATCHKEY_CONFIG", "/etc/latchkey.toml"),
            ("LATCHKEY_TEST_POSTGRES_URL", "postgres://x"),
            ("LATCHKEY_REQUIRE_BACKENDS", "1"),
            ("PATH", "/usr/bin"),
        ],
        Some(true),
    );
    assert!(c.is_ok(), "{c:?}");
}

#[test]
fn secret_file_is_read_and_trimmed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("db-url");
    std::fs::write(&file, "postgres://latchkey:s3cret@db:5432/latchkey\n").unwrap();
    let key_file = dir.path().join("key");
    std::fs::write(
        &key_file,
        format!("{}\r\n", URL_SAFE_NO_PAD.encode([9u8; 32])),
    )
    .unwrap();

    let file_str = file.to_str().unwrap();
    let key_file_str = key_file.to_str().unwrap();
    let c = load(
        None,
        &[
            ("LATCHKEY_ISSUER", "https://id.example.com"),
            ("LATCHKEY_DATABASE__URL_FILE", file_str),
            ("LATCHKEY_KEYS__ENCRYPTION_KEY_FILE", key_file_str),
        ],
        None,
    )
    .unwrap();
    assert_eq!(
        c.database.url.expose(),
        "postgres://latchkey:s3cret@db:5432/latchkey"
    );
    assert_eq!(c.encryption_key().unwrap(), [9u8; 32]);

    // The same from the TOML file.
    let toml = format!("[database]\nurl_file = {file_str:?}\n");
    let c = load(Some(&toml), &[], Some(true)).unwrap();
    assert_eq!(
        c.database.url.expose(),
        "postgres://latchkey:s3cret@db:5432/latchkey"
    );
}

#[test]
fn secret_and_its_file_in_one_layer_is_an_error_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("db-url");
    std::fs::write(&file, "sqlite://x.db\n").unwrap();
    let path = file.to_str().unwrap();

    let msg = err(load(
        None,
        &[
            ("LATCHKEY_DATABASE__URL", "sqlite://y.db"),
            ("LATCHKEY_DATABASE__URL_FILE", path),
        ],
        Some(true),
    ));
    assert!(
        msg.contains("\"database.url\"") && msg.contains("\"database.url_file\""),
        "{msg}"
    );
    assert!(msg.contains("LATCHKEY_DATABASE__URL_FILE"), "{msg}");

    let toml = format!("[database]\nurl = \"sqlite://y.db\"\nurl_file = {path:?}\n");
    let msg = err(load(Some(&toml), &[], Some(true)));
    assert!(
        msg.contains("\"database.url\"") && msg.contains("\"database.url_file\""),
        "{msg}"
    );
    assert!(msg.contains(TOML_PATH), "{msg}");
}

#[test]
fn secret_file_in_env_overrides_value_in_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("db-url");
    std::fs::write(&file, "sqlite:///from/file.db\n").unwrap();
    let toml = "[database]\nurl = \"sqlite://toml.db\"\n";
    let c = load(
        Some(toml),
        &[("LATCHKEY_DATABASE__URL_FILE", file.to_str().unwrap())],
        Some(true),
    )
    .unwrap();
    assert_eq!(c.database.url.expose(), "sqlite:///from/file.db");

    let toml = format!("[database]\nurl_file = {:?}\n", file.to_str().unwrap());
    let c = load(
        Some(&toml),
        &[("LATCHKEY_DATABASE__URL", "sqlite://env.db")],
        Some(true),
    )
    .unwrap();
    assert_eq!(c.database.url.expose(), "sqlite://env.db");
}

#[test]
fn missing_secret_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let msg = err(load(
        None,
        &[("LATCHKEY_EPHEMERAL__URL_FILE", missing.to_str().unwrap())],
        Some(true),
    ));
    assert!(msg.contains("\"ephemeral.url_file\""), "{msg}");
    assert!(msg.contains("LATCHKEY_EPHEMERAL__URL_FILE"), "{msg}");
}

#[test]
fn production_requires_an_encryption_key() {
    let msg = err(load(
        None,
        &[("LATCHKEY_ISSUER", "https://id.example.com")],
        None,
    ));
    assert!(
        msg.contains("keys.encryption_key (or LATCHKEY_KEYS__ENCRYPTION_KEY_FILE) is required when dev_mode is false"),
        "{msg}"
    );
    assert!(load_owned(None, &prod_env(&key_b64()), None).is_ok());
}

#[test]
fn production_requires_https_issuer() {
    let mut env = prod_env(&key_b64());
    env[0].1 = "http://localhost:9000".to_owned();
    let msg = err(load_owned(None, &env, None));
    assert!(
        msg.contains("\"issuer\" from environment variable LATCHKEY_ISSUER"),
        "{msg}"
    );
    assert!(msg.contains("https"), "{msg}");
    // Dev mode allows it, from the file or the --dev override.
    assert!(load_owned(None, &env, Some(true)).is_ok());
    assert!(load_owned(Some("dev_mode = true\n"), &env, None).is_ok());
    // --dev overrides the layered value in both directions.
    assert!(load_owned(Some("dev_mode = true\n"), &env, Some(false)).is_err());
}

#[test]
fn dev_mode_allows_http_only_on_loopback() {
    for ok in [
        "http://localhost:8080",
        "http://127.0.0.1:41234",
        "http://[::1]:8080",
    ] {
        assert!(
            load(None, &[("LATCHKEY_ISSUER", ok)], Some(true)).is_ok(),
            "{ok}"
        );
    }
    let msg = err(load(
        None,
        &[("LATCHKEY_ISSUER", "http://192.168.1.5:8080")],
        Some(true),
    ));
    assert!(msg.contains("loopback"), "{msg}");
}

#[test]
fn production_with_defaults_reports_every_problem() {
    let e = load(None, &[], None).unwrap_err();
    assert_eq!(e.problems().len(), 2, "{e}");
    let msg = e.to_string();
    assert!(msg.starts_with("2 configuration errors:"), "{msg}");
    assert!(
        msg.contains("\"issuer\" from the built-in default"),
        "{msg}"
    );
}

#[test]
fn issuer_shape_is_checked() {
    for (issuer, needle) in [
        ("https://id.example.com/", "trailing slash"),
        ("https://id.example.com?x=1", "query"),
        ("https://id.example.com#f", "fragment"),
        ("ftp://id.example.com", "scheme"),
        ("id.example.com", "relative URL"),
        ("https://u:p@id.example.com", "credentials"),
    ] {
        let msg = err(load(None, &[("LATCHKEY_ISSUER", issuer)], Some(true)));
        assert!(
            msg.contains("\"issuer\"") && msg.contains(needle),
            "{issuer}: {msg}"
        );
    }
    // A bare origin keeps no trailing slash in the issuer string.
    let c = load(
        None,
        &[("LATCHKEY_ISSUER", "https://id.example.com")],
        Some(true),
    )
    .unwrap();
    assert_eq!(c.issuer_str(), "https://id.example.com");
}

#[test]
fn bad_encryption_keys_are_rejected_without_echo() {
    let msg = err(load_owned(None, &prod_env("not base64!!"), None));
    assert!(
        msg.contains("\"keys.encryption_key\"") && msg.contains("base64"),
        "{msg}"
    );
    assert!(!msg.contains("not base64!!"), "{msg}");

    let short = STANDARD.encode([1u8; 16]);
    let msg = err(load_owned(None, &prod_env(&short), None));
    assert!(msg.contains("16 bytes"), "{msg}");
    assert!(!msg.contains(&short), "{msg}");

    // URL-safe without padding is accepted.
    let c = load_owned(None, &prod_env(&URL_SAFE_NO_PAD.encode([0xfeu8; 32])), None).unwrap();
    assert_eq!(c.encryption_key().unwrap(), [0xfeu8; 32]);
}

#[test]
fn ranges_and_schemes_are_checked() {
    for (var, value, key) in [
        ("LATCHKEY_DATABASE__POOL_SIZE", "0", "database.pool_size"),
        ("LATCHKEY_DATABASE__POOL_SIZE", "257", "database.pool_size"),
        ("LATCHKEY_DATABASE__POOL_SIZE", "-1", "database.pool_size"),
        ("LATCHKEY_DATABASE__POOL_SIZE", "many", "database.pool_size"),
        (
            "LATCHKEY_DATABASE__CONNECT_TIMEOUT_SECS",
            "121",
            "database.connect_timeout_secs",
        ),
        (
            "LATCHKEY_EPHEMERAL__MAX_ENTRIES",
            "99",
            "ephemeral.max_entries",
        ),
        (
            "LATCHKEY_EPHEMERAL__TIMEOUT_MS",
            "49",
            "ephemeral.timeout_ms",
        ),
        ("LATCHKEY_SERVER__WORKERS", "0", "server.workers"),
        (
            "LATCHKEY_DATABASE__URL",
            "mysql://u:pw@h/db",
            "database.url",
        ),
        ("LATCHKEY_DATABASE__URL", "sqlite://", "database.url"),
        ("LATCHKEY_EPHEMERAL__URL", "memcached://h", "ephemeral.url"),
        // TLS to Redis is not built in: refused at start, not at connect.
        ("LATCHKEY_EPHEMERAL__URL", "rediss://cache", "ephemeral.url"),
        ("LATCHKEY_LOG__FORMAT", "xml", "log.format"),
        ("LATCHKEY_LOG__LEVEL", "info,[", "log.level"),
        ("LATCHKEY_DEV_MODE", "maybe", "dev_mode"),
    ] {
        let msg = err(load(None, &[(var, value)], Some(true)));
        assert!(
            msg.contains(&format!(
                "invalid value for \"{key}\" from environment variable {var}"
            )),
            "{msg}"
        );
        assert!(msg.contains("expected"), "{msg}");
    }
    let c = load(
        None,
        &[
            ("LATCHKEY_DATABASE__URL", "postgresql://db/x"),
            ("LATCHKEY_EPHEMERAL__URL", "redis://:pw@cache:6380/0"),
            ("LATCHKEY_DATABASE__POOL_SIZE", "256"),
            ("LATCHKEY_LOG__LEVEL", "info,latchkey_server=debug"),
        ],
        Some(true),
    )
    .unwrap();
    assert_eq!(c.database.pool_size, 256);
}

#[test]
fn scheme_errors_do_not_echo_the_url() {
    let msg = err(load(
        None,
        &[("LATCHKEY_DATABASE__URL", "mysql://u:Hunter22@h/db")],
        Some(true),
    ));
    assert!(msg.contains("mysql") && !msg.contains("Hunter22"), "{msg}");
}

#[test]
fn all_wrong_values_are_reported_at_once() {
    let toml = "dev_mode = \"maybe\"\n[server]\nlisten = \"nope\"\nworkers = 1.5\n[database]\npool_size = 0\n";
    let e = load(Some(toml), &[("LATCHKEY_LOG__FORMAT", "xml")], Some(true)).unwrap_err();
    let keys: Vec<_> = e.problems().iter().filter_map(|p| p.key.clone()).collect();
    assert_eq!(
        keys,
        [
            "dev_mode",
            "server.listen",
            "server.workers",
            "database.pool_size",
            "log.format"
        ],
        "{e}"
    );
    assert!(e.to_string().starts_with("5 configuration errors:"), "{e}");
}

#[test]
fn all_unknown_keys_of_every_layer_are_reported() {
    // The file's typo is reported even though the environment sets the same
    // misspelt key and would win the merge.
    let e = load(
        Some("typo = 1\n[databse]\nurl = \"sqlite://x.db\"\n[server]\nlistn = \"x\"\n"),
        &[
            ("LATCHKEY_DATABSE__URL", "sqlite://y.db"),
            ("LATCHKEY_LOG__LEVL", "debug"),
        ],
        Some(true),
    )
    .unwrap_err();
    let messages: Vec<_> = e.problems().iter().map(|p| p.message.as_str()).collect();
    assert_eq!(messages.len(), 5, "{e}");
    for needle in [
        "unknown key \"typo\" in /etc/latchkey/latchkey.toml",
        "unknown key \"databse\" in /etc/latchkey/latchkey.toml",
        "unknown key \"server.listn\" in /etc/latchkey/latchkey.toml",
        "unknown key \"databse.url\" from environment variable LATCHKEY_DATABSE__URL",
        "unknown key \"log.levl\" from environment variable LATCHKEY_LOG__LEVL",
    ] {
        assert!(
            messages.iter().any(|m| m.starts_with(needle)),
            "{needle} in {e}"
        );
    }
}

#[test]
fn a_table_given_as_a_value_is_an_error() {
    let msg = err(load(None, &[("LATCHKEY_SERVER", "x")], Some(true)));
    assert!(
        msg.contains("invalid value for \"server\" from environment variable LATCHKEY_SERVER"),
        "{msg}"
    );
    let msg = err(load(Some("log = \"debug\"\n"), &[], Some(true)));
    assert!(
        msg.contains("invalid value for \"log\" in /etc/latchkey/latchkey.toml"),
        "{msg}"
    );
}

#[test]
fn malformed_variable_names_are_reported() {
    let msg = err(load(None, &[("LATCHKEY_SERVER__", "x")], Some(true)));
    assert!(
        msg.contains("LATCHKEY_SERVER__ does not name a configuration key"),
        "{msg}"
    );
}

#[test]
fn toml_syntax_error_names_the_file_but_not_the_line() {
    let msg = err(load(Some("[server\n"), &[], Some(true)));
    assert!(msg.contains(TOML_PATH), "{msg}");
    assert!(msg.contains("line 1"), "{msg}");

    // The parser would quote the broken line, password included.
    let toml = "[database]\nurl = \"postgres://u:Pa55w0rd@db/x\n";
    let msg = err(load(Some(toml), &[], Some(true)));
    assert!(msg.contains("line 2"), "{msg}");
    assert!(!msg.contains("Pa55w0rd"), "{msg}");
}

#[test]
fn missing_explicit_config_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent.toml");
    let e = Config::load(Some(&path), Some(true)).unwrap_err();
    assert!(matches!(e, ConfigError::NotFound { .. }), "{e:?}");
    assert!(e.to_string().contains(path.to_str().unwrap()), "{e}");
}

#[test]
fn dev_mode_generates_and_reuses_a_private_key() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("nested/data");
    let c = load(
        None,
        &[("LATCHKEY_DATA_DIR", data_dir.to_str().unwrap())],
        Some(true),
    )
    .unwrap();

    let first = c.encryption_key().unwrap();
    let file = data_dir.join("secret.key");
    let stored = std::fs::read_to_string(&file).unwrap();
    assert_eq!(STANDARD.decode(stored.trim()).unwrap(), first);
    assert_eq!(
        c.encryption_key().unwrap(),
        first,
        "re-reading returns the same key"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Nothing but the key is left behind.
    assert_eq!(std::fs::read_dir(&data_dir).unwrap().count(), 1);

    // A configured key wins over the stored one.
    let mut configured = c.clone();
    configured.keys.encryption_key = Some(Secret::new(key_b64()));
    assert_eq!(configured.encryption_key().unwrap(), [7u8; 32]);

    // A damaged key file is an error, not silently replaced.
    std::fs::write(&file, "garbage\n").unwrap();
    let msg = c.encryption_key().unwrap_err().to_string();
    assert!(msg.contains("secret.key"), "{msg}");
}

#[test]
fn production_config_never_generates_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = load_owned(None, &prod_env(&key_b64()), None).unwrap();
    c.keys.encryption_key = None;
    c.data_dir = dir.path().to_path_buf();
    let msg = c.encryption_key().unwrap_err().to_string();
    assert!(
        msg.contains("keys.encryption_key (or LATCHKEY_KEYS__ENCRYPTION_KEY_FILE) is required"),
        "{msg}"
    );
    assert!(!dir.path().join("secret.key").exists());
}

#[test]
fn redacted_toml_hides_secrets() {
    let password = "Tr0ub4dor-and-3";
    let redis_password = "r3dis-Pa55";
    let key = key_b64();
    let env = [
        ("LATCHKEY_ISSUER", "https://id.example.com".to_owned()),
        (
            "LATCHKEY_DATABASE__URL",
            format!("postgres://latchkey:{password}@db:5432/latchkey"),
        ),
        (
            "LATCHKEY_EPHEMERAL__URL",
            format!("redis://:{redis_password}@cache:6379"),
        ),
        ("LATCHKEY_KEYS__ENCRYPTION_KEY", key.clone()),
    ];
    let c = load_owned(None, &env, None).unwrap();
    let shown = c.redacted_toml();
    for secret in [password, redis_password, key.as_str()] {
        assert!(!shown.contains(secret), "{shown}");
        assert!(!format!("{c:?}").contains(secret));
    }
    assert!(shown.contains("[redacted]"), "{shown}");
    assert!(
        shown.contains("issuer = \"https://id.example.com\""),
        "{shown}"
    );

    // The output is TOML that names the same keys.
    let table: toml::Table = shown.parse().unwrap();
    assert_eq!(table["server"]["listen"].as_str(), Some("127.0.0.1:8080"));
    assert_eq!(table["database"]["url"].as_str(), Some("[redacted]"));
    assert_eq!(table["log"]["format"].as_str(), Some("text"));
}

#[test]
fn lifetimes_default_to_the_oidc_defaults() {
    let c = load(None, &[], Some(true)).unwrap();
    assert_eq!(c.lifetimes(), Lifetimes::default());
    let d = Lifetimes::default();
    assert_eq!(c.tokens.code_ttl_secs, d.code);
    assert_eq!(c.tokens.id_token_ttl_secs, d.id_token);
    assert_eq!(c.tokens.access_token_ttl_secs, d.access_token);
    assert_eq!(c.tokens.refresh_token_ttl_secs, d.refresh_token);
    assert_eq!(c.tokens.refresh_family_ttl_secs, d.refresh_family);
    assert_eq!(c.tokens.refresh_reuse_grace_secs, d.refresh_reuse_grace);
    assert_eq!(c.session.ttl_secs, d.session);
}

#[test]
fn lifetimes_come_from_file_and_env() {
    let c = load(
        None,
        &[("LATCHKEY_TOKENS__ACCESS_TOKEN_TTL_SECS", "300")],
        Some(true),
    )
    .unwrap();
    assert_eq!(c.tokens.access_token_ttl_secs, 300);
    assert_eq!(
        c.lifetimes(),
        Lifetimes {
            access_token: 300,
            ..Lifetimes::default()
        }
    );

    let toml = "[tokens]\ncode_ttl_secs = 30\nid_token_ttl_secs = 120\naccess_token_ttl_secs = 900\n\
                refresh_token_ttl_secs = 3600\nrefresh_family_ttl_secs = 86400\n\
                refresh_reuse_grace_secs = 0\n[session]\nttl_secs = 3600\n";
    let c = load(
        Some(toml),
        &[
            ("LATCHKEY_TOKENS__ACCESS_TOKEN_TTL_SECS", "300"),
            ("LATCHKEY_SESSION__TTL_SECS", "7200"),
        ],
        Some(true),
    )
    .unwrap();
    assert_eq!(
        c.lifetimes(),
        Lifetimes {
            code: 30,
            id_token: 120,
            access_token: 300,
            refresh_token: 3600,
            refresh_family: 86_400,
            session: 7200,
            refresh_reuse_grace: 0,
        }
    );
}

#[test]
fn lifetime_bounds_are_inclusive_and_enforced() {
    for (var, key, min, max) in [
        (
            "LATCHKEY_TOKENS__CODE_TTL_SECS",
            "tokens.code_ttl_secs",
            10,
            60,
        ),
        (
            "LATCHKEY_TOKENS__ID_TOKEN_TTL_SECS",
            "tokens.id_token_ttl_secs",
            60,
            86_400,
        ),
        (
            "LATCHKEY_TOKENS__ACCESS_TOKEN_TTL_SECS",
            "tokens.access_token_ttl_secs",
            60,
            86_400,
        ),
        (
            "LATCHKEY_TOKENS__REFRESH_TOKEN_TTL_SECS",
            "tokens.refresh_token_ttl_secs",
            3600,
            31_536_000,
        ),
        (
            "LATCHKEY_TOKENS__REFRESH_REUSE_GRACE_SECS",
            "tokens.refresh_reuse_grace_secs",
            0,
            60,
        ),
        (
            "LATCHKEY_SESSION__TTL_SECS",
            "session.ttl_secs",
            300,
            2_592_000,
        ),
    ] {
        // The bounds themselves are accepted. A refresh token may be as long
        // as a year only with a family at least as long.
        for ok in [min, max] {
            let ok = ok.to_string();
            let family = ("LATCHKEY_TOKENS__REFRESH_FAMILY_TTL_SECS", "63072000");
            assert!(
                load(None, &[(var, &ok), family], Some(true)).is_ok(),
                "{var}={ok}"
            );
        }
        let mut wrong = vec![(max + 1).to_string(), "-5".to_owned(), "ten".to_owned()];
        if min > 0 {
            wrong.push((min - 1).to_string());
        }
        for value in wrong {
            let e = load(None, &[(var, &value)], Some(true)).unwrap_err();
            assert_eq!(e.problems().len(), 1, "{e}");
            let msg = e.to_string();
            assert!(
                msg.contains(&format!(
                    "invalid value for \"{key}\" from environment variable {var}: \
                     expected an integer from {min} to {max}"
                )),
                "{msg}"
            );
        }
    }

    let msg = err(load(
        Some("[tokens]\nrefresh_family_ttl_secs = 63072001\n"),
        &[],
        Some(true),
    ));
    assert!(
        msg.contains(
            "invalid value for \"tokens.refresh_family_ttl_secs\" in /etc/latchkey/latchkey.toml: \
             expected an integer from 3600 to 63072000"
        ),
        "{msg}"
    );
    assert!(msg.contains("found 63072001"), "{msg}");

    // Codes live at most a minute; 600, accepted once, is refused.
    let msg = err(load(
        Some("[tokens]\ncode_ttl_secs = 600\n"),
        &[],
        Some(true),
    ));
    assert!(
        msg.contains(
            "invalid value for \"tokens.code_ttl_secs\" in /etc/latchkey/latchkey.toml: \
             expected an integer from 10 to 60"
        ),
        "{msg}"
    );
    assert!(msg.contains("found 600"), "{msg}");
}

#[test]
fn token_lifetimes_never_exceed_the_published_life_of_retired_keys() {
    // Retired signing keys stay in the JWKS for MAX_TOKEN_LIFETIME_SECS; the
    // largest accepted ID or access token lifetime must fit inside it.
    let max = latchkey_server::keys::MAX_TOKEN_LIFETIME_SECS;
    for var in [
        "LATCHKEY_TOKENS__ID_TOKEN_TTL_SECS",
        "LATCHKEY_TOKENS__ACCESS_TOKEN_TTL_SECS",
    ] {
        assert!(load(None, &[(var, "86400")], Some(true)).is_ok());
        assert!(load(None, &[(var, &(max + 1).to_string())], Some(true)).is_err());
    }
    let c = load(
        None,
        &[
            ("LATCHKEY_TOKENS__ID_TOKEN_TTL_SECS", "86400"),
            ("LATCHKEY_TOKENS__ACCESS_TOKEN_TTL_SECS", "86400"),
        ],
        Some(true),
    )
    .unwrap();
    assert!(c.lifetimes().id_token <= max && c.lifetimes().access_token <= max);
}

#[test]
fn refresh_family_shorter_than_refresh_token_names_both_keys() {
    let msg = err(load(
        Some("[tokens]\nrefresh_family_ttl_secs = 86400\n"),
        &[("LATCHKEY_TOKENS__REFRESH_TOKEN_TTL_SECS", "172800")],
        Some(true),
    ));
    assert!(
        msg.contains(
            "invalid value for \"tokens.refresh_family_ttl_secs\" in /etc/latchkey/latchkey.toml"
        ),
        "{msg}"
    );
    assert!(
        msg.contains(
            "\"tokens.refresh_token_ttl_secs\" = 172800 from environment variable \
             LATCHKEY_TOKENS__REFRESH_TOKEN_TTL_SECS"
        ),
        "{msg}"
    );
    assert!(msg.contains("found 86400"), "{msg}");

    // Against the default refresh-token lifetime, which is named as such.
    let msg = err(load(
        None,
        &[("LATCHKEY_TOKENS__REFRESH_FAMILY_TTL_SECS", "3600")],
        Some(true),
    ));
    assert!(
        msg.contains("\"tokens.refresh_family_ttl_secs\"")
            && msg
                .contains("\"tokens.refresh_token_ttl_secs\" = 1209600 from the built-in default"),
        "{msg}"
    );

    // Equal is fine: the family then ends with its first token.
    let c = load(
        None,
        &[
            ("LATCHKEY_TOKENS__REFRESH_TOKEN_TTL_SECS", "86400"),
            ("LATCHKEY_TOKENS__REFRESH_FAMILY_TTL_SECS", "86400"),
        ],
        Some(true),
    )
    .unwrap();
    assert_eq!(c.lifetimes().refresh_family, 86_400);

    // A wrong refresh-token lifetime is reported once, not compared as well.
    let e = load(
        None,
        &[
            ("LATCHKEY_TOKENS__REFRESH_TOKEN_TTL_SECS", "99999999"),
            ("LATCHKEY_TOKENS__REFRESH_FAMILY_TTL_SECS", "7200"),
        ],
        Some(true),
    )
    .unwrap_err();
    let keys: Vec<_> = e.problems().iter().filter_map(|p| p.key.clone()).collect();
    assert_eq!(keys, ["tokens.refresh_token_ttl_secs"], "{e}");
}

#[test]
fn config_check_output_shows_the_lifetimes() {
    let c = load(
        None,
        &[("LATCHKEY_TOKENS__ACCESS_TOKEN_TTL_SECS", "300")],
        Some(true),
    )
    .unwrap();
    let table: toml::Table = c.redacted_toml().parse().unwrap();
    let tokens = &table["tokens"];
    assert_eq!(tokens["code_ttl_secs"].as_integer(), Some(60));
    assert_eq!(tokens["id_token_ttl_secs"].as_integer(), Some(600));
    assert_eq!(tokens["access_token_ttl_secs"].as_integer(), Some(300));
    assert_eq!(
        tokens["refresh_token_ttl_secs"].as_integer(),
        Some(1_209_600)
    );
    assert_eq!(
        tokens["refresh_family_ttl_secs"].as_integer(),
        Some(7_776_000)
    );
    assert_eq!(tokens["refresh_reuse_grace_secs"].as_integer(), Some(2));
    assert_eq!(table["session"]["ttl_secs"].as_integer(), Some(43_200));

    // The printed tables load back to the same lifetimes (the whole output
    // does not: secrets are shown as `[redacted]`).
    let mut lifetimes = toml::Table::new();
    for name in ["tokens", "session"] {
        lifetimes.insert(name.to_owned(), table[name].clone());
    }
    let reloaded = load(Some(&lifetimes.to_string()), &[], Some(true)).unwrap();
    assert_eq!(reloaded.tokens, c.tokens);
    assert_eq!(reloaded.session, c.session);
}

#[test]
fn fallback_policy_is_validated_with_the_rule_named() {
    let ok = "[fallback]\nmethods = [\"email_code\", \"totp\"]\nnudge_interval_days = 3\n\
              [fallback.clients.web]\nmethods = [\"totp\"]\n";
    let config = load(Some(ok), &[], Some(true)).unwrap();
    let policy = config.fallback_policy().unwrap();
    assert_eq!(policy.nudge_interval_secs(), 3 * 86_400);
    assert!(
        !policy
            .for_client("web")
            .allows(latchkey_fallback::policy::FallbackMethod::EmailCode)
    );
    let bad = "[fallback.clients.web]\nmethods = [\"totp\", \"sms\"]\n";
    let e = err(load(Some(bad), &[], Some(true)));
    assert!(e.contains("fallback.clients.web.methods[1]"), "{e}");
    assert!(e.contains(TOML_PATH), "names the file: {e}");
    let unknown = "[fallback]\nnudges = true\n";
    let e = err(load(Some(unknown), &[], Some(true)));
    assert!(e.contains("nudges"), "{e}");
}

#[test]
fn trusted_proxies_are_parsed_and_checked() {
    let config = load(
        None,
        &[("LATCHKEY_SERVER__TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7")],
        Some(true),
    )
    .unwrap();
    assert_eq!(config.server.trusted_proxies.len(), 2);
    let e = err(load(
        None,
        &[("LATCHKEY_SERVER__TRUSTED_PROXIES", "10.0.0.0/40")],
        Some(true),
    ));
    assert!(e.contains("server.trusted_proxies"), "{e}");
}

//! Layering (defaults, file, environment) and the errors that name a key
//! and where it came from.

use super::*;

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

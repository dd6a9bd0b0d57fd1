//! Secrets: `_file` variants, the encryption key (generated in development
//! mode only), redaction.

use super::*;

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

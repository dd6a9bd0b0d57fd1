//! The docs, the example file and the code name the same keys.

use super::*;

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

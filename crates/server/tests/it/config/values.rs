//! Values checked at load: addresses, the issuer, ranges and schemes, the
//! fallback policy, trusted proxies; every problem reported at once.

use super::*;

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

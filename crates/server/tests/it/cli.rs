//! The `latchkey` binary as an operator runs it: exit codes, messages and
//! JSON output (`serve` itself: `serve_cli.rs`).

use crate::support::{Env, stderr};

#[test]
fn client_lifecycle_with_json_output() {
    let env = Env::new();
    let created = env.json(&[
        "--dev",
        "--json",
        "client",
        "create",
        "--name",
        "Shop",
        "--id",
        "shop",
        "--redirect-uri",
        "https://shop.example.com/cb",
        "--grant-type",
        "authorization_code",
        "--grant-type",
        "refresh_token",
        "--scope",
        "openid profile",
        "--scope",
        "offline_access",
    ]);
    let secret = created["client_secret"].as_str().unwrap().to_owned();
    assert_eq!(secret.len(), 43, "256-bit base64url secret");
    assert_eq!(created["client_id"], "shop");
    assert_eq!(
        created["scopes"],
        serde_json::json!(["openid", "profile", "offline_access"])
    );
    assert!(
        created.get("secret_hash").is_none(),
        "hash must not be printed"
    );

    let shown = env.json(&["--dev", "--json", "client", "show", "shop"]);
    assert!(
        shown.get("client_secret").is_none(),
        "secret is shown once only"
    );
    assert!(!serde_json::to_string(&shown).unwrap().contains(&secret));

    let rotated = env.json(&[
        "--dev",
        "--json",
        "client",
        "update",
        "shop",
        "--name",
        "Shop 2",
        "--rotate-secret",
    ]);
    assert_eq!(rotated["name"], "Shop 2");
    assert_ne!(rotated["client_secret"].as_str().unwrap(), secret);

    let list = env.json(&["--dev", "--json", "client", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 1);

    assert!(
        env.run(&["--dev", "client", "delete", "shop"])
            .status
            .success()
    );
    let again = env.run(&["--dev", "client", "delete", "shop"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("no client \"shop\""),
        "{}",
        stderr(&again)
    );
}

#[test]
fn public_client_gets_no_secret() {
    let env = Env::new();
    let created = env.json(&[
        "--dev",
        "--json",
        "client",
        "create",
        "--name",
        "SPA",
        "--type",
        "public",
        "--redirect-uri",
        "http://127.0.0.1:5173/cb",
    ]);
    assert!(created.get("client_secret").is_none());
    assert_eq!(created["token_endpoint_auth_method"], "none");
}

#[test]
fn bad_registrations_are_refused_with_the_reason() {
    let env = Env::new();
    let cases: &[(&[&str], &str)] = &[
        (
            &["--redirect-uri", "http://shop.example.com/cb"],
            "use https",
        ),
        (&["--redirect-uri", "https://*.example.com/cb"], "wildcard"),
        (
            &["--redirect-uri", "https://shop.example.com/cb#x"],
            "fragment",
        ),
        (&["--redirect-uri", "/cb"], "absolute"),
        (&[], "at least one redirect URI"),
        (
            &[
                "--redirect-uri",
                "https://a.example/cb",
                "--grant-type",
                "implicit",
            ],
            "unknown grant type",
        ),
    ];
    for (extra, want) in cases {
        let mut args = vec!["--dev", "client", "create", "--name", "X"];
        args.extend_from_slice(extra);
        let out = env.run(&args);
        assert_eq!(out.status.code(), Some(2), "{extra:?}");
        assert!(stderr(&out).contains(want), "{extra:?}: {}", stderr(&out));
    }
    let list = env.json(&["--dev", "--json", "client", "list"]);
    assert_eq!(list, serde_json::json!([]), "nothing half-written");
}

/// RFC 8252's http loopback redirect URIs are for native apps: in
/// production a confidential client cannot register one; `--dev` allows it
/// so a server-side application can be tried on the developer's machine.
#[test]
fn loopback_redirect_uris_of_confidential_clients_need_dev_mode() {
    let env = Env::with_config(
        "issuer = \"https://id.example.com\"\n\
         [keys]\nencryption_key = \"BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\"\n",
    );
    let uri = "http://127.0.0.1:9000/callback";
    let create = |extra: &[&str]| {
        let mut args = vec!["client", "create", "--name", "X"];
        args.extend_from_slice(extra);
        env.run(&args)
    };
    let out = create(&[
        "--redirect-uri",
        "https://shop.example.com/cb",
        "--redirect-uri",
        uri,
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    for part in [
        "redirect_uris: \"http://127.0.0.1:9000/callback\"",
        "only native apps (public clients)",
        "dev mode",
    ] {
        assert!(err.contains(part), "{part:?} not in {err}");
    }
    // A native app may; so may a confidential client with https.
    let out = create(&["--type", "public", "--redirect-uri", uri]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = create(&[
        "--id",
        "web",
        "--redirect-uri",
        "https://shop.example.com/cb",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Nor can an update add one in production.
    let args = ["client", "update", "web", "--redirect-uri", uri];
    let out = env.run(&args);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("only native apps"),
        "{}",
        stderr(&out)
    );
    // In dev mode both work.
    let mut dev = vec!["--dev"];
    dev.extend_from_slice(&args);
    let out = env.run(&dev);
    assert!(out.status.success(), "{}", stderr(&out));
    let dev_env = Env::new();
    let created = dev_env.json(&[
        "--dev",
        "--json",
        "client",
        "create",
        "--name",
        "X",
        "--redirect-uri",
        uri,
    ]);
    assert_eq!(created["redirect_uris"], serde_json::json!([uri]));
    assert_eq!(created["client_type"], "confidential");
}

#[test]
fn user_lifecycle() {
    let env = Env::new();
    let u = env.json(&[
        "--dev",
        "--json",
        "user",
        "create",
        "--username",
        "Alice",
        "--email",
        "alice@example.com",
    ]);
    assert_eq!(u["username"], "alice");
    assert_eq!(u["email_verified"], false);
    let imported = env.json(&[
        "--dev",
        "--json",
        "user",
        "create",
        "--username",
        "imported",
        "--email",
        "imported@example.com",
        "--email-verified",
    ]);
    assert_eq!(imported["email_verified"], true);
    let no_email = env.run(&[
        "--dev",
        "user",
        "create",
        "--username",
        "x",
        "--email-verified",
    ]);
    assert_eq!(
        no_email.status.code(),
        Some(2),
        "--email-verified needs --email"
    );
    let dup = env.run(&[
        "--dev",
        "user",
        "create",
        "--username",
        "other",
        "--email",
        "ALICE@example.com",
    ]);
    assert_eq!(dup.status.code(), Some(1));
    assert!(stderr(&dup).contains("email exists"), "{}", stderr(&dup));
    let bad = env.run(&["--dev", "user", "create", "--username", "a b"]);
    assert_eq!(bad.status.code(), Some(2));

    let shown = env.json(&["--dev", "--json", "user", "show", "alice@example.com"]);
    assert_eq!(shown["id"], u["id"]);
    let disabled = env.json(&["--dev", "--json", "user", "disable", "alice"]);
    assert_eq!(disabled["status"], "disabled");
    let by_id = env.json(&["--dev", "--json", "user", "show", u["id"].as_str().unwrap()]);
    assert_eq!(by_id["status"], "disabled");
    assert_eq!(
        env.json(&["--dev", "--json", "user", "list"])
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let missing = env.run(&["--dev", "user", "disable", "nobody"]);
    assert_eq!(missing.status.code(), Some(1));
}

#[test]
fn migrate_is_idempotent() {
    let env = Env::new();
    let first = env.json(&["--dev", "--json", "migrate"]);
    assert!(!first["applied"].as_array().unwrap().is_empty());
    let second = env.json(&["--dev", "--json", "migrate"]);
    assert_eq!(second["applied"], serde_json::json!([]));
}

#[test]
fn config_check_redacts_secrets() {
    let env = Env::with_config(
        "[database]\nurl = \"postgres://app:hunter2-secret@db.example:5432/latchkey\"\n",
    );
    let out = env.run(&["--dev", "config", "check"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("hunter2-secret"), "{text}");
    assert!(text.contains("[redacted]"), "{text}");
}

#[test]
fn config_check_prints_json() {
    let env = Env::with_config("[log]\nformat = \"json\"\n");
    let checked = env.json(&["--dev", "--json", "config", "check"]);
    assert_eq!(checked["log"]["format"], "json", "{checked}");
    assert_eq!(checked["dev_mode"], true, "{checked}");
    assert_eq!(checked["server"]["listen"], "127.0.0.1:8080", "{checked}");
    assert!(
        !env.dir.path().join("data").exists(),
        "config check changes nothing: no development key written"
    );
    std::fs::create_dir(env.dir.path().join("data")).unwrap();
    std::fs::write(env.dir.path().join("data/secret.key"), "not a key\n").unwrap();
    let broken = env.run(&["--dev", "config", "check"]);
    assert_eq!(broken.status.code(), Some(2));
    assert!(
        stderr(&broken).contains("secret.key"),
        "{}",
        stderr(&broken)
    );
}

#[test]
fn bad_configuration_exits_2_naming_the_key_and_file() {
    let env = Env::with_config("[databse]\nurl = \"sqlite://x.db\"\n");
    let out = env.run(&["--dev", "config", "check"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("databse") && err.contains("latchkey.toml"),
        "{err}"
    );

    let missing = Env::new().run(&["--config", "/nonexistent/latchkey.toml", "config", "check"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("/nonexistent/latchkey.toml"));

    // Production mode refuses an http issuer and a missing key.
    let prod = Env::new().run(&["config", "check"]);
    assert_eq!(prod.status.code(), Some(2));
    assert!(stderr(&prod).contains("issuer"), "{}", stderr(&prod));
}

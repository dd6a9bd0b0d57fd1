//! `latchkey keys list` and `latchkey keys rotate` as an operator runs them.

use crate::support::{Env, stderr};

fn states(list: &serde_json::Value, alg: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .filter(|k| k["alg"] == alg)
        .map(|k| k["state"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn rotate_creates_prepublished_keys_and_schedules_retirement() {
    let env = Env::new();
    let empty = env.json(&["--dev", "--json", "keys", "list"]);
    assert_eq!(empty, serde_json::json!([]));

    // No key yet: nothing to pre-publish to, so the first keys sign at once.
    let first = env.json(&["--dev", "--json", "keys", "rotate"]);
    assert_eq!(first["created"].as_array().unwrap().len(), 3);
    assert_eq!(first["retired"], serde_json::json!([]));
    let list = env.json(&["--dev", "--json", "keys", "list"]);
    for alg in ["ES256", "RS256", "EdDSA"] {
        assert_eq!(states(&list, alg), ["active"], "{alg}");
    }
    let old_es = list
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["alg"] == "ES256")
        .unwrap()["kid"]
        .clone();

    let rotated = env.json(&[
        "--dev",
        "--json",
        "keys",
        "rotate",
        "--alg",
        "ES256",
        "--prepublish-secs",
        "3600",
    ]);
    let created = &rotated["created"][0];
    assert_eq!(created["alg"], "ES256");
    let retired = &rotated["retired"][0];
    assert_eq!(retired["kid"], old_es);
    assert_eq!(retired["retires_at"], created["activates_at"]);
    assert_eq!(
        retired["expires_at"].as_i64().unwrap() - retired["retires_at"].as_i64().unwrap(),
        86_400,
        "old key stays published for the longest token lifetime"
    );

    let list = env.json(&["--dev", "--json", "keys", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 4);
    let mut es = states(&list, "ES256");
    es.sort();
    assert_eq!(es, ["active", "pending"]);
    assert_eq!(states(&list, "RS256"), ["active"]);
    let text = String::from_utf8(env.run(&["--dev", "keys", "list"]).stdout).unwrap();
    assert!(text.starts_with("KID"), "{text}");
    assert!(text.contains("pending") && text.contains("T"), "{text}");
    for k in list.as_array().unwrap() {
        assert!(k.get("private_key").is_none() && k.get("public_jwk").is_none());
    }
}

#[test]
fn rotate_refuses_bad_arguments() {
    let env = Env::new();
    let short = env.run(&["--dev", "keys", "rotate", "--prepublish-secs", "10"]);
    assert_eq!(short.status.code(), Some(2));
    assert!(stderr(&short).contains("--prepublish-secs must be at least"));
    let alg = env.run(&["--dev", "keys", "rotate", "--alg", "HS256"]);
    assert_eq!(alg.status.code(), Some(2));
    assert!(stderr(&alg).contains("ES256"), "{}", stderr(&alg));
}

#[test]
fn rotate_refuses_a_different_encryption_key() {
    let env = Env::new();
    env.json(&["--dev", "--json", "keys", "rotate"]);
    // 32 bytes of 0x01, base64: not the generated development key.
    let other = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
    let out = env
        .cmd(&["--dev", "keys", "rotate"])
        .env("LATCHKEY_KEYS__ENCRYPTION_KEY", other)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("refusing to rotate"),
        "{}",
        stderr(&out)
    );
    let list = env.json(&["--dev", "--json", "keys", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 3, "nothing was written");
}

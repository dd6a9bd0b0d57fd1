//! `latchkey policy check` and `latchkey policy explain` through the binary,
//! against a temporary SQLite database and configuration file: the effective
//! policy, broken rules named by their path, decisions built from a real
//! account, and every `policy explain` example in `docs/fallback-policy.md`
//! printed exactly as the documentation shows.

use latchkey_core::UserId;
use latchkey_fallback::repo::FactorRepo as _;
use latchkey_store::{Db, DbOptions};

use crate::support::{Env, stderr};

const DOC: &str = include_str!("../../../../docs/fallback-policy.md");

/// A client `web` whose override inherits the global pairs it can use.
const POLICY: &str = r#"
[fallback]
combinations = [["email_code", "totp"], ["sms_code", "totp"]]

[fallback.clients.web]
methods = ["passkey_hybrid", "security_key", "email_code", "totp"]
require_two_factors = true

[fallback.clients.bank]
methods = ["passkey_hybrid", "security_key", "email_code"]
nudge = false
"#;

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Run `latchkey --dev <args>`, assert success, return stdout.
fn ok(env: &Env, args: &[&str]) -> String {
    let out = env.run(&[&["--dev"], args].concat());
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

fn register_client(env: &Env, id: &str) {
    ok(
        env,
        &[
            "client",
            "create",
            "--name",
            id,
            "--id",
            id,
            "--redirect-uri",
            "https://rp.example.com/cb",
        ],
    );
}

/// Create `username` with `email` through the CLI; returns the user id.
fn create_user(env: &Env, username: &str, email: &str) -> String {
    let user = env.json(&[
        "--dev",
        "--json",
        "user",
        "create",
        "--username",
        username,
        "--email",
        email,
    ]);
    user["id"].as_str().unwrap().to_owned()
}

/// Mark the user's email verified, in-process, in the CLI's database
/// (`sqlite://data/latchkey.db` under the working directory in dev mode).
fn verify_email(env: &Env, user: &str, email: &str) {
    let url = format!(
        "sqlite://{}",
        env.dir.path().join("data/latchkey.db").display()
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let db = Db::connect(&url, DbOptions::default()).await.unwrap();
        let user = UserId(user.to_owned());
        assert!(db.mark_email_verified(&user, email).await.unwrap());
    });
}

#[test]
fn check_prints_every_clients_resolved_policy() {
    let env = Env::with_config(POLICY);
    let text = ok(&env, &["policy", "check"]);
    assert!(text.starts_with("# [fallback] is valid."), "{text}");
    // `web` inherits only the global pair whose methods it enables, and the
    // global `nudge`; every key is written out.
    let web = text.split("[fallback.clients.web]").nth(1).unwrap();
    assert!(
        web.contains(r#"combinations = [["email_code", "totp"]]"#),
        "{text}"
    );
    assert!(web.contains("require_two_factors = true"), "{text}");
    assert!(web.contains("nudge = true"), "{text}");
    let bank = text
        .split("[fallback.clients.bank]")
        .nth(1)
        .unwrap()
        .split("[fallback.clients.web]")
        .next()
        .unwrap();
    assert!(bank.contains("combinations = []"), "{text}");
    assert!(bank.contains("nudge = false"), "{text}");

    // The text is a configuration with the same meaning: checking it again
    // prints the same.
    std::fs::write(env.dir.path().join("latchkey.toml"), &text).unwrap();
    assert_eq!(ok(&env, &["policy", "check"]), text);

    let json = env.json(&["--dev", "--json", "policy", "check"]);
    assert_eq!(json["default"]["require_two_factors"], false);
    assert_eq!(
        json["clients"]["web"]["methods"],
        serde_json::json!(["passkey_hybrid", "security_key", "email_code", "totp"])
    );
    assert_eq!(json["clients"]["bank"]["nudge"], false);
}

#[test]
fn check_names_the_broken_rule() {
    let env = Env::with_config("[fallback.clients.web]\nmethods = [\"passkey_hybrid\", \"fax\"]\n");
    let out = env.run(&["--dev", "policy", "check"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("fallback.clients.web.methods[1]") && err.contains("unknown method \"fax\""),
        "{err}"
    );
    assert!(stdout(&out).is_empty());
}

#[test]
fn explain_for_a_client_requiring_phr_offers_only_passkeys() {
    let env = Env::with_config(POLICY);
    register_client(&env, "bank");
    let id = create_user(&env, "alice", "alice@example.com");
    verify_email(&env, &id, "alice@example.com");

    // An unidentified visitor: passkeys only, whatever the account has.
    let text = ok(
        &env,
        &[
            "policy",
            "explain",
            "--client",
            "bank",
            "--acr-values",
            "phr",
        ],
    );
    assert!(text.starts_with("offer:\n"), "{text}");
    assert!(
        text.contains("1. passkey_hybrid  [passkey_on_other_device]  acr=phr"),
        "{text}"
    );
    assert!(
        text.contains("2. security_key  [security_key]  acr=phr"),
        "{text}"
    );
    assert!(!text.contains("3. "), "{text}");
    assert!(text.contains("  email_code: too_weak\n"), "{text}");

    // Alice has a verified email but no passkey: nothing reaches phr, so
    // the client gets a refusal rather than an email code.
    let text = ok(
        &env,
        &[
            "policy",
            "explain",
            "--client",
            "bank",
            "--user",
            "alice",
            "--acr-values",
            "phr",
            "--situation",
            "failure=no_passkey_at_all",
        ],
    );
    assert!(text.starts_with("refuse: requirement_unmet\n"), "{text}");
    assert!(text.contains("  email_code: too_weak\n"), "{text}");
    assert!(text.contains("  passkey_hybrid: not_enrolled\n"), "{text}");

    // --situation overrides the requirement too: without one, her email.
    let text = ok(
        &env,
        &[
            "policy",
            "explain",
            "--client",
            "bank",
            "--user",
            "alice",
            "--acr-values",
            "phr",
            "--situation",
            "acr=none",
        ],
    );
    assert!(
        text.contains("1. email_code  [email_verified]  acr=urn:latchkey:acr:sfa"),
        "{text}"
    );
}

#[test]
fn explain_lists_email_options_for_a_verified_email() {
    let env = Env::with_config(POLICY);
    register_client(&env, "shop");
    let id = create_user(&env, "bob", "bob@example.com");
    let args = |who: &'static str| {
        [
            "policy",
            "explain",
            "--client",
            "shop",
            "--user",
            who,
            "--situation",
            "failure=no_passkey_at_all,platform=true",
        ]
    };

    // Not verified yet: the account has no way in the policy allows.
    let before = ok(&env, &args("bob"));
    assert!(
        before.starts_with("refuse: no_method_available\n"),
        "{before}"
    );
    assert!(before.contains("  email_code: not_enrolled\n"), "{before}");

    verify_email(&env, &id, "bob@example.com");
    // Found by username, email or id alike.
    let after = ok(&env, &args("bob"));
    assert_eq!(ok(&env, &args("bob@example.com")), after);
    let by_id = ok(
        &env,
        &[
            "policy",
            "explain",
            "--client",
            "shop",
            "--user",
            &id,
            "--situation",
            "failure=no_passkey_at_all,platform=true",
        ],
    );
    assert_eq!(by_id, after);
    assert!(
        after.contains(
            "1. email_code  [email_verified]  acr=urn:latchkey:acr:sfa \
             amr=otp urn:latchkey:amr:email  then offer passkey enrollment"
        ),
        "{after}"
    );
    assert!(after.contains("2. email_link  [email_verified]"), "{after}");
    assert!(after.contains("  totp: not_enrolled\n"), "{after}");
    assert!(!after.contains("identify first"), "{after}");
}

#[test]
fn explain_json_is_the_serialised_decision() {
    let env = Env::with_config(POLICY);
    register_client(&env, "shop");
    let id = create_user(&env, "carol", "carol@example.com");
    verify_email(&env, &id, "carol@example.com");
    let json = env.json(&[
        "--dev",
        "--json",
        "policy",
        "explain",
        "--client",
        "shop",
        "--user",
        "carol",
        "--situation",
        "failure=cancelled,passkey=synced,platform=true,locked=email_code:240",
    ]);
    assert_eq!(json["decision"], "offer");
    let options = json["options"].as_array().unwrap();
    assert_eq!(options[0]["steps"], serde_json::json!(["passkey"]));
    assert_eq!(options[0]["acr"], "phr");
    assert!(
        options
            .iter()
            .all(|o| o["enroll_passkey_after"].is_boolean())
    );
    assert!(
        options
            .iter()
            .any(|o| o["steps"] == serde_json::json!(["email_link"]))
    );
    assert_eq!(json["identify_first"], false);
    assert_eq!(json["notices"][0]["code"], "methods_locked");
    let skipped = json["skipped"].as_array().unwrap();
    assert!(skipped.iter().any(|s| s["method"] == "email_code"
        && s["reason"]["code"] == "locked"
        && s["reason"]["retry_after_secs"] == 240));

    let refused = env.json(&[
        "--dev",
        "--json",
        "policy",
        "explain",
        "--client",
        "shop",
        "--acr-values",
        "urn:example:unknown",
    ]);
    assert_eq!(refused["decision"], "refuse");
    assert_eq!(refused["reason"]["code"], "requirement_unmet");
}

#[test]
fn explain_refuses_unknown_clients_users_and_situation_keys() {
    let env = Env::with_config(POLICY);
    register_client(&env, "shop");

    let out = env.run(&["--dev", "policy", "explain", "--client", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no client \"nope\""),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty());

    let out = env.run(&[
        "--dev", "policy", "explain", "--client", "shop", "--user", "nobody",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no user \"nobody\""),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty());

    let out = env.run(&[
        "--dev",
        "policy",
        "explain",
        "--client",
        "shop",
        "--situation",
        "failure=cancelled,colour=blue",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("--situation: unknown key \"colour\"; known keys: failure, platform"),
        "{err}"
    );
    assert!(err.contains("account_locked"), "{err}");

    let out = env.run(&[
        "--dev",
        "policy",
        "explain",
        "--client",
        "shop",
        "--situation",
        "hybrid=maybe",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("hybrid: expected true, false or unknown"));

    // JSON mode reports errors as JSON.
    let out = env.run(&["--dev", "--json", "policy", "explain", "--client", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"], "no client \"nope\"");
}

/// The fenced code blocks of the policy documentation: (language, body).
fn doc_blocks() -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let mut open: Option<(&str, Vec<&str>)> = None;
    for line in DOC.lines() {
        match (&mut open, line.strip_prefix("```")) {
            (None, Some(lang)) => open = Some((lang, Vec::new())),
            (Some((lang, body)), Some("")) => {
                out.push((*lang, body.join("\n")));
                open = None;
            }
            (Some((_, body)), _) => body.push(line),
            (None, None) => {}
        }
    }
    out
}

/// The documentation's examples, run through the binary with the policy
/// shown before each: the CLI prints exactly what the page says.
#[test]
fn documented_explain_examples_are_what_the_cli_prints() {
    let env = Env::new();
    let mut registered: Vec<String> = Vec::new();
    let mut seen = 0;
    for (lang, body) in doc_blocks() {
        if lang == "toml" {
            if !body.starts_with("# error: ") {
                std::fs::write(env.dir.path().join("latchkey.toml"), &body).unwrap();
            }
            continue;
        }
        let Some((first, expected)) = body.split_once('\n') else {
            continue;
        };
        let Some(rest) = first.strip_prefix("$ latchkey policy explain --client ") else {
            continue;
        };
        seen += 1;
        let (client, rest) = rest.split_once(' ').unwrap();
        let situation = rest
            .strip_prefix("--situation '")
            .and_then(|s| s.strip_suffix('\''))
            .unwrap();
        if !registered.iter().any(|r| r == client) {
            register_client(&env, client);
            registered.push(client.to_owned());
        }
        let actual = ok(
            &env,
            &[
                "policy",
                "explain",
                "--client",
                client,
                "--situation",
                situation,
            ],
        );
        assert_eq!(actual.trim_end(), expected.trim_end(), "\n{first}");
    }
    assert!(seen >= 7, "{seen} examples");
}

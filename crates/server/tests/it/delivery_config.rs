//! The `[email]` and `[sms]` tables: validation messages that name the key,
//! secrets kept out of errors and `config check`, and which transport each
//! configuration selects.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use latchkey_server::config::{Config, ConfigError};
use latchkey_server::delivery::{Mailer, SmsSender};

use crate::support::{Env, stderr};

const TOML_PATH: &str = "/etc/latchkey/latchkey.toml";

fn load(
    toml: Option<&str>,
    env: &[(&str, &str)],
    dev: Option<bool>,
) -> Result<Config, ConfigError> {
    Config::from_sources(toml.map(|t| (t, Path::new(TOML_PATH))), env, dev)
}

/// A valid production environment plus `extra`.
fn prod(extra: &[(&'static str, &'static str)]) -> Result<Config, ConfigError> {
    let key = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
    let mut env: Vec<(&str, &str)> = vec![
        ("LATCHKEY_ISSUER", "https://id.example.com"),
        ("LATCHKEY_KEYS__ENCRYPTION_KEY", key.as_str()),
    ];
    env.extend_from_slice(extra);
    load(None, &env, None)
}

fn err(result: Result<Config, ConfigError>) -> String {
    match result {
        Ok(c) => panic!("expected an error, got {c:?}"),
        Err(e) => e.to_string(),
    }
}

const SMTP: (&str, &str) = (
    "LATCHKEY_EMAIL__SMTP_URL",
    "smtps://mailer:Pa55-w0rd@smtp.example.com",
);

#[test]
fn bad_email_from_names_the_key_and_where_it_came_from() {
    let msg = err(prod(&[SMTP, ("LATCHKEY_EMAIL__FROM", "not an address")]));
    assert!(msg.contains("invalid value for \"email.from\""), "{msg}");
    assert!(msg.contains("LATCHKEY_EMAIL__FROM"), "{msg}");
    assert!(msg.contains("\"not an address\""), "{msg}");

    let msg = err(load(
        Some("[email]\nfrom = \"a@example.com, b@example.com\"\n"),
        &[],
        Some(true),
    ));
    assert!(
        msg.contains("\"email.from\" in /etc/latchkey/latchkey.toml"),
        "{msg}"
    );

    let c = prod(&[
        SMTP,
        ("LATCHKEY_EMAIL__FROM", "Example Login <login@example.com>"),
    ])
    .unwrap();
    assert_eq!(c.email.from.unwrap().email.to_string(), "login@example.com");
}

#[test]
fn smtp_needs_a_sender() {
    let msg = err(prod(&[SMTP]));
    assert!(
        msg.contains("email.from is required when email.smtp_url is set"),
        "{msg}"
    );
    assert!(!msg.contains("Pa55-w0rd"), "{msg}");
}

#[test]
fn unknown_keys_under_email_and_sms_are_named() {
    let msg = err(load(
        Some("[email]\nsmtp_ur = \"smtp://x\"\n"),
        &[],
        Some(true),
    ));
    assert!(
        msg.contains("unknown key \"email.smtp_ur\" in /etc/latchkey/latchkey.toml"),
        "{msg}"
    );
    assert!(msg.contains("did you mean \"email.smtp_url\""), "{msg}");
    assert!(!msg.contains("smtp://x"), "{msg}");

    let msg = err(load(
        None,
        &[("LATCHKEY_SMS__AUTH_TOKN", "tok-secret")],
        Some(true),
    ));
    assert!(msg.contains("unknown key \"sms.auth_tokn\""), "{msg}");
    assert!(
        msg.contains("did you mean LATCHKEY_SMS__AUTH_TOKEN?"),
        "{msg}"
    );
    assert!(!msg.contains("tok-secret"), "{msg}");
}

#[test]
fn smtp_url_errors_never_quote_the_url() {
    for url in [
        "smpt://mailer:Pa55-w0rd@smtp.example.com",
        "smtp://mailer:Pa55-w0rd@smtp.example.com?tls=sometimes",
        "smtps://mailer:Pa55-w0rd@",
    ] {
        let msg = err(prod(&[
            ("LATCHKEY_EMAIL__SMTP_URL", url),
            ("LATCHKEY_EMAIL__FROM", "login@example.com"),
        ]));
        assert!(
            msg.contains("invalid value for \"email.smtp_url\""),
            "{url}: {msg}"
        );
        assert!(!msg.contains("Pa55-w0rd"), "{url}: {msg}");
    }
}

#[test]
fn production_refuses_the_outbox() {
    let msg = err(prod(&[("LATCHKEY_EMAIL__OUTBOX_DIR", "/tmp/outbox")]));
    assert!(msg.contains("\"email.outbox_dir\" is set"), "{msg}");
    assert!(msg.contains("dev_mode is false"), "{msg}");

    let msg = err(load(
        None,
        &[
            ("LATCHKEY_EMAIL__OUTBOX_DIR", "/tmp/outbox"),
            ("LATCHKEY_EMAIL__SMTP_URL", "smtp://127.0.0.1:2525"),
            ("LATCHKEY_EMAIL__FROM", "login@example.com"),
        ],
        Some(true),
    ));
    assert!(msg.contains("set only one"), "{msg}");
}

#[test]
fn sms_provider_needs_its_credentials_and_https() {
    let msg = err(prod(&[(
        "LATCHKEY_SMS__HTTP_URL",
        "https://sms.example.com/send",
    )]));
    for key in ["sms.account_id", "sms.auth_token", "sms.from"] {
        assert!(
            msg.contains(&format!("{key} is required when sms.http_url is set")),
            "{msg}"
        );
    }

    let msg = err(prod(&[
        ("LATCHKEY_SMS__HTTP_URL", "http://sms.example.com/send"),
        ("LATCHKEY_SMS__ACCOUNT_ID", "AC1"),
        ("LATCHKEY_SMS__AUTH_TOKEN", "tok-secret"),
        ("LATCHKEY_SMS__FROM", "+15551234567"),
    ]));
    assert!(msg.contains("invalid value for \"sms.http_url\""), "{msg}");
    assert!(msg.contains("loopback"), "{msg}");
    assert!(!msg.contains("tok-secret"), "{msg}");

    let msg = err(prod(&[("LATCHKEY_SMS__AUTH_TOKEN", "tok-secret")]));
    assert!(
        msg.contains("\"sms.auth_token\" is set from environment variable"),
        "{msg}"
    );
    assert!(!msg.contains("tok-secret"), "{msg}");

    let msg = err(prod(&[
        ("LATCHKEY_SMS__HTTP_URL", "https://sms.example.com/send"),
        ("LATCHKEY_SMS__ACCOUNT_ID", "AC1"),
        ("LATCHKEY_SMS__AUTH_TOKEN", "tok"),
        ("LATCHKEY_SMS__FROM", "5551234"),
    ]));
    assert!(msg.contains("invalid value for \"sms.from\""), "{msg}");
}

#[test]
fn auth_token_file_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token");
    std::fs::write(&file, "tok-from-file\n").unwrap();
    let c = load(
        None,
        &[
            ("LATCHKEY_SMS__HTTP_URL", "http://127.0.0.1:9/send"),
            ("LATCHKEY_SMS__ACCOUNT_ID", "AC1"),
            ("LATCHKEY_SMS__AUTH_TOKEN_FILE", file.to_str().unwrap()),
            ("LATCHKEY_SMS__FROM", "Latchkey"),
        ],
        Some(true),
    )
    .unwrap();
    assert_eq!(c.sms.auth_token.unwrap().expose(), "tok-from-file");
}

#[test]
fn config_check_redacts_delivery_secrets() {
    let c = load(
        None,
        &[
            (
                "LATCHKEY_EMAIL__SMTP_URL",
                "smtp://mailer:Pa55-w0rd@127.0.0.1:2525",
            ),
            ("LATCHKEY_EMAIL__FROM", "login@example.com"),
            ("LATCHKEY_SMS__HTTP_URL", "http://127.0.0.1:9/send"),
            ("LATCHKEY_SMS__ACCOUNT_ID", "AC1"),
            ("LATCHKEY_SMS__AUTH_TOKEN", "tok-secret"),
            ("LATCHKEY_SMS__FROM", "+15551234567"),
        ],
        Some(true),
    )
    .unwrap();
    let shown = c.redacted_toml();
    assert!(
        !shown.contains("Pa55-w0rd") && !shown.contains("tok-secret"),
        "{shown}"
    );
    let table: toml::Table = shown.parse().unwrap();
    assert_eq!(table["email"]["smtp_url"].as_str(), Some("[redacted]"));
    assert_eq!(table["email"]["from"].as_str(), Some("login@example.com"));
    assert_eq!(table["sms"]["auth_token"].as_str(), Some("[redacted]"));
    assert_eq!(table["sms"]["account_id"].as_str(), Some("AC1"));
    let debug = format!("{c:?}");
    assert!(!debug.contains("Pa55-w0rd") && !debug.contains("tok-secret"));

    // And through the binary, the way an operator runs it.
    let env = Env::with_config(
        "[email]\nsmtp_url = \"smtps://mailer:Pa55-w0rd@smtp.example.com\"\nfrom = \"login@example.com\"\n\
         [sms]\nhttp_url = \"https://sms.example.com/send\"\naccount_id = \"AC1\"\nauth_token = \"tok-secret\"\nfrom = \"Latchkey\"\n",
    );
    let out = env.run(&["--dev", "config", "check"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.contains("Pa55-w0rd") && !text.contains("tok-secret"),
        "{text}"
    );
    assert!(
        text.contains("[email]") && text.contains("[redacted]"),
        "{text}"
    );
}

#[test]
fn the_configuration_selects_the_transport() {
    // Production without providers: both off, start-up still succeeds.
    let c = prod(&[]).unwrap();
    let (mailer, sms) = (
        Mailer::from_config(&c).unwrap(),
        SmsSender::from_config(&c).unwrap(),
    );
    assert!(!mailer.is_enabled() && !sms.is_enabled());
    assert_eq!(
        (mailer.transport_name(), sms.provider_name()),
        ("disabled", "disabled")
    );

    // Dev mode without providers: the outbox under data_dir, and the log.
    let c = load(None, &[("LATCHKEY_DATA_DIR", "/srv/lk")], Some(true)).unwrap();
    let (mailer, sms) = (
        Mailer::from_config(&c).unwrap(),
        SmsSender::from_config(&c).unwrap(),
    );
    assert_eq!(
        mailer.outbox().unwrap().dir(),
        PathBuf::from("/srv/lk/outbox")
    );
    assert_eq!(
        mailer.from_mailbox().to_string(),
        "Latchkey <latchkey@localhost>"
    );
    assert_eq!(sms.provider_name(), "log");

    // Providers configured: SMTP and HTTP, in production too.
    let c = prod(&[
        SMTP,
        ("LATCHKEY_EMAIL__FROM", "login@example.com"),
        ("LATCHKEY_SMS__HTTP_URL", "https://sms.example.com/send"),
        ("LATCHKEY_SMS__ACCOUNT_ID", "AC1"),
        ("LATCHKEY_SMS__AUTH_TOKEN", "tok-secret"),
        ("LATCHKEY_SMS__FROM", "+15551234567"),
    ])
    .unwrap();
    let (mailer, sms) = (
        Mailer::from_config(&c).unwrap(),
        SmsSender::from_config(&c).unwrap(),
    );
    assert_eq!(
        (mailer.transport_name(), sms.provider_name()),
        ("smtp", "http")
    );
    let debug = format!("{mailer:?} {sms:?}");
    assert!(
        !debug.contains("Pa55-w0rd") && !debug.contains("tok-secret"),
        "{debug}"
    );
}

//! Configuration loading: layering, secrets, validation messages, and the
//! docs / example / code agreement.
//!
//! Every test uses `Config::from_sources` with an explicit environment and
//! absolute temporary paths: nothing reads the process environment or
//! changes directory, so tests run in parallel safely. This file holds the
//! shared helpers; the tests are in the submodules.

mod docs;
mod layers;
mod lifetimes;
mod secrets;
mod values;

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

//! The shape of the layered configuration before validation.
//!
//! Every leaf is an optional figment [`Value`], which keeps the tag that says
//! which layer supplied it: "not set" stays distinguishable from "set to the
//! default" (needed to check a secret against its `_file` twin), and a value
//! of the wrong type does not stop deserialisation, so the resolver can
//! report every wrong value in one pass, not just the first.
//!
//! `deny_unknown_fields` backs up [`unknown_keys`], which finds every unknown
//! key of every layer up front (serde stops at the first one).

use std::path::Path;

use figment::Figment;
use figment::value::{Dict, Value};
use serde::Deserialize;

use super::error::Problem;
use super::keys::{self, SECTIONS};
use super::sources::Origin;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    pub issuer: Option<Value>,
    pub dev_mode: Option<Value>,
    pub data_dir: Option<Value>,
    #[serde(default)]
    pub server: RawServer,
    #[serde(default)]
    pub database: RawDatabase,
    #[serde(default)]
    pub ephemeral: RawEphemeral,
    #[serde(default)]
    pub log: RawLog,
    #[serde(default)]
    pub keys: RawKeys,
    #[serde(default)]
    pub tokens: RawTokens,
    #[serde(default)]
    pub session: RawSession,
    #[serde(default)]
    pub email: RawEmail,
    #[serde(default)]
    pub sms: RawSms,
    #[serde(default)]
    pub demo: RawDemo,
    #[serde(default)]
    pub metrics: RawMetrics,
    #[serde(default)]
    pub telemetry: RawTelemetry,
    #[serde(default)]
    pub passkeys: RawPasskeys,
    /// The fallback policy: its own language, checked by
    /// `latchkey_fallback::policy` (unknown keys there name the rule).
    pub fallback: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawServer {
    pub listen: Option<Value>,
    pub workers: Option<Value>,
    pub trusted_proxies: Option<Value>,
    pub shutdown_timeout_secs: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDatabase {
    pub url: Option<Value>,
    pub url_file: Option<Value>,
    pub pool_size: Option<Value>,
    pub connect_timeout_secs: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEphemeral {
    pub url: Option<Value>,
    pub url_file: Option<Value>,
    pub max_entries: Option<Value>,
    pub key_prefix: Option<Value>,
    pub timeout_ms: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLog {
    pub format: Option<Value>,
    pub level: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawKeys {
    pub encryption_key: Option<Value>,
    pub encryption_key_file: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTokens {
    pub code_ttl_secs: Option<Value>,
    pub id_token_ttl_secs: Option<Value>,
    pub access_token_ttl_secs: Option<Value>,
    pub refresh_token_ttl_secs: Option<Value>,
    pub refresh_family_ttl_secs: Option<Value>,
    pub refresh_reuse_grace_secs: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSession {
    pub ttl_secs: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEmail {
    pub smtp_url: Option<Value>,
    pub smtp_url_file: Option<Value>,
    pub from: Option<Value>,
    pub timeout_secs: Option<Value>,
    pub outbox_dir: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSms {
    pub http_url: Option<Value>,
    pub account_id: Option<Value>,
    pub auth_token: Option<Value>,
    pub auth_token_file: Option<Value>,
    pub from: Option<Value>,
    pub timeout_secs: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDemo {
    pub enabled: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMetrics {
    pub enabled: Option<Value>,
    pub bearer_token: Option<Value>,
    pub bearer_token_file: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTelemetry {
    pub otlp_endpoint: Option<Value>,
    pub service_name: Option<Value>,
    pub sampling_ratio: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPasskeys {
    pub attestation_ca_files: Option<Value>,
    pub aaguid_allow_list: Option<Value>,
}

/// One layer's own data, checked before merging so that a typo in the file is
/// reported even when the environment sets the same misspelt key.
pub(super) struct Layer<'a> {
    /// Where this layer's values come from; for the environment, the origin
    /// of each leaf is its own variable.
    pub source: LayerSource<'a>,
    pub data: Dict,
}

pub(super) enum LayerSource<'a> {
    File(&'a Path),
    Env,
}

impl LayerSource<'_> {
    fn origin(&self, key: &str) -> Origin {
        match self {
            Self::File(path) => Origin::File(path.to_path_buf()),
            Self::Env => Origin::Env(keys::env_var(key)),
        }
    }
}

/// Every key, in every layer, that is not in the key table, and every table
/// given as something other than a table.
pub(super) fn unknown_keys(layers: &[Layer<'_>]) -> Vec<Problem> {
    let mut problems = Vec::new();
    for layer in layers {
        for (name, value) in &layer.data {
            if keys::spec(name).is_some() || name == "fallback" {
                continue;
            }
            if !SECTIONS.contains(&name.as_str()) {
                report_unknown(&layer.source, name, value, &mut problems);
                continue;
            }
            let Value::Dict(_, table) = value else {
                let origin = layer.source.origin(name);
                problems.push(Problem::new(
                    Some(name),
                    format!(
                        "invalid value for \"{name}\" {origin}: expected a table of settings such as [{name}] (found {})",
                        value.to_actual()
                    ),
                ));
                continue;
            };
            for (sub, value) in table {
                let key = format!("{name}.{sub}");
                if keys::spec(&key).is_none() {
                    report_unknown(&layer.source, &key, value, &mut problems);
                }
            }
        }
    }
    problems
}

/// Reports an unknown key of the file once, at the level where it goes
/// wrong (`databse`), and an unknown key of the environment once per
/// variable, named in full (`LATCHKEY_DATABSE__URL`), since that is what the
/// operator has to find and fix.
fn report_unknown(source: &LayerSource<'_>, key: &str, value: &Value, problems: &mut Vec<Problem>) {
    match source {
        LayerSource::File(_) => problems.push(Problem::unknown(key, &source.origin(key))),
        LayerSource::Env => {
            let mut leaves = Vec::new();
            collect_leaves(key, value, &mut leaves);
            for leaf in leaves {
                problems.push(Problem::unknown(&leaf, &source.origin(&leaf)));
            }
        }
    }
}

fn collect_leaves(key: &str, value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Dict(_, dict) if !dict.is_empty() => {
            for (k, v) in dict {
                collect_leaves(&format!("{key}.{k}"), v, out);
            }
        }
        _ => out.push(key.to_owned()),
    }
}

/// Where `value` (found at dotted `key`) came from.
pub(super) fn origin_of(figment: &Figment, value: &Value, key: &str) -> Origin {
    let path: Vec<String> = key.split('.').map(str::to_owned).collect();
    Origin::from_metadata(figment.get_metadata(value.tag()), &path)
}

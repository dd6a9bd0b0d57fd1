//! The `[passkeys]` table: the attestation policy that decides which
//! authenticator models count as hardware-protected (`acr=phrh`).
//!
//! Both keys are lists: an array in the TOML file, a comma-separated string
//! in the environment (`LATCHKEY_PASSKEYS__ATTESTATION_CA_FILES=/a.pem,/b.pem`).
//! The PEM files are read and parsed at start, so an unreadable or invalid
//! file stops the start with the key and the file named.

use std::path::PathBuf;

use figment::value::Value;
use latchkey_passkey::{AttestationPolicy, TrustedRoot};
use serde::Serialize;
use uuid::Uuid;

use super::raw::RawPasskeys;
use super::resolve::Resolver;

const CA_FILES: &str = "passkeys.attestation_ca_files";
const AAGUIDS: &str = "passkeys.aaguid_allow_list";

/// `[passkeys]`: attestation is off (attestation `none`, nothing is ever
/// `phrh`) unless both lists are set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PasskeysConfig {
    /// PEM files of the attestation root CAs the operator trusts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attestation_ca_files: Vec<PathBuf>,
    /// The authenticator models (AAGUIDs) that count as hardware-protected
    /// when their attestation chains to one of those roots.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aaguid_allow_list: Vec<Uuid>,
    /// The files' contents, read and checked at load time.
    #[serde(skip)]
    pub roots: Vec<TrustedRoot>,
}

impl PasskeysConfig {
    /// The policy for `latchkey_passkey::PasskeyConfig::attestation`;
    /// `None` when attestation is off. Load-time validation built the same
    /// policy, so this fails only if the files were not checked.
    pub fn attestation_policy(
        &self,
    ) -> Result<Option<AttestationPolicy>, latchkey_passkey::AttestationPolicyError> {
        if self.roots.is_empty() && self.aaguid_allow_list.is_empty() {
            return Ok(None);
        }
        AttestationPolicy::new(&self.roots, &self.aaguid_allow_list).map(Some)
    }
}

impl Resolver<'_> {
    pub(super) fn passkeys(&mut self, raw: RawPasskeys) -> PasskeysConfig {
        let files: Vec<PathBuf> = self
            .list(CA_FILES, raw.attestation_ca_files)
            .into_iter()
            .map(PathBuf::from)
            .collect();
        let mut aaguids = Vec::new();
        for text in self.list(AAGUIDS, raw.aaguid_allow_list) {
            match Uuid::parse_str(&text) {
                Ok(u) => aaguids.push(u),
                Err(_) => self.invalid(AAGUIDS, &format!(" (found {text:?})")),
            }
        }
        let mut roots = Vec::new();
        for path in &files {
            match std::fs::read(path) {
                Ok(pem) => roots.push(TrustedRoot {
                    source: path.display().to_string(),
                    pem,
                }),
                Err(e) => {
                    self.invalid(CA_FILES, &format!(" (cannot read {}: {e})", path.display()));
                }
            }
        }
        match (files.is_empty(), aaguids.is_empty()) {
            (true, true) => {}
            (false, true) => self.invalid(
                AAGUIDS,
                &format!(" (it is empty but \"{CA_FILES}\" is set: name the models to trust)"),
            ),
            (true, false) => self.invalid(
                CA_FILES,
                &format!(" (it is empty but \"{AAGUIDS}\" is set: name the roots to trust)"),
            ),
            // Every file was read: check that each is a certificate.
            (false, false) if roots.len() == files.len() => {
                for root in &roots {
                    if let Err(e) = AttestationPolicy::new(std::slice::from_ref(root), &aaguids) {
                        self.invalid(CA_FILES, &format!(" ({e})"));
                    }
                }
            }
            (false, false) => {}
        }
        PasskeysConfig {
            attestation_ca_files: files,
            aaguid_allow_list: aaguids,
            roots,
        }
    }

    /// A list of strings: a TOML array of strings, or one string of
    /// comma-separated items (how the environment gives lists). Empty items
    /// are dropped.
    fn list(&mut self, key: &str, value: Option<Value>) -> Vec<String> {
        let Some(value) = value else {
            return Vec::new();
        };
        let items: Vec<String> = match &value {
            Value::String(_, s) => s.split(',').map(str::to_owned).collect(),
            Value::Array(_, items) => {
                let mut out = Vec::new();
                for item in items {
                    match item {
                        Value::String(_, s) => out.push(s.clone()),
                        other => {
                            self.invalid(
                                key,
                                &format!(" (found {} in the list)", other.to_actual()),
                            );
                        }
                    }
                }
                out
            }
            other => {
                self.invalid(key, &format!(" (found {})", other.to_actual()));
                return Vec::new();
            }
        };
        items
            .into_iter()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    fn load(toml: &str, env: &[(&str, &str)]) -> Result<Config, String> {
        Config::from_test_sources(toml, env)
    }

    #[test]
    fn off_by_default() {
        let c = load("", &[]).unwrap_or_else(|e| panic!("{e}"));
        assert!(c.passkeys.attestation_ca_files.is_empty());
        assert!(matches!(c.passkeys.attestation_policy(), Ok(None)));
    }

    #[test]
    fn bad_files_and_lists_name_the_key_and_file() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let junk = dir.path().join("junk.pem");
        std::fs::write(&junk, "not a certificate").unwrap_or_else(|e| panic!("{e}"));
        let toml = format!(
            "[passkeys]\nattestation_ca_files = [{:?}]\naaguid_allow_list = [\"0fb9bcbc-a0d4-4042-bbb0-559bc1631e28\"]\n",
            junk.display().to_string()
        );
        let e = load(&toml, &[]).unwrap_err();
        assert!(e.contains("passkeys.attestation_ca_files"), "{e}");
        assert!(e.contains("junk.pem"), "{e}");

        let e = load(
            "",
            &[
                (
                    "LATCHKEY_PASSKEYS__ATTESTATION_CA_FILES",
                    "/nonexistent/ca.pem",
                ),
                (
                    "LATCHKEY_PASSKEYS__AAGUID_ALLOW_LIST",
                    "0fb9bcbc-a0d4-4042-bbb0-559bc1631e28",
                ),
            ],
        )
        .unwrap_err();
        assert!(e.contains("LATCHKEY_PASSKEYS__ATTESTATION_CA_FILES"), "{e}");
        assert!(e.contains("/nonexistent/ca.pem"), "{e}");

        let e = load("[passkeys]\naaguid_allow_list = [\"not-a-uuid\"]\n", &[]).unwrap_err();
        assert!(e.contains("passkeys.aaguid_allow_list"), "{e}");
        let e = load(
            "[passkeys]\naaguid_allow_list = [\"0fb9bcbc-a0d4-4042-bbb0-559bc1631e28\"]\n",
            &[],
        )
        .unwrap_err();
        assert!(e.contains("passkeys.attestation_ca_files"), "{e}");
    }
}

//! Names for authenticator models, so a new passkey shows up as "iCloud
//! Keychain" or "YubiKey 5 Series" rather than as an opaque id.
//!
//! The AAGUID (WebAuthn L3 §6.5.1) is self-reported unless the registration
//! was attested, so the name is a label for the user and never a trust
//! decision.

use std::collections::HashMap;

use serde::Deserialize;
use uuid::Uuid;

/// The shipped table (`data/aaguid.json`).
const BUILTIN: &str = include_str!("../data/aaguid.json");

/// The name used when the AAGUID is nil or not in the table.
pub const GENERIC_NAME: &str = "Passkey";

/// An AAGUID → name lookup, parsed once (at service construction) and held
/// by whoever needs it rather than in a global.
#[derive(Debug, Clone)]
pub struct AaguidNames {
    names: HashMap<Uuid, String>,
}

#[derive(Deserialize)]
struct File {
    names: HashMap<Uuid, String>,
}

/// The shipped table could not be read (a build defect, caught by tests).
#[derive(Debug, thiserror::Error)]
#[error("the AAGUID table is malformed: {0}")]
pub struct AaguidTableError(String);

impl AaguidNames {
    /// The table shipped with Latchkey.
    pub fn builtin() -> Result<Self, AaguidTableError> {
        Self::from_json(BUILTIN)
    }

    /// A table from JSON of the shipped shape (`{"names": {uuid: name}}`).
    pub fn from_json(json: &str) -> Result<Self, AaguidTableError> {
        let file: File = serde_json::from_str(json).map_err(|e| AaguidTableError(e.to_string()))?;
        Ok(Self { names: file.names })
    }

    /// The name for `aaguid`, or `None` when unknown (nil included).
    #[must_use]
    pub fn lookup(&self, aaguid: Uuid) -> Option<&str> {
        self.names.get(&aaguid).map(String::as_str)
    }

    /// The name for a new passkey: the model's name, or [`GENERIC_NAME`].
    #[must_use]
    pub fn default_name(&self, aaguid: Uuid) -> &str {
        self.lookup(aaguid).unwrap_or(GENERIC_NAME)
    }

    /// How many models the table names.
    #[must_use]
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether the table is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn builtin_table_parses_and_names_known_models() {
        let t = AaguidNames::builtin().unwrap();
        assert!(t.len() >= 10);
        let gpm = Uuid::parse_str("ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4").unwrap();
        assert_eq!(t.default_name(gpm), "Google Password Manager");
        let icloud = Uuid::parse_str("FBFC3007-154E-4ECC-8C0B-6E020557D7BD").unwrap();
        assert_eq!(t.default_name(icloud), "iCloud Keychain");
    }

    #[test]
    fn unknown_and_nil_get_the_generic_name() {
        let t = AaguidNames::builtin().unwrap();
        assert_eq!(t.lookup(Uuid::nil()), None);
        assert_eq!(t.default_name(Uuid::nil()), GENERIC_NAME);
        assert_eq!(t.default_name(Uuid::from_u128(42)), GENERIC_NAME);
    }

    #[test]
    fn every_builtin_name_is_a_valid_friendly_name() {
        let t = AaguidNames::builtin().unwrap();
        for name in t.names.values() {
            assert!(
                crate::credential::normalise_friendly_name(name).is_ok(),
                "{name}"
            );
        }
    }

    #[test]
    fn malformed_tables_are_errors() {
        assert!(AaguidNames::from_json("{}").is_err());
        assert!(AaguidNames::from_json(r#"{"names": {"not-a-uuid": "x"}}"#).is_err());
    }
}

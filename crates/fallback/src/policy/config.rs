//! The `[fallback]` configuration subtree as written in the server's TOML
//! file. Method names stay strings here so that validation
//! ([`super::Policy::from_config`]) can name the exact key of a mistake.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::FallbackMethod;

/// `[fallback]`: the global fallback policy and per-client overrides.
/// Absent keys take the defaults below (see `docs/fallback-policy.md`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PolicyConfig {
    /// Enabled methods. Default: every method except `password`.
    pub methods: Vec<String>,
    /// Two-factor combinations a client requiring `urn:latchkey:acr:mfa` (or
    /// a policy with `require_two_factors`) may be offered. When absent: the
    /// default pairs `[["email_code", "totp"], ["email_link", "totp"],
    /// ["sms_code", "totp"]]`, keeping those whose methods are both enabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub combinations: Option<Vec<Vec<String>>>,
    /// Every non-passkey fallback must be a combination. Default: `false`.
    pub require_two_factors: bool,
    /// Offer passkey enrollment after a fallback sign-in. Default: `true`.
    pub nudge: bool,
    /// Days between two passkey invitations on one device (global only).
    /// Default: 7; 1 to 365.
    pub nudge_interval_days: u32,
    /// `[fallback.clients.<client_id>]`: per-client overrides.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub clients: BTreeMap<String, ClientPolicyConfig>,
}

/// The default of `nudge_interval_days`.
pub const DEFAULT_NUDGE_INTERVAL_DAYS: u32 = 7;

impl Default for PolicyConfig {
    fn default() -> Self {
        Self {
            methods: FallbackMethod::ALL
                .into_iter()
                .filter(|m| *m != FallbackMethod::Password)
                .map(|m| m.as_str().to_owned())
                .collect(),
            combinations: None,
            require_two_factors: false,
            nudge: true,
            nudge_interval_days: DEFAULT_NUDGE_INTERVAL_DAYS,
            clients: BTreeMap::new(),
        }
    }
}

/// `[fallback.clients.<client_id>]`: every key is optional; an absent key
/// inherits the global value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClientPolicyConfig {
    /// Enabled methods for this client.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub methods: Option<Vec<String>>,
    /// Allowed two-factor combinations for this client. When absent, the
    /// global combinations whose methods are both enabled for this client.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub combinations: Option<Vec<Vec<String>>>,
    /// Every non-passkey fallback must be a combination.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub require_two_factors: Option<bool>,
    /// Offer passkey enrollment after a fallback sign-in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nudge: Option<bool>,
}

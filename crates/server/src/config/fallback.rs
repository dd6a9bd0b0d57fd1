//! The `[fallback]` section: the fallback policy language of
//! `latchkey_fallback::policy` (see `docs/fallback-policy.md`), validated
//! at start with errors that name the rule.

use latchkey_fallback::policy::Policy;

use super::Config;

impl Config {
    /// The validated fallback policy.
    ///
    /// # Errors
    /// The first broken rule, named by its path (`fallback.clients.web.methods[1]: …`).
    pub fn fallback_policy(&self) -> Result<Policy, String> {
        Policy::from_config(&self.fallback).map_err(|e| e.to_string())
    }
}

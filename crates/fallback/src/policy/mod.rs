//! The fallback policy: which methods an operator enables, which two-factor
//! combinations are allowed, and per-client overrides.
//!
//! [`PolicyConfig`] is the `[fallback]` TOML subtree as written;
//! [`Policy::from_config`] validates it (every error names the key it is
//! about, e.g. `fallback.clients.web.combinations[0]`) and resolves each
//! client's inheritance once, so [`Policy::for_client`] is a lookup.
//! The language is documented in `docs/fallback-policy.md`.

mod config;
mod method;
#[cfg(test)]
mod tests;
mod validate;

use std::collections::BTreeMap;

use serde::Serialize;

pub use config::{ClientPolicyConfig, PolicyConfig};
pub use method::{FallbackMethod, MethodSet};
pub use validate::{PolicyError, PolicyErrorKind};

/// A two-factor combination: two distinct, non-passkey methods that prove
/// different factors, in convenience order.
pub type Combination = [FallbackMethod; 2];

/// The validated, fully resolved policy for one client (or the global
/// default): what the engine reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientPolicy {
    methods: MethodSet,
    combinations: Vec<Combination>,
    require_two_factors: bool,
    nudge: bool,
}

impl ClientPolicy {
    /// Build a policy without validation, for tests that want to feed the
    /// engine policies the parser would refuse.
    #[cfg(test)]
    pub(crate) fn unchecked(
        methods: MethodSet,
        combinations: Vec<Combination>,
        require_two_factors: bool,
        nudge: bool,
    ) -> Self {
        Self {
            methods,
            combinations,
            require_two_factors,
            nudge,
        }
    }

    /// The enabled methods.
    #[must_use]
    pub fn methods(&self) -> MethodSet {
        self.methods
    }

    /// Whether `m` is enabled.
    #[must_use]
    pub fn allows(&self, m: FallbackMethod) -> bool {
        self.methods.contains(m)
    }

    /// The allowed two-factor combinations, in configuration order.
    #[must_use]
    pub fn combinations(&self) -> &[Combination] {
        &self.combinations
    }

    /// Whether every non-passkey fallback must be a combination.
    #[must_use]
    pub fn require_two_factors(&self) -> bool {
        self.require_two_factors
    }

    /// Whether to offer passkey enrollment after a fallback sign-in.
    #[must_use]
    pub fn nudge(&self) -> bool {
        self.nudge
    }
}

impl Default for ClientPolicy {
    /// The default policy: every method but `password`; email code, email
    /// link and SMS code may each be combined with TOTP; one factor is
    /// enough unless the client asks for more; the enrollment nudge is on.
    /// Equal to `Policy::from_config(&PolicyConfig::default())`'s default.
    fn default() -> Self {
        use FallbackMethod::{EmailCode, EmailLink, Password, SmsCode, Totp};
        Self {
            methods: MethodSet::all().without(Password),
            combinations: vec![[EmailCode, Totp], [EmailLink, Totp], [SmsCode, Totp]],
            require_two_factors: false,
            nudge: true,
        }
    }
}

/// The validated fallback policy: a global default and resolved per-client
/// overrides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Policy {
    default: ClientPolicy,
    clients: BTreeMap<String, ClientPolicy>,
    nudge_interval_days: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            default: ClientPolicy::default(),
            clients: BTreeMap::new(),
            nudge_interval_days: config::DEFAULT_NUDGE_INTERVAL_DAYS,
        }
    }
}

impl Policy {
    /// Validate `[fallback]` and resolve every client's inheritance.
    ///
    /// # Errors
    /// The first rule the configuration breaks, naming its key path.
    pub fn from_config(config: &PolicyConfig) -> Result<Self, PolicyError> {
        let default = validate::resolve_global(config)?;
        let nudge_interval_days = validate::nudge_interval(config.nudge_interval_days)?;
        let mut clients = BTreeMap::new();
        for (id, client) in &config.clients {
            let resolved = validate::resolve_client(id, client, &default)?;
            clients.insert(id.clone(), resolved);
        }
        Ok(Self {
            default,
            clients,
            nudge_interval_days,
        })
    }

    /// Seconds between two passkey invitations on one device.
    #[must_use]
    pub fn nudge_interval_secs(&self) -> i64 {
        i64::from(self.nudge_interval_days) * 86_400
    }

    /// The policy for `client_id`: its override when one is configured,
    /// otherwise the global default.
    #[must_use]
    pub fn for_client(&self, client_id: &str) -> ClientPolicy {
        self.clients.get(client_id).unwrap_or(&self.default).clone()
    }

    /// The global default (what clients without an override get).
    #[must_use]
    pub fn default_policy(&self) -> &ClientPolicy {
        &self.default
    }

    /// The client ids that have an override, sorted.
    pub fn client_ids(&self) -> impl Iterator<Item = &str> {
        self.clients.keys().map(String::as_str)
    }
}

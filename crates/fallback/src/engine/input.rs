//! What the engine decides from: plain values the server gathers before
//! calling [`super::decide`]. Nothing here reads a clock or a database.

use std::collections::BTreeMap;

use latchkey_core::{PasskeyFailure, UnixTime};
use latchkey_oidc::Acr;
use serde::{Deserialize, Serialize};

use crate::policy::{ClientPolicy, FallbackMethod};

/// The assurance the client asked for, from its `acr_values`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Requirement {
    /// No `acr_values`: any method will do.
    #[default]
    None,
    /// At least this level: the weakest *known* requested value, since OpenID
    /// Connect Core §3.1.2.1 makes `acr_values` a list of acceptable values
    /// ("one of"), and levels are ordered.
    AtLeast(Acr),
    /// Every requested value was unknown: nothing can satisfy it.
    Unsatisfiable,
}

impl Requirement {
    /// The requirement expressed by requested `acr_values` (space-separated
    /// values already split). Unknown values are ignored; if all are unknown
    /// the requirement is [`Requirement::Unsatisfiable`].
    #[must_use]
    pub fn from_acr_values<S: AsRef<str>>(values: &[S]) -> Self {
        if values.is_empty() {
            return Self::None;
        }
        match values.iter().filter_map(|v| Acr::parse(v.as_ref())).min() {
            Some(acr) => Self::AtLeast(acr),
            None => Self::Unsatisfiable,
        }
    }

    /// Whether an authentication at `acr` satisfies this requirement.
    #[must_use]
    pub fn is_met_by(self, acr: Acr) -> bool {
        match self {
            Self::None => true,
            Self::AtLeast(required) => acr.satisfies(required),
            Self::Unsatisfiable => false,
        }
    }

    /// Whether one fallback factor (`SingleFactor`) is not enough.
    #[must_use]
    pub fn above_single_factor(self) -> bool {
        !self.is_met_by(Acr::SingleFactor)
    }
}

/// What the engine may know about one of the user's passkeys.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeySummary {
    /// The BE flag (WebAuthn L3 §6.1): the credential may be synced.
    pub backup_eligible: bool,
    /// `AuthenticatorTransport` values recorded at registration (`internal`,
    /// `hybrid`, `usb`, `nfc`, `ble`, …), as sent by the client.
    pub transports: Vec<String>,
    /// Attestation proved an authenticator on the operator's hardware
    /// allow-list (the only way to earn `phrh`).
    pub hardware_attested: bool,
}

impl PasskeySummary {
    /// Whether this looks like a security key: a roaming transport, or no
    /// transports recorded and not backup-eligible.
    #[must_use]
    pub fn is_security_key(&self) -> bool {
        let roaming = self
            .transports
            .iter()
            .any(|t| matches!(t.as_str(), "usb" | "nfc" | "ble"));
        roaming || (self.transports.is_empty() && !self.backup_eligible)
    }
}

impl PasskeySummary {
    /// Whether this passkey could be on another device, reachable over the
    /// hybrid transport: backup-eligible (synced), registered with `hybrid`,
    /// or with no transports recorded (unknown, so not ruled out). A security
    /// key (usb/nfc/ble only) or a device-bound platform passkey is not.
    #[must_use]
    pub fn reachable_over_hybrid(&self) -> bool {
        self.backup_eligible
            || self.transports.is_empty()
            || self.transports.iter().any(|t| t == "hybrid")
    }
}

/// The user's enrolled methods (for an identified visitor).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrollment {
    /// The user's passkeys.
    pub passkeys: Vec<PasskeySummary>,
    /// A verified email address exists.
    pub email_verified: bool,
    /// A verified phone number exists.
    pub phone_verified: bool,
    /// An authenticator app (TOTP) is enrolled.
    pub totp: bool,
    /// Unused recovery codes.
    pub recovery_codes_left: u32,
    /// A password is set.
    pub password: bool,
}

impl Enrollment {
    /// What the server passes for an identifier that matches no account, so
    /// the decision is that of an ordinary account and reveals nothing: one
    /// synced passkey (`internal`, `hybrid`) and a verified email. The
    /// passkey agrees with `latchkey_passkey::classify`, which treats an
    /// unknown identifier as an account with passkeys.
    #[must_use]
    pub fn stand_in() -> Self {
        Self {
            passkeys: vec![PasskeySummary {
                backup_eligible: true,
                transports: vec!["hybrid".to_owned(), "internal".to_owned()],
                hardware_attested: false,
            }],
            email_verified: true,
            ..Self::default()
        }
    }
}

/// What the browser reported about itself; `None` is unknown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceSignals {
    /// `isUserVerifyingPlatformAuthenticatorAvailable()`.
    pub platform_authenticator: Option<bool>,
    /// `isConditionalMediationAvailable()` (informational: no rule reads it).
    pub conditional_mediation: Option<bool>,
    /// `getClientCapabilities().hybridTransport` (WebAuthn L3 §5.1.7).
    pub hybrid: Option<bool>,
    /// The user signed in from this browser before (informational: no rule
    /// reads it; it is recorded with the decision's event).
    pub known_device: bool,
}

/// Attempt-limit state for the user, as locks that end at an instant.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempts {
    /// Per-method locks: the method may not be used before this instant.
    pub locked_until: BTreeMap<FallbackMethod, UnixTime>,
    /// The account-wide lock (too many failures across guessable methods):
    /// no code, password or recovery code before this instant. Passkeys stay
    /// available: they are not guessable, and locking them would let anyone
    /// lock a user out.
    pub account_locked_until: Option<UnixTime>,
}

/// Seconds from `now` until `until`, if that is in the future.
pub(crate) fn remaining(until: UnixTime, now: UnixTime) -> Option<u64> {
    u64::try_from(until.0.saturating_sub(now.0))
        .ok()
        .filter(|s| *s > 0)
}

impl Attempts {
    /// Seconds until `m` is unlocked, if it is locked at `now`.
    #[must_use]
    pub fn method_locked(&self, m: FallbackMethod, now: UnixTime) -> Option<u64> {
        self.locked_until
            .get(&m)
            .and_then(|until| remaining(*until, now))
    }

    /// Seconds until the account lock ends, if it is locked at `now`.
    #[must_use]
    pub fn account_locked(&self, now: UnixTime) -> Option<u64> {
        self.account_locked_until
            .and_then(|until| remaining(until, now))
    }
}

/// Everything the engine decides from. Build it per failure (or per "other
/// ways to sign in" click); equal situations give equal decisions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Situation {
    /// What the client requires, from its `acr_values`.
    pub requirement: Requirement,
    /// The client's `max_age` (informational: the session layer enforces it).
    pub max_age: Option<u64>,
    /// The client's resolved fallback policy.
    pub policy: ClientPolicy,
    /// Whether the visitor has identified an account (identifier-first). When
    /// `false`, `enrolled` and `attempts` are ignored: nothing that depends
    /// on an account is offered or reported.
    pub identified: bool,
    /// The account's enrolled methods ([`Enrollment::stand_in`] for an
    /// identifier that matches no account).
    pub enrolled: Enrollment,
    /// Why the passkey failed; `None` when the user chose "other ways to sign
    /// in" without a failure.
    pub failure: Option<PasskeyFailure>,
    /// What the browser reported.
    pub device: DeviceSignals,
    /// Locks from attempt limits.
    pub attempts: Attempts,
    /// The current instant (the engine never reads a clock).
    pub now: UnixTime,
    /// The server's frequency cap or "not on this device" says not to offer
    /// passkey enrollment now.
    pub nudge_suppressed: bool,
}

impl Default for Situation {
    /// An unidentified visitor, no requirement, the default policy, nothing
    /// known about the device, at the epoch.
    fn default() -> Self {
        Self {
            requirement: Requirement::None,
            max_age: None,
            policy: ClientPolicy::default(),
            identified: false,
            enrolled: Enrollment::default(),
            failure: None,
            device: DeviceSignals::default(),
            attempts: Attempts::default(),
            now: UnixTime(0),
            nudge_suppressed: false,
        }
    }
}

//! The fallback methods a policy can enable, and a small set type for them.

use std::fmt;

use latchkey_oidc::AuthMethod;
use serde::{Deserialize, Serialize};

/// One way to sign in when a passkey on this device did not work. The
/// declaration order is the engine's convenience rank (most convenient first;
/// see `docs/fallback-policy.md`), so [`FallbackMethod::ALL`] and the derived
/// `Ord` list methods in that order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FallbackMethod {
    /// A passkey from another device (a phone) over the hybrid
    /// (cross-device) transport, WebAuthn L3 §5.8.4 `hybrid`.
    PasskeyHybrid,
    /// A passkey on a roaming authenticator (security key) over usb, nfc or ble.
    SecurityKey,
    /// A one-time code sent by email and typed into this page.
    EmailCode,
    /// A one-time link sent by email.
    EmailLink,
    /// A time-based one-time password from an authenticator app (RFC 6238).
    Totp,
    /// A one-time code sent by SMS.
    SmsCode,
    /// A password (disabled unless an operator enables it).
    Password,
    /// A single-use recovery code: the last resort.
    RecoveryCode,
}

impl FallbackMethod {
    /// Every method, in convenience order.
    pub const ALL: [FallbackMethod; 8] = [
        Self::PasskeyHybrid,
        Self::SecurityKey,
        Self::EmailCode,
        Self::EmailLink,
        Self::Totp,
        Self::SmsCode,
        Self::Password,
        Self::RecoveryCode,
    ];

    /// The configuration and wire spelling (snake_case), as serialised.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PasskeyHybrid => "passkey_hybrid",
            Self::SecurityKey => "security_key",
            Self::EmailCode => "email_code",
            Self::EmailLink => "email_link",
            Self::Totp => "totp",
            Self::SmsCode => "sms_code",
            Self::Password => "password",
            Self::RecoveryCode => "recovery_code",
        }
    }

    /// Parse the snake_case spelling; unknown names are `None`.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// Every known spelling, comma-separated, for error messages.
    #[must_use]
    pub fn known_names() -> String {
        Self::ALL.map(Self::as_str).join(", ")
    }

    /// The `AuthMethod` a successful use of this method normally yields (the
    /// one amr/acr table lives on `AuthMethod`). A passkey from another
    /// device counts as synced and a security key as device-bound; the engine
    /// predicts `PasskeyHardwareAttested` for a security key only when the
    /// client requires `phrh`.
    #[must_use]
    pub fn auth_method(self) -> AuthMethod {
        match self {
            Self::PasskeyHybrid => AuthMethod::PasskeySynced,
            Self::SecurityKey => AuthMethod::PasskeyDeviceBound,
            Self::EmailCode | Self::EmailLink => AuthMethod::EmailCode,
            Self::SmsCode => AuthMethod::SmsCode,
            Self::Totp => AuthMethod::Totp,
            Self::RecoveryCode => AuthMethod::RecoveryCode,
            Self::Password => AuthMethod::Password,
        }
    }

    /// Whether this is a passkey method (phishing-resistant on its own, never
    /// part of a combination, usable without naming an account first).
    #[must_use]
    pub fn is_passkey(self) -> bool {
        matches!(self, Self::PasskeyHybrid | Self::SecurityKey)
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

impl fmt::Display for FallbackMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of [`FallbackMethod`]s; iterates in convenience order, so anything
/// built from it is deterministic. Serialised as a list of names.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct MethodSet(u16);

impl MethodSet {
    /// No methods.
    pub const EMPTY: MethodSet = MethodSet(0);

    /// Every method.
    #[must_use]
    pub fn all() -> Self {
        FallbackMethod::ALL.into_iter().collect()
    }

    /// Whether `m` is in the set.
    #[must_use]
    pub fn contains(self, m: FallbackMethod) -> bool {
        self.0 & m.bit() != 0
    }

    /// Add `m`; returns whether it was absent.
    pub fn insert(&mut self, m: FallbackMethod) -> bool {
        let absent = !self.contains(m);
        self.0 |= m.bit();
        absent
    }

    /// This set without `m`.
    #[must_use]
    pub fn without(self, m: FallbackMethod) -> Self {
        Self(self.0 & !m.bit())
    }

    /// Whether the set is empty.
    #[must_use]
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The members, in convenience order.
    pub fn iter(self) -> impl Iterator<Item = FallbackMethod> {
        FallbackMethod::ALL
            .into_iter()
            .filter(move |m| self.contains(*m))
    }
}

impl FromIterator<FallbackMethod> for MethodSet {
    fn from_iter<I: IntoIterator<Item = FallbackMethod>>(iter: I) -> Self {
        let mut set = Self::EMPTY;
        for m in iter {
            set.insert(m);
        }
        set
    }
}

impl fmt::Debug for MethodSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl Serialize for MethodSet {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

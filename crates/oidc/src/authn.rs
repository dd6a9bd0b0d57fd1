//! The seam between "how the user proved who they are" and "what the
//! protocol issues": [`AuthnResult`], and the one table that maps
//! authentication methods to `amr` (RFC 8176) and `acr` values.

use latchkey_core::{UnixTime, UserId};
use serde::{Deserialize, Serialize};

/// An authentication context class reference (`acr`, OpenID Connect Core
/// §2). Latchkey uses the OpenID phishing-resistant values `phr` / `phrh`
/// (OpenID EAP ACR Values 1.0 §2) for passkeys and documented Latchkey URNs
/// for the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Acr {
    /// One fallback factor (email code or link, SMS code, TOTP, recovery
    /// code, password).
    #[serde(rename = "urn:latchkey:acr:sfa")]
    SingleFactor,
    /// Two fallback factors, neither phishing-resistant.
    #[serde(rename = "urn:latchkey:acr:mfa")]
    MultiFactor,
    /// A phishing-resistant authenticator (any passkey with user verification).
    #[serde(rename = "phr")]
    PhishingResistant,
    /// A phishing-resistant, hardware-protected authenticator (a device-bound
    /// passkey or security key: not backup-eligible).
    #[serde(rename = "phrh")]
    PhishingResistantHardware,
}

impl Acr {
    /// Every value, weakest first.
    pub const ALL: [Acr; 4] = [
        Self::SingleFactor,
        Self::MultiFactor,
        Self::PhishingResistant,
        Self::PhishingResistantHardware,
    ];

    /// The claim value.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SingleFactor => "urn:latchkey:acr:sfa",
            Self::MultiFactor => "urn:latchkey:acr:mfa",
            Self::PhishingResistant => "phr",
            Self::PhishingResistantHardware => "phrh",
        }
    }

    /// Parse a claim value; unknown values are `None`.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// Whether an authentication at this level satisfies a request for
    /// `required`: levels are ordered, so `phrh` satisfies a request for `phr`.
    #[must_use]
    pub fn satisfies(self, required: Acr) -> bool {
        self >= required
    }
}

/// How the user authenticated, one entry per factor used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// A synced (backup-eligible) passkey with user verification.
    PasskeySynced,
    /// A device-bound (not backup-eligible) passkey with user verification.
    PasskeyDeviceBound,
    /// A device-bound passkey whose attested AAGUID is on the operator's
    /// hardware allow-list: the only passkey that earns `phrh`.
    PasskeyHardwareAttested,
    /// A one-time code or link sent by email.
    EmailCode,
    /// A one-time code sent by SMS.
    SmsCode,
    /// A time-based one-time password from an authenticator app.
    Totp,
    /// A single-use recovery code.
    RecoveryCode,
    /// A password (only when an operator enables it).
    Password,
}

impl AuthMethod {
    /// The `amr` values this method contributes (RFC 8176 §2). A passkey with
    /// user verification is proof of possession (`pop`) of a hardware- or
    /// software-protected key (`hwk`/`swk`) plus the user's verification
    /// (`user`): two factors, so `mfa`. Email has no registered value, so it
    /// is `otp` plus the collision-resistant `urn:latchkey:amr:email`.
    #[must_use]
    pub fn amr(self) -> &'static [&'static str] {
        match self {
            Self::PasskeySynced => &["pop", "swk", "user", "mfa"],
            Self::PasskeyDeviceBound | Self::PasskeyHardwareAttested => {
                &["pop", "hwk", "user", "mfa"]
            }
            Self::EmailCode => &["otp", "urn:latchkey:amr:email"],
            Self::SmsCode => &["sms", "otp"],
            Self::Totp => &["otp"],
            Self::RecoveryCode => &["kba"],
            Self::Password => &["pwd"],
        }
    }

    /// The `acr` this method reaches on its own. Every passkey is
    /// phishing-resistant (`phr`); hardware protection (`phrh`) is claimed
    /// only when attestation proved it, never from the backup-eligible flag
    /// alone, which the authenticator asserts about itself.
    #[must_use]
    pub fn acr(self) -> Acr {
        match self {
            Self::PasskeyHardwareAttested => Acr::PhishingResistantHardware,
            Self::PasskeySynced | Self::PasskeyDeviceBound => Acr::PhishingResistant,
            _ => Acr::SingleFactor,
        }
    }

    /// Whether this method is phishing-resistant.
    #[must_use]
    pub fn phishing_resistant(self) -> bool {
        matches!(
            self,
            Self::PasskeySynced | Self::PasskeyDeviceBound | Self::PasskeyHardwareAttested
        )
    }
}

/// The outcome of a successful sign-in, handed from an authentication layer
/// (passkeys, fallbacks) to the protocol layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthnResult {
    pub subject: UserId,
    pub methods: Vec<AuthMethod>,
    pub amr: Vec<String>,
    pub acr: Acr,
    pub auth_time: UnixTime,
    /// Set when a fallback method was used: the classified passkey failure
    /// that led to it (`no_passkey_on_this_device`, …) or `user_choice`.
    /// Clients granted the `latchkey_fallback` scope see it in the ID token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback_reason: Option<String>,
}

impl AuthnResult {
    /// The same result, marked as reached through a fallback for `reason`.
    #[must_use]
    pub fn with_fallback_reason(mut self, reason: impl Into<String>) -> Self {
        self.fallback_reason = Some(reason.into());
        self
    }

    /// Build the result for the methods used, deriving `amr` and `acr` from
    /// the one table above: `amr` is the union of each method's values (plus
    /// `mfa` when more than one factor was used); `acr` is the strongest
    /// single method's level, or `MultiFactor` for two non-phishing-resistant
    /// factors.
    #[must_use]
    pub fn new(subject: UserId, methods: Vec<AuthMethod>, auth_time: UnixTime) -> Self {
        let mut amr: Vec<String> = Vec::new();
        for m in &methods {
            for v in m.amr() {
                if !amr.iter().any(|a| a == v) {
                    amr.push((*v).to_owned());
                }
            }
        }
        let distinct = {
            let mut d = methods.clone();
            d.sort_by_key(|m| *m as u8);
            d.dedup();
            d.len()
        };
        if distinct > 1 && !amr.iter().any(|a| a == "mfa") {
            amr.push("mfa".to_owned());
        }
        let strongest = methods
            .iter()
            .map(|m| m.acr())
            .max()
            .unwrap_or(Acr::SingleFactor);
        let acr = if distinct > 1 && strongest < Acr::MultiFactor {
            Acr::MultiFactor
        } else {
            strongest
        };
        Self {
            subject,
            methods,
            amr,
            acr,
            auth_time,
            fallback_reason: None,
        }
    }

    /// Whether this authentication satisfies at least one of the requested
    /// `acr_values` (OpenID Connect Core §3.1.2.1). Unknown values can never
    /// be satisfied; an empty request is always satisfied.
    #[must_use]
    pub fn satisfies_acr(&self, requested: &[String]) -> bool {
        requested.is_empty()
            || requested
                .iter()
                .filter_map(|r| Acr::parse(r))
                .any(|r| self.acr.satisfies(r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(methods: Vec<AuthMethod>) -> AuthnResult {
        AuthnResult::new(UserId("u".into()), methods, UnixTime(1))
    }

    #[test]
    fn passkeys_are_phishing_resistant() {
        let r = result(vec![AuthMethod::PasskeyDeviceBound]);
        assert_eq!(r.acr, Acr::PhishingResistant);
        assert_eq!(r.amr, ["pop", "hwk", "user", "mfa"]);
        assert!(r.satisfies_acr(&["phr".into()]));
        assert!(!r.satisfies_acr(&["phrh".into()]));
        let r = result(vec![AuthMethod::PasskeySynced]);
        assert_eq!(r.acr, Acr::PhishingResistant);
        assert_eq!(r.amr, ["pop", "swk", "user", "mfa"]);
        assert!(r.satisfies_acr(&["phrh".into(), "phr".into()]));
        let r = result(vec![AuthMethod::PasskeyHardwareAttested]);
        assert_eq!(r.acr, Acr::PhishingResistantHardware);
        assert!(r.satisfies_acr(&["phrh".into()]));
    }

    #[test]
    fn two_fallback_factors_are_mfa_and_list_both() {
        let r = result(vec![AuthMethod::EmailCode, AuthMethod::Totp]);
        assert_eq!(r.acr, Acr::MultiFactor);
        assert_eq!(r.amr, ["otp", "urn:latchkey:amr:email", "mfa"]);
        assert!(!r.satisfies_acr(&["phr".into()]));
        assert!(r.satisfies_acr(&["urn:latchkey:acr:sfa".into()]));
    }

    #[test]
    fn one_fallback_factor_is_single() {
        let r = result(vec![AuthMethod::SmsCode]);
        assert_eq!(r.acr, Acr::SingleFactor);
        assert_eq!(r.amr, ["sms", "otp"]);
        assert!(r.satisfies_acr(&[]));
        assert!(!r.satisfies_acr(&["urn:latchkey:acr:mfa".into()]));
        assert!(!r.satisfies_acr(&["unknown".into()]));
    }

    #[test]
    fn acr_values_roundtrip() {
        for a in Acr::ALL {
            assert_eq!(Acr::parse(a.as_str()), Some(a));
            assert_eq!(
                serde_json::to_string(&a).unwrap(),
                format!("\"{}\"", a.as_str())
            );
        }
    }
}

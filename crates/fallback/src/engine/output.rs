//! What the engine answers: options best first, or a refusal; with the
//! methods it skipped and why. Every code is snake_case on the wire; the page
//! turns codes into words.

use latchkey_oidc::{Acr, AuthMethod};
use serde::{Serialize, Serializer};

use crate::policy::FallbackMethod;

/// One thing the user does as part of an option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Step {
    /// Try a passkey on this device again (offered after `cancelled` or
    /// `timed_out`). Not a policy method: passkeys are the primary way in.
    Passkey,
    /// A fallback method.
    Method(FallbackMethod),
}

impl Step {
    /// The wire spelling: `passkey`, or the method's name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Passkey => "passkey",
            Self::Method(m) => m.as_str(),
        }
    }

    /// The fallback method, if this step is one.
    #[must_use]
    pub fn method(self) -> Option<FallbackMethod> {
        match self {
            Self::Passkey => None,
            Self::Method(m) => Some(m),
        }
    }

    /// Whether this step is a passkey ceremony.
    #[must_use]
    pub fn is_passkey(self) -> bool {
        self.method().is_none_or(FallbackMethod::is_passkey)
    }
}

impl Serialize for Step {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Why an option is offered (the page's wording key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OfferReason {
    /// The prompt was cancelled or timed out: try again.
    RetryPasskey,
    /// Use a passkey from a phone or tablet.
    PasskeyOnOtherDevice,
    /// The account has a security key (identified visitors).
    SecurityKeyRegistered,
    /// Use a security key (unidentified visitors: says nothing about an account).
    SecurityKey,
    /// The account has a verified email address.
    EmailVerified,
    /// The account has a verified phone number.
    PhoneVerified,
    /// The account has an authenticator app.
    AuthenticatorApp,
    /// A recovery code: the last resort.
    RecoveryCodeLastResort,
    /// The operator enabled passwords and the account has one.
    PasswordEnabled,
    /// Two factors, because the client requires `urn:latchkey:acr:mfa`.
    MfaRequired,
    /// Two factors, because the policy's `require_two_factors` says so.
    TwoFactorsRequired,
}

impl OfferReason {
    /// The wire code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::RetryPasskey => "retry_passkey",
            Self::PasskeyOnOtherDevice => "passkey_on_other_device",
            Self::SecurityKeyRegistered => "security_key_registered",
            Self::SecurityKey => "security_key",
            Self::EmailVerified => "email_verified",
            Self::PhoneVerified => "phone_verified",
            Self::AuthenticatorApp => "authenticator_app",
            Self::RecoveryCodeLastResort => "recovery_code_last_resort",
            Self::PasswordEnabled => "password_enabled",
            Self::MfaRequired => "mfa_required",
            Self::TwoFactorsRequired => "two_factors_required",
        }
    }
}

/// One option, all of whose steps the user completes (one, or two for a
/// combination).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Offer {
    /// The steps, in the order the page runs them.
    pub steps: Vec<Step>,
    /// Why it is offered.
    pub reason: OfferReason,
    /// The `acr` this option is guaranteed to reach (a lower bound: a
    /// security key that turns out to be hardware-attested earns more).
    pub acr: Acr,
    /// The predicted `amr`, from the one table (`AuthnResult::new`).
    pub amr: Vec<String>,
    /// The `AuthMethod`s the prediction assumed. `PasskeyHardwareAttested`
    /// means the server must accept only hardware-attested credentials for
    /// this option.
    pub auth_methods: Vec<AuthMethod>,
    /// Offer passkey enrollment after this option succeeds
    /// ([`super::offer_passkey_enrollment_after`]).
    pub enroll_passkey_after: bool,
}

/// Why a method is not offered on its own. A method skipped alone may still
/// be one step of an offered combination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum SkipReason {
    /// Not in the client's enabled `methods`.
    DisabledByPolicy,
    /// Below the client's required `acr`.
    TooWeak,
    /// One factor alone is not allowed (`require_two_factors`).
    NeedsSecondFactor,
    /// This browser cannot use it (hybrid unavailable, or the passkey failure
    /// rules it out).
    UnavailableOnDevice,
    /// Depends on the account, which the visitor has not named yet.
    NeedsIdentification,
    /// The account has not set it up (never reported to unidentified visitors).
    NotEnrolled,
    /// Too many failed attempts with this method.
    Locked {
        /// Seconds until it can be used again.
        retry_after_secs: u64,
    },
    /// Too many failed attempts across the account's guessable methods.
    AccountLocked {
        /// Seconds until they can be used again.
        retry_after_secs: u64,
    },
}

impl SkipReason {
    /// The wire code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::DisabledByPolicy => "disabled_by_policy",
            Self::TooWeak => "too_weak",
            Self::NeedsSecondFactor => "needs_second_factor",
            Self::UnavailableOnDevice => "unavailable_on_device",
            Self::NeedsIdentification => "needs_identification",
            Self::NotEnrolled => "not_enrolled",
            Self::Locked { .. } => "locked",
            Self::AccountLocked { .. } => "account_locked",
        }
    }

    /// Seconds until the method can be used again, for a lock.
    #[must_use]
    pub fn retry_after_secs(self) -> Option<u64> {
        match self {
            Self::Locked { retry_after_secs } | Self::AccountLocked { retry_after_secs } => {
                Some(retry_after_secs)
            }
            _ => None,
        }
    }
}

/// A method not offered on its own, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// The method.
    pub method: FallbackMethod,
    /// Why (the first rule that ruled it out).
    pub reason: SkipReason,
}

/// Something the page should say besides the options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Notice {
    /// The passkey on this device was removed from the account
    /// (`unknown_credential`); the page may call the Signal API's
    /// `signalUnknownCredential` so the device forgets it.
    PasskeyRemoved,
    /// Some methods are locked for a while (soonest unlock).
    MethodsLocked {
        /// Seconds until the first locked method can be used again.
        retry_after_secs: u64,
    },
    /// Codes, passwords and recovery codes are locked for the account; only
    /// passkeys are offered.
    AccountLocked {
        /// Seconds until the lock ends.
        retry_after_secs: u64,
    },
}

impl Notice {
    /// The wire code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::PasskeyRemoved => "passkey_removed",
            Self::MethodsLocked { .. } => "methods_locked",
            Self::AccountLocked { .. } => "account_locked",
        }
    }

    /// Seconds until the lock ends, for a lock notice.
    #[must_use]
    pub fn retry_after_secs(self) -> Option<u64> {
        match self {
            Self::PasskeyRemoved => None,
            Self::MethodsLocked { retry_after_secs } | Self::AccountLocked { retry_after_secs } => {
                Some(retry_after_secs)
            }
        }
    }
}

/// Why nothing can be offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum RefusalReason {
    /// Nothing meets the client's `acr_values`; the server answers the
    /// client with `unmet_authentication_requirements` (OpenID Connect Core
    /// §3.1.2.6 / OIDC errata), never a silent downgrade.
    RequirementUnmet,
    /// Every usable method is a guessable one and the account is locked.
    AccountLocked {
        /// Seconds until the lock ends.
        retry_after_secs: u64,
    },
    /// Every usable method is locked for a while.
    Locked {
        /// Seconds until the first one can be used again.
        retry_after_secs: u64,
    },
    /// The account has nothing usable that the policy allows (account
    /// recovery by an operator is the way on).
    NoMethodAvailable,
}

impl RefusalReason {
    /// The wire code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::RequirementUnmet => "requirement_unmet",
            Self::AccountLocked { .. } => "account_locked",
            Self::Locked { .. } => "locked",
            Self::NoMethodAvailable => "no_method_available",
        }
    }

    /// Seconds until trying again can help (a `Retry-After`), for a lock.
    #[must_use]
    pub fn retry_after_secs(self) -> Option<u64> {
        match self {
            Self::Locked { retry_after_secs } | Self::AccountLocked { retry_after_secs } => {
                Some(retry_after_secs)
            }
            Self::RequirementUnmet | Self::NoMethodAvailable => None,
        }
    }
}

/// The engine's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    /// Show these options, best first.
    Offer {
        /// The options, best first (may be empty only when `identify_first`).
        options: Vec<Offer>,
        /// Show "enter your email or username" to see more ways in
        /// (unidentified visitors only).
        identify_first: bool,
        /// What the page should say besides the options.
        notices: Vec<Notice>,
        /// Methods not offered on their own, in convenience order.
        skipped: Vec<Skipped>,
    },
    /// Nothing can be offered.
    Refuse {
        /// Why.
        reason: RefusalReason,
        /// Methods not offered, in convenience order.
        skipped: Vec<Skipped>,
    },
}

impl Decision {
    /// The options (empty for a refusal).
    #[must_use]
    pub fn options(&self) -> &[Offer] {
        match self {
            Self::Offer { options, .. } => options,
            Self::Refuse { .. } => &[],
        }
    }

    /// The skipped methods and why.
    #[must_use]
    pub fn skipped(&self) -> &[Skipped] {
        match self {
            Self::Offer { skipped, .. } | Self::Refuse { skipped, .. } => skipped,
        }
    }

    /// The refusal reason, if this is one.
    #[must_use]
    pub fn refusal(&self) -> Option<RefusalReason> {
        match self {
            Self::Offer { .. } => None,
            Self::Refuse { reason, .. } => Some(*reason),
        }
    }
}

//! The rules, one small function each. [`CHECKS`] lists the checks every
//! candidate option passes, in order: the first one that fails is the reason
//! a method is skipped. The candidate and ordering rules are in
//! `decide.rs`, whose `decide` reads as the whole checklist.

use latchkey_core::{PasskeyFailure, UserId};
use latchkey_oidc::{Acr, AuthMethod, AuthnResult};

use super::input::{Enrollment, PasskeySummary, Requirement, Situation};
use super::output::{SkipReason, Step};
use crate::policy::FallbackMethod;

/// An option under consideration: one step, or a two-factor combination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Candidate {
    pub(super) steps: Vec<Step>,
}

/// One check: `Err` names why the candidate is not offered.
pub(super) type Check = fn(&Situation, &Candidate) -> Result<(), SkipReason>;

/// Every check a candidate passes, in order (the names are the ones
/// `docs/fallback-policy.md` uses).
pub(super) const CHECKS: [(&str, Check); 7] = [
    ("enabled_by_policy", enabled_by_policy),
    ("meets_requirement", meets_requirement),
    ("two_factor_policy", two_factor_policy),
    ("usable_on_device", usable_on_device),
    ("identified_if_account_bound", identified_if_account_bound),
    ("enrolled", enrolled),
    ("not_locked", not_locked),
];

/// Run [`CHECKS`] in order.
pub(super) fn evaluate(s: &Situation, c: &Candidate) -> Result<(), SkipReason> {
    CHECKS.iter().try_for_each(|(_, check)| check(s, c))
}

/// The `AuthMethod` a step is predicted to yield. A passkey retry is
/// device-bound only when every passkey of the identified user is; a
/// security key is hardware-attested only when the client requires `phrh`
/// and the user has such a key (or is unidentified: the ceremony then
/// accepts only attested credentials, which reveals nothing).
pub(super) fn predicted_method(s: &Situation, step: Step) -> AuthMethod {
    match step {
        Step::Passkey => {
            let keys = &s.enrolled.passkeys;
            if s.identified && !keys.is_empty() && keys.iter().all(|p| !p.backup_eligible) {
                AuthMethod::PasskeyDeviceBound
            } else {
                AuthMethod::PasskeySynced
            }
        }
        Step::Method(FallbackMethod::SecurityKey)
            if s.requirement == Requirement::AtLeast(Acr::PhishingResistantHardware)
                && (!s.identified || has_attested_security_key(&s.enrolled)) =>
        {
            AuthMethod::PasskeyHardwareAttested
        }
        Step::Method(m) => m.auth_method(),
    }
}

fn has_attested_security_key(e: &Enrollment) -> bool {
    e.passkeys
        .iter()
        .any(|p| p.hardware_attested && p.is_security_key())
}

/// The predicted outcome of completing every step: `amr` and `acr` come from
/// the one table, through `AuthnResult::new`.
pub(super) fn prediction(s: &Situation, steps: &[Step]) -> AuthnResult {
    let methods = steps.iter().map(|st| predicted_method(s, *st)).collect();
    AuthnResult::new(UserId(String::new()), methods, s.now)
}

/// Rule: a method the client's policy does not enable is not offered. The
/// passkey retry is not a policy method: passkeys are the primary way in.
fn enabled_by_policy(s: &Situation, c: &Candidate) -> Result<(), SkipReason> {
    let disabled = c
        .steps
        .iter()
        .filter_map(|st| st.method())
        .any(|m| !s.policy.allows(m));
    if disabled {
        Err(SkipReason::DisabledByPolicy)
    } else {
        Ok(())
    }
}

/// Rule: never offer an option whose predicted `acr` is below the client's
/// requirement (so `phr`/`phrh` leave only passkeys).
fn meets_requirement(s: &Situation, c: &Candidate) -> Result<(), SkipReason> {
    if s.requirement.is_met_by(prediction(s, &c.steps).acr) {
        Ok(())
    } else {
        Err(SkipReason::TooWeak)
    }
}

/// Rule: with `require_two_factors`, a non-passkey method is offered only as
/// part of a combination.
fn two_factor_policy(s: &Situation, c: &Candidate) -> Result<(), SkipReason> {
    let single_fallback = matches!(c.steps[..], [st] if !st.is_passkey());
    if s.policy.require_two_factors() && single_fallback {
        Err(SkipReason::NeedsSecondFactor)
    } else {
        Ok(())
    }
}

/// Rule: what this browser (and the failure) rules out.
fn usable_on_device(s: &Situation, c: &Candidate) -> Result<(), SkipReason> {
    if c.steps.iter().all(|st| step_usable_on_device(s, *st)) {
        Ok(())
    } else {
        Err(SkipReason::UnavailableOnDevice)
    }
}

/// A `security_error` means the origin/RP ID check failed: every WebAuthn
/// ceremony on this page fails the same way, so no passkey option is
/// offered. After `not_supported`, hybrid only when the browser said it can;
/// otherwise hybrid unless the browser said it cannot.
fn step_usable_on_device(s: &Situation, step: Step) -> bool {
    let failure = s.failure;
    match step {
        Step::Passkey => !matches!(
            failure,
            Some(PasskeyFailure::SecurityError | PasskeyFailure::NotSupported)
        ),
        Step::Method(FallbackMethod::PasskeyHybrid) => match failure {
            Some(PasskeyFailure::SecurityError) => false,
            Some(PasskeyFailure::NotSupported) => s.device.hybrid == Some(true),
            _ => s.device.hybrid != Some(false),
        },
        Step::Method(FallbackMethod::SecurityKey) => failure != Some(PasskeyFailure::SecurityError),
        Step::Method(_) => true,
    }
}

/// Rule: an unidentified visitor is offered only what does not depend on an
/// account (passkeys); everything else waits for an identifier.
fn identified_if_account_bound(s: &Situation, c: &Candidate) -> Result<(), SkipReason> {
    if !s.identified && c.steps.iter().any(|st| !st.is_passkey()) {
        Err(SkipReason::NeedsIdentification)
    } else {
        Ok(())
    }
}

/// Rule: a method the account has not set up is not offered. Not checked
/// for an unidentified visitor (nothing about an account is read).
fn enrolled(s: &Situation, c: &Candidate) -> Result<(), SkipReason> {
    if !s.identified || c.steps.iter().all(|st| step_enrolled(&s.enrolled, *st)) {
        Ok(())
    } else {
        Err(SkipReason::NotEnrolled)
    }
}

fn step_enrolled(e: &Enrollment, step: Step) -> bool {
    match step {
        Step::Passkey => !e.passkeys.is_empty(),
        Step::Method(FallbackMethod::PasskeyHybrid) => {
            e.passkeys.iter().any(PasskeySummary::reachable_over_hybrid)
        }
        Step::Method(FallbackMethod::SecurityKey) => {
            e.passkeys.iter().any(PasskeySummary::is_security_key)
        }
        Step::Method(FallbackMethod::EmailCode | FallbackMethod::EmailLink) => e.email_verified,
        Step::Method(FallbackMethod::SmsCode) => e.phone_verified,
        Step::Method(FallbackMethod::Totp) => e.totp,
        Step::Method(FallbackMethod::RecoveryCode) => e.recovery_codes_left > 0,
        Step::Method(FallbackMethod::Password) => e.password,
    }
}

/// Rule: a locked method is skipped with its retry time; the account lock
/// covers every non-passkey step. A combination is usable once all of its
/// steps are. Not checked for an unidentified visitor.
fn not_locked(s: &Situation, c: &Candidate) -> Result<(), SkipReason> {
    if !s.identified {
        return Ok(());
    }
    let account = if c.steps.iter().any(|st| !st.is_passkey()) {
        s.attempts.account_locked(s.now)
    } else {
        None
    };
    let method = c
        .steps
        .iter()
        .filter_map(|st| st.method())
        .filter_map(|m| s.attempts.method_locked(m, s.now))
        .max();
    match (account, method) {
        (Some(a), m) => Err(SkipReason::AccountLocked {
            retry_after_secs: a.max(m.unwrap_or(0)),
        }),
        (None, Some(m)) => Err(SkipReason::Locked {
            retry_after_secs: m,
        }),
        (None, None) => Ok(()),
    }
}

//! The pipeline: which options are considered, the checks they pass, the
//! order they are shown in, and what to answer when none is left.

use std::cmp::Reverse;

use latchkey_core::PasskeyFailure;
use latchkey_oidc::Acr;

use super::input::{Requirement, Situation};
use super::nudge::offer_passkey_enrollment_after;
use super::output::{
    Decision, Notice, Offer, OfferReason, RefusalReason, SkipReason, Skipped, Step,
};
use super::rules::{Candidate, evaluate, prediction};
use crate::policy::FallbackMethod;

/// Decide what to offer after a passkey sign-in did not work (or the user
/// asked for other ways in). Pure and deterministic: equal situations give
/// equal decisions. The checklist, in order:
///
/// 1. consider a passkey retry (`retry_passkey_considered`), every
///    fallback method alone, and the policy's combinations when one factor
///    is not enough (`combinations_considered`);
/// 2. run each through the checks (`rules::CHECKS`: enabled by policy,
///    meets the requirement, two-factor policy, usable on this device,
///    identified if account-bound, enrolled, not locked); a method that fails
///    alone is listed in `skipped` with the first failing check;
/// 3. order what is left (`order`): last resort last, then assurance, then
///    what the failure points to, then convenience;
/// 4. with nothing left, ask for an identifier if that could help, or refuse
///    (`refusal`).
///
/// The rules and codes are documented in `docs/fallback-policy.md`.
#[must_use]
pub fn decide(s: &Situation) -> Decision {
    let mut options = Vec::new();
    let mut skipped = Vec::new();
    let mut failed = Vec::new();
    for candidate in candidates(s) {
        match evaluate(s, &candidate) {
            Ok(()) => options.push(offer(s, candidate)),
            Err(reason) => {
                if let [Step::Method(method)] = candidate.steps[..] {
                    skipped.push(Skipped { method, reason });
                }
                failed.push(reason);
            }
        }
    }
    order(s, &mut options);
    let identify_first = !s.identified && failed.contains(&SkipReason::NeedsIdentification);
    if options.is_empty() && !identify_first {
        let reason = refusal(s, &failed);
        return Decision::Refuse { reason, skipped };
    }
    Decision::Offer {
        options,
        identify_first,
        notices: notices(s, &failed),
        skipped,
    }
}

/// Every option considered: the retry, each method alone (in convenience
/// order), then the policy's usable combinations.
fn candidates(s: &Situation) -> Vec<Candidate> {
    let mut out = Vec::new();
    if retry_passkey_considered(s) {
        out.push(Candidate {
            steps: vec![Step::Passkey],
        });
    }
    for m in FallbackMethod::ALL {
        out.push(Candidate {
            steps: vec![Step::Method(m)],
        });
    }
    if combinations_considered(s) {
        for [a, b] in s.policy.combinations() {
            let two_factors =
                !a.is_passkey() && !b.is_passkey() && a.auth_method() != b.auth_method();
            let mut steps = vec![Step::Method(*a), Step::Method(*b)];
            steps.sort_by_key(|st| (sends_a_message(*st), *st));
            let candidate = Candidate { steps };
            if two_factors && !out.contains(&candidate) {
                out.push(candidate);
            }
        }
    }
    out
}

/// In a combination, the step that sends nothing (TOTP, password, recovery
/// code) runs first, so no email or SMS goes out until the first factor is
/// proven: no spam, no SMS toll fraud, no confirmation to a stranger that the
/// address is real.
fn sends_a_message(step: Step) -> bool {
    matches!(
        step,
        Step::Method(
            FallbackMethod::EmailCode | FallbackMethod::EmailLink | FallbackMethod::SmsCode
        )
    )
}

/// Rule: "try the passkey again" after a cancelled or timed-out prompt
/// only. Not after `unknown_credential` (the credential on this device is
/// gone on the server), `verification_failed`, `security_error` or
/// `not_supported` (it would fail the same way), nor after "no passkey here".
fn retry_passkey_considered(s: &Situation) -> bool {
    matches!(
        s.failure,
        Some(PasskeyFailure::Cancelled | PasskeyFailure::TimedOut)
    )
}

/// Rule: combinations are considered only when one factor is not enough:
/// the client requires more than `urn:latchkey:acr:sfa`, or the policy says
/// `require_two_factors`. Pairs the policy parser would refuse (a passkey
/// method, one factor twice) are never offered.
fn combinations_considered(s: &Situation) -> bool {
    s.requirement.above_single_factor() || s.policy.require_two_factors()
}

fn offer(s: &Situation, candidate: Candidate) -> Offer {
    let predicted = prediction(s, &candidate.steps);
    let reason = offer_reason(s, &candidate.steps);
    let methods: Option<Vec<FallbackMethod>> =
        candidate.steps.iter().map(|st| st.method()).collect();
    let enroll_passkey_after = methods.is_some_and(|m| offer_passkey_enrollment_after(s, &m));
    Offer {
        steps: candidate.steps,
        reason,
        acr: predicted.acr,
        amr: predicted.amr,
        auth_methods: predicted.methods,
        enroll_passkey_after,
    }
}

fn offer_reason(s: &Situation, steps: &[Step]) -> OfferReason {
    match steps {
        [Step::Passkey] => OfferReason::RetryPasskey,
        [Step::Method(m)] => match m {
            FallbackMethod::PasskeyHybrid => OfferReason::PasskeyOnOtherDevice,
            FallbackMethod::SecurityKey if s.identified => OfferReason::SecurityKeyRegistered,
            FallbackMethod::SecurityKey => OfferReason::SecurityKey,
            FallbackMethod::EmailCode | FallbackMethod::EmailLink => OfferReason::EmailVerified,
            FallbackMethod::SmsCode => OfferReason::PhoneVerified,
            FallbackMethod::Totp => OfferReason::AuthenticatorApp,
            FallbackMethod::RecoveryCode => OfferReason::RecoveryCodeLastResort,
            FallbackMethod::Password => OfferReason::PasswordEnabled,
        },
        _ if s.requirement.above_single_factor() => OfferReason::MfaRequired,
        _ => OfferReason::TwoFactorsRequired,
    }
}

/// Rule: the order options are shown in, as a sort key compared field by
/// field: (1) anything with a recovery code last (the last resort);
/// (2) higher `acr` first; (3) what the failure points to first (the retry
/// after `cancelled`/`timed_out`, a passkey from another device after
/// `no_passkey_on_this_device`/`unknown_credential`); (4) the fixed
/// convenience rank of the steps (`FallbackMethod`'s declaration order, the
/// retry before everything).
fn order(s: &Situation, options: &mut [Offer]) {
    options.sort_by_cached_key(|o| sort_key(s, o));
}

fn sort_key(s: &Situation, o: &Offer) -> (bool, Reverse<Acr>, bool, Vec<Step>) {
    let last_resort = o
        .steps
        .contains(&Step::Method(FallbackMethod::RecoveryCode));
    let pointed_to = failure_points_to(s.failure, &o.steps);
    (last_resort, Reverse(o.acr), !pointed_to, o.steps.clone())
}

fn failure_points_to(failure: Option<PasskeyFailure>, steps: &[Step]) -> bool {
    match failure {
        Some(PasskeyFailure::Cancelled | PasskeyFailure::TimedOut) => steps == [Step::Passkey],
        Some(PasskeyFailure::NoPasskeyOnThisDevice | PasskeyFailure::UnknownCredential) => {
            steps == [Step::Method(FallbackMethod::PasskeyHybrid)]
        }
        _ => false,
    }
}

/// What the page says besides the options. Lock notices concern options
/// that passed every other check, so they never reveal a method the user
/// could not have used anyway (and never appear for unidentified visitors).
fn notices(s: &Situation, failed: &[SkipReason]) -> Vec<Notice> {
    let mut out = Vec::new();
    if s.failure == Some(PasskeyFailure::UnknownCredential) {
        out.push(Notice::PasskeyRemoved);
    }
    let account = failed
        .iter()
        .any(|r| matches!(r, SkipReason::AccountLocked { .. }));
    if let Some(retry_after_secs) = s.attempts.account_locked(s.now).filter(|_| account) {
        out.push(Notice::AccountLocked { retry_after_secs });
    }
    if let Some(retry_after_secs) = soonest(failed, false) {
        out.push(Notice::MethodsLocked { retry_after_secs });
    }
    out
}

/// The soonest retry among method locks (`account == false`) or account
/// locks (`account == true`).
fn soonest(failed: &[SkipReason], account: bool) -> Option<u64> {
    failed
        .iter()
        .filter_map(|r| match (r, account) {
            (SkipReason::Locked { retry_after_secs }, false)
            | (SkipReason::AccountLocked { retry_after_secs }, true) => Some(*retry_after_secs),
            _ => None,
        })
        .min()
}

/// Rule: why nothing is offered. All requested `acr_values` unknown →
/// `requirement_unmet`; else a lock that stopped an otherwise usable option
/// → `account_locked` / `locked` (waiting helps); else a requirement above
/// one factor → `requirement_unmet`; else `no_method_available`.
fn refusal(s: &Situation, failed: &[SkipReason]) -> RefusalReason {
    if s.requirement == Requirement::Unsatisfiable {
        return RefusalReason::RequirementUnmet;
    }
    if let Some(retry_after_secs) = soonest(failed, true) {
        return RefusalReason::AccountLocked { retry_after_secs };
    }
    if let Some(retry_after_secs) = soonest(failed, false) {
        return RefusalReason::Locked { retry_after_secs };
    }
    if s.requirement.above_single_factor() {
        RefusalReason::RequirementUnmet
    } else {
        RefusalReason::NoMethodAvailable
    }
}

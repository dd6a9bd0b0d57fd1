//! Engine tests: one module per concern, sharing the helpers and the
//! structural invariants every decision keeps.

mod docs;
mod matrix;
mod nudge;
mod ordering;
mod overrides;
mod props;
mod rules;
mod rules_account;

use latchkey_core::{PasskeyFailure, UnixTime};
use latchkey_oidc::Acr;

use super::rules::{CHECKS, prediction};
use super::*;
use crate::policy::ClientPolicy;

pub(super) const NOW: UnixTime = UnixTime(1_700_000_000);

pub(super) fn synced() -> PasskeySummary {
    PasskeySummary {
        backup_eligible: true,
        transports: vec!["hybrid".into(), "internal".into()],
        hardware_attested: false,
    }
}

pub(super) fn security_key(attested: bool) -> PasskeySummary {
    PasskeySummary {
        backup_eligible: false,
        transports: vec!["usb".into(), "nfc".into()],
        hardware_attested: attested,
    }
}

/// Every method set up: a synced passkey, a security key, email, phone,
/// TOTP, recovery codes and a password.
pub(super) fn everything() -> Enrollment {
    Enrollment {
        passkeys: vec![synced(), security_key(false)],
        email_verified: true,
        phone_verified: true,
        totp: true,
        recovery_codes_left: 5,
        password: true,
    }
}

/// An identified visitor with `enrolled`, default policy, at [`NOW`].
pub(super) fn identified(enrolled: Enrollment) -> Situation {
    Situation {
        identified: true,
        enrolled,
        now: NOW,
        ..Situation::default()
    }
}

pub(super) fn unidentified() -> Situation {
    Situation {
        now: NOW,
        ..Situation::default()
    }
}

pub(super) fn require(s: Situation, acr: &[&str]) -> Situation {
    Situation {
        requirement: Requirement::from_acr_values(acr),
        ..s
    }
}

pub(super) fn failing(s: Situation, f: PasskeyFailure) -> Situation {
    Situation {
        failure: Some(f),
        ..s
    }
}

/// The options' steps as wire names, e.g. `[["passkey_hybrid"], ["email_code", "totp"]]`.
pub(super) fn steps(d: &Decision) -> Vec<Vec<&'static str>> {
    d.options()
        .iter()
        .map(|o| o.steps.iter().map(|s| s.as_str()).collect())
        .collect()
}

/// Why `m` was skipped, if it was.
pub(super) fn skip(d: &Decision, m: FallbackMethod) -> Option<SkipReason> {
    d.skipped().iter().find(|s| s.method == m).map(|s| s.reason)
}

/// Every structural property a decision keeps, whatever the situation.
pub(super) fn check_invariants(s: &Situation, d: &Decision) {
    let ctx = || format!("situation: {s:#?}\ndecision: {d:#?}");
    assert_eq!(&decide(s), d, "not deterministic\n{}", ctx());
    let options = d.options();
    for o in options {
        // Never below the requirement.
        assert!(s.requirement.is_met_by(o.acr), "too weak\n{}", ctx());
        // amr/acr come from the one table.
        let p = prediction(s, &o.steps);
        assert_eq!(
            (o.acr, &o.amr, &o.auth_methods),
            (p.acr, &p.amr, &p.methods)
        );
        // One step, or two distinct non-passkey factors.
        match o.steps[..] {
            [_] => {}
            [a, b] => {
                assert!(a != b && !a.is_passkey() && !b.is_passkey(), "{}", ctx());
                assert_eq!(o.acr, Acr::MultiFactor, "{}", ctx());
                assert!(o.amr.iter().any(|v| v == "mfa"), "{}", ctx());
            }
            _ => panic!("bad step count\n{}", ctx()),
        }
        for step in &o.steps {
            match step {
                Step::Passkey => assert!(
                    matches!(
                        s.failure,
                        Some(PasskeyFailure::Cancelled | PasskeyFailure::TimedOut)
                    ),
                    "retry without an interrupted prompt\n{}",
                    ctx()
                ),
                Step::Method(m) => {
                    assert!(s.policy.allows(*m), "disabled method offered\n{}", ctx());
                    if s.identified {
                        assert!(s.attempts.method_locked(*m, s.now).is_none(), "{}", ctx());
                        if !m.is_passkey() {
                            assert!(s.attempts.account_locked(s.now).is_none(), "{}", ctx());
                        }
                    } else {
                        assert!(m.is_passkey(), "account method for a stranger\n{}", ctx());
                    }
                }
            }
            if s.failure == Some(PasskeyFailure::SecurityError) {
                assert!(
                    !step.is_passkey(),
                    "passkey after security_error\n{}",
                    ctx()
                );
            }
        }
        // Enrolled: the `enrolled` check agrees (identified only).
        if s.identified {
            assert!(
                super::rules::evaluate(s, &candidate(o)).is_ok(),
                "{}",
                ctx()
            );
        }
    }
    // Recovery codes last; otherwise by acr, strongest first.
    let recovery = |o: &Offer| {
        o.steps
            .contains(&Step::Method(FallbackMethod::RecoveryCode))
    };
    if let Some(first) = options.iter().position(recovery) {
        assert!(
            options[first..].iter().all(recovery),
            "recovery not last\n{}",
            ctx()
        );
    }
    let ranked: Vec<Acr> = options
        .iter()
        .filter(|o| !recovery(o))
        .map(|o| o.acr)
        .collect();
    assert!(
        ranked.windows(2).all(|w| w[0] >= w[1]),
        "not by acr\n{}",
        ctx()
    );
    // A retry, when offered, comes first.
    if let Some(i) = options.iter().position(|o| o.steps == [Step::Passkey]) {
        assert_eq!(i, 0, "{}", ctx());
    }
    // Each method is offered alone or skipped, exactly once.
    for m in FallbackMethod::ALL {
        let alone = options
            .iter()
            .filter(|o| o.steps == [Step::Method(m)])
            .count();
        let skipped = d.skipped().iter().filter(|x| x.method == m).count();
        assert_eq!(
            alone + skipped,
            1,
            "{m} accounted {alone}+{skipped}\n{}",
            ctx()
        );
    }
    match d {
        Decision::Offer {
            options,
            identify_first,
            notices,
            ..
        } => {
            assert!(!options.is_empty() || *identify_first, "{}", ctx());
            assert!(!*identify_first || !s.identified, "{}", ctx());
            assert!(s.requirement != Requirement::Unsatisfiable, "{}", ctx());
            if !s.identified {
                assert!(
                    notices.iter().all(|n| *n == Notice::PasskeyRemoved),
                    "{}",
                    ctx()
                );
            }
        }
        Decision::Refuse { reason, .. } => {
            if s.requirement == Requirement::Unsatisfiable {
                assert_eq!(*reason, RefusalReason::RequirementUnmet, "{}", ctx());
            }
        }
    }
    if !s.identified {
        for x in d.skipped() {
            assert!(
                !matches!(
                    x.reason,
                    SkipReason::NotEnrolled
                        | SkipReason::Locked { .. }
                        | SkipReason::AccountLocked { .. }
                ),
                "account fact leaked\n{}",
                ctx()
            );
        }
        // Nothing about an account changes the answer.
        let mut other = s.clone();
        other.enrolled = everything();
        other.attempts.account_locked_until = Some(s.now.plus_secs(60));
        other.attempts.locked_until = FallbackMethod::ALL.map(|m| (m, s.now.plus_secs(30))).into();
        assert_eq!(&decide(&other), d, "depends on the account\n{}", ctx());
    }
}

fn candidate(o: &Offer) -> super::rules::Candidate {
    super::rules::Candidate {
        steps: o.steps.clone(),
    }
}

/// A policy with `methods` enabled (validated through the parser).
pub(super) fn policy_with(toml_src: &str) -> ClientPolicy {
    let config: crate::policy::PolicyConfig = toml::from_str(toml_src).expect("policy toml");
    crate::policy::Policy::from_config(&config)
        .expect("valid policy")
        .default_policy()
        .clone()
}

#[test]
fn the_checklist_has_seven_named_checks() {
    let names: Vec<&str> = CHECKS.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names,
        [
            "enabled_by_policy",
            "meets_requirement",
            "two_factor_policy",
            "usable_on_device",
            "identified_if_account_bound",
            "enrolled",
            "not_locked"
        ]
    );
}

//! The matrix: device × failure (all 8 and none) × enrolled methods × client
//! requirement × identified × policy, each decision checked against the
//! structural invariants and the rules that name a specific cell.

use latchkey_core::PasskeyFailure;
use latchkey_oidc::Acr;

use super::*;

fn devices() -> Vec<DeviceSignals> {
    let d = |platform, conditional, hybrid, known_device| DeviceSignals {
        platform_authenticator: platform,
        conditional_mediation: conditional,
        hybrid,
        known_device,
    };
    vec![
        d(None, None, None, false),
        d(Some(true), Some(true), Some(true), true),
        d(Some(true), Some(true), Some(false), true),
        d(Some(false), Some(false), Some(true), false),
        d(Some(false), None, Some(false), false),
    ]
}

fn enrollments() -> Vec<Enrollment> {
    let e = Enrollment::default;
    vec![
        e(),
        Enrollment {
            email_verified: true,
            ..e()
        },
        Enrollment {
            passkeys: vec![synced()],
            ..e()
        },
        Enrollment {
            passkeys: vec![security_key(false)],
            ..e()
        },
        Enrollment {
            passkeys: vec![security_key(true)],
            phone_verified: true,
            ..e()
        },
        Enrollment {
            email_verified: true,
            totp: true,
            ..e()
        },
        Enrollment {
            phone_verified: true,
            recovery_codes_left: 1,
            ..e()
        },
        Enrollment {
            recovery_codes_left: 10,
            ..e()
        },
        Enrollment::stand_in(),
        everything(),
    ]
}

const REQUIREMENTS: [&[&str]; 6] = [
    &[],
    &["urn:latchkey:acr:sfa"],
    &["urn:latchkey:acr:mfa"],
    &["phr"],
    &["phrh"],
    &["urn:example:unknown"],
];

fn policies() -> Vec<crate::policy::ClientPolicy> {
    vec![
        crate::policy::ClientPolicy::default(),
        policy_with("require_two_factors = true"),
        policy_with(
            r#"methods = ["passkey_hybrid", "email_link", "sms_code", "totp", "password", "recovery_code"]
combinations = [["password", "totp"], ["sms_code", "recovery_code"]]
nudge = false"#,
        ),
    ]
}

#[test]
fn matrix() {
    let failures: Vec<Option<PasskeyFailure>> = std::iter::once(None)
        .chain(PasskeyFailure::ALL.map(Some))
        .collect();
    let mut cells = 0;
    for policy in policies() {
        for device in devices() {
            for failure in &failures {
                for enrolled in enrollments() {
                    for acr in REQUIREMENTS {
                        for identified in [true, false] {
                            let s = Situation {
                                requirement: Requirement::from_acr_values(acr),
                                policy: policy.clone(),
                                identified,
                                enrolled: enrolled.clone(),
                                failure: *failure,
                                device,
                                now: NOW,
                                ..Situation::default()
                            };
                            let d = decide(&s);
                            check_invariants(&s, &d);
                            check_cell(&s, &d);
                            cells += 1;
                        }
                    }
                }
            }
        }
    }
    assert_eq!(cells, 3 * 5 * 9 * 10 * 6 * 2);
}

/// Properties that hold for particular rows of the matrix.
fn check_cell(s: &Situation, d: &Decision) {
    let ctx = || format!("situation: {s:#?}\ndecision: {d:#?}");
    let passkey_only = d
        .options()
        .iter()
        .all(|o| o.steps.iter().all(|st| st.is_passkey()));
    // phr and phrh leave passkeys only.
    if let Requirement::AtLeast(Acr::PhishingResistant | Acr::PhishingResistantHardware) =
        s.requirement
    {
        assert!(passkey_only, "{}", ctx());
    }
    if let Requirement::AtLeast(Acr::PhishingResistantHardware) = s.requirement {
        assert!(
            d.options()
                .iter()
                .all(|o| o.steps == [Step::Method(FallbackMethod::SecurityKey)]),
            "{}",
            ctx()
        );
    }
    // mfa leaves passkeys and combinations.
    if s.requirement == Requirement::AtLeast(Acr::MultiFactor) {
        assert!(
            d.options()
                .iter()
                .all(|o| o.steps.len() == 2 || o.steps[0].is_passkey()),
            "{}",
            ctx()
        );
    }
    // Known-unavailable hybrid is never offered.
    if s.device.hybrid == Some(false) {
        assert!(
            skip(d, FallbackMethod::PasskeyHybrid).is_some(),
            "{}",
            ctx()
        );
    }
    // "No passkey here": a passkey from another device comes first when offered.
    if s.failure == Some(PasskeyFailure::NoPasskeyOnThisDevice)
        && d.options()
            .iter()
            .any(|o| o.steps == [Step::Method(FallbackMethod::PasskeyHybrid)])
    {
        assert_eq!(steps(d)[0], ["passkey_hybrid"], "{}", ctx());
    }
    // A stranger is never refused for something about an account.
    if !s.identified {
        assert!(
            matches!(
                d.refusal(),
                None | Some(RefusalReason::RequirementUnmet | RefusalReason::NoMethodAvailable)
            ),
            "{}",
            ctx()
        );
    }
    // Nudges follow the one rule.
    for o in d.options() {
        if let Some(methods) = o
            .steps
            .iter()
            .map(|st| st.method())
            .collect::<Option<Vec<_>>>()
        {
            assert_eq!(
                o.enroll_passkey_after,
                offer_passkey_enrollment_after(s, &methods)
            );
        }
    }
    // No option without a usable path: retry requires the user to have a passkey.
    if s.identified && s.enrolled.passkeys.is_empty() {
        assert!(
            !d.options().iter().any(|o| o.steps[0].is_passkey()),
            "{}",
            ctx()
        );
    }
}

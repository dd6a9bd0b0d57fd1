//! One test (or a few) per rule: the requirement, combinations and policy
//! rules (`meets_requirement`, `two_factor_policy`, `enabled_by_policy`).

use latchkey_oidc::{Acr, AuthMethod};

use super::*;

use FallbackMethod::*;

#[test]
fn requirement_is_the_weakest_known_requested_value() {
    let none: [&str; 0] = [];
    assert_eq!(Requirement::from_acr_values(&none), Requirement::None);
    assert_eq!(
        Requirement::from_acr_values(&["phr", "urn:latchkey:acr:mfa"]),
        Requirement::AtLeast(Acr::MultiFactor)
    );
    assert_eq!(
        Requirement::from_acr_values(&["urn:example:gold", "phrh"]),
        Requirement::AtLeast(Acr::PhishingResistantHardware)
    );
    assert_eq!(
        Requirement::from_acr_values(&["urn:example:gold"]),
        Requirement::Unsatisfiable
    );
    assert!(Requirement::None.is_met_by(Acr::SingleFactor));
    assert!(!Requirement::Unsatisfiable.is_met_by(Acr::PhishingResistantHardware));
    assert!(!Requirement::AtLeast(Acr::SingleFactor).above_single_factor());
    assert!(Requirement::AtLeast(Acr::MultiFactor).above_single_factor());
}

#[test]
fn meets_requirement_phr_leaves_only_passkeys() {
    let d = decide(&require(identified(everything()), &["phr"]));
    assert_eq!(steps(&d), [["passkey_hybrid"], ["security_key"]]);
    for m in [EmailCode, EmailLink, Totp, SmsCode, RecoveryCode] {
        assert_eq!(skip(&d, m), Some(SkipReason::TooWeak), "{m}");
    }
    // Password is disabled by default: policy comes first in the checklist.
    assert_eq!(skip(&d, Password), Some(SkipReason::DisabledByPolicy));
    assert!(d.options().iter().all(|o| o.acr == Acr::PhishingResistant));
}

#[test]
fn meets_requirement_phr_without_a_passkey_is_refused() {
    let mut e = everything();
    e.passkeys.clear();
    let d = decide(&require(identified(e), &["phr"]));
    assert_eq!(d.refusal(), Some(RefusalReason::RequirementUnmet));
    assert_eq!(skip(&d, PasskeyHybrid), Some(SkipReason::NotEnrolled));
}

#[test]
fn meets_requirement_phrh_needs_an_attested_security_key() {
    let s = require(identified(everything()), &["phrh"]);
    let d = decide(&s);
    assert_eq!(d.refusal(), Some(RefusalReason::RequirementUnmet));
    assert_eq!(skip(&d, SecurityKey), Some(SkipReason::TooWeak));
    assert_eq!(skip(&d, PasskeyHybrid), Some(SkipReason::TooWeak));

    let mut e = everything();
    e.passkeys.push(security_key(true));
    let d = decide(&require(identified(e), &["phrh"]));
    assert_eq!(steps(&d), [["security_key"]]);
    let o = &d.options()[0];
    assert_eq!(o.acr, Acr::PhishingResistantHardware);
    assert_eq!(o.auth_methods, [AuthMethod::PasskeyHardwareAttested]);
    assert_eq!(o.amr, AuthMethod::PasskeyHardwareAttested.amr());
    assert_eq!(o.reason, OfferReason::SecurityKeyRegistered);

    // An attested credential that is not a security key does not count.
    let mut platform = security_key(true);
    platform.transports = vec!["internal".into()];
    let e = Enrollment {
        passkeys: vec![platform],
        ..Enrollment::default()
    };
    let d = decide(&require(identified(e), &["phrh"]));
    assert_eq!(d.refusal(), Some(RefusalReason::RequirementUnmet));
}

#[test]
fn meets_requirement_phrh_for_a_stranger_offers_an_attested_security_key() {
    let d = decide(&require(unidentified(), &["phrh"]));
    assert_eq!(steps(&d), [["security_key"]]);
    assert_eq!(
        d.options()[0].auth_methods,
        [AuthMethod::PasskeyHardwareAttested]
    );
    assert_eq!(d.options()[0].reason, OfferReason::SecurityKey);
}

#[test]
fn meets_requirement_unknown_acr_values_are_unsatisfiable() {
    for s in [identified(everything()), unidentified()] {
        let d = decide(&require(s, &["urn:example:unknown"]));
        assert_eq!(d.refusal(), Some(RefusalReason::RequirementUnmet));
        assert!(
            d.skipped()
                .iter()
                .all(|x| matches!(x.reason, SkipReason::TooWeak | SkipReason::DisabledByPolicy))
        );
    }
    // One known value among unknown ones is a requirement.
    let d = decide(&require(
        identified(everything()),
        &["urn:example:unknown", "urn:latchkey:acr:sfa"],
    ));
    assert!(d.refusal().is_none());
}

#[test]
fn meets_requirement_sfa_is_no_requirement() {
    let plain = decide(&identified(everything()));
    let sfa = decide(&require(
        identified(everything()),
        &["urn:latchkey:acr:sfa"],
    ));
    assert_eq!(plain, sfa);
}

#[test]
fn mfa_is_met_by_allowed_combinations_only() {
    let e = Enrollment {
        email_verified: true,
        phone_verified: true,
        totp: true,
        ..Enrollment::default()
    };
    let d = decide(&require(identified(e), &["urn:latchkey:acr:mfa"]));
    // Default combinations: email code/link and SMS code, each with TOTP.
    assert_eq!(
        steps(&d),
        [
            ["totp", "email_code"],
            ["totp", "email_link"],
            ["totp", "sms_code"]
        ]
    );
    let o = &d.options()[0];
    assert_eq!(o.acr, Acr::MultiFactor);
    assert_eq!(o.amr, ["otp", "urn:latchkey:amr:email", "mfa"]);
    assert_eq!(o.auth_methods, [AuthMethod::Totp, AuthMethod::EmailCode]);
    assert_eq!(o.reason, OfferReason::MfaRequired);
    for m in [EmailCode, EmailLink, Totp, SmsCode] {
        assert_eq!(skip(&d, m), Some(SkipReason::TooWeak));
    }
}

#[test]
fn mfa_with_one_factor_is_refused() {
    let e = Enrollment {
        email_verified: true,
        ..Enrollment::default()
    };
    let d = decide(&require(identified(e), &["urn:latchkey:acr:mfa"]));
    assert_eq!(d.refusal(), Some(RefusalReason::RequirementUnmet));
}

#[test]
fn combinations_are_not_offered_when_one_factor_is_enough() {
    let d = decide(&identified(everything()));
    assert!(d.options().iter().all(|o| o.steps.len() == 1));
}

#[test]
fn two_factor_policy_turns_singles_into_combinations() {
    let mut s = identified(everything());
    s.policy =
        policy_with("require_two_factors = true\ncombinations = [[\"totp\", \"email_code\"]]");
    let d = decide(&s);
    assert_eq!(
        steps(&d),
        [
            vec!["passkey_hybrid"],
            vec!["security_key"],
            vec!["totp", "email_code"]
        ]
    );
    assert_eq!(d.options()[2].reason, OfferReason::TwoFactorsRequired);
    assert_eq!(skip(&d, EmailCode), Some(SkipReason::NeedsSecondFactor));
    assert_eq!(skip(&d, RecoveryCode), Some(SkipReason::NeedsSecondFactor));
}

#[test]
fn engine_ignores_combinations_the_parser_would_refuse() {
    let mut s = require(identified(everything()), &["urn:latchkey:acr:mfa"]);
    s.policy = ClientPolicy::unchecked(
        crate::policy::MethodSet::all(),
        vec![[EmailCode, EmailLink], [PasskeyHybrid, Totp], [Totp, Totp]],
        true,
        true,
    );
    let d = decide(&s);
    assert_eq!(steps(&d), [["passkey_hybrid"], ["security_key"]]);
}

#[test]
fn enabled_by_policy_password_is_off_by_default() {
    let d = decide(&identified(everything()));
    assert_eq!(skip(&d, Password), Some(SkipReason::DisabledByPolicy));
    let mut s = identified(everything());
    s.policy = policy_with(r#"methods = ["email_code", "password"]"#);
    let d = decide(&s);
    assert_eq!(steps(&d), [["email_code"], ["password"]]);
    assert_eq!(d.options()[1].reason, OfferReason::PasswordEnabled);
    assert_eq!(skip(&d, PasskeyHybrid), Some(SkipReason::DisabledByPolicy));
}

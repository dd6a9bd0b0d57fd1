//! `offer_passkey_enrollment_after`, rule by rule.

use super::*;

use FallbackMethod::*;

fn device(platform: Option<bool>, hybrid: Option<bool>) -> Situation {
    let mut s = identified(everything());
    s.device.platform_authenticator = platform;
    s.device.hybrid = hybrid;
    s
}

#[test]
fn nothing_succeeded_no_nudge() {
    assert!(!offer_passkey_enrollment_after(
        &device(Some(true), None),
        &[]
    ));
}

#[test]
fn platform_authenticator_nudges_after_a_fallback() {
    let s = device(Some(true), None);
    for m in [EmailCode, EmailLink, SmsCode, Totp, Password, PasskeyHybrid] {
        assert!(offer_passkey_enrollment_after(&s, &[m]), "{m}");
    }
    assert!(offer_passkey_enrollment_after(&s, &[EmailCode, Totp]));
}

#[test]
fn security_key_users_are_not_nudged() {
    assert!(!offer_passkey_enrollment_after(
        &device(Some(true), Some(true)),
        &[SecurityKey]
    ));
}

#[test]
fn hybrid_nudges_when_there_is_no_platform_authenticator() {
    assert!(offer_passkey_enrollment_after(
        &device(Some(false), Some(true)),
        &[EmailCode]
    ));
    assert!(!offer_passkey_enrollment_after(
        &device(Some(false), Some(true)),
        &[PasskeyHybrid]
    ));
    assert!(!offer_passkey_enrollment_after(
        &device(None, None),
        &[EmailCode]
    ));
    assert!(!offer_passkey_enrollment_after(
        &device(Some(false), Some(false)),
        &[EmailCode]
    ));
}

#[test]
fn policy_and_suppression_turn_it_off() {
    let mut s = device(Some(true), Some(true));
    s.nudge_suppressed = true;
    assert!(!offer_passkey_enrollment_after(&s, &[EmailCode]));
    let mut s = device(Some(true), Some(true));
    s.policy = policy_with("nudge = false");
    assert!(!offer_passkey_enrollment_after(&s, &[EmailCode]));
}

#[test]
fn recovery_always_nudges() {
    let mut s = device(Some(false), Some(false));
    s.nudge_suppressed = true;
    s.policy = policy_with("nudge = false");
    assert!(offer_passkey_enrollment_after(&s, &[RecoveryCode]));
    assert!(offer_passkey_enrollment_after(&s, &[Totp, RecoveryCode]));
}

#[test]
fn offers_carry_the_nudge() {
    let d = decide(&device(Some(true), None));
    for o in d.options() {
        let expected = o.steps != [Step::Method(SecurityKey)];
        assert_eq!(o.enroll_passkey_after, expected, "{:?}", o.steps);
    }
}

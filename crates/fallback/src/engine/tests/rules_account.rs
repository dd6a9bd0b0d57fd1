//! One test (or a few) per rule: the account and device rules
//! (`usable_on_device`, `identified_if_account_bound`, `enrolled`,
//! `not_locked`), refusals, the retry and the offer reasons.

use latchkey_core::PasskeyFailure;
use latchkey_oidc::{Acr, AuthMethod};

use super::*;

use FallbackMethod::*;

#[test]
fn enrolled_each_method_needs_its_setup() {
    type Remove = fn(&mut Enrollment);
    let cases: [(FallbackMethod, Remove); 7] = [
        (EmailCode, |e| e.email_verified = false),
        (EmailLink, |e| e.email_verified = false),
        (SmsCode, |e| e.phone_verified = false),
        (Totp, |e| e.totp = false),
        (RecoveryCode, |e| e.recovery_codes_left = 0),
        (PasskeyHybrid, |e| e.passkeys.clear()),
        (SecurityKey, |e| e.passkeys.retain(|p| !p.is_security_key())),
    ];
    for (m, remove) in cases {
        let mut e = everything();
        remove(&mut e);
        let d = decide(&identified(e));
        assert_eq!(skip(&d, m), Some(SkipReason::NotEnrolled), "{m}");
    }
}

#[test]
fn enrolled_hybrid_needs_a_passkey_that_can_be_elsewhere() {
    let only = |p: PasskeySummary| Enrollment {
        passkeys: vec![p],
        ..Enrollment::default()
    };
    let windows_hello = PasskeySummary {
        backup_eligible: false,
        transports: vec!["internal".into()],
        hardware_attested: false,
    };
    for p in [security_key(false), windows_hello] {
        let d = decide(&identified(only(p.clone())));
        assert_eq!(
            skip(&d, PasskeyHybrid),
            Some(SkipReason::NotEnrolled),
            "{p:?}"
        );
    }
    let phone_bound = PasskeySummary {
        backup_eligible: false,
        transports: vec!["hybrid".into(), "internal".into()],
        hardware_attested: false,
    };
    for p in [synced(), phone_bound, PasskeySummary::default()] {
        let d = decide(&identified(only(p.clone())));
        assert_eq!(steps(&d)[0], ["passkey_hybrid"], "{p:?}");
    }
}

#[test]
fn enrolled_security_key_from_transports_or_flags() {
    let only = |p: PasskeySummary| Enrollment {
        passkeys: vec![p],
        ..Enrollment::default()
    };
    let no_transports = PasskeySummary {
        backup_eligible: false,
        transports: vec![],
        hardware_attested: false,
    };
    let d = decide(&identified(only(no_transports.clone())));
    assert_eq!(steps(&d), [["passkey_hybrid"], ["security_key"]]);
    let synced_unknown = PasskeySummary {
        backup_eligible: true,
        ..no_transports
    };
    let d = decide(&identified(only(synced_unknown)));
    assert_eq!(skip(&d, SecurityKey), Some(SkipReason::NotEnrolled));
    for t in ["usb", "nfc", "ble"] {
        let p = PasskeySummary {
            backup_eligible: true,
            transports: vec![t.into()],
            hardware_attested: false,
        };
        assert!(p.is_security_key(), "{t}");
    }
}

#[test]
fn usable_on_device_hybrid_known_unavailable() {
    let mut s = identified(everything());
    s.device.hybrid = Some(false);
    let d = decide(&s);
    assert_eq!(
        skip(&d, PasskeyHybrid),
        Some(SkipReason::UnavailableOnDevice)
    );
    s.device.hybrid = None;
    assert!(skip(&decide(&s), PasskeyHybrid).is_none());
}

#[test]
fn usable_on_device_not_supported_needs_a_positive_hybrid_signal() {
    let mut s = failing(identified(everything()), PasskeyFailure::NotSupported);
    let d = decide(&s);
    assert_eq!(
        skip(&d, PasskeyHybrid),
        Some(SkipReason::UnavailableOnDevice)
    );
    assert_eq!(steps(&d)[0], ["security_key"]);
    s.device.hybrid = Some(true);
    assert_eq!(steps(&decide(&s))[0], ["passkey_hybrid"]);
}

#[test]
fn usable_on_device_security_error_rules_out_every_passkey() {
    let s = failing(identified(everything()), PasskeyFailure::SecurityError);
    let d = decide(&s);
    assert_eq!(
        skip(&d, PasskeyHybrid),
        Some(SkipReason::UnavailableOnDevice)
    );
    assert_eq!(skip(&d, SecurityKey), Some(SkipReason::UnavailableOnDevice));
    assert_eq!(steps(&d)[0], ["email_code"]);
    let d = decide(&require(s, &["phr"]));
    assert_eq!(d.refusal(), Some(RefusalReason::RequirementUnmet));
}

#[test]
fn identified_if_account_bound_strangers_get_passkeys_and_identify() {
    let d = decide(&unidentified());
    assert_eq!(steps(&d), [["passkey_hybrid"], ["security_key"]]);
    let Decision::Offer { identify_first, .. } = &d else {
        panic!("{d:?}")
    };
    assert!(identify_first);
    assert_eq!(d.options()[1].reason, OfferReason::SecurityKey);
    for m in [EmailCode, EmailLink, Totp, SmsCode, RecoveryCode] {
        assert_eq!(skip(&d, m), Some(SkipReason::NeedsIdentification), "{m}");
    }
    assert_eq!(skip(&d, Password), Some(SkipReason::DisabledByPolicy));
}

#[test]
fn identified_if_account_bound_phr_stranger_is_not_asked_to_identify() {
    let d = decide(&require(unidentified(), &["phr"]));
    let Decision::Offer { identify_first, .. } = &d else {
        panic!("{d:?}")
    };
    assert!(
        !identify_first,
        "identifying cannot help: only passkeys reach phr"
    );
    // With passkeys ruled out too, a stranger is refused, as anyone would be.
    let d = decide(&failing(
        require(unidentified(), &["phr"]),
        PasskeyFailure::SecurityError,
    ));
    assert_eq!(d.refusal(), Some(RefusalReason::RequirementUnmet));
}

#[test]
fn identified_if_account_bound_stranger_with_nothing_passkey_still_identifies() {
    let mut s = failing(unidentified(), PasskeyFailure::SecurityError);
    s.device.hybrid = Some(false);
    let d = decide(&s);
    assert!(d.options().is_empty());
    assert!(matches!(
        d,
        Decision::Offer {
            identify_first: true,
            ..
        }
    ));
}

#[test]
fn stand_in_enrollment_looks_like_an_ordinary_account() {
    let d = decide(&failing(
        identified(Enrollment::stand_in()),
        PasskeyFailure::NoPasskeyOnThisDevice,
    ));
    assert_eq!(
        steps(&d),
        [["passkey_hybrid"], ["email_code"], ["email_link"]]
    );
}

#[test]
fn not_locked_method_locks_are_skipped_with_retry_time() {
    let mut s = identified(everything());
    s.attempts
        .locked_until
        .insert(EmailCode, NOW.plus_secs(120));
    s.attempts.locked_until.insert(Totp, NOW.plus_secs(30));
    s.attempts.locked_until.insert(SmsCode, NOW); // ends now: not locked
    let d = decide(&s);
    assert_eq!(
        skip(&d, EmailCode),
        Some(SkipReason::Locked {
            retry_after_secs: 120
        })
    );
    assert_eq!(
        skip(&d, Totp),
        Some(SkipReason::Locked {
            retry_after_secs: 30
        })
    );
    assert!(skip(&d, SmsCode).is_none());
    let Decision::Offer { notices, .. } = &d else {
        panic!("{d:?}")
    };
    assert_eq!(
        notices,
        &[Notice::MethodsLocked {
            retry_after_secs: 30
        }]
    );
}

#[test]
fn not_locked_combination_waits_for_both_steps() {
    let e = Enrollment {
        email_verified: true,
        totp: true,
        ..Enrollment::default()
    };
    let mut s = require(identified(e), &["urn:latchkey:acr:mfa"]);
    s.attempts.locked_until.insert(Totp, NOW.plus_secs(300));
    let d = decide(&s);
    assert_eq!(
        d.refusal(),
        Some(RefusalReason::Locked {
            retry_after_secs: 300
        })
    );
}

#[test]
fn not_locked_account_lock_leaves_passkeys() {
    let mut s = identified(everything());
    s.attempts.account_locked_until = Some(NOW.plus_secs(3600));
    let d = decide(&s);
    assert_eq!(steps(&d), [["passkey_hybrid"], ["security_key"]]);
    assert_eq!(
        skip(&d, EmailCode),
        Some(SkipReason::AccountLocked {
            retry_after_secs: 3600
        })
    );
    let Decision::Offer { notices, .. } = &d else {
        panic!("{d:?}")
    };
    assert_eq!(
        notices,
        &[Notice::AccountLocked {
            retry_after_secs: 3600
        }]
    );

    let mut e = everything();
    e.passkeys.clear();
    s.enrolled = e;
    let d = decide(&s);
    assert_eq!(
        d.refusal(),
        Some(RefusalReason::AccountLocked {
            retry_after_secs: 3600
        })
    );
}

#[test]
fn refusal_no_method_available() {
    let d = decide(&identified(Enrollment::default()));
    assert_eq!(d.refusal(), Some(RefusalReason::NoMethodAvailable));
    assert!(d.skipped().iter().all(|x| matches!(
        x.reason,
        SkipReason::NotEnrolled | SkipReason::DisabledByPolicy
    )));
}

#[test]
fn refusal_ignores_locks_on_methods_too_weak_anyway() {
    let mut e = everything();
    e.passkeys.clear();
    let mut s = require(identified(e), &["phr"]);
    s.attempts.account_locked_until = Some(NOW.plus_secs(60));
    assert_eq!(decide(&s).refusal(), Some(RefusalReason::RequirementUnmet));
}

#[test]
fn retry_only_after_an_interrupted_prompt() {
    for f in PasskeyFailure::ALL {
        let d = decide(&failing(identified(everything()), f));
        let retry = d.options().iter().any(|o| o.steps == [Step::Passkey]);
        let expected = matches!(f, PasskeyFailure::Cancelled | PasskeyFailure::TimedOut);
        assert_eq!(retry, expected, "{f:?}");
    }
    assert!(
        !decide(&identified(everything()))
            .options()
            .iter()
            .any(|o| o.steps == [Step::Passkey])
    );
}

#[test]
fn retry_predicts_the_users_kind_of_passkey() {
    let d = decide(&failing(
        identified(everything()),
        PasskeyFailure::Cancelled,
    ));
    let retry = &d.options()[0];
    assert_eq!(retry.reason, OfferReason::RetryPasskey);
    assert_eq!(retry.auth_methods, [AuthMethod::PasskeySynced]);
    let only_key = Enrollment {
        passkeys: vec![security_key(false)],
        ..Enrollment::default()
    };
    let d = decide(&failing(identified(only_key), PasskeyFailure::TimedOut));
    assert_eq!(
        d.options()[0].auth_methods,
        [AuthMethod::PasskeyDeviceBound]
    );
    assert!(!d.options()[0].enroll_passkey_after);
}

#[test]
fn unknown_credential_is_no_retry_and_says_the_passkey_was_removed() {
    for s in [identified(everything()), unidentified()] {
        let d = decide(&failing(s, PasskeyFailure::UnknownCredential));
        assert_eq!(steps(&d)[0], ["passkey_hybrid"]);
        let Decision::Offer { notices, .. } = &d else {
            panic!("{d:?}")
        };
        assert_eq!(notices, &[Notice::PasskeyRemoved]);
    }
}

#[test]
fn recovery_code_is_single_factor_and_sets_the_nudge() {
    let e = Enrollment {
        recovery_codes_left: 1,
        ..Enrollment::default()
    };
    let mut s = identified(e);
    s.policy = policy_with("nudge = false");
    s.nudge_suppressed = true;
    let d = decide(&s);
    let o = &d.options()[0];
    assert_eq!(o.steps, [Step::Method(RecoveryCode)]);
    assert_eq!(
        (o.acr, o.reason),
        (Acr::SingleFactor, OfferReason::RecoveryCodeLastResort)
    );
    assert!(o.enroll_passkey_after);
}

#[test]
fn offer_reasons_for_each_method() {
    let mut s = identified(everything());
    s.policy = policy_with(&format!(
        "methods = [{}]",
        FallbackMethod::ALL
            .map(|m| format!("{:?}", m.as_str()))
            .join(", ")
    ));
    let d = decide(&s);
    let reasons: Vec<&str> = d.options().iter().map(|o| o.reason.code()).collect();
    assert_eq!(
        reasons,
        [
            "passkey_on_other_device",
            "security_key_registered",
            "email_verified",
            "email_verified",
            "authenticator_app",
            "phone_verified",
            "password_enabled",
            "recovery_code_last_resort"
        ]
    );
}

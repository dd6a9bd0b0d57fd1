//! `SituationOverrides`: the `key=value,…` strings of `policy explain`.

use latchkey_core::PasskeyFailure;
use latchkey_oidc::Acr;

use super::*;

#[test]
fn the_documented_example_applies() {
    let o = SituationOverrides::parse(
        "failure=no_passkey_on_this_device,hybrid=false,platform=true,known_device=true",
    )
    .unwrap();
    let mut s = identified(everything());
    o.apply_to(&mut s);
    assert_eq!(s.failure, Some(PasskeyFailure::NoPasskeyOnThisDevice));
    assert_eq!(s.device.hybrid, Some(false));
    assert_eq!(s.device.platform_authenticator, Some(true));
    assert!(s.device.known_device);
    assert_eq!(steps(&decide(&s))[0], ["security_key"]);
}

#[test]
fn every_key_parses() {
    let o = SituationOverrides::parse(
        " failure=none, platform=unknown, conditional=true, hybrid=true, known_device=false,
          identified=true, acr=phr, acr=urn:latchkey:acr:mfa, max_age=300, now=1000,
          nudge_suppressed=true, email=false, phone=true, totp=true, password=true,
          recovery_codes=2, passkey=synced, passkey=attested_key, locked=sms_code:60,
          locked=totp:30, account_locked=600, ",
    )
    .unwrap();
    let mut s = Situation {
        failure: Some(PasskeyFailure::Cancelled),
        ..unidentified()
    };
    o.apply_to(&mut s);
    assert_eq!(s.failure, None);
    assert_eq!(s.device.platform_authenticator, None);
    assert_eq!(s.device.conditional_mediation, Some(true));
    assert!(s.identified);
    assert_eq!(s.requirement, Requirement::AtLeast(Acr::MultiFactor));
    assert_eq!(s.max_age, Some(300));
    assert_eq!(s.now.0, 1000);
    assert!(s.nudge_suppressed);
    assert!(!s.enrolled.email_verified && s.enrolled.phone_verified && s.enrolled.totp);
    assert!(s.enrolled.password);
    assert_eq!(s.enrolled.recovery_codes_left, 2);
    assert_eq!(
        s.enrolled.passkeys,
        [synced(), {
            let mut k = security_key(true);
            k.transports = vec!["nfc".into(), "usb".into()];
            k
        }]
    );
    assert_eq!(
        s.attempts.method_locked(FallbackMethod::SmsCode, s.now),
        Some(60)
    );
    assert_eq!(
        s.attempts.method_locked(FallbackMethod::Totp, s.now),
        Some(30)
    );
    assert_eq!(s.attempts.account_locked(s.now), Some(600));
    assert_eq!(OVERRIDE_KEYS.len(), 18);
}

#[test]
fn none_clears_lists() {
    let o =
        SituationOverrides::parse("passkey=none,locked=none,acr=none,account_locked=0").unwrap();
    let mut s = require(identified(everything()), &["phr"]);
    s.attempts
        .locked_until
        .insert(FallbackMethod::Totp, NOW.plus_secs(5));
    s.attempts.account_locked_until = Some(NOW.plus_secs(5));
    o.apply_to(&mut s);
    assert!(s.enrolled.passkeys.is_empty());
    assert!(s.attempts.locked_until.is_empty());
    assert_eq!(s.attempts.account_locked_until, None);
    assert_eq!(s.requirement, Requirement::None);
    // Unknown acr values are kept: that is how to try an unsatisfiable request.
    let o = SituationOverrides::parse("acr=urn:example:x").unwrap();
    o.apply_to(&mut s);
    assert_eq!(s.requirement, Requirement::Unsatisfiable);
}

#[test]
fn empty_input_changes_nothing() {
    let s = identified(everything());
    let mut t = s.clone();
    SituationOverrides::parse("").unwrap().apply_to(&mut t);
    assert_eq!(s, t);
}

#[test]
fn errors_name_the_key() {
    let cases = [
        (
            "colour=blue",
            "unknown key \"colour\"; known keys: failure, platform",
        ),
        ("failure", "\"failure\": expected key=value"),
        (
            "failure=oops",
            "failure: unknown reason \"oops\"; known: no_passkey_on_this_device",
        ),
        ("hybrid=maybe", "hybrid: expected true, false or unknown"),
        ("identified=yes", "identified: expected true or false"),
        ("now=soon", "now: expected a number"),
        ("recovery_codes=-1", "recovery_codes: expected a number"),
        ("passkey=phone", "passkey: unknown kind \"phone\""),
        ("locked=totp", "locked: expected METHOD:SECONDS"),
        (
            "locked=fax:3",
            "locked: unknown method \"fax\"; known methods: passkey_hybrid",
        ),
        ("locked=totp:x", "locked: expected a number"),
        ("failure=none,failure=cancelled", "failure is given twice"),
        ("max_age=soon", "max_age: expected a number"),
    ];
    for (input, expected) in cases {
        let err = SituationOverrides::parse(input).unwrap_err();
        assert!(err.starts_with(expected), "{input}: {err}");
    }
}

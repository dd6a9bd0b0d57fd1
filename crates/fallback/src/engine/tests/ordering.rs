//! The order options are shown in.

use latchkey_core::PasskeyFailure;

use super::*;

#[test]
fn assurance_then_convenience_recovery_last() {
    let mut s = identified(everything());
    s.policy = policy_with(&format!(
        "methods = [{}]",
        FallbackMethod::ALL
            .map(|m| format!("{:?}", m.as_str()))
            .join(", ")
    ));
    assert_eq!(
        steps(&decide(&s)),
        [
            ["passkey_hybrid"],
            ["security_key"],
            ["email_code"],
            ["email_link"],
            ["totp"],
            ["sms_code"],
            ["password"],
            ["recovery_code"]
        ]
    );
}

#[test]
fn cancelled_and_timed_out_put_the_retry_first() {
    for f in [PasskeyFailure::Cancelled, PasskeyFailure::TimedOut] {
        let d = decide(&failing(identified(everything()), f));
        assert_eq!(steps(&d)[..2], [["passkey"], ["passkey_hybrid"]], "{f:?}");
    }
}

#[test]
fn no_passkey_on_this_device_puts_hybrid_first() {
    let d = decide(&failing(
        identified(everything()),
        PasskeyFailure::NoPasskeyOnThisDevice,
    ));
    assert_eq!(steps(&d)[0], ["passkey_hybrid"]);
}

#[test]
fn combinations_come_before_recovery_and_after_passkeys() {
    let mut e = everything();
    e.recovery_codes_left = 3;
    let mut s = require(identified(e), &["urn:latchkey:acr:mfa"]);
    s.policy = policy_with(
        r#"combinations = [["recovery_code", "totp"], ["sms_code", "totp"], ["email_code", "totp"]]"#,
    );
    assert_eq!(
        steps(&decide(&s)),
        [
            vec!["passkey_hybrid"],
            vec!["security_key"],
            vec!["totp", "email_code"],
            vec!["totp", "sms_code"],
            vec!["totp", "recovery_code"]
        ]
    );
}

#[test]
fn a_combination_sends_nothing_before_the_first_factor_is_proven() {
    let mut s = require(identified(everything()), &["urn:latchkey:acr:mfa"]);
    s.policy = policy_with(
        r#"methods = ["email_code", "password", "sms_code"]
combinations = [["email_code", "password"], ["sms_code", "email_code"]]"#,
    );
    // Email and SMS are both delivered: convenience decides between them.
    assert_eq!(
        steps(&decide(&s)),
        [["email_code", "sms_code"], ["password", "email_code"]]
    );
}

#[test]
fn the_same_situation_gives_the_same_decision() {
    let s = failing(identified(everything()), PasskeyFailure::Cancelled);
    let first = decide(&s);
    for _ in 0..10 {
        assert_eq!(decide(&s.clone()), first);
    }
}

//! Property tests over arbitrary situations, including policies the parser
//! would refuse: the engine keeps its invariants whatever it is given.

use latchkey_core::{PasskeyFailure, UnixTime};
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::sample::select;

use super::*;
use crate::policy::{ClientPolicy, MethodSet};

fn method() -> impl Strategy<Value = FallbackMethod> {
    select(FallbackMethod::ALL.to_vec())
}

fn failure() -> impl Strategy<Value = Option<PasskeyFailure>> {
    proptest::option::of(select(PasskeyFailure::ALL.to_vec()))
}

fn tristate() -> impl Strategy<Value = Option<bool>> {
    proptest::option::of(any::<bool>())
}

fn passkey() -> impl Strategy<Value = PasskeySummary> {
    let transport = select(vec![
        "internal",
        "hybrid",
        "usb",
        "nfc",
        "ble",
        "smart-card",
    ]);
    (any::<bool>(), vec(transport, 0..3), any::<bool>()).prop_map(|(be, ts, attested)| {
        PasskeySummary {
            backup_eligible: be,
            transports: ts.into_iter().map(str::to_owned).collect(),
            hardware_attested: attested,
        }
    })
}

fn enrollment() -> impl Strategy<Value = Enrollment> {
    (
        vec(passkey(), 0..3),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        0u32..3,
        any::<bool>(),
    )
        .prop_map(
            |(passkeys, email, phone, totp, codes, password)| Enrollment {
                passkeys,
                email_verified: email,
                phone_verified: phone,
                totp,
                recovery_codes_left: codes,
                password,
            },
        )
}

fn policy() -> impl Strategy<Value = ClientPolicy> {
    (
        vec(method(), 0..9),
        vec((method(), method()), 0..4),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(methods, pairs, require, nudge)| {
            let methods: MethodSet = methods.into_iter().collect();
            let pairs = pairs.into_iter().map(|(a, b)| [a, b]).collect();
            ClientPolicy::unchecked(methods, pairs, require, nudge)
        })
}

fn acr_values() -> impl Strategy<Value = Vec<&'static str>> {
    let value = select(vec![
        "urn:latchkey:acr:sfa",
        "urn:latchkey:acr:mfa",
        "phr",
        "phrh",
        "urn:example:unknown",
        "0",
    ]);
    vec(value, 0..3)
}

fn situation() -> impl Strategy<Value = Situation> {
    let now = 1_000_000i64;
    let lock = (-100i64..300).prop_map(move |d| UnixTime(now + d));
    (
        (
            acr_values(),
            policy(),
            any::<bool>(),
            enrollment(),
            failure(),
        ),
        (tristate(), tristate(), tristate(), any::<bool>()),
        (
            btree_map(method(), lock.clone(), 0..4),
            proptest::option::of(lock),
        ),
        any::<bool>(),
    )
        .prop_map(
            move |(
                (acr, policy, identified, enrolled, failure),
                device,
                locks,
                nudge_suppressed,
            )| {
                let (platform, conditional, hybrid, known_device) = device;
                Situation {
                    requirement: Requirement::from_acr_values(&acr),
                    max_age: None,
                    policy,
                    identified,
                    enrolled,
                    failure,
                    device: DeviceSignals {
                        platform_authenticator: platform,
                        conditional_mediation: conditional,
                        hybrid,
                        known_device,
                    },
                    attempts: Attempts {
                        locked_until: locks.0,
                        account_locked_until: locks.1,
                    },
                    now: UnixTime(now),
                    nudge_suppressed,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    /// No option below the requirement; nothing not enrolled, disabled or
    /// locked; identical input, identical output; nothing about an account
    /// for a stranger; recovery codes last (all in `check_invariants`).
    #[test]
    fn every_decision_keeps_the_invariants(s in situation()) {
        let d = decide(&s);
        check_invariants(&s, &d);
    }

    /// Every option is one a real enrollment supports, step by step.
    #[test]
    fn offered_methods_are_enrolled(s in situation()) {
        let s = Situation { identified: true, ..s };
        let e = &s.enrolled;
        for o in decide(&s).options() {
            for step in &o.steps {
                let ok = match step {
                    Step::Passkey => !e.passkeys.is_empty(),
                    Step::Method(FallbackMethod::PasskeyHybrid) => e.passkeys.iter().any(|p| {
                        p.backup_eligible || p.transports.is_empty() || p.transports.iter().any(|t| t == "hybrid")
                    }),
                    Step::Method(FallbackMethod::SecurityKey) => e.passkeys.iter().any(PasskeySummary::is_security_key),
                    Step::Method(FallbackMethod::EmailCode | FallbackMethod::EmailLink) => e.email_verified,
                    Step::Method(FallbackMethod::SmsCode) => e.phone_verified,
                    Step::Method(FallbackMethod::Totp) => e.totp,
                    Step::Method(FallbackMethod::RecoveryCode) => e.recovery_codes_left > 0,
                    Step::Method(FallbackMethod::Password) => e.password,
                };
                prop_assert!(ok, "{:?} offered to {:?}", step, e);
            }
        }
    }

    /// Overrides parse what they print: any situation's key facts survive a
    /// round trip through the `key=value` language.
    #[test]
    fn overrides_round_trip(f in failure(), hybrid in tristate(), platform in tristate(), identified in any::<bool>()) {
        let show = |b: Option<bool>| b.map_or("unknown".to_owned(), |b| b.to_string());
        let text = format!(
            "failure={},hybrid={},platform={},identified={identified}",
            f.map_or("none", PasskeyFailure::as_str),
            show(hybrid),
            show(platform),
        );
        let mut s = identified_or_not();
        SituationOverrides::parse(&text).map_err(TestCaseError::fail)?.apply_to(&mut s);
        prop_assert_eq!((s.failure, s.device.hybrid, s.device.platform_authenticator, s.identified), (f, hybrid, platform, identified));
    }
}

fn identified_or_not() -> Situation {
    identified(everything())
}

//! `docs/fallback-policy.md` is checked against the code: every code and
//! key is documented, every TOML example is valid (or fails with the error
//! it shows), and every `policy explain` example prints what the engine
//! decides.

use super::*;
use crate::policy::{Policy, PolicyConfig};

const DOC: &str = include_str!("../../../../../docs/fallback-policy.md");

/// The fenced code blocks: (language, body).
fn blocks() -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let mut open: Option<(&str, Vec<&str>)> = None;
    for line in DOC.lines() {
        match (&mut open, line.strip_prefix("```")) {
            (None, Some(lang)) => open = Some((lang, Vec::new())),
            (Some((lang, body)), Some("")) => {
                out.push((*lang, body.join("\n")));
                open = None;
            }
            (Some((_, body)), _) => body.push(line),
            (None, None) => {}
        }
    }
    assert!(open.is_none(), "unclosed code block");
    out
}

fn documented(code: &str) -> bool {
    DOC.contains(&format!("`{code}`"))
}

fn offer_reasons() -> [OfferReason; 11] {
    use OfferReason::*;
    // Exhaustive: a new variant fails to compile here until it is listed.
    match RetryPasskey {
        RetryPasskey
        | PasskeyOnOtherDevice
        | SecurityKeyRegistered
        | SecurityKey
        | EmailVerified
        | PhoneVerified
        | AuthenticatorApp
        | RecoveryCodeLastResort
        | PasswordEnabled
        | MfaRequired
        | TwoFactorsRequired => {}
    }
    [
        RetryPasskey,
        PasskeyOnOtherDevice,
        SecurityKeyRegistered,
        SecurityKey,
        EmailVerified,
        PhoneVerified,
        AuthenticatorApp,
        RecoveryCodeLastResort,
        PasswordEnabled,
        MfaRequired,
        TwoFactorsRequired,
    ]
}

fn skip_reasons() -> [SkipReason; 8] {
    use SkipReason::*;
    let r = 1;
    match DisabledByPolicy {
        DisabledByPolicy
        | TooWeak
        | NeedsSecondFactor
        | UnavailableOnDevice
        | NeedsIdentification
        | NotEnrolled
        | Locked { .. }
        | AccountLocked { .. } => {}
    }
    [
        DisabledByPolicy,
        TooWeak,
        NeedsSecondFactor,
        UnavailableOnDevice,
        NeedsIdentification,
        NotEnrolled,
        Locked {
            retry_after_secs: r,
        },
        AccountLocked {
            retry_after_secs: r,
        },
    ]
}

fn refusals() -> [RefusalReason; 4] {
    use RefusalReason::*;
    match RequirementUnmet {
        RequirementUnmet | AccountLocked { .. } | Locked { .. } | NoMethodAvailable => {}
    }
    [
        RequirementUnmet,
        AccountLocked {
            retry_after_secs: 1,
        },
        Locked {
            retry_after_secs: 1,
        },
        NoMethodAvailable,
    ]
}

fn notices() -> [Notice; 3] {
    use Notice::*;
    match PasskeyRemoved {
        PasskeyRemoved | MethodsLocked { .. } | AccountLocked { .. } => {}
    }
    [
        PasskeyRemoved,
        MethodsLocked {
            retry_after_secs: 1,
        },
        AccountLocked {
            retry_after_secs: 1,
        },
    ]
}

/// The code a value serialises to (a string, or a table's `code`).
fn wire_code<T: serde::Serialize>(value: &T) -> String {
    match toml::Value::try_from(value).unwrap() {
        toml::Value::String(s) => s,
        toml::Value::Table(t) => t["code"].as_str().unwrap().to_owned(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn codes_serialise_as_their_code_and_are_documented() {
    for r in offer_reasons() {
        assert_eq!(wire_code(&r), r.code());
        assert!(documented(r.code()), "offer reason {}", r.code());
    }
    for r in skip_reasons() {
        assert_eq!(wire_code(&r), r.code());
        assert!(documented(r.code()), "skip reason {}", r.code());
    }
    for r in refusals() {
        assert_eq!(wire_code(&r), r.code());
        assert!(documented(r.code()), "refusal {}", r.code());
    }
    for n in notices() {
        assert_eq!(wire_code(&n), n.code());
        assert!(documented(n.code()), "notice {}", n.code());
    }
    assert_eq!(wire_code(&Step::Passkey), "passkey");
}

#[test]
fn keys_methods_and_rules_are_documented() {
    let rules = super::CHECKS.iter().map(|(n, _)| *n).chain([
        "retry_passkey_considered",
        "combinations_considered",
        "order",
        "refusal",
    ]);
    for name in rules {
        assert!(documented(name), "rule {name}");
    }
    for m in FallbackMethod::ALL {
        assert!(documented(m.as_str()), "method {m}");
    }
    for (key, _) in OVERRIDE_KEYS {
        assert!(DOC.contains(&format!("| `{key}` |")), "override key {key}");
    }
    for key in [
        "methods",
        "combinations",
        "require_two_factors",
        "nudge",
        "clients.<client_id>",
    ] {
        assert!(DOC.contains(&format!("| `{key}` |")), "policy key {key}");
    }
}

fn policy(src: &str) -> Result<Policy, String> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct File {
        #[serde(default)]
        fallback: PolicyConfig,
    }
    let file: File = toml::from_str(src).map_err(|e| e.to_string())?;
    Policy::from_config(&file.fallback).map_err(|e| e.to_string())
}

#[test]
fn toml_examples_are_valid_or_fail_as_shown() {
    let mut seen = 0;
    for (lang, body) in blocks() {
        if lang != "toml" {
            continue;
        }
        seen += 1;
        match body
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# error: "))
        {
            Some(expected) => assert_eq!(policy(&body).unwrap_err(), expected),
            None => assert!(policy(&body).is_ok(), "{body}\n{:?}", policy(&body)),
        }
    }
    assert!(seen >= 5);
}

/// `--client ID --situation '…'` from an example's command line.
fn command(line: &str) -> (&str, &str) {
    let rest = line
        .strip_prefix("$ latchkey policy explain --client ")
        .unwrap();
    let (client, rest) = rest.split_once(' ').unwrap();
    let situation = rest
        .strip_prefix("--situation '")
        .and_then(|s| s.strip_suffix('\''))
        .unwrap();
    (client, situation)
}

#[test]
fn explain_examples_print_what_the_engine_decides() {
    let mut current = Policy::default();
    let mut seen = 0;
    for (lang, body) in blocks() {
        if lang == "toml" {
            if let Ok(p) = policy(&body) {
                current = p;
            }
            continue;
        }
        let Some((first, expected)) = body.split_once('\n') else {
            continue;
        };
        if lang != "text" || !first.starts_with("$ latchkey policy explain") {
            continue;
        }
        seen += 1;
        let (client, overrides) = command(first);
        let mut s = Situation {
            policy: current.for_client(client),
            ..Situation::default()
        };
        SituationOverrides::parse(overrides)
            .unwrap()
            .apply_to(&mut s);
        let d = decide(&s);
        check_invariants(&s, &d);
        let actual = d.to_string();
        assert_eq!(
            actual.trim_end(),
            expected.trim_end(),
            "\n{first}\n--- actual ---\n{actual}"
        );
    }
    assert!(seen >= 7, "{seen} examples");
}

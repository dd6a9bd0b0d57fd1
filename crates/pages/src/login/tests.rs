//! Every state in every language, the words of every code, escaping, and
//! the codes that carry an outcome across the redirect.

use super::*;
use crate::assets::LOGIN_JS_URL;
use crate::i18n::CLIENT_PLACEHOLDER;

const FLOW: &str = "0123456789abcdef0123456789abcdef";
const CSRF: &str = "c5rf7ok3n";

fn page(lang: Lang, view: LoginView) -> LoginPage {
    LoginPage {
        lang,
        flow_id: FLOW.into(),
        csrf_token: CSRF.into(),
        client_name: "Demo Shop".into(),
        view,
    }
}

fn option(steps: &[LoginMethod], reason: OptionReason, value: &str) -> LoginOption {
    LoginOption {
        steps: steps.to_vec(),
        reason,
        value: value.into(),
    }
}

fn step(method: LoginMethod, value: &str, feedback: Option<Feedback>) -> StepView {
    StepView {
        method,
        value: value.into(),
        position: None,
        sent: true,
        code_valid_secs: 600,
        identifier: Some("alice".into()),
        feedback,
    }
}

/// One view of every state and every variant that has words.
fn views() -> Vec<(&'static str, LoginView)> {
    use LoginMethod as M;
    let options = OptionsView {
        problem: Some(PasskeyProblem::NoPasskeyOnThisDevice),
        identifier: Some("alice@example.com".into()),
        options: vec![
            option(
                &[M::PasskeyHybrid],
                OptionReason::PasskeyOnOtherDevice,
                "passkey_hybrid",
            ),
            option(&[M::EmailCode], OptionReason::EmailVerified, "email_code"),
            option(
                &[M::Totp, M::SmsCode],
                OptionReason::MfaRequired,
                "totp sms_code",
            ),
        ],
        notices: vec![
            LoginNotice::PasskeyRemoved,
            LoginNotice::MethodsLocked {
                retry_after_secs: 240,
            },
            LoginNotice::AccountLocked {
                retry_after_secs: 1800,
            },
        ],
        identify_first: false,
        passkey_first: false,
        feedback: Some(Feedback::NotOffered),
    };
    let mut views = vec![
        ("start", LoginView::Start(StartView::default())),
        (
            "start_error",
            LoginView::Start(StartView {
                identifier: None,
                feedback: Some(Feedback::InvalidIdentifier),
            }),
        ),
        ("options", LoginView::Options(options)),
        (
            "options_anonymous",
            LoginView::Options(OptionsView {
                options: vec![option(
                    &[M::SecurityKey],
                    OptionReason::SecurityKey,
                    "security_key",
                )],
                identify_first: true,
                passkey_first: true,
                ..OptionsView::default()
            }),
        ),
    ];
    for refusal in [
        Refusal::RequirementUnmet,
        Refusal::AccountLocked {
            retry_after_secs: 3600,
        },
        Refusal::Locked {
            retry_after_secs: 61,
        },
        Refusal::NoMethodAvailable,
    ] {
        views.push((
            "refused",
            LoginView::Refused(RefusedView {
                problem: Some(PasskeyProblem::Cancelled),
                identifier: Some("alice".into()),
                refusal,
                feedback: Some(Feedback::NotOffered),
            }),
        ));
    }
    for (method, value) in [
        (M::EmailCode, "email_code"),
        (M::EmailLink, "email_link"),
        (M::SmsCode, "sms_code"),
        (M::Totp, "totp"),
        (M::RecoveryCode, "recovery_code"),
        (M::Password, "password"),
    ] {
        views.push(("step", LoginView::Step(step(method, value, None))));
    }
    for feedback in [
        Feedback::MissingCode,
        Feedback::InvalidCode {
            attempts_left: Some(3),
        },
        Feedback::InvalidCode {
            attempts_left: Some(1),
        },
        Feedback::InvalidCode {
            attempts_left: None,
        },
        Feedback::CodeExpired,
        Feedback::Locked {
            retry_after_secs: 60,
        },
        Feedback::RateLimited {
            retry_after_secs: 900,
        },
        Feedback::ResendWait {
            retry_after_secs: 30,
        },
        Feedback::CodeSent,
    ] {
        views.push((
            "step_feedback",
            LoginView::Step(step(M::EmailCode, "email_code", Some(feedback))),
        ));
    }
    views
}

fn all(lang: Lang) -> Vec<(&'static str, String)> {
    views()
        .into_iter()
        .map(|(name, view)| (name, page(lang, view).render().unwrap()))
        .collect()
}

#[test]
fn every_state_renders_in_every_language_without_leaks() {
    let keys: Vec<_> = Lang::En
        .messages()
        .entries()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    for lang in Lang::ALL {
        for (name, html) in all(lang) {
            assert!(
                html.contains(&format!("<html lang=\"{lang}\">")),
                "{lang} {name}"
            );
            assert_eq!(html.matches("<h1>").count(), 1, "{lang} {name}");
            assert!(html.contains(&format!("<script src=\"{LOGIN_JS_URL}\" defer></script>")));
            assert!(
                html.contains(&format!("data-flow=\"{FLOW}\"")),
                "{lang} {name}"
            );
            // Every form posts back the flow and its CSRF token.
            let forms = html.matches("<form method=\"post\"").count();
            assert!(forms >= 1, "{lang} {name}");
            assert_eq!(
                html.matches("name=\"csrf_token\" value=\"c5rf7ok3n\"")
                    .count(),
                forms
            );
            assert_eq!(
                html.matches(&format!("name=\"flow\" value=\"{FLOW}\""))
                    .count(),
                forms
            );
            for key in &keys {
                assert!(!html.contains(key), "{lang} {name}: key {key} leaked");
            }
            for syntax in [
                "{{",
                "}}",
                "{%",
                "%}",
                "{#",
                "{client}",
                "{time}",
                "{n}",
                "{identifier}",
            ] {
                assert!(!html.contains(syntax), "{lang} {name}: {syntax}\n{html}");
            }
            assert!(html.contains("Demo Shop"), "{lang} {name}");
        }
    }
}

#[test]
fn placeholders_match_between_languages() {
    fn placeholders(text: &str) -> Vec<&str> {
        let mut found: Vec<&str> = text
            .match_indices('{')
            .filter_map(|(i, _)| text[i..].find('}').map(|end| &text[i..=i + end]))
            .collect();
        found.sort_unstable();
        found
    }
    let known = [
        CLIENT_PLACEHOLDER,
        IDENTIFIER,
        TIME,
        N,
        TOTAL,
        FIRST,
        SECOND,
        // consent_page's SCOPE (private there).
        "{scope}",
    ];
    for ((key, en), (_, de)) in Lang::En
        .messages()
        .entries()
        .into_iter()
        .zip(Lang::De.messages().entries())
    {
        assert_eq!(placeholders(en), placeholders(de), "{key}");
        for p in placeholders(en) {
            assert!(known.contains(&p), "{key}: unknown placeholder {p}");
        }
    }
}

#[test]
fn start_offers_the_identifier_autofill_and_the_other_ways() {
    let html = page(Lang::En, LoginView::Start(StartView::default()))
        .render()
        .unwrap();
    assert!(html.contains("<title>Sign in to Demo Shop – Latchkey</title>"));
    assert!(html.contains("<h1>Sign in to Demo Shop</h1>"));
    assert!(html.contains("action=\"/login/identify\""));
    assert!(html.contains("autocomplete=\"username webauthn\""));
    assert!(html.contains("action=\"/login/options\""));
    assert!(html.contains("Other ways to sign in"));
    // The passkey button needs script: hidden until login.js shows it.
    assert!(html.contains("<div class=\"passkey-start\" data-js hidden>"));
    assert!(html.contains("data-passkey=\"\">Sign in with a passkey</button>"));
    assert!(!html.contains("aria-invalid"));

    let error = page(
        Lang::De,
        LoginView::Start(StartView {
            identifier: Some("bob".into()),
            feedback: Some(Feedback::InvalidIdentifier),
        }),
    )
    .render()
    .unwrap();
    assert!(error.contains("<p class=\"field-error\" id=\"identifier-error\">Geben Sie"));
    assert!(error.contains("value=\"bob\""));
    assert!(
        error.contains("aria-invalid=\"true\" aria-describedby=\"identifier-error\" autofocus")
    );
}

#[test]
fn options_put_the_problem_first_and_each_option_in_its_own_form() {
    let (_, view) = views().into_iter().find(|(n, _)| *n == "options").unwrap();
    let html = page(Lang::En, view).render().unwrap();
    let problem = html
        .find("There&#39;s no passkey for this account on this device.")
        .or_else(|| html.find("There&#x27;s no passkey"))
        .expect(&html);
    let first_option = html.find("<ul class=\"options\">").unwrap();
    assert!(problem < first_option);
    assert!(html.contains("as alice@example.com."));
    assert!(
        html.contains(&format!("href=\"/login?flow={FLOW}&#38;view=start\""))
            || html.contains(&format!("href=\"/login?flow={FLOW}&amp;view=start\"")),
        "{html}"
    );
    // Passkey options: a button for login.js, a note without it.
    assert!(html.contains("data-passkey=\"hybrid\" data-js hidden>"));
    assert!(html.contains("<div class=\"option option-static\" data-nojs>"));
    assert!(html.contains("needs a browser that supports passkeys"));
    assert!(
        !html.contains("value=\"passkey_hybrid\""),
        "passkeys are not chosen by form"
    );
    // Code options: forms that choose them.
    assert_eq!(html.matches("action=\"/login/choose\"").count(), 2);
    assert!(html.contains("<input type=\"hidden\" name=\"steps\" value=\"email_code\">"));
    assert!(html.contains("<input type=\"hidden\" name=\"steps\" value=\"totp sms_code\">"));
    assert!(html.contains("Authenticator app, then Text message code"));
    assert!(html.contains("This service needs two steps."));
    assert!(html.contains("available again in 4 minutes"));
    assert!(html.contains("try again in 30 minutes"));
    assert!(html.contains("role=\"alert\""));
    assert!(html.contains("action=\"/login/give-up\""));
    assert!(!html.contains("id=\"identifier\""));

    let (_, anon) = views()
        .into_iter()
        .find(|(n, _)| *n == "options_anonymous")
        .unwrap();
    let html = page(Lang::En, anon).render().unwrap();
    assert!(html.contains("You are signing in to Demo Shop."));
    assert!(!html.contains("Use another account"));
    assert!(html.contains("id=\"identifier\""), "identify first");
    assert!(html.contains("<h2 class=\"options-heading\">Other ways to sign in</h2>"));
    assert!(html.contains("data-passkey=\"security-key\""));
}

#[test]
fn refusals_lead_back_to_the_application() {
    for (refusal, needle, retry) in [
        (
            Refusal::RequirementUnmet,
            "Demo Shop requires a more secure way",
            false,
        ),
        (
            Refusal::Locked {
                retry_after_secs: 61,
            },
            "Try again in 2 minutes.",
            true,
        ),
        (
            Refusal::AccountLocked {
                retry_after_secs: 7200,
            },
            "Try again in 2 hours.",
            true,
        ),
        (
            Refusal::NoMethodAvailable,
            "Contact your administrator",
            false,
        ),
    ] {
        let html = page(
            Lang::En,
            LoginView::Refused(RefusedView {
                problem: None,
                identifier: None,
                refusal,
                feedback: None,
            }),
        )
        .render()
        .unwrap();
        assert!(html.contains(needle), "{refusal:?}: {html}");
        assert!(html.contains("action=\"/login/give-up\""));
        assert!(html.contains("Go back to Demo Shop</button>"));
        assert_eq!(html.contains(">Try again</a>"), retry, "{refusal:?}");
        assert!(!html.contains("/login/choose"));
    }
}

#[test]
fn code_steps_tie_errors_to_the_field() {
    let html = page(
        Lang::En,
        LoginView::Step(step(
            LoginMethod::EmailCode,
            "email_code",
            Some(Feedback::InvalidCode {
                attempts_left: Some(3),
            }),
        )),
    )
    .render()
    .unwrap();
    assert!(html.contains("<h1>Check your email</h1>"));
    assert!(html.contains("It is valid for 10 minutes."));
    assert!(html.contains("<input type=\"hidden\" name=\"method\" value=\"email_code\">"));
    assert!(html.contains("inputmode=\"numeric\" autocomplete=\"one-time-code\""));
    assert!(html.contains("aria-describedby=\"code-hint code-error\" aria-invalid=\"true\""));
    assert!(html.contains(
        "<p class=\"field-error\" id=\"code-error\">That code is not right. You can try 3 more times with this code.</p>"
    ));
    assert!(html.contains("The email also has a link"));
    let label = html.find("<label for=\"code\">").unwrap();
    let error = html.find("id=\"code-error\"").unwrap();
    let input = html.find("id=\"code\" name=\"code\"").unwrap();
    assert!(label < error && error < input, "label, error, field");
    assert!(html.contains("action=\"/login/verify\""));
    assert!(html.contains("action=\"/login/send\""));
    assert!(html.contains(">Send a new code</button>"));
    assert!(html.contains("Choose another way to sign in"));

    let clean = page(
        Lang::En,
        LoginView::Step(step(LoginMethod::SmsCode, "sms_code", None)),
    )
    .render()
    .unwrap();
    assert!(!clean.contains("aria-invalid"));
    assert!(!clean.contains("aria-describedby"));
    assert!(clean.contains("We sent a code by text message"));

    let password = page(
        Lang::En,
        LoginView::Step(step(
            LoginMethod::Password,
            "password",
            Some(Feedback::InvalidCode {
                attempts_left: None,
            }),
        )),
    )
    .render()
    .unwrap();
    assert!(
        password.contains(
            "type=\"password\" id=\"code\" name=\"code\" autocomplete=\"current-password\""
        )
    );
    assert!(password.contains("That password is not right."));
    assert!(
        password.contains(
            "name=\"username\" value=\"alice\" autocomplete=\"username\" readonly hidden"
        )
    );
    assert!(!password.contains("/login/send"), "nothing to send");
    assert!(!password.contains("inputmode"));

    let totp = page(
        Lang::De,
        LoginView::Step(StepView {
            position: Some((1, 2)),
            ..step(LoginMethod::Totp, "totp", None)
        }),
    )
    .render()
    .unwrap();
    assert!(totp.contains("Schritt 1 von 2"));
    assert!(totp.contains("autocomplete=\"one-time-code\""));
    assert!(!totp.contains("/login/send"));

    let unsent = page(
        Lang::En,
        LoginView::Step(StepView {
            sent: false,
            ..step(
                LoginMethod::EmailCode,
                "email_code",
                Some(Feedback::ResendWait {
                    retry_after_secs: 20,
                }),
            )
        }),
    )
    .render()
    .unwrap();
    assert!(unsent.contains("Ask for a code to continue."));
    assert!(unsent.contains(">Send code</button>"));
    assert!(unsent.contains("You can ask for a new code in 20 seconds."));
}

#[test]
fn feedback_survives_the_redirect_as_codes_only() {
    for f in [
        Feedback::InvalidIdentifier,
        Feedback::MissingCode,
        Feedback::InvalidCode {
            attempts_left: Some(4),
        },
        Feedback::InvalidCode {
            attempts_left: None,
        },
        Feedback::CodeExpired,
        Feedback::Locked {
            retry_after_secs: 120,
        },
        Feedback::RateLimited {
            retry_after_secs: 900,
        },
        Feedback::ResendWait {
            retry_after_secs: 30,
        },
        Feedback::NotOffered,
        Feedback::CodeSent,
    ] {
        let q = f.query();
        let pairs: Vec<(&str, &str)> = q.split('&').map(|p| p.split_once('=').unwrap()).collect();
        let e = pairs[0].1;
        let n = pairs.get(1).map(|(_, v)| *v);
        assert_eq!(Feedback::from_query(e, n), Some(f), "{q}");
        assert!(
            q.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"=&_".contains(&b))
        );
    }
    assert_eq!(Feedback::from_query("<script>", None), None);
    assert_eq!(
        Feedback::from_query("locked", None),
        None,
        "a lock needs its time"
    );
    assert_eq!(Feedback::from_query("locked", Some("x")), None);
    assert_eq!(Feedback::from_query("locked", Some("99999999999")), None);
    assert_eq!(
        Feedback::from_query("invalid_code", Some("-1")),
        Some(Feedback::InvalidCode {
            attempts_left: None
        })
    );
    assert_eq!(
        Feedback::Locked {
            retry_after_secs: u64::MAX
        }
        .query(),
        format!("e=locked&n={MAX_N}")
    );
}

#[test]
fn waits_are_worded_and_rounded_up() {
    let en = Lang::En.messages();
    let de = Lang::De.messages();
    for (secs, words) in [
        (0, "1 second"),
        (1, "1 second"),
        (30, "30 seconds"),
        (60, "1 minute"),
        (61, "2 minutes"),
        (600, "10 minutes"),
        (7199, "120 minutes"),
        (7200, "2 hours"),
        (86400, "24 hours"),
    ] {
        assert_eq!(duration(en, secs), words);
    }
    assert_eq!(duration(de, 3600), "60 Minuten");
    assert_eq!(duration(de, 60), "1 Minute");
}

#[test]
fn values_are_escaped() {
    let evil = "<script>alert(1)</script>\"'&";
    let mut p = page(
        Lang::En,
        LoginView::Options(OptionsView {
            identifier: Some(evil.into()),
            options: vec![option(
                &[LoginMethod::EmailCode],
                OptionReason::EmailVerified,
                evil,
            )],
            ..OptionsView::default()
        }),
    );
    p.client_name = evil.into();
    p.csrf_token = evil.into();
    let html = p.render().unwrap();
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(!html.contains("\"'&"), "{html}");
    let blank = LoginPage {
        client_name: "  ".into(),
        ..page(Lang::En, LoginView::Start(StartView::default()))
    };
    assert!(
        blank
            .render()
            .unwrap()
            .contains("<h1>Sign in to Latchkey</h1>")
    );
}

//! The built-in demo relying application (`/demo`): its start page, the
//! result of a sign-in (the ID token's claims) and its error page.
//!
//! The server decides everything (which claims, which method, which
//! problem); this module only puts it into words of the page's language.

use askama::Template;

use crate::pages::{Chrome, RenderError};
use crate::{Lang, Messages};

/// What the demo page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DemoView {
    /// The start page: what this is, and the ways to start a sign-in.
    Start(DemoStart),
    /// A completed sign-in.
    SignedIn(DemoResult),
    /// The sign-in did not complete.
    Problem {
        problem: DemoProblem,
        /// The protocol error code, shown for [`DemoProblem::Returned`] and
        /// the token endpoint's error.
        error_code: Option<String>,
    },
}

/// The links of the start page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoStart {
    /// `…/demo/start`, absolute on the issuer so the demo's cookie is set
    /// for the host the callback returns to.
    pub start_url: String,
    /// `…/demo/start?acr=phr`.
    pub start_phr_url: String,
    /// The account page.
    pub account_url: String,
    /// The dev outbox, in dev mode only.
    pub outbox_url: Option<String>,
}

/// A completed sign-in, from the verified ID token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoResult {
    /// `sub`.
    pub subject: String,
    /// How the user signed in, from `amr` and `latchkey_fallback`.
    pub summary: DemoSummary,
    /// Every claim of the ID token, in display order.
    pub claims: Vec<DemoClaim>,
    /// Where "Sign out" goes (RP-initiated logout back to the demo).
    pub sign_out_url: String,
}

/// One claim of the ID token, its value as text (strings as they are,
/// everything else as compact JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoClaim {
    pub name: String,
    pub value: String,
    /// `amr`, `acr`, `auth_time`, `latchkey_fallback`: how the user signed in.
    pub highlighted: bool,
}

/// How the user signed in, in plain words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DemoSummary {
    /// A passkey (`amr` has `pop`).
    Passkey,
    /// One or two fallback methods, with the classified reason from the
    /// `latchkey_fallback` claim when there is one.
    Fallback {
        methods: Vec<DemoMethod>,
        reason: Option<String>,
    },
    /// `amr` names nothing this demo knows.
    Unknown,
}

/// A fallback method as `amr` tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoMethod {
    EmailCode,
    SmsCode,
    Totp,
    RecoveryCode,
    Password,
}

/// Why the sign-in did not complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoProblem {
    /// `state` is missing or not the one this browser started with.
    StateMismatch,
    /// The sign-in was already completed (a replayed callback) or expired.
    AlreadyUsed,
    /// `iss` is missing or not this issuer (RFC 9207).
    IssuerMismatch,
    /// Latchkey answered `unmet_authentication_requirements`.
    Unmet,
    /// Latchkey answered `access_denied`.
    Denied,
    /// Latchkey answered another error (shown as its code).
    Returned,
    /// The token request failed.
    TokenRequest,
    /// The ID token failed a check (signature, `iss`, `aud`, `exp`, `nonce`).
    IdToken,
}

impl DemoProblem {
    fn message(self, m: &Messages) -> &'static str {
        match self {
            Self::StateMismatch => m.demo_error_state,
            Self::AlreadyUsed => m.demo_error_used,
            Self::IssuerMismatch => m.demo_error_issuer,
            Self::Unmet => m.demo_error_unmet,
            Self::Denied => m.demo_error_denied,
            Self::Returned => m.demo_error_other,
            Self::TokenRequest => m.demo_error_token,
            Self::IdToken => m.demo_error_id_token,
        }
    }
}

impl DemoMethod {
    fn words(self, m: &Messages) -> &'static str {
        match self {
            Self::EmailCode => m.demo_method_email,
            Self::SmsCode => m.demo_method_sms,
            Self::Totp => m.demo_method_totp,
            Self::RecoveryCode => m.demo_method_recovery,
            Self::Password => m.demo_method_password,
        }
    }
}

/// The demo page.
///
/// ```
/// use latchkey_pages::{DemoPage, DemoStart, DemoView, Lang};
/// let html = DemoPage {
///     lang: Lang::En,
///     view: DemoView::Start(DemoStart {
///         start_url: "http://localhost:8080/demo/start".into(),
///         start_phr_url: "http://localhost:8080/demo/start?acr=phr".into(),
///         account_url: "http://localhost:8080/account".into(),
///         outbox_url: None,
///     }),
/// }
/// .render()?;
/// assert!(html.contains("Sign in with Latchkey"));
/// # Ok::<(), latchkey_pages::RenderError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoPage {
    pub lang: Lang,
    pub view: DemoView,
}

impl DemoPage {
    /// The page as HTML.
    ///
    /// # Errors
    /// [`RenderError::Template`] if the template engine fails.
    pub fn render(&self) -> Result<String, RenderError> {
        let m = self.lang.messages();
        let mut html = DemoHtml {
            c: Chrome::new(self.lang),
            title: m.demo_title,
            start: None,
            result: None,
            summary: String::new(),
            problem: None,
            error_code: None,
        };
        match &self.view {
            DemoView::Start(links) => html.start = Some(links),
            DemoView::SignedIn(r) => {
                html.title = m.demo_result_title;
                html.summary = summary(&r.summary, m);
                html.result = Some(r);
            }
            DemoView::Problem {
                problem,
                error_code,
            } => {
                html.title = m.demo_error_title;
                html.problem = Some(problem.message(m));
                html.error_code = error_code.as_deref();
            }
        }
        Ok(html.render()?)
    }
}

/// "You signed in with …" in the page's language.
fn summary(s: &DemoSummary, m: &Messages) -> String {
    match s {
        DemoSummary::Passkey => m.demo_summary_passkey.to_owned(),
        DemoSummary::Unknown => m.demo_summary_unknown.to_owned(),
        DemoSummary::Fallback { methods, reason } => {
            let words: Vec<&str> = methods.iter().map(|x| x.words(m)).collect();
            let methods = words.join(&format!(" {} ", m.demo_and));
            match reason {
                // Reasons are snake_case codes (`no_passkey_on_this_device`);
                // with spaces they read as words.
                Some(r) => m
                    .demo_summary_fallback
                    .replace("{first}", &methods)
                    .replace("{second}", &r.replace('_', " ")),
                None => m
                    .demo_summary_fallback_no_reason
                    .replace("{first}", &methods),
            }
        }
    }
}

#[derive(Template)]
#[template(path = "demo.html")]
struct DemoHtml<'a> {
    c: Chrome,
    title: &'static str,
    start: Option<&'a DemoStart>,
    result: Option<&'a DemoResult>,
    summary: String,
    problem: Option<&'static str>,
    error_code: Option<&'a str>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed_in(summary: DemoSummary) -> DemoPage {
        DemoPage {
            lang: Lang::En,
            view: DemoView::SignedIn(DemoResult {
                subject: "user<1>".into(),
                summary,
                claims: vec![
                    DemoClaim {
                        name: "amr".into(),
                        value: r#"["otp","urn:latchkey:amr:email"]"#.into(),
                        highlighted: true,
                    },
                    DemoClaim {
                        name: "name".into(),
                        value: "<script>x</script>".into(),
                        highlighted: false,
                    },
                ],
                sign_out_url: "http://localhost:8080/logout?client_id=latchkey-demo".into(),
            }),
        }
    }

    #[test]
    fn start_page_offers_both_sign_ins_and_the_outbox_only_when_given() -> Result<(), RenderError> {
        for lang in [Lang::En, Lang::De] {
            let view = |outbox: Option<&str>| {
                DemoView::Start(DemoStart {
                    start_url: "http://localhost:8080/demo/start".into(),
                    start_phr_url: "http://localhost:8080/demo/start?acr=phr".into(),
                    account_url: "http://localhost:8080/account".into(),
                    outbox_url: outbox.map(str::to_owned),
                })
            };
            let html = DemoPage {
                lang,
                view: view(Some("http://localhost:8080/dev/outbox")),
            }
            .render()?;
            assert!(html.contains("href=\"http://localhost:8080/demo/start\""));
            assert!(html.contains("acr=phr"));
            assert!(html.contains("/account\""));
            assert!(html.contains("/dev/outbox\""));
            let html = DemoPage {
                lang,
                view: view(None),
            }
            .render()?;
            assert!(!html.contains("/dev/outbox"));
        }
        Ok(())
    }

    #[test]
    fn result_escapes_claims_and_highlights_how() -> Result<(), RenderError> {
        let html = signed_in(DemoSummary::Fallback {
            methods: vec![DemoMethod::EmailCode],
            reason: Some("no_passkey_on_this_device".into()),
        })
        .render()?;
        assert!(!html.contains("<script>x"), "claims are escaped");
        assert!(!html.contains("user<1>"));
        assert!(html.contains("class=\"claim-highlight\""));
        assert!(html.contains(
            "You signed in with an email code, a fallback (reason: no passkey on this device)."
        ));
        let html = signed_in(DemoSummary::Passkey).render()?;
        assert!(html.contains("You signed in with a passkey."));
        let two = signed_in(DemoSummary::Fallback {
            methods: vec![DemoMethod::EmailCode, DemoMethod::Totp],
            reason: None,
        })
        .render()?;
        assert!(two.contains("an email code and an authenticator-app code, a fallback."));
        Ok(())
    }

    #[test]
    fn problems_link_back_and_show_the_code() -> Result<(), RenderError> {
        let html = DemoPage {
            lang: Lang::De,
            view: DemoView::Problem {
                problem: DemoProblem::Denied,
                error_code: Some("access_denied".into()),
            },
        }
        .render()?;
        assert!(html.contains("abgebrochen oder abgelehnt"));
        assert!(html.contains("<code>access_denied</code>"));
        assert!(html.contains("href=\"/demo\""));
        Ok(())
    }
}

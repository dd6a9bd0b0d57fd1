//! Rendering [`LoginPage`]: the words of each state, then its template
//! (`templates/login_*.html`).

use askama::Template;

use super::{
    FIRST, Feedback, IDENTIFIER, LoginMethod, LoginNotice, LoginOption, LoginPage, LoginView, N,
    Refusal, SECOND, StepView, TIME, TOTAL, duration,
};
use crate::assets::LOGIN_JS_URL;
use crate::i18n::{CLIENT_PLACEHOLDER, Messages};
use crate::pages::{Chrome, RenderError};

/// What every state's template needs (`login_layout.html`).
#[derive(Debug)]
struct Layout<'a> {
    flow_id: &'a str,
    csrf_token: &'a str,
    title: String,
    script_url: &'static str,
    /// "Cancel and go back to {client}".
    give_up: String,
    /// "Signing in to {client}" (as {identifier}).
    context: String,
    /// `/login?flow=…&view=start`, to use another account.
    change_url: String,
    identified: bool,
}

/// One option, worded.
#[derive(Debug)]
struct OptionItem {
    title: String,
    why: &'static str,
    value: String,
    /// The `hints` for a passkey option (driven by `login.js`).
    passkey: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "login_start.html")]
struct StartHtml<'a> {
    c: Chrome,
    l: Layout<'a>,
    identifier: &'a str,
    /// Tied to the identifier field.
    error: Option<String>,
    /// For the whole page.
    alert: Option<String>,
}

#[derive(Template)]
#[template(path = "login_options.html")]
struct OptionsHtml<'a> {
    c: Chrome,
    l: Layout<'a>,
    problem: Option<&'static str>,
    notices: Vec<String>,
    alert: Option<String>,
    passkey_first: bool,
    options_heading: &'static str,
    options: Vec<OptionItem>,
    identify_first: bool,
}

#[derive(Template)]
#[template(path = "login_refused.html")]
struct RefusedHtml<'a> {
    c: Chrome,
    l: Layout<'a>,
    problem: Option<&'static str>,
    alert: Option<String>,
    reason: String,
    go_back: String,
    /// Waiting helps: offer to look again.
    retry: bool,
}

#[derive(Template)]
#[template(path = "login_step.html")]
struct StepHtml<'a> {
    c: Chrome,
    l: Layout<'a>,
    position: Option<String>,
    text: String,
    method: &'a str,
    label: &'static str,
    input_type: &'static str,
    numeric: bool,
    autocomplete: &'static str,
    hint: Option<&'static str>,
    error: Option<String>,
    status: Option<String>,
    /// The ids of the hint and error, for `aria-describedby`.
    describedby: Option<String>,
    username: Option<&'a str>,
    /// `Some(label)` for steps that send a code.
    resend: Option<&'static str>,
}

impl LoginPage {
    /// The page as HTML.
    ///
    /// # Errors
    /// [`RenderError::Template`] if the template engine fails.
    pub fn render(&self) -> Result<String, RenderError> {
        let m = self.lang.messages();
        let c = || Chrome::new(self.lang);
        let client = if self.client_name.trim().is_empty() {
            m.brand_name
        } else {
            self.client_name.as_str()
        };
        let with_client = |text: &str| text.replace(CLIENT_PLACEHOLDER, client);
        let identifier = match &self.view {
            LoginView::Options(v) => v.identifier.as_deref(),
            LoginView::Refused(v) => v.identifier.as_deref(),
            LoginView::Step(v) => v.identifier.as_deref(),
            LoginView::Start(_) => None,
        };
        let layout = |title: String| Layout {
            flow_id: &self.flow_id,
            csrf_token: &self.csrf_token,
            title,
            script_url: LOGIN_JS_URL,
            give_up: with_client(m.login_cancel),
            context: match identifier {
                Some(id) => with_client(m.login_signing_in_as).replace(IDENTIFIER, id),
                None => with_client(m.login_signing_in_to),
            },
            change_url: format!("/login?flow={}&view=start", self.flow_id),
            identified: identifier.is_some(),
        };
        let html = match &self.view {
            LoginView::Start(v) => {
                let (error, alert) = match v.feedback {
                    Some(f @ Feedback::InvalidIdentifier) => (Some(f.text(m, None)), None),
                    Some(f) => (None, Some(f.text(m, None))),
                    None => (None, None),
                };
                StartHtml {
                    c: c(),
                    l: layout(with_client(m.login_title)),
                    identifier: v.identifier.as_deref().unwrap_or_default(),
                    error,
                    alert,
                }
                .render()?
            }
            LoginView::Options(v) => OptionsHtml {
                c: c(),
                l: layout(m.login_options_title.to_owned()),
                problem: v.problem.map(|p| p.text(m)),
                notices: v.notices.iter().map(|n| notice(m, *n)).collect(),
                alert: v.feedback.map(|f| f.text(m, None)),
                passkey_first: v.passkey_first,
                options_heading: if v.passkey_first {
                    m.login_other_ways
                } else {
                    m.login_options_heading
                },
                options: v.options.iter().map(|o| option_item(m, o)).collect(),
                identify_first: v.identify_first,
            }
            .render()?,
            LoginView::Refused(v) => {
                let (reason, retry) = refusal(m, v.refusal);
                RefusedHtml {
                    c: c(),
                    l: layout(m.login_refused_title.to_owned()),
                    problem: v.problem.map(|p| p.text(m)),
                    alert: v.feedback.map(|f| f.text(m, None)),
                    reason: with_client(&reason),
                    go_back: with_client(m.login_give_up),
                    retry,
                }
                .render()?
            }
            LoginView::Step(v) => step(c(), v, layout)?,
        };
        Ok(html)
    }
}

fn notice(m: &Messages, n: LoginNotice) -> String {
    match n {
        LoginNotice::PasskeyRemoved => m.login_notice_passkey_removed.to_owned(),
        LoginNotice::MethodsLocked { retry_after_secs } => m
            .login_notice_methods_locked
            .replace(TIME, &duration(m, retry_after_secs)),
        LoginNotice::AccountLocked { retry_after_secs } => m
            .login_notice_account_locked
            .replace(TIME, &duration(m, retry_after_secs)),
    }
}

/// The refusal in words, and whether waiting helps.
fn refusal(m: &Messages, r: Refusal) -> (String, bool) {
    match r {
        Refusal::RequirementUnmet => (m.login_refusal_requirement_unmet.to_owned(), false),
        Refusal::AccountLocked { retry_after_secs } => (
            m.login_refusal_account_locked
                .replace(TIME, &duration(m, retry_after_secs)),
            true,
        ),
        Refusal::Locked { retry_after_secs } => (
            m.login_refusal_locked
                .replace(TIME, &duration(m, retry_after_secs)),
            true,
        ),
        Refusal::NoMethodAvailable => (m.login_refusal_no_method.to_owned(), false),
    }
}

fn option_item(m: &Messages, o: &LoginOption) -> OptionItem {
    let title = match o.steps.as_slice() {
        [one] => one.label(m).to_owned(),
        [first, second] => m
            .login_pair
            .replace(FIRST, first.factor(m))
            .replace(SECOND, second.factor(m)),
        more => more
            .iter()
            .map(|s| s.factor(m))
            .collect::<Vec<_>>()
            .join(" + "),
    };
    let passkey = match o.steps.as_slice() {
        [one] => one.passkey_hint(),
        _ => None,
    };
    OptionItem {
        title,
        why: o.reason.text(m),
        value: o.value.clone(),
        passkey,
    }
}

fn step<'a>(
    c: Chrome,
    v: &'a StepView,
    layout: impl FnOnce(String) -> Layout<'a>,
) -> Result<String, RenderError> {
    let m = c.m;
    let valid = duration(m, v.code_valid_secs);
    let sent_or = |sent: &str| {
        if v.sent {
            sent.replace(TIME, &valid)
        } else {
            m.login_step_not_sent.to_owned()
        }
    };
    let code = (m.login_code_label, "text", true, "one-time-code");
    let (title, text, (label, input_type, numeric, autocomplete), hint, resend) = match v.method {
        LoginMethod::EmailCode => (
            m.login_step_email_title,
            sent_or(m.login_step_email_sent),
            code,
            Some(m.login_step_email_link_hint),
            true,
        ),
        LoginMethod::EmailLink => (
            m.login_step_email_title,
            sent_or(m.login_step_email_link_sent),
            code,
            None,
            true,
        ),
        LoginMethod::SmsCode => (
            m.login_step_sms_title,
            sent_or(m.login_step_sms_sent),
            code,
            None,
            true,
        ),
        LoginMethod::Totp => (
            m.login_step_totp_title,
            m.login_step_totp_text.to_owned(),
            code,
            None,
            false,
        ),
        LoginMethod::RecoveryCode => (
            m.login_step_recovery_title,
            m.login_step_recovery_text.to_owned(),
            (m.login_recovery_label, "text", false, "one-time-code"),
            None,
            false,
        ),
        // Passkey steps never reach this view; word them as a password
        // would be least wrong, so render the password step.
        LoginMethod::Password
        | LoginMethod::Passkey
        | LoginMethod::PasskeyHybrid
        | LoginMethod::SecurityKey => (
            m.login_step_password_title,
            m.login_step_password_text.to_owned(),
            (
                m.login_password_label,
                "password",
                false,
                "current-password",
            ),
            None,
            false,
        ),
    };
    let (error, status) = match v.feedback {
        Some(Feedback::CodeSent) => (None, Some(Feedback::CodeSent.text(m, None))),
        Some(f) => (Some(f.text(m, Some(v.method))), None),
        None => (None, None),
    };
    let describedby: Vec<&str> = [
        hint.map(|_| "code-hint"),
        error.as_ref().map(|_| "code-error"),
        status.as_ref().map(|_| "code-status"),
    ]
    .into_iter()
    .flatten()
    .collect();
    Ok(StepHtml {
        c,
        l: layout(title.to_owned()),
        position: v.position.map(|(n, total)| {
            m.login_step_of
                .replace(N, &n.to_string())
                .replace(TOTAL, &total.to_string())
        }),
        text,
        method: &v.value,
        label,
        input_type,
        numeric,
        autocomplete,
        hint,
        error,
        status,
        describedby: (!describedby.is_empty()).then(|| describedby.join(" ")),
        username: v
            .identifier
            .as_deref()
            .filter(|_| v.method == LoginMethod::Password),
        resend: resend.then_some(if v.sent {
            m.login_send_new_code
        } else {
            m.login_send_code
        }),
    }
    .render()?)
}

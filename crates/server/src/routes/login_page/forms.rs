//! The sign-in page's forms. Each parses, passes the gate (budget, flow,
//! CSRF, pending), calls the domain function the JSON API calls, and
//! answers with a `303`.

use actix_web::http::header::{CACHE_CONTROL, LOCATION};
use actix_web::{HttpRequest, HttpResponse, post, web};
use latchkey_fallback::policy::FallbackMethod;
use latchkey_oidc::flow::{FlowError, LoginFlow};
use latchkey_pages::Feedback;
use serde::Deserialize;

use super::view::{Asked, sends};
use super::{back, csrf_refused, expired, see_other, trouble};
use crate::error::ApiError;
use crate::fallback::progress::DeviceReport;
use crate::fallback::{self, FallbackError, StepDone};
use crate::flows::{self, Completed, FlowLookup};
use crate::limits::{self, IP_FLOW_CALLS, Verdict};
use crate::routes::login_api::LoginApiError;
use crate::routes::login_api::flow::{checked_identifier, record_identifier};
use crate::state::AppState;

/// Every field any form of the page posts; each form uses its own. Missing
/// fields are empty, so a form without a token meets the CSRF check (`403`)
/// rather than a parser error.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    flow: String,
    csrf_token: String,
    identifier: String,
    /// `/login/choose`: the option's steps, space-separated.
    steps: String,
    /// `/login/send`, `/login/verify`: the step's method.
    method: String,
    code: String,
    /// What login.js found out about the browser (`true`/`false`; absent
    /// without script): a platform authenticator, passkey autofill, hybrid.
    platform: String,
    conditional: String,
    hybrid: String,
}

impl LoginForm {
    /// The browser's abilities as reported by login.js.
    fn device(&self) -> DeviceReport {
        let flag = |v: &str| match v {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        };
        DeviceReport {
            platform_authenticator_available: flag(&self.platform),
            conditional_mediation_available: flag(&self.conditional),
            hybrid_available: flag(&self.hybrid),
        }
    }
}

type Form = web::Form<LoginForm>;
type State = web::Data<AppState>;

/// What the gate lets through: the flow, or the answer to give instead.
enum Gate {
    Open(Box<LoginFlow>),
    Closed(HttpResponse),
}

/// The checks of every form, in the JSON API's order: the per-IP budget of
/// login-flow calls, the flow of this browser, its CSRF token, pending.
async fn gate(state: &AppState, req: &HttpRequest, form: &LoginForm) -> Result<Gate, ApiError> {
    let ip = fallback::send::client_ip(req);
    let limited = limits::check(state, IP_FLOW_CALLS, &ip).await?;
    let flow = match flows::load(state, req, &form.flow).await {
        Ok(f) => f,
        Err(FlowLookup::Flow(_)) => return Ok(Gate::Closed(expired(req))),
        Err(FlowLookup::Api(e)) => return Err(e),
    };
    if let Verdict::Limited { retry_after_secs } = limited {
        let wait = secs(retry_after_secs);
        return Ok(Gate::Closed(back(
            &flow.id,
            None,
            Some(Feedback::RateLimited {
                retry_after_secs: wait,
            }),
        )));
    }
    if !flow.csrf_matches(&form.csrf_token) {
        tracing::info!(flow_id = %flow.id, "sign-in form without a valid CSRF token");
        return Ok(Gate::Closed(csrf_refused(req)));
    }
    if !flow.is_pending() {
        return Ok(Gate::Closed(see_other(&flows::resume_path(&flow.id))));
    }
    match fallback::note_device(state, req, &flow.id, form.device()).await {
        Ok(()) => {}
        Err(FallbackError::Flow(FlowLookup::Api(e))) => return Err(e),
        // The flow moved on meanwhile: the handler finds out itself.
        Err(_) => {}
    }
    Ok(Gate::Open(Box::new(flow)))
}

/// Run a form handler: through the gate, then `handle`; backend trouble
/// becomes the error page.
macro_rules! form_handler {
    ($req:ident, $state:ident, $form:ident, |$flow:ident| $body:expr) => {{
        let result: Result<HttpResponse, ApiError> = async {
            let $flow = match gate(&$state, &$req, &$form).await? {
                Gate::Open(f) => f,
                Gate::Closed(res) => return Ok(res),
            };
            $body
        }
        .await;
        result.unwrap_or_else(|e| trouble(&$req, &e))
    }};
}

fn secs(s: i64) -> u64 {
    u64::try_from(s).unwrap_or(0).max(1)
}

/// The answer to a refused fallback step, for the flow `flow_id`.
fn refused(req: &HttpRequest, flow_id: &str, e: FallbackError) -> Result<HttpResponse, ApiError> {
    let fb = |f| Ok(back(flow_id, None, Some(f)));
    match e {
        FallbackError::Flow(FlowLookup::Flow(FlowError::NotPending)) => {
            Ok(see_other(&flows::resume_path(flow_id)))
        }
        FallbackError::Flow(FlowLookup::Flow(_)) => Ok(expired(req)),
        FallbackError::Flow(FlowLookup::Api(e)) => Err(e),
        FallbackError::NotOffered => Ok(back(
            flow_id,
            Some(Asked::Options),
            Some(Feedback::NotOffered),
        )),
        FallbackError::InvalidCode { attempts_left } => fb(Feedback::InvalidCode { attempts_left }),
        FallbackError::CodeExpired => fb(Feedback::CodeExpired),
        FallbackError::Locked { retry_after_secs } => fb(Feedback::Locked {
            retry_after_secs: secs(retry_after_secs),
        }),
        FallbackError::RateLimited { retry_after_secs } => fb(Feedback::RateLimited {
            retry_after_secs: secs(retry_after_secs),
        }),
    }
}

/// Send the code of `method` (the current step) and come back to the page.
async fn send_then_back(
    state: &AppState,
    req: &HttpRequest,
    flow_id: &str,
    method: FallbackMethod,
    done: Option<Feedback>,
) -> Result<HttpResponse, ApiError> {
    match fallback::send::send(state, req, flow_id, method).await {
        Ok(_) => Ok(back(flow_id, None, done)),
        Err(FallbackError::RateLimited { retry_after_secs }) => Ok(back(
            flow_id,
            None,
            Some(Feedback::ResendWait {
                retry_after_secs: secs(retry_after_secs),
            }),
        )),
        Err(e) => refused(req, flow_id, e),
    }
}

/// Signed in (or the flow ended): the session cookie, and on.
fn completed(done: Completed) -> HttpResponse {
    let mut res = HttpResponse::SeeOther();
    if let Some(cookie) = done.session_cookie {
        res.cookie(cookie);
    }
    res.insert_header((LOCATION, done.redirect_to))
        .insert_header((CACHE_CONTROL, "no-store"))
        .finish()
}

/// `POST /login/identify` (`identifier`): name an account, then see the
/// options. Same work and same answer whether or not an account matches
/// (`record_identifier`, shared with the JSON API).
#[post("/login/identify")]
pub async fn identify(req: HttpRequest, form: Form, state: State) -> HttpResponse {
    form_handler!(req, state, form, |flow| {
        let Ok(identifier) = checked_identifier(&form.identifier) else {
            return Ok(back(
                &flow.id,
                Some(Asked::Start),
                Some(Feedback::InvalidIdentifier),
            ));
        };
        match record_identifier(&state, &req, &flow.id, identifier).await {
            Ok(()) => Ok(back(&flow.id, Some(Asked::Options), None)),
            Err(LoginApiError::FlowNotPending) => Ok(see_other(&flows::resume_path(&flow.id))),
            Err(LoginApiError::FlowNotFound) => Ok(expired(&req)),
            Err(LoginApiError::Api(e)) => Err(e),
            Err(other) => Err(ApiError::Internal(other.to_string())),
        }
    })
}

/// `POST /login/options`: "other ways to sign in". Asks the engine (and
/// records `fallback_offered`), then shows its options.
#[post("/login/options")]
pub async fn options(req: HttpRequest, form: Form, state: State) -> HttpResponse {
    form_handler!(req, state, form, |flow| {
        match fallback::report(&state, &req, &flow.id, None, form.device()).await {
            Ok(_) => Ok(back(&flow.id, Some(Asked::Options), None)),
            Err(e) => refused(&req, &flow.id, e),
        }
    })
}

/// Method names from a form: `None` unless each is known.
fn methods(names: &str) -> Option<Vec<FallbackMethod>> {
    let parsed: Option<Vec<_>> = names
        .split_whitespace()
        .map(FallbackMethod::parse)
        .collect();
    parsed.filter(|m| (1..=2).contains(&m.len()))
}

/// `POST /login/choose` (`steps`): pick one of the engine's options
/// (`fallback::choose` checks it is offered); a first step that sends a
/// code sends it now.
#[post("/login/choose")]
pub async fn choose(req: HttpRequest, form: Form, state: State) -> HttpResponse {
    form_handler!(req, state, form, |flow| {
        let Some(steps) = methods(&form.steps) else {
            return Ok(back(
                &flow.id,
                Some(Asked::Options),
                Some(Feedback::NotOffered),
            ));
        };
        match fallback::choose(&state, &req, &flow.id, &steps).await {
            Ok(progress) => match progress.next_step().filter(|m| sends(*m)) {
                Some(m) => send_then_back(&state, &req, &flow.id, m, None).await,
                None => Ok(back(&flow.id, None, None)),
            },
            Err(e) => refused(&req, &flow.id, e),
        }
    })
}

/// `POST /login/send` (`method`): a new code for the current step.
#[post("/login/send")]
pub async fn send(req: HttpRequest, form: Form, state: State) -> HttpResponse {
    form_handler!(req, state, form, |flow| {
        let Some(method) = FallbackMethod::parse(&form.method) else {
            return Ok(back(
                &flow.id,
                Some(Asked::Options),
                Some(Feedback::NotOffered),
            ));
        };
        send_then_back(&state, &req, &flow.id, method, Some(Feedback::CodeSent)).await
    })
}

/// The longest code or password accepted, in characters (as the JSON API).
const MAX_CODE_CHARS: usize = 256;

/// `POST /login/verify` (`method`, `code`): check the current step
/// (`fallback::check::check`, with its limits and lockouts). The last step
/// signs in and goes on (to the passkey invitation or the client); another
/// step is sent if it sends a code.
#[post("/login/verify")]
pub async fn verify(req: HttpRequest, form: Form, state: State) -> HttpResponse {
    form_handler!(req, state, form, |flow| {
        let Some(method) = FallbackMethod::parse(&form.method) else {
            return Ok(back(
                &flow.id,
                Some(Asked::Options),
                Some(Feedback::NotOffered),
            ));
        };
        // An empty or oversized entry costs no guess.
        if form.code.trim().is_empty() {
            return Ok(back(&flow.id, None, Some(Feedback::MissingCode)));
        }
        if form.code.chars().count() > MAX_CODE_CHARS {
            return Ok(back(
                &flow.id,
                None,
                Some(Feedback::InvalidCode {
                    attempts_left: None,
                }),
            ));
        }
        match fallback::check::check(&state, &req, &flow.id, method, &form.code).await {
            Ok(StepDone::Completed(done)) => Ok(completed(done)),
            Ok(StepDone::Next(next)) if sends(next) => {
                send_then_back(&state, &req, &flow.id, next, None).await
            }
            Ok(StepDone::Next(_)) => Ok(back(&flow.id, None, None)),
            Err(e) => refused(&req, &flow.id, e),
        }
    })
}

/// `POST /login/give-up`: end the flow (`flows::fail`); the browser goes
/// on to the client, which receives the error.
#[post("/login/give-up")]
pub async fn give_up(req: HttpRequest, form: Form, state: State) -> HttpResponse {
    form_handler!(req, state, form, |flow| {
        let (_, _, decision) = fallback::decide(&state, &req, &flow).await?;
        let (error, description) = fallback::give_up_error(&decision);
        match flows::fail(&state, &req, &flow.id, error, description).await {
            Ok(done) => Ok(completed(done)),
            Err(e) => refused(&req, &flow.id, FallbackError::Flow(e)),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_name_one_or_two_known_methods() {
        assert_eq!(methods("email_code"), Some(vec![FallbackMethod::EmailCode]));
        assert_eq!(
            methods(" totp  email_code "),
            Some(vec![FallbackMethod::Totp, FallbackMethod::EmailCode])
        );
        for bad in [
            "",
            "  ",
            "fax",
            "passkey",
            "totp email_code sms_code",
            "totp,email_code",
        ] {
            assert_eq!(methods(bad), None, "{bad:?}");
        }
    }
}

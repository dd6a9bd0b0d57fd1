//! The login-flow JSON API: what the hosted sign-in pages (and any custom
//! UI) use to drive the login flow `/authorize` created, from "who are
//! you?" to a passkey assertion, ending in [`crate::flows::complete`].
//! Ory Kratos's self-service flows are the model.
//!
//! | route | purpose |
//! |---|---|
//! | `GET /api/login/flows/{id}` | the flow as the page needs it ([`flow::FlowView`]) |
//! | `POST /api/login/flows/{id}/identify` | identifier-first: name an account |
//! | `POST /api/login/flows/{id}/passkey/options` | `navigator.credentials.get()` options |
//! | `POST /api/login/flows/{id}/passkey/verify` | verify the assertion; sign in |
//! | `POST /api/login/flows/{id}/passkey/failure` | classify a client-side failure |
//!
//! Protection, on every route:
//! - the flow must belong to the browser (`__Host-latchkey-browser`
//!   cookie); a flow that is unknown, expired or another browser's is
//!   `404 flow_not_found`, the same answer for all three;
//! - every `POST` needs the flow's CSRF token in `X-Latchkey-CSRF`
//!   (compared in constant time; missing or wrong → `403 csrf`). The token
//!   is only readable through the flow's `GET`, which the same-origin
//!   policy keeps from other sites, and a custom header plus a JSON body
//!   cannot be sent cross-site without a CORS preflight, which Latchkey
//!   never grants;
//! - every `POST` takes `application/json` (anything unreadable is
//!   `400 invalid_request`) and needs a pending flow (`409
//!   flow_not_pending` once it has been completed or failed).
//!
//! Errors are JSON objects with `error` and `error_description`, plus
//! `reason` and `next` for `passkey_failed`; every response is
//! `Cache-Control: no-store`.

pub mod failure;
pub mod fallback;
pub mod flow;
pub mod passkey;
mod stand_in;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use latchkey_oidc::flow::{FlowError, LoginFlow};
use latchkey_passkey::PasskeyFailure;
use serde::Serialize;

use crate::error::{ApiError, Detailed};
use crate::flows::{self, FlowLookup};
use crate::state::AppState;

/// The anti-CSRF header: the flow's token on login-flow `POST`s, the
/// session's token on account-API changes.
pub const CSRF_HEADER: &str = "X-Latchkey-CSRF";

/// Register the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(flow::get_flow)
        .service(flow::identify)
        .service(passkey::options)
        .service(passkey::verify)
        .service(failure::failure)
        .service(fallback::options)
        .service(fallback::choose)
        .service(fallback::send)
        .service(fallback::verify)
        .service(fallback::give_up);
}

/// One way forward after a failure, best first, as the fallback engine
/// offers it (the full decision is at `POST …/fallback/options`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NextOption {
    /// The steps of the option (`passkey`, `email_code`, `email_code` +
    /// `totp`, …); choose it with `POST …/fallback/choose`.
    pub steps: Vec<String>,
    /// Why it is offered, for the page's wording.
    pub reason: String,
    /// The `acr` it reaches.
    pub acr: String,
}

impl NextOption {
    /// The options of an engine decision.
    #[must_use]
    pub fn of(decision: &latchkey_fallback::engine::Decision) -> Vec<Self> {
        decision
            .options()
            .iter()
            .map(|o| Self {
                steps: o.steps.iter().map(|s| s.as_str().to_owned()).collect(),
                reason: o.reason.code().to_owned(),
                acr: o.acr.as_str().to_owned(),
            })
            .collect()
    }
}

/// What a login-flow route answers when it cannot do what was asked.
#[derive(Debug)]
pub enum LoginApiError {
    /// `403 csrf`: the `X-Latchkey-CSRF` header is missing or wrong.
    Csrf,
    /// `404 flow_not_found`: unknown, expired, or another browser's flow.
    FlowNotFound,
    /// `409 flow_not_pending`: the flow was already completed or failed.
    FlowNotPending,
    /// `400 ceremony_not_found`: no such ceremony in this flow (never
    /// started, timed out, or already used: an assertion is verified once).
    CeremonyNotFound,
    /// `400 passkey_failed`: the assertion was refused, with the reason the
    /// user sees and what to offer next.
    PasskeyFailed(PasskeyFailure, Vec<NextOption>),
    /// `400 method_not_offered`: the method is not among the options the
    /// engine offers now, or not the chosen option's next step.
    MethodNotOffered,
    /// `400 invalid_code`: wrong code (`attempts_left` for sent codes).
    InvalidCode { attempts_left: Option<u64> },
    /// `400 code_expired`: the code expired, was used or ran out of
    /// guesses; send a new one.
    CodeExpired,
    /// `429 locked`: too many wrong guesses; `retry_after_secs`.
    Locked { retry_after_secs: i64 },
    /// `429 rate_limited`: too many requests; `retry_after_secs`.
    RateLimited { retry_after_secs: i64 },
    /// Anything else, rendered as the app's usual error JSON.
    Api(ApiError),
}

impl std::fmt::Display for LoginApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Api(e) => write!(f, "{e}"),
            other => f.write_str(other.code()),
        }
    }
}

/// The body of every login-flow error except [`LoginApiError::Api`].
#[derive(Debug, Serialize)]
pub struct LoginApiErrorBody {
    pub error: &'static str,
    pub error_description: &'static str,
    /// For `passkey_failed`: why (`PasskeyFailure`, snake_case).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<PasskeyFailure>,
    /// For `passkey_failed`: what to offer next.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<Vec<NextOption>>,
    /// For `invalid_code`: how many more guesses the code allows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts_left: Option<u64>,
    /// For `locked` and `rate_limited`: when to try again (also in
    /// `Retry-After`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<i64>,
}

impl LoginApiError {
    fn code(&self) -> &'static str {
        match self {
            Self::Csrf => "csrf",
            Self::FlowNotFound => "flow_not_found",
            Self::FlowNotPending => "flow_not_pending",
            Self::CeremonyNotFound => "ceremony_not_found",
            Self::PasskeyFailed(..) => "passkey_failed",
            Self::MethodNotOffered => "method_not_offered",
            Self::InvalidCode { .. } => "invalid_code",
            Self::CodeExpired => "code_expired",
            Self::Locked { .. } => "locked",
            Self::RateLimited { .. } => "rate_limited",
            Self::Api(_) => "api",
        }
    }

    fn description(&self) -> &'static str {
        match self {
            Self::Csrf => "The X-Latchkey-CSRF header is missing or does not match this sign-in.",
            Self::FlowNotFound => "This sign-in has expired or does not exist in this browser.",
            Self::FlowNotPending => "This sign-in is already finished.",
            Self::CeremonyNotFound => "The passkey request has expired or was already used.",
            Self::PasskeyFailed(..) => "The passkey sign-in did not succeed.",
            Self::MethodNotOffered => "That way of signing in is not available at this step.",
            Self::InvalidCode { .. } => "That code is not right.",
            Self::CodeExpired => "That code has expired or was already used. Ask for a new one.",
            Self::Locked { .. } => "Too many wrong attempts. Try again later.",
            Self::RateLimited { .. } => "Too many requests. Try again later.",
            Self::Api(_) => "",
        }
    }
}

impl LoginApiError {
    fn status(&self) -> StatusCode {
        match self {
            Self::Csrf => StatusCode::FORBIDDEN,
            Self::FlowNotFound => StatusCode::NOT_FOUND,
            Self::FlowNotPending => StatusCode::CONFLICT,
            Self::CeremonyNotFound
            | Self::PasskeyFailed(..)
            | Self::MethodNotOffered
            | Self::InvalidCode { .. }
            | Self::CodeExpired => StatusCode::BAD_REQUEST,
            Self::Locked { .. } | Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Api(e) => e.status_code(),
        }
    }
}

impl From<LoginApiError> for ApiError {
    fn from(e: LoginApiError) -> Self {
        let status = e.status();
        let (reason, next) = match &e {
            LoginApiError::PasskeyFailed(r, next) => (Some(*r), Some(next.clone())),
            _ => (None, None),
        };
        let attempts_left = match &e {
            LoginApiError::InvalidCode { attempts_left } => *attempts_left,
            _ => None,
        };
        let retry_after_secs = match &e {
            LoginApiError::Locked { retry_after_secs }
            | LoginApiError::RateLimited { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        };
        let body = LoginApiErrorBody {
            error: e.code(),
            error_description: e.description(),
            reason,
            next,
            attempts_left,
            retry_after_secs,
        };
        match e {
            LoginApiError::Api(api) => api,
            _ => Detailed::error(status, &body, retry_after_secs),
        }
    }
}

impl From<LoginApiError> for actix_web::Error {
    fn from(e: LoginApiError) -> Self {
        ApiError::from(e).into()
    }
}

impl From<ApiError> for LoginApiError {
    fn from(e: ApiError) -> Self {
        Self::Api(e)
    }
}

impl From<latchkey_core::RepoError> for LoginApiError {
    fn from(e: latchkey_core::RepoError) -> Self {
        Self::Api(e.into())
    }
}

impl From<FlowLookup> for LoginApiError {
    fn from(e: FlowLookup) -> Self {
        match e {
            FlowLookup::Flow(FlowError::NotFound | FlowError::OtherBrowser) => Self::FlowNotFound,
            FlowLookup::Flow(FlowError::NotPending | FlowError::NotAuthenticated) => {
                Self::FlowNotPending
            }
            FlowLookup::Api(e) => Self::Api(e),
        }
    }
}

/// Looked up in place of an account that does not exist, so that an
/// unknown identifier costs the same queries as a known one. No user has
/// the nil UUID (ids are random v4 UUIDs).
fn nobody() -> latchkey_core::UserId {
    latchkey_core::UserId("00000000-0000-0000-0000-000000000000".to_owned())
}

/// Responses carry the CSRF token or a sign-in's outcome: never cache them.
pub(crate) use crate::error::no_store;

/// The `200` answer of a call that completed the flow: the session cookie
/// (when one was started) and `body`, never cached.
fn completed_json(done: flows::Completed, body: &impl Serialize) -> HttpResponse {
    let mut res = HttpResponse::Ok();
    if let Some(cookie) = done.session_cookie {
        res.cookie(cookie);
    }
    let mut res = res.json(body);
    no_store(&mut res);
    res
}

/// A `200` JSON response that is never cached.
fn json_ok(body: &impl Serialize) -> HttpResponse {
    let mut res = HttpResponse::Ok().json(body);
    no_store(&mut res);
    res
}

/// The flow for a state-changing call: within the per-IP budget of
/// login-flow calls, this browser's, live, the CSRF header matching, and
/// still pending (in that order, so that nothing about a flow is revealed
/// to a request that could not use it).
async fn pending_flow(
    state: &AppState,
    req: &HttpRequest,
    id: &str,
) -> Result<LoginFlow, LoginApiError> {
    let ip = crate::fallback::send::client_ip(req);
    if let crate::limits::Verdict::Limited { retry_after_secs } =
        crate::limits::check(state, crate::limits::IP_FLOW_CALLS, &ip).await?
    {
        return Err(LoginApiError::RateLimited { retry_after_secs });
    }
    let flow = flows::load(state, req, id).await?;
    let presented = req
        .headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !flow.csrf_matches(presented) {
        tracing::info!(flow_id = %flow.id, "login API request without a valid CSRF token");
        return Err(LoginApiError::Csrf);
    }
    if !flow.is_pending() {
        return Err(LoginApiError::FlowNotPending);
    }
    Ok(flow)
}

//! Fallback routes of the login-flow API: the options the engine offers,
//! choosing one, sending a code, checking a code, giving up.

use actix_web::{HttpRequest, HttpResponse, post, web};
use latchkey_fallback::engine::Decision;
use latchkey_fallback::policy::FallbackMethod;
use serde::{Deserialize, Serialize};

use super::{LoginApiError, json_ok, pending_flow};
use crate::error::ApiError;
use crate::fallback::progress::DeviceReport;
use crate::fallback::send::Sent;
use crate::fallback::{self, FallbackError, StepDone};
use crate::flows;
use crate::state::AppState;

/// `POST …/fallback/options` body: what the browser knows about itself.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionsRequest {
    pub platform_authenticator_available: Option<bool>,
    pub conditional_mediation_available: Option<bool>,
    pub hybrid_available: Option<bool>,
}

/// `POST …/fallback/options` → `200` the engine's [`Decision`]: `decision`
/// `offer` (with `options` best first, `identify_first`, `notices`,
/// `skipped`) or `refuse` (with `reason`).
#[post("/api/login/flows/{id}/fallback/options")]
pub async fn options(
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Json<OptionsRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, LoginApiError> {
    pending_flow(&state, &req, &id).await?;
    let b = body.into_inner();
    let device = DeviceReport {
        platform_authenticator_available: b.platform_authenticator_available,
        conditional_mediation_available: b.conditional_mediation_available,
        hybrid_available: b.hybrid_available,
    };
    let decision: Decision = fallback::report(&state, &req, &id, None, device).await?;
    Ok(json_ok(&decision))
}

/// `POST …/fallback/choose` body: the `steps` of one offered option.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChooseRequest {
    pub steps: Vec<String>,
}

/// What to do next in a fallback sign-in.
#[derive(Debug, Clone, Serialize)]
pub struct StepResponse {
    /// The step the page shows now (`email_code`, `totp`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_step: Option<FallbackMethod>,
    /// Where the browser goes when the sign-in is complete.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_to: Option<String>,
}

fn parse_methods(names: &[String]) -> Result<Vec<FallbackMethod>, ApiError> {
    if names.is_empty() || names.len() > 2 {
        return Err(ApiError::invalid_request(
            "steps must name one or two methods",
        ));
    }
    names
        .iter()
        .map(|n| {
            FallbackMethod::parse(n).ok_or_else(|| {
                ApiError::invalid_request(format!(
                    "unknown method {n:?}; expected one of {}",
                    FallbackMethod::known_names()
                ))
            })
        })
        .collect()
}

/// `POST …/fallback/choose` [`ChooseRequest`] → `200` [`StepResponse`]
/// with the first step. Errors: `400 method_not_offered` when the steps are
/// not an option the engine offers now.
#[post("/api/login/flows/{id}/fallback/choose")]
pub async fn choose(
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Json<ChooseRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, LoginApiError> {
    pending_flow(&state, &req, &id).await?;
    let steps = parse_methods(&body.steps)?;
    let progress = fallback::choose(&state, &req, &id, &steps).await?;
    Ok(json_ok(&StepResponse {
        next_step: progress.next_step(),
        redirect_to: None,
    }))
}

/// `POST …/fallback/send` and `…/fallback/verify` name a method.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendRequest {
    pub method: String,
}

fn one_method(name: &str) -> Result<FallbackMethod, ApiError> {
    parse_methods(std::slice::from_ref(&name.to_owned())).map(|mut v| v.remove(0))
}

/// `POST …/fallback/send` [`SendRequest`] (`email_code`, `email_link` or
/// `sms_code`, the current step) → `200` [`Sent`]. The same answer
/// whether or not the account exists or has the address. Errors: `400
/// method_not_offered`, `429 rate_limited` with `retry_after_secs`.
#[post("/api/login/flows/{id}/fallback/send")]
pub async fn send(
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Json<SendRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, LoginApiError> {
    pending_flow(&state, &req, &id).await?;
    let method = one_method(&body.method)?;
    let sent: Sent = fallback::send::send(&state, &req, &id, method).await?;
    Ok(json_ok(&sent))
}

/// `POST …/fallback/verify` body.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    pub method: String,
    /// What the user typed (at most 256 characters).
    pub code: String,
}

/// `POST …/fallback/verify` [`VerifyRequest`] → `200` [`StepResponse`]
/// (`next_step`, or `redirect_to` when signed in). Sets the session cookie
/// on completion. Errors: `400 invalid_code` (with `attempts_left` for
/// sent codes), `400 code_expired` (send a new one), `400
/// method_not_offered`, `429 locked` / `429 rate_limited` with
/// `retry_after_secs`.
#[post("/api/login/flows/{id}/fallback/verify")]
pub async fn verify(
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Json<VerifyRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, LoginApiError> {
    pending_flow(&state, &req, &id).await?;
    let method = one_method(&body.method)?;
    if body.code.chars().count() > 256 {
        return Err(ApiError::invalid_request("code is too long").into());
    }
    match fallback::check::check(&state, &req, &id, method, &body.code).await? {
        StepDone::Next(next) => Ok(json_ok(&StepResponse {
            next_step: Some(next),
            redirect_to: None,
        })),
        StepDone::Completed(done) => {
            let body = StepResponse {
                next_step: None,
                redirect_to: Some(done.redirect_to.clone()),
            };
            Ok(super::completed_json(done, &body))
        }
    }
}

/// `POST …/fallback/give-up` (empty JSON object) → `200 { redirect_to }`:
/// ends the flow. The client receives `unmet_authentication_requirements`
/// when its `acr_values` ruled methods out (the engine refuses because
/// nothing meets them, or skipped a method as `too_weak`), and
/// `access_denied` otherwise.
#[post("/api/login/flows/{id}/fallback/give-up")]
pub async fn give_up(
    req: HttpRequest,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, LoginApiError> {
    let flow = pending_flow(&state, &req, &id).await?;
    let (_, _, decision) = fallback::decide(&state, &req, &flow).await?;
    let (error, description) = fallback::give_up_error(&decision);
    let done = flows::fail(&state, &req, &id, error, description).await?;
    Ok(json_ok(&StepResponse {
        next_step: None,
        redirect_to: Some(done.redirect_to),
    }))
}

impl From<FallbackError> for LoginApiError {
    fn from(e: FallbackError) -> Self {
        match e {
            FallbackError::Flow(f) => f.into(),
            FallbackError::NotOffered => Self::MethodNotOffered,
            FallbackError::InvalidCode { attempts_left } => Self::InvalidCode { attempts_left },
            FallbackError::CodeExpired => Self::CodeExpired,
            FallbackError::Locked { retry_after_secs } => Self::Locked { retry_after_secs },
            FallbackError::RateLimited { retry_after_secs } => {
                Self::RateLimited { retry_after_secs }
            }
        }
    }
}

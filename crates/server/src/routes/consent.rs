//! The consent page (`GET`/`POST /consent?flow=…`): between sign-in and
//! code for clients registered with `require_consent` (docs/oidc.md,
//! Consent). Only the browser that signed in, with the session that sign-in
//! started, can answer; the form carries the flow's CSRF token.

use actix_web::http::header::{CACHE_CONTROL, LOCATION};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use latchkey_core::{UserId, UserRepo as _};
use latchkey_oidc::ConsentRepo as _;
use latchkey_oidc::flow::{FlowState, LoginFlow};
use latchkey_pages::{ConsentPage, ErrorKind};
use serde::Deserialize;

use crate::error::ApiError;
use crate::flows::{self, FlowLock, FlowLookup};
use crate::state::AppState;
use crate::{consent, html, session};

/// `?flow=` of the consent page.
#[derive(Debug, Deserialize)]
pub struct ConsentQuery {
    flow: String,
}

/// The consent form.
#[derive(Debug, Deserialize)]
pub struct ConsentForm {
    flow: String,
    csrf_token: String,
    /// `allow` or `deny`.
    decision: String,
}

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, location))
        .insert_header((CACHE_CONTROL, "no-store"))
        .finish()
}

fn no_consent_due(req: &HttpRequest, detail: &str) -> HttpResponse {
    html::error_page(req, ErrorKind::SessionExpired, "invalid_request", detail)
}

/// The flow and its signed-in user, when the flow is authenticated in this
/// browser and the browser still has the session that sign-in started.
async fn signed_in_flow(
    state: &AppState,
    req: &HttpRequest,
    flow_id: &str,
) -> Result<Result<(LoginFlow, UserId), &'static str>, ApiError> {
    let flow = match flows::load(state, req, flow_id).await {
        Ok(f) => f,
        Err(FlowLookup::Api(e)) => return Err(e),
        Err(FlowLookup::Flow(_)) => return Ok(Err("this sign-in has expired or is not yours")),
    };
    let FlowState::Authenticated { authn, sid } = &flow.state else {
        return Ok(Err("this sign-in is not waiting for consent"));
    };
    let current = session::current(state, req).await?;
    if !current.is_some_and(|s| &s.sid == sid && s.subject == authn.subject) {
        return Ok(Err("the browser session of this sign-in ended"));
    }
    let user = authn.subject.clone();
    Ok(Ok((flow, user)))
}

/// `GET /consent?flow=…`: what the application will receive, and two
/// answers. When no consent is due (any more), straight on to the client.
#[get("/consent")]
pub async fn consent_page(
    req: HttpRequest,
    query: web::Query<ConsentQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (flow, user) = match signed_in_flow(&state, &req, &query.flow).await? {
        Ok(found) => found,
        Err(detail) => return Ok(no_consent_due(&req, detail)),
    };
    if !consent::awaited(&state, &flow).await? {
        return Ok(see_other(&flows::resume_path(&flow.id)));
    }
    let user_label = state
        .db
        .user_by_id(&user)
        .await?
        .map(|u| u.username)
        .unwrap_or_default();
    let page = ConsentPage {
        lang: html::flow_lang(&req, &flow),
        flow_id: flow.id.clone(),
        csrf_token: flow.csrf_token.clone(),
        client_name: flow.client_name.clone(),
        user_label,
        scopes: flow.request.scopes.clone(),
    };
    // Both answers end at the client: its origin joins `form-action`.
    let mut res = html::flow_page(&flow, page.render());
    res.headers_mut().insert(
        CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

/// `POST /consent`: record the answer and continue to the client (with a
/// code after `allow`, with `access_denied` after `deny`).
#[post("/consent")]
pub async fn consent_answer(
    req: HttpRequest,
    form: web::Form<ConsentForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let form = form.into_inner();
    let allow = match form.decision.as_str() {
        "allow" => true,
        "deny" => false,
        _ => {
            return Ok(html::error_page(
                &req,
                ErrorKind::InvalidRequest,
                "invalid_request",
                "decision must be allow or deny",
            ));
        }
    };
    let lock = match FlowLock::acquire(&state, &form.flow).await {
        Ok(l) => l,
        Err(FlowLookup::Api(e)) => return Err(e),
        Err(FlowLookup::Flow(_)) => return Ok(no_consent_due(&req, "unknown sign-in")),
    };
    let answered = answer_locked(&state, &req, &form, allow).await;
    lock.release(&state).await;
    match answered? {
        Ok(flow_id) => Ok(see_other(&flows::resume_path(&flow_id))),
        Err(detail) => Ok(html::error_page(
            &req,
            ErrorKind::InvalidRequest,
            "invalid_request",
            detail,
        )),
    }
}

async fn answer_locked(
    state: &AppState,
    req: &HttpRequest,
    form: &ConsentForm,
    allow: bool,
) -> Result<Result<String, &'static str>, ApiError> {
    let (mut flow, user) = match signed_in_flow(state, req, &form.flow).await? {
        Ok(found) => found,
        Err(detail) => return Ok(Err(detail)),
    };
    if !flow.csrf_matches(&form.csrf_token) {
        return Ok(Err("the form's csrf_token does not match"));
    }
    if !consent::awaited(state, &flow).await? {
        // Answered already (a second tab, a double click): nothing to do.
        return Ok(Ok(flow.id));
    }
    let moved = if allow {
        state
            .db
            .grant_consent(
                &user,
                &flow.request.client_id,
                &flow.request.scopes,
                state.clock.now(),
            )
            .await?;
        flow.give_consent()
    } else {
        flow.decline_consent()
    };
    if moved.is_err() {
        return Ok(Err("this sign-in is not waiting for consent"));
    }
    flows::save(state, &flow).await?;
    tracing::info!(
        flow_id = %flow.id,
        client_id = %flow.request.client_id.0,
        decision = if allow { "allow" } else { "deny" },
        "consent answered"
    );
    Ok(Ok(flow.id))
}

//! Server-rendered steps of a fallback sign-in that work without script:
//! the magic-link landing and the passkey invitation after a fallback.
//!
//! Magic links and other devices: a link signs in only the browser that
//! asked for the email (the flow's browser cookie). Opened anywhere else it
//! explains that and asks the user to type the code from the same email on
//! the device where they started; it never signs in that other device, so a
//! link forwarded, intercepted or opened by someone who tricked the user
//! into asking for it is worth nothing there. Opening the link (a GET, as
//! mail scanners do) changes nothing; only the page's Continue form (a POST
//! from the same browser) uses it up.

use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use latchkey_fallback::policy::FallbackMethod;
use latchkey_fallback::repo::{EventKind, Outcome};
use latchkey_oidc::flow::FlowState;
use latchkey_pages::{EmailLinkPage, EmailLinkState, ErrorKind, NudgePage};
use serde::Deserialize;

use crate::error::ApiError;
use crate::fallback::challenge::{self, Challenge};
use crate::fallback::{self, FallbackError, StepDone, nudge, progress};
use crate::flows::{self, FlowLookup};
use crate::state::AppState;
use crate::{events, html, session};

/// `?token=` of a magic link.
#[derive(Debug, Deserialize)]
pub struct LinkQuery {
    token: Option<String>,
}

fn same_browser(req: &HttpRequest, challenge: &Challenge) -> bool {
    let presented = session::browser_id(req).map(|b| session::digest(&b));
    presented.is_some_and(|p| {
        subtle::ConstantTimeEq::ct_eq(p.as_bytes(), challenge.browser_hash.as_bytes()).into()
    })
}

fn link_page(req: &HttpRequest, state: EmailLinkState, token: Option<String>) -> HttpResponse {
    html::page(
        EmailLinkPage {
            lang: html::lang(req),
            state,
            token,
        }
        .render(),
    )
}

/// `GET /login/email-link?token=…`: the landing page. Consumes nothing.
#[get("/login/email-link")]
pub async fn email_link(
    req: HttpRequest,
    query: web::Query<LinkQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let token = query.into_inner().token.unwrap_or_default();
    let Some(challenge) = challenge::by_link(&state, &token).await? else {
        return Ok(link_page(&req, EmailLinkState::Invalid, None));
    };
    if same_browser(&req, &challenge) {
        let page = EmailLinkPage {
            lang: html::lang(&req),
            state: EmailLinkState::Usable,
            token: Some(token),
        };
        // Continue ends at the client: its origin joins `form-action`.
        match flows::load(&state, &req, &challenge.flow_id).await {
            Ok(flow) => Ok(html::flow_page(&flow, page.render())),
            Err(FlowLookup::Api(e)) => Err(e),
            Err(FlowLookup::Flow(_)) => Ok(link_page(&req, EmailLinkState::Invalid, None)),
        }
    } else {
        Ok(link_page(&req, EmailLinkState::OtherDevice, None))
    }
}

/// The Continue form of the landing page.
#[derive(Debug, Deserialize)]
pub struct LinkForm {
    token: String,
}

/// `POST /login/email-link`: use the link in the browser that asked for
/// it; complete the step and continue (to the invitation or the client).
#[post("/login/email-link")]
pub async fn use_email_link(
    req: HttpRequest,
    form: web::Form<LinkForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let token = form.into_inner().token;
    let Some(challenge) = challenge::by_link(&state, &token).await? else {
        return Ok(link_page(&req, EmailLinkState::Invalid, None));
    };
    if !same_browser(&req, &challenge) {
        return Ok(link_page(&req, EmailLinkState::OtherDevice, None));
    }
    let flow_id = challenge.flow_id.clone();
    match challenge::use_link(&state, &token).await? {
        challenge::Guess::Correct(_) => {}
        _ => return Ok(link_page(&req, EmailLinkState::Invalid, None)),
    }
    match fallback::step_passed(&state, &req, &flow_id, FallbackMethod::EmailLink).await {
        Ok(StepDone::Completed(done)) => {
            let mut res = HttpResponse::SeeOther();
            if let Some(cookie) = done.session_cookie {
                res.cookie(cookie);
            }
            Ok(res.insert_header((LOCATION, done.redirect_to)).finish())
        }
        // A second factor is due: back to the sign-in page, which shows it.
        Ok(StepDone::Next(_)) => Ok(HttpResponse::SeeOther()
            .insert_header((LOCATION, format!("/login?flow={flow_id}")))
            .finish()),
        Err(FallbackError::Flow(FlowLookup::Api(e))) => Err(e),
        Err(_) => Ok(link_page(&req, EmailLinkState::Invalid, None)),
    }
}

/// `?flow=` of the invitation page.
#[derive(Debug, Deserialize)]
pub struct NudgeQuery {
    flow: String,
}

fn expired(req: &HttpRequest) -> HttpResponse {
    html::error_page(
        req,
        ErrorKind::SessionExpired,
        "invalid_request",
        "no passkey invitation is due for this flow",
    )
}

/// The flow and its user when an invitation is due for it in this browser.
async fn due(
    state: &AppState,
    req: &HttpRequest,
    flow_id: &str,
) -> Result<Option<(latchkey_oidc::flow::LoginFlow, latchkey_core::UserId)>, ApiError> {
    let flow = match flows::load(state, req, flow_id).await {
        Ok(f) => f,
        Err(FlowLookup::Api(e)) => return Err(e),
        Err(FlowLookup::Flow(_)) => return Ok(None),
    };
    let FlowState::Authenticated { authn, .. } = &flow.state else {
        return Ok(None);
    };
    let user = authn.subject.clone();
    let p = progress::load(state, &flow).await?;
    Ok(p.nudge_pending.then_some((flow, user)))
}

/// `GET /login/nudge?flow=…`: the invitation to create a passkey.
#[get("/login/nudge")]
pub async fn nudge_page(
    req: HttpRequest,
    query: web::Query<NudgeQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Some((flow, user)) = due(&state, &req, &query.flow).await? else {
        return Ok(expired(&req));
    };
    nudge::shown(&state, &req, &user).await?;
    events::record(
        &state,
        events::for_flow(&state, &req, &flow, EventKind::NudgeShown, Outcome::Info).user(&user),
    )
    .await;
    let page = NudgePage {
        lang: html::flow_lang(&req, &flow),
        flow_id: flow.id.clone(),
        csrf_token: flow.csrf_token.clone(),
    };
    // Every choice ends at the client: its origin joins `form-action`.
    Ok(html::flow_page(&flow, page.render()))
}

/// The invitation's form.
#[derive(Debug, Deserialize)]
pub struct NudgeForm {
    flow: String,
    csrf_token: String,
    /// `created` (by nudge.js after the passkey was added), `not_now`,
    /// `never`.
    action: String,
}

/// `POST /login/nudge`: record the choice and continue to the client.
#[post("/login/nudge")]
pub async fn nudge_choice(
    req: HttpRequest,
    form: web::Form<NudgeForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let form = form.into_inner();
    let Some((flow, user)) = due(&state, &req, &form.flow).await? else {
        return Ok(expired(&req));
    };
    if !flow.csrf_matches(&form.csrf_token) {
        return Err(ApiError::invalid_request(
            "the form's csrf_token does not match",
        ));
    }
    let (kind, detail) = match form.action.as_str() {
        "created" => (EventKind::NudgeAccepted, "created"),
        "not_now" => (EventKind::NudgeDeclined, "not_now"),
        "never" => {
            nudge::dismiss(&state, &req, &user).await?;
            (EventKind::NudgeDeclined, "never")
        }
        _ => {
            return Err(ApiError::invalid_request(
                "action must be created, not_now or never",
            ));
        }
    };
    events::record(
        &state,
        events::for_flow(&state, &req, &flow, kind, Outcome::Info)
            .user(&user)
            .detail(detail),
    )
    .await;
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, flows::resume_path(&flow.id)))
        .finish())
}

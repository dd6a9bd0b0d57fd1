//! The authorization endpoint (OpenID Connect Core §3.1.2, RFC 6749 §4.1.1)
//! and its resume route, where a browser returns after signing in.

use actix_web::cookie::Cookie;
use actix_web::http::header::{CACHE_CONTROL, LOCATION};
use actix_web::{HttpRequest, HttpResponse, get, route, web};
use latchkey_core::{UserId, UserRepo as _, UserStatus};
use latchkey_oidc::authorize::{
    self as authz, AuthorizationRequest, AuthorizeError, ErrorRedirect,
};
use latchkey_oidc::flow::FlowState;
use latchkey_oidc::session::BrowserSession;
use latchkey_oidc::{Client, ClientId, ClientRepo as _};
use latchkey_pages::ErrorKind;
use serde::Deserialize;

use crate::error::ApiError;
use crate::flows::{self, FlowLookup};
use crate::state::AppState;
use crate::{consent, html, respond, session, tokens};

/// `GET` or `POST /authorize`.
#[route("/authorize", method = "GET", method = "POST")]
pub async fn authorize(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let params = match crate::params::authorization_request(&req, &body) {
        Ok(p) => p,
        Err(e) => {
            return Ok(html::error_page(
                &req,
                ErrorKind::InvalidRequest,
                "invalid_request",
                &e,
            ));
        }
    };
    let client = match params.get("client_id") {
        Some(id) => state.db.client_by_id(&ClientId(id.to_owned())).await?,
        None => None,
    };
    let request = match authz::validate(&params, client.as_ref()) {
        Ok(r) => r,
        Err(AuthorizeError::Page { error, description }) => {
            let kind = if error == "invalid_client" {
                ErrorKind::UnknownClient
            } else if description.contains("redirect_uri") {
                ErrorKind::UnregisteredRedirectUri
            } else {
                ErrorKind::InvalidRequest
            };
            return Ok(html::error_page(&req, kind, error, &description));
        }
        Err(AuthorizeError::Redirect(r)) => return Ok(respond::error(&state, &req, &r)),
    };
    let Some(client) = client else {
        return Ok(html::error_page(
            &req,
            ErrorKind::UnknownClient,
            "invalid_client",
            "unknown client",
        ));
    };
    answer(&state, &req, request, &client).await
}

fn redirect_error(
    request: &AuthorizationRequest,
    error: &'static str,
    description: &str,
) -> ErrorRedirect {
    ErrorRedirect {
        redirect_uri: request.redirect_uri.clone(),
        response_mode: request.response_mode,
        state: request.state.clone(),
        error,
        description: description.to_owned(),
    }
}

/// The `sub` of a valid `id_token_hint`: an ID token we issued to this
/// client (signature, `iss`, `aud`); expiry does not matter (OIDC Core
/// §3.1.2.1).
pub fn hinted_subject(state: &AppState, hint: &str, client_id: &str) -> Option<UserId> {
    #[derive(Deserialize)]
    struct Hint {
        iss: String,
        sub: String,
        aud: serde_json::Value,
    }
    let now = state.clock.now();
    let h: Hint = state.keys.current().verify(hint, None, now, true).ok()?;
    let aud_ok = match &h.aud {
        serde_json::Value::String(a) => a == client_id,
        serde_json::Value::Array(a) => a.iter().any(|v| v == client_id),
        _ => false,
    };
    (h.iss == state.config.issuer_str() && aud_ok).then_some(UserId(h.sub))
}

async fn user_active(state: &AppState, id: &UserId) -> Result<bool, ApiError> {
    Ok(state
        .db
        .user_by_id(id)
        .await?
        .is_some_and(|u| u.status == UserStatus::Active))
}

async fn answer(
    state: &AppState,
    req: &HttpRequest,
    request: AuthorizationRequest,
    client: &Client,
) -> Result<HttpResponse, ApiError> {
    let hinted = match &request.id_token_hint {
        Some(hint) => match hinted_subject(state, hint, &client.id.0) {
            Some(sub) => Some(sub),
            None => {
                let e = redirect_error(
                    &request,
                    "invalid_request",
                    "id_token_hint is not a valid ID token for this client",
                );
                return Ok(respond::error(state, req, &e));
            }
        },
        None => None,
    };
    let now = state.clock.now();
    let current = session::current(state, req).await?;
    if let Some(s) = &current {
        // select_account asks for a choice, which needs the login page.
        let fresh = request.prompt.login || request.prompt.select_account;
        let satisfied = s
            .satisfies(
                fresh,
                request.max_age,
                &request.acr_values,
                hinted.as_ref(),
                now,
            )
            .is_ok();
        if satisfied && user_active(state, &s.subject).await? {
            if !consent::needed(state, &request, client, &s.subject, false).await? {
                let code = tokens::issue_code(state, &request, s).await?;
                return Ok(respond::success(state, req, &request, &code));
            }
            if request.prompt.none {
                // OIDC Core §3.1.2.6: the user would have to agree first.
                let e = redirect_error(
                    &request,
                    "consent_required",
                    "The user must allow this application first.",
                );
                return Ok(respond::error(state, req, &e));
            }
            let (browser_id, browser_cookie) = session::browser_id_or_new(req);
            let flow = flows::create_signed_in(state, request, client, &browser_id, s).await?;
            return Ok(see_other(&consent::page_path(&flow.id), browser_cookie));
        }
    }
    if request.prompt.none {
        // OIDC Core §3.1.2.6: signing in would need the user.
        let e = redirect_error(&request, "login_required", "The user must sign in.");
        return Ok(respond::error(state, req, &e));
    }
    let (browser_id, browser_cookie) = session::browser_id_or_new(req);
    let flow = flows::create(state, request, client, &browser_id).await?;
    Ok(see_other(
        &format!("/login?flow={}", flow.id),
        browser_cookie,
    ))
}

/// `303 See Other` to a page of Latchkey's, never cached, setting the
/// browser-binding cookie when it is new.
fn see_other(location: &str, browser_cookie: Option<Cookie<'static>>) -> HttpResponse {
    let mut res = HttpResponse::SeeOther();
    res.insert_header((LOCATION, location))
        .insert_header((CACHE_CONTROL, "no-store"));
    if let Some(c) = browser_cookie {
        res.cookie(c);
    }
    res.finish()
}

#[derive(Deserialize)]
struct ResumeQuery {
    flow: String,
}

/// `GET /authorize/resume?flow=ID`: after the authentication layer completed
/// (or failed) the flow, issue the code or the error to the client.
#[get("/authorize/resume")]
pub async fn resume(
    req: HttpRequest,
    query: web::Query<ResumeQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    // A pending flow is only looked at; a finished one is taken, once.
    let flow = match flows::load(&state, &req, &query.flow).await {
        Ok(f) if f.is_pending() => Ok(f),
        // Signed in, but the user has yet to allow this client.
        Ok(f) if consent::awaited(&state, &f).await? => {
            return Ok(see_other(&consent::page_path(&f.id), None));
        }
        Ok(_) => flows::take_finished(&state, &req, &query.flow).await,
        Err(e) => Err(e),
    };
    let flow = match flow {
        Ok(f) => f,
        Err(FlowLookup::Flow(e)) => {
            return Ok(html::error_page(
                &req,
                ErrorKind::SessionExpired,
                "invalid_request",
                &e.to_string(),
            ));
        }
        Err(FlowLookup::Api(e)) => return Err(e),
    };
    match &flow.state {
        FlowState::Pending => Ok(HttpResponse::SeeOther()
            .insert_header((LOCATION, format!("/login?flow={}", flow.id)))
            .finish()),
        FlowState::Failed { error, description } => {
            let code = known_error(error);
            Ok(respond::error(
                &state,
                &req,
                &redirect_error(&flow.request, code, description),
            ))
        }
        FlowState::Authenticated { authn, sid } => {
            let session: Option<BrowserSession> = session::current(&state, &req).await?;
            let same = session.filter(|s| &s.sid == sid && s.subject == authn.subject);
            let Some(s) = same else {
                let detail = "the browser session of this flow ended";
                return Ok(html::error_page(
                    &req,
                    ErrorKind::SessionExpired,
                    "invalid_request",
                    detail,
                ));
            };
            let code = tokens::issue_code(&state, &flow.request, &s).await?;
            Ok(respond::success(&state, &req, &flow.request, &code))
        }
    }
}

/// Error codes an authentication layer may end a flow with; anything else
/// is reported as `access_denied` so no free text becomes a protocol code.
fn known_error(error: &str) -> &'static str {
    match error {
        "unmet_authentication_requirements" => "unmet_authentication_requirements",
        "login_required" => "login_required",
        "interaction_required" => "interaction_required",
        "temporarily_unavailable" => "temporarily_unavailable",
        _ => "access_denied",
    }
}

//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0).
//!
//! With a valid `id_token_hint` for the signed-in user (or no session at
//! all), Latchkey signs out at once and returns to the client's registered
//! `post_logout_redirect_uri`. Otherwise it asks the user to confirm, so a
//! link on another site cannot sign anyone out silently. A
//! `post_logout_redirect_uri` is only ever used when it is registered,
//! exactly, for the client the request identifies.

use std::time::Duration;

use actix_web::http::Method;
use actix_web::http::header::{CACHE_CONTROL, LOCATION};
use actix_web::{HttpRequest, HttpResponse, route, web};
use latchkey_core::{Ephemeral as _, UserId};
use latchkey_oidc::authorize::{Params, query_redirect};
use latchkey_oidc::{Client, ClientId, ClientRepo as _};
use latchkey_pages::{ErrorKind, LogoutConfirmPage, SignedOutPage};
use serde::Deserialize;

use crate::error::ApiError;
use crate::state::AppState;
use crate::{html, session};

const CONFIRM_TTL: Duration = Duration::from_secs(600);

/// `GET` or `POST /logout`.
#[route("/logout", method = "GET", method = "POST")]
pub async fn logout(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let params = match crate::params::query_or_form(&req, &body) {
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
    if req.method() == Method::POST && params.get("csrf_token").is_some() {
        return confirmed(&state, &req, &params).await;
    }
    requested(&state, &req, &params).await
}

/// A verified `id_token_hint`: who it names and for which clients.
struct Hint {
    sub: UserId,
    aud: Vec<String>,
}

fn verify_hint(state: &AppState, token: &str) -> Option<Hint> {
    #[derive(Deserialize)]
    struct Claims {
        iss: String,
        sub: String,
        aud: serde_json::Value,
    }
    // An expired ID token is still a fine hint (RP-Initiated Logout §2).
    let c: Claims = state
        .keys
        .current()
        .verify(token, None, state.clock.now(), true)
        .ok()?;
    if c.iss != state.config.issuer_str() {
        return None;
    }
    let aud = match c.aud {
        serde_json::Value::String(a) => vec![a],
        serde_json::Value::Array(a) => a
            .into_iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => return None,
    };
    Some(Hint {
        sub: UserId(c.sub),
        aud,
    })
}

/// The client the request identifies (by `client_id`, else the hint's
/// audience), or an error message when the two disagree.
async fn identify_client(
    state: &AppState,
    params: &Params,
    hint: Option<&Hint>,
) -> Result<Option<Client>, ApiError> {
    let from_hint = hint.and_then(|h| (h.aud.len() == 1).then(|| h.aud[0].clone()));
    let id = match (params.get("client_id"), from_hint) {
        (Some(a), Some(b)) if a != b => {
            return Err(ApiError::invalid_request(
                "client_id does not match the id_token_hint",
            ));
        }
        (Some(a), _) => a.to_owned(),
        (None, Some(b)) => b,
        (None, None) => return Ok(None),
    };
    Ok(state.db.client_by_id(&ClientId(id)).await?)
}

/// The redirect target, only if registered exactly for `client`.
fn registered_target<'a>(
    client: Option<&Client>,
    uri: Option<&'a str>,
) -> Result<Option<&'a str>, ()> {
    match uri {
        None => Ok(None),
        Some(u) => match client {
            Some(c) if c.post_logout_redirect_uris.iter().any(|r| r.as_str() == u) => Ok(Some(u)),
            _ => Err(()),
        },
    }
}

async fn requested(
    state: &AppState,
    req: &HttpRequest,
    params: &Params,
) -> Result<HttpResponse, ApiError> {
    let hint = params
        .get("id_token_hint")
        .and_then(|t| verify_hint(state, t));
    let client = match identify_client(state, params, hint.as_ref()).await {
        Ok(c) => c,
        // A store outage stays a 503; only a contradictory request is a page.
        Err(e @ (ApiError::Unavailable(_) | ApiError::Internal(_))) => return Err(e),
        Err(e) => {
            return Ok(html::error_page(
                req,
                ErrorKind::InvalidRequest,
                "invalid_request",
                &e.to_string(),
            ));
        }
    };
    let Ok(target) = registered_target(client.as_ref(), params.get("post_logout_redirect_uri"))
    else {
        let detail = "post_logout_redirect_uri is not registered for the identified client";
        return Ok(html::error_page(
            req,
            ErrorKind::UnregisteredRedirectUri,
            "invalid_request",
            detail,
        ));
    };
    let current = session::current(state, req).await?;
    let hint_matches = hint.as_ref().is_some_and(|h| {
        client.as_ref().is_some_and(|c| h.aud.contains(&c.id.0))
            && current.as_ref().is_none_or(|s| s.subject == h.sub)
    });
    if hint_matches {
        return finish(state, req, target, params.get("state")).await;
    }
    // Ask first. The token ties the confirmation to this browser.
    let (browser_id, browser_cookie) = session::browser_id_or_new(req);
    let csrf = latchkey_core::id::random_hex(16);
    state
        .ephemeral
        .put(
            &format!("logout-csrf:{csrf}"),
            session::digest(&browser_id).as_bytes(),
            CONFIRM_TTL,
        )
        .await?;
    let mut hidden: Vec<(String, String)> = Vec::new();
    if let Some(c) = &client {
        hidden.push(("client_id".into(), c.id.0.clone()));
    }
    if let Some(t) = target {
        hidden.push(("post_logout_redirect_uri".into(), t.to_owned()));
    }
    if let Some(s) = params.get("state") {
        hidden.push(("state".into(), s.to_owned()));
    }
    let page = LogoutConfirmPage {
        lang: html::lang(req),
        client_name: client.as_ref().map(|c| c.name.clone()),
        csrf_token: csrf,
        hidden,
    };
    let mut res = html::page(page.render());
    if let Some(c) = browser_cookie {
        let _ = res.add_cookie(&c);
    }
    Ok(res)
}

async fn confirmed(
    state: &AppState,
    req: &HttpRequest,
    params: &Params,
) -> Result<HttpResponse, ApiError> {
    let csrf = params.get("csrf_token").unwrap_or_default();
    let valid_shape = csrf.len() == 32 && csrf.bytes().all(|b| b.is_ascii_hexdigit());
    let key = format!("logout-csrf:{csrf}");
    let stored = if valid_shape {
        state.ephemeral.get(&key).await?
    } else {
        None
    };
    let browser = session::browser_id(req).map(|b| session::digest(&b));
    let ok = matches!((stored, browser), (Some(s), Some(b)) if s == b.as_bytes());
    // Used once, and only by the browser it was issued to (a stranger's
    // attempt does not burn the owner's token).
    if !ok || !state.ephemeral.delete(&key).await? {
        let detail = "the logout confirmation expired or came from another browser";
        return Ok(html::error_page(
            req,
            ErrorKind::SessionExpired,
            "invalid_request",
            detail,
        ));
    }
    let client = match params.get("client_id") {
        Some(id) => state.db.client_by_id(&ClientId(id.to_owned())).await?,
        None => None,
    };
    // Re-checked: hidden fields came back from the browser.
    let target =
        registered_target(client.as_ref(), params.get("post_logout_redirect_uri")).unwrap_or(None);
    finish(state, req, target, params.get("state")).await
}

async fn finish(
    state: &AppState,
    req: &HttpRequest,
    target: Option<&str>,
    rp_state: Option<&str>,
) -> Result<HttpResponse, ApiError> {
    session::end(state, req).await?;
    let removal = session::removal_cookie(session::SESSION_COOKIE);
    let mut res = match target {
        Some(uri) => {
            let params: Vec<(&str, &str)> =
                rp_state.map(|s| vec![("state", s)]).unwrap_or_default();
            HttpResponse::SeeOther()
                .insert_header((LOCATION, query_redirect(uri, &params)))
                .insert_header((CACHE_CONTROL, "no-store"))
                .finish()
        }
        None => html::page(
            SignedOutPage {
                lang: html::lang(req),
            }
            .render(),
        ),
    };
    let _ = res.add_cookie(&removal);
    Ok(res)
}

//! The three routes: the start page, the authorization request, and the
//! callback that checks the response and shows the result.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, LOCATION};
use actix_web::{HttpRequest, HttpResponse, get, web};
use latchkey_core::Ephemeral as _;
use latchkey_pages::{DemoPage, DemoProblem, DemoStart, DemoView, ErrorKind};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq as _;

use super::claims::result;
use super::registration::ensure_client;
use super::rp::{redeem, verify_id_token};
use super::{DEMO_CLIENT_ID, DEMO_COOKIE, DEMO_SCOPES, redirect_uri};
use crate::error::ApiError;
use crate::state::AppState;
use crate::{html, session};

/// How long a started demo sign-in may take.
const PENDING_TTL_SECS: u64 = 600;

/// The `acr_values` the start page may ask for.
const ACR_OPTIONS: [&str; 2] = ["phr", "phrh"];

/// What a started sign-in keeps server-side, under its `state`.
#[derive(Debug, Serialize, Deserialize)]
struct Pending {
    nonce: String,
    verifier: String,
}

fn pending_key(state_id: &str) -> String {
    format!("demo:{state_id}")
}

fn enabled(state: &AppState) -> Result<(), ApiError> {
    if state.config.demo_enabled() {
        Ok(())
    } else {
        Err(ApiError::NotFound)
    }
}

fn render(req: &HttpRequest, status: StatusCode, view: DemoView) -> HttpResponse {
    let page = DemoPage {
        lang: html::lang(req),
        view,
    };
    let mut res = html::page(page.render());
    if res.status() == StatusCode::OK {
        *res.status_mut() = status;
    }
    res
}

fn problem(req: &HttpRequest, status: StatusCode, problem: DemoProblem) -> HttpResponse {
    render(
        req,
        status,
        DemoView::Problem {
            problem,
            error_code: None,
        },
    )
}

/// `GET /demo`: what this is and the ways to start.
#[get("/demo")]
pub async fn home(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    enabled(&state)?;
    ensure_client(&state).await?;
    let issuer = state.config.issuer_str();
    // Absolute on the issuer: the demo cookie must be set for the host the
    // callback (the registered redirect URI) returns to.
    let links = DemoStart {
        start_url: format!("{issuer}/demo/start"),
        start_phr_url: format!("{issuer}/demo/start?acr=phr"),
        account_url: format!("{issuer}/account"),
        outbox_url: state
            .config
            .dev_mode
            .then(|| format!("{issuer}/dev/outbox")),
    };
    Ok(render(&req, StatusCode::OK, DemoView::Start(links)))
}

/// `GET /demo/start[?acr=phr]`: a fresh `state`, `nonce` and PKCE verifier,
/// kept server-side for ten minutes under the `state` the cookie holds,
/// then `303` to the authorization endpoint.
#[get("/demo/start")]
pub async fn start(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    enabled(&state)?;
    let mut acr = None;
    for (k, v) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
        if k == "acr" {
            match ACR_OPTIONS.iter().find(|a| **a == v) {
                Some(a) if acr.is_none() => acr = Some(*a),
                _ => {
                    return Ok(html::error_page(
                        &req,
                        ErrorKind::InvalidRequest,
                        "invalid_request",
                        "the demo's acr must be phr or phrh, given once",
                    ));
                }
            }
        }
    }
    ensure_client(&state).await?;
    let state_id = latchkey_core::id::random_hex(32);
    let pending = Pending {
        nonce: latchkey_core::id::random_hex(16),
        // 64 characters of [0-9a-f]: within RFC 7636 §4.1's alphabet and
        // length, with 256 bits of entropy.
        verifier: latchkey_core::id::random_hex(32),
    };
    let value =
        serde_json::to_vec(&pending).map_err(|e| ApiError::Internal(format!("demo state: {e}")))?;
    state
        .ephemeral
        .put(
            &pending_key(&state_id),
            &value,
            Duration::from_secs(PENDING_TTL_SECS),
        )
        .await?;
    let issuer = state.config.issuer_str();
    let challenge = latchkey_oidc::pkce::s256_challenge(&pending.verifier);
    let redirect = redirect_uri(issuer);
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("response_type", "code")
        .append_pair("client_id", DEMO_CLIENT_ID)
        .append_pair("redirect_uri", &redirect)
        .append_pair("scope", DEMO_SCOPES)
        .append_pair("state", &state_id)
        .append_pair("nonce", &pending.nonce)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    if let Some(a) = acr {
        query.append_pair("acr_values", a);
    }
    let cookie = session::secure_cookie(
        DEMO_COOKIE,
        state_id,
        i64::try_from(PENDING_TTL_SECS).unwrap_or(600),
    );
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, format!("{issuer}/authorize?{}", query.finish())))
        .insert_header((CACHE_CONTROL, "no-store"))
        .cookie(cookie)
        .finish())
}

/// The first value of each query parameter.
fn query_map(req: &HttpRequest) -> std::collections::HashMap<String, String> {
    let mut map = std::collections::HashMap::new();
    for (k, v) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
        map.entry(k.into_owned()).or_insert_with(|| v.into_owned());
    }
    map
}

/// A protocol error code fit to show: the RFC 6749 §4.1.2.1 alphabet, short.
fn shown_code(code: &str) -> String {
    let ok = !code.is_empty()
        && code.len() <= 64
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if ok {
        code.to_owned()
    } else {
        "invalid_error_code".to_owned()
    }
}

/// `GET /demo/callback`: the authorization response.
#[get("/demo/callback")]
pub async fn callback(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    enabled(&state)?;
    let q = query_map(&req);
    // The state must be the one this browser started with (CSRF, RFC 6749
    // §10.12). A mismatch leaves the pending sign-in alone: a forged
    // response must not break the real one.
    let cookie = req.cookie(DEMO_COOKIE).map(|c| c.value().to_owned());
    let matches = match (q.get("state"), &cookie) {
        (Some(s), Some(c)) => bool::from(s.as_bytes().ct_eq(c.as_bytes())),
        _ => false,
    };
    let Some(state_id) = q.get("state").filter(|_| matches) else {
        tracing::info!("demo callback with a state that is not this browser's");
        return Ok(problem(
            &req,
            StatusCode::BAD_REQUEST,
            DemoProblem::StateMismatch,
        ));
    };
    // Taken once: a replayed callback finds nothing.
    let pending = state.ephemeral.take(&pending_key(state_id)).await?;
    let forget = session::removal_cookie(DEMO_COOKIE);
    let with_forget = |mut res: HttpResponse| {
        // The attempt is spent whatever the outcome.
        if let Err(e) = res.add_cookie(&forget) {
            tracing::warn!(error = %e, "demo: the cookie could not be removed");
        }
        res
    };
    let Some(pending) = pending.and_then(|p| serde_json::from_slice::<Pending>(&p).ok()) else {
        return Ok(with_forget(problem(
            &req,
            StatusCode::BAD_REQUEST,
            DemoProblem::AlreadyUsed,
        )));
    };
    let issuer = state.config.issuer_str();
    // RFC 9207 §2.4: a response that does not name our issuer is refused
    // (mix-up defence), errors included.
    if q.get("iss").map(String::as_str) != Some(issuer) {
        tracing::info!("demo callback without this issuer's iss");
        return Ok(with_forget(problem(
            &req,
            StatusCode::BAD_REQUEST,
            DemoProblem::IssuerMismatch,
        )));
    }
    if let Some(error) = q.get("error") {
        let kind = match error.as_str() {
            "unmet_authentication_requirements" => DemoProblem::Unmet,
            "access_denied" => DemoProblem::Denied,
            _ => DemoProblem::Returned,
        };
        let view = DemoView::Problem {
            problem: kind,
            error_code: Some(shown_code(error)),
        };
        return Ok(with_forget(render(&req, StatusCode::OK, view)));
    }
    let Some(code) = q.get("code") else {
        return Ok(with_forget(problem(
            &req,
            StatusCode::BAD_REQUEST,
            DemoProblem::TokenRequest,
        )));
    };
    let id_token = match redeem(issuer, code, &pending.verifier).await {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!(error = %e.detail, "demo: the token request failed");
            let view = DemoView::Problem {
                problem: DemoProblem::TokenRequest,
                error_code: e.code.as_deref().map(shown_code),
            };
            return Ok(with_forget(render(&req, StatusCode::BAD_GATEWAY, view)));
        }
    };
    let claims = match verify_id_token(&state, &id_token, &pending.nonce) {
        Ok(c) => c,
        Err(why) => {
            tracing::warn!(why, "demo: the ID token failed a check");
            return Ok(with_forget(problem(
                &req,
                StatusCode::BAD_GATEWAY,
                DemoProblem::IdToken,
            )));
        }
    };
    let result = result(issuer, &claims);
    Ok(with_forget(render(
        &req,
        StatusCode::OK,
        DemoView::SignedIn(result),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_error_codes_are_shown() {
        assert_eq!(shown_code("access_denied"), "access_denied");
        assert_eq!(shown_code("<b>x</b>"), "invalid_error_code");
        assert_eq!(shown_code(&"a".repeat(65)), "invalid_error_code");
    }
}

//! Delivering authorization responses to the client: a 303 redirect with
//! the parameters in the query, or an auto-submitting form (OAuth 2.0 Form
//! Post Response Mode). Every response carries `iss` (RFC 9207).

use actix_web::http::header::{CACHE_CONTROL, LOCATION};
use actix_web::{HttpRequest, HttpResponse};
use latchkey_oidc::authorize::{AuthorizationRequest, ErrorRedirect, ResponseMode, query_redirect};

use crate::html;
use crate::state::AppState;

/// A successful response carrying `code`.
pub fn success(
    state: &AppState,
    req: &HttpRequest,
    request: &AuthorizationRequest,
    code: &str,
) -> HttpResponse {
    let mut params: Vec<(&'static str, String)> = vec![("code", code.to_owned())];
    if let Some(s) = &request.state {
        params.push(("state", s.clone()));
    }
    params.push(("iss", state.config.issuer_str().to_owned()));
    deliver(req, &request.redirect_uri, request.response_mode, &params)
}

/// An error response to a verified redirect URI.
pub fn error(state: &AppState, req: &HttpRequest, e: &ErrorRedirect) -> HttpResponse {
    let params = e.response_params(state.config.issuer_str());
    deliver(req, &e.redirect_uri, e.response_mode, &params)
}

fn deliver(
    req: &HttpRequest,
    redirect_uri: &str,
    mode: ResponseMode,
    params: &[(&'static str, String)],
) -> HttpResponse {
    match mode {
        ResponseMode::Query => {
            let pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
            // 303 so that a POSTed authorization request is never re-posted
            // to the client (RFC 9700 §4.12).
            HttpResponse::SeeOther()
                .insert_header((LOCATION, query_redirect(redirect_uri, &pairs)))
                .insert_header((CACHE_CONTROL, "no-store"))
                .finish()
        }
        ResponseMode::FormPost => {
            let fields: Vec<(String, String)> = params
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect();
            html::form_post(req, redirect_uri, fields)
        }
    }
}

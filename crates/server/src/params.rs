//! Reading protocol parameters from a request: the query string of a GET,
//! or an `application/x-www-form-urlencoded` body. Either way every
//! parameter may appear once (RFC 6749 §3.1, §3.2); only the authorization
//! endpoint reads a repetition instead of refusing it, to answer it itself.

use actix_web::HttpRequest;
use actix_web::http::Method;
use actix_web::http::header::CONTENT_TYPE;
use latchkey_oidc::authorize::{Params, ParamsError};

const NOT_A_FORM: &str = "the body must be application/x-www-form-urlencoded";

fn is_form(req: &HttpRequest) -> bool {
    req.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        })
}

/// The parameters of a form body; the message says what is wrong.
pub fn form(req: &HttpRequest, body: &[u8]) -> Result<Params, String> {
    if !is_form(req) {
        return Err(NOT_A_FORM.to_owned());
    }
    Params::parse(body).map_err(|e| e.to_string())
}

/// The parameters of an endpoint that takes GET (query) and POST (form).
pub fn query_or_form(req: &HttpRequest, body: &[u8]) -> Result<Params, String> {
    read(req, body, Params::parse)
}

/// [`query_or_form`] for the authorization endpoint: a repeated parameter
/// is recorded, not refused, because whether it gets an error page or an
/// error redirect depends on which one it is
/// (`latchkey_oidc::authorize::validate`).
pub fn authorization_request(req: &HttpRequest, body: &[u8]) -> Result<Params, String> {
    read(req, body, Params::parse_keeping_duplicates)
}

fn read(
    req: &HttpRequest,
    body: &[u8],
    parse: fn(&[u8]) -> Result<Params, ParamsError>,
) -> Result<Params, String> {
    let raw = if req.method() == Method::POST {
        if !is_form(req) {
            return Err(NOT_A_FORM.to_owned());
        }
        body
    } else {
        req.query_string().as_bytes()
    };
    parse(raw).map_err(|e| e.to_string())
}

//! Reading protocol parameters from a request: the query string of a GET,
//! or an `application/x-www-form-urlencoded` body. Either way every
//! parameter may appear once (RFC 6749 §3.1, §3.2).

use actix_web::HttpRequest;
use actix_web::http::Method;
use actix_web::http::header::CONTENT_TYPE;
use latchkey_oidc::authorize::Params;

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
        return Err("the body must be application/x-www-form-urlencoded".to_owned());
    }
    Params::parse(body).map_err(|e| e.to_string())
}

/// The parameters of an endpoint that takes GET (query) and POST (form).
pub fn query_or_form(req: &HttpRequest, body: &[u8]) -> Result<Params, String> {
    if req.method() == Method::POST {
        form(req, body)
    } else {
        Params::parse(req.query_string().as_bytes()).map_err(|e| e.to_string())
    }
}

//! Server-rendered pages the protocol needs (error, form_post), rendered
//! from the view models in `latchkey-pages`.

use actix_web::http::StatusCode;
use actix_web::http::header::{
    ACCEPT_LANGUAGE, CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE,
};
use actix_web::{HttpRequest, HttpResponse};
use latchkey_pages::{ErrorKind, ErrorPage, FormPostPage, Lang};

use crate::middleware::security_headers::CSP;

/// The page language from `ui_locales` (when the request has it) and
/// `Accept-Language`.
#[must_use]
pub fn lang(req: &HttpRequest) -> Lang {
    let accept = req
        .headers()
        .get(ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let ui = url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "ui_locales")
        .map(|(_, v)| v.into_owned());
    Lang::negotiate(ui.as_deref(), accept)
}

/// The language of a page that belongs to a login flow: the client's
/// `ui_locales` when it sent them (OpenID Connect Core §3.1.2.1), else the
/// browser's `Accept-Language`.
#[must_use]
pub fn flow_lang(req: &HttpRequest, flow: &latchkey_oidc::flow::LoginFlow) -> Lang {
    let accept = req
        .headers()
        .get(ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let ui = (!flow.request.ui_locales.is_empty()).then(|| flow.request.ui_locales.join(" "));
    Lang::negotiate(ui.as_deref(), accept)
}

fn request_id(req: &HttpRequest) -> Option<String> {
    use actix_web::HttpMessage as _;
    req.extensions()
        .get::<crate::middleware::request_id::RequestId>()
        .map(|r| r.0.clone())
}

fn html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((CACHE_CONTROL, "no-store"))
        .body(body)
}

fn render_failed(e: impl std::fmt::Display) -> HttpResponse {
    tracing::error!(error = %e, "page rendering failed");
    HttpResponse::InternalServerError()
        .insert_header((CONTENT_TYPE, "text/plain; charset=utf-8"))
        .body("Something went wrong on our side.")
}

/// An error page for problems that must not be redirected to a client
/// (unknown client, unregistered redirect URI, expired flow). The page says
/// what happened in the user's words; the protocol `detail` goes to the log
/// (with the request id the page shows).
#[must_use]
pub fn error_page(req: &HttpRequest, kind: ErrorKind, error: &str, detail: &str) -> HttpResponse {
    tracing::info!(error, detail, "error page");
    let status = match kind {
        ErrorKind::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    };
    let mut page = ErrorPage::new(lang(req), kind).with_error_code(error);
    if let Some(id) = request_id(req) {
        page = page.with_request_id(id);
    }
    match page.render() {
        Ok(body) => html(status, body),
        Err(e) => render_failed(e),
    }
}

/// A page whose forms may end a sign-in: [`flow_csp`] instead of the
/// default CSP.
pub fn flow_page(
    flow: &latchkey_oidc::flow::LoginFlow,
    rendered: Result<String, latchkey_pages::RenderError>,
) -> HttpResponse {
    let mut res = page(rendered);
    if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&flow_csp(flow)) {
        res.headers_mut().insert(CONTENT_SECURITY_POLICY, v);
    }
    res
}

/// Render a page that has no special status or headers.
pub fn page(rendered: Result<String, latchkey_pages::RenderError>) -> HttpResponse {
    match rendered {
        Ok(body) => html(StatusCode::OK, body),
        Err(e) => render_failed(e),
    }
}

/// The form_post response page: the form may post only to this client's
/// redirect URI, so `form-action` names exactly that origin.
#[must_use]
pub fn form_post(req: &HttpRequest, action: &str, fields: Vec<(String, String)>) -> HttpResponse {
    let origin = url::Url::parse(action)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default();
    let csp = CSP.replace("form-action 'self'", &format!("form-action {origin}"));
    let page = FormPostPage {
        lang: lang(req),
        action: action.to_owned(),
        fields,
    };
    match page.render() {
        Ok(body) => {
            let mut res = html(StatusCode::OK, body);
            if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&csp) {
                res.headers_mut().insert(CONTENT_SECURITY_POLICY, v);
            }
            res
        }
        Err(e) => render_failed(e),
    }
}

/// The page's CSP also lets its forms lead to the client's redirect URI:
/// a form post that ends the sign-in is answered with redirects that end
/// there (`/authorize/resume` → the client), and browsers check
/// `form-action` against every redirect of a form submission. The redirect
/// URI is registered and was matched exactly, so this opens nothing else.
pub fn flow_csp(flow: &latchkey_oidc::flow::LoginFlow) -> String {
    let target = url::Url::parse(&flow.request.redirect_uri)
        .ok()
        .map(|u| match u.scheme() {
            "http" | "https" => u.origin().ascii_serialization(),
            // A native app's private-use scheme (RFC 8252 §7.1).
            scheme => format!("{scheme}:"),
        });
    match target {
        Some(t) => CSP.replace("form-action 'self'", &format!("form-action 'self' {t}")),
        None => CSP.to_owned(),
    }
}

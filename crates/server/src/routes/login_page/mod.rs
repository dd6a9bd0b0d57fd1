//! The hosted sign-in page, `/login?flow=ID`, where `/authorize` sends a
//! browser that has to sign in. Server-rendered, so every way in works with
//! plain HTML forms; `login.js` adds passkeys through the login-flow JSON
//! API (`routes::login_api`).
//!
//! | route | does |
//! |---|---|
//! | `GET /login?flow=ID` | the page in the flow's current state |
//! | `POST /login/identify` | name an account (`identifier`) |
//! | `POST /login/options` | "other ways to sign in": the engine's options |
//! | `POST /login/choose` | pick an option (`steps`); a code is sent at once |
//! | `POST /login/send` | send a new code (`method`) |
//! | `POST /login/verify` | check a code or password (`method`, `code`) |
//! | `POST /login/give-up` | end the flow; the client receives the error |
//!
//! Every form posts `flow` and the flow's `csrf_token` (compared in
//! constant time) and is answered with a `303`: back to the page (PRG), with
//! the outcome as a short code (`e=invalid_code&n=3`, never text), or on to
//! where the flow goes next. The handlers call the same domain functions as
//! the JSON API (`crate::fallback`, `crate::flows`), in the same order of
//! checks: the per-IP budget, the flow of this browser (else the expired
//! page), CSRF (else `403`), still pending (else on to the client).

mod forms;
mod view;

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, LOCATION};
use actix_web::{HttpRequest, HttpResponse, get, web};
use latchkey_pages::{ErrorKind, Feedback, LoginPage};

use crate::error::ApiError;
use crate::flows::{self, FlowLookup};
use crate::html;
use crate::state::AppState;
use view::Asked;

/// Register the page and its forms.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(page)
        .service(forms::identify)
        .service(forms::options)
        .service(forms::choose)
        .service(forms::send)
        .service(forms::verify)
        .service(forms::give_up);
}

/// `GET /login?flow=ID[&view=start|options][&e=CODE[&n=N]]`.
#[get("/login")]
pub async fn page(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    render(&req, &state)
        .await
        .unwrap_or_else(|e| trouble(&req, &e))
}

async fn render(req: &HttpRequest, state: &AppState) -> Result<HttpResponse, ApiError> {
    let q = PageQuery::parse(req.query_string());
    let flow = match flows::load(state, req, q.flow.as_deref().unwrap_or_default()).await {
        Ok(f) => f,
        Err(FlowLookup::Flow(_)) => return Ok(expired(req)),
        Err(FlowLookup::Api(e)) => return Err(e),
    };
    if !flow.is_pending() {
        return Ok(see_other(&flows::resume_path(&flow.id)));
    }
    let view = view::build(state, req, &flow, q.asked, q.feedback).await?;
    let login = LoginPage {
        lang: html::flow_lang(req, &flow),
        flow_id: flow.id.clone(),
        csrf_token: flow.csrf_token.clone(),
        client_name: flow.client_name.clone(),
        view,
    };
    Ok(html::flow_page(&flow, login.render()))
}

/// What `GET /login` reads from its query; the first of a repeated
/// parameter counts, and anything unreadable is ignored.
#[derive(Debug, Default)]
struct PageQuery {
    flow: Option<String>,
    asked: Option<Asked>,
    feedback: Option<Feedback>,
}

impl PageQuery {
    fn parse(query: &str) -> Self {
        let mut flow = None;
        let mut asked = None;
        let mut e = None;
        let mut n = None;
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            let slot = match k.as_ref() {
                "flow" => &mut flow,
                "view" => &mut asked,
                "e" => &mut e,
                "n" => &mut n,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(v.into_owned());
            }
        }
        Self {
            flow,
            asked: asked.as_deref().and_then(Asked::parse),
            feedback: e
                .as_deref()
                .and_then(|e| Feedback::from_query(e, n.as_deref())),
        }
    }
}

/// `303 See Other` to `location`, never cached.
fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, location))
        .insert_header((CACHE_CONTROL, "no-store"))
        .finish()
}

/// Back to the page of `flow_id` (a checked flow id), showing `asked` and
/// `feedback`.
fn back(flow_id: &str, asked: Option<Asked>, feedback: Option<Feedback>) -> HttpResponse {
    let mut to = format!("/login?flow={flow_id}");
    if let Some(a) = asked {
        to.push_str("&view=");
        to.push_str(a.as_str());
    }
    if let Some(f) = feedback {
        to.push('&');
        to.push_str(&f.query());
    }
    see_other(&to)
}

/// The flow is unknown, expired or another browser's: one page for all.
fn expired(req: &HttpRequest) -> HttpResponse {
    html::error_page(
        req,
        ErrorKind::SessionExpired,
        "invalid_request",
        "no such login flow in this browser",
    )
}

/// A form without this flow's CSRF token.
fn csrf_refused(req: &HttpRequest) -> HttpResponse {
    let mut res = html::error_page(
        req,
        ErrorKind::InvalidRequest,
        "csrf",
        "sign-in form without this flow's csrf_token",
    );
    *res.status_mut() = StatusCode::FORBIDDEN;
    res
}

/// A backend failure, as a page (the detail goes to the log only).
fn trouble(req: &HttpRequest, e: &ApiError) -> HttpResponse {
    tracing::error!(error = %e, "sign-in page failed");
    let mut res = html::error_page(
        req,
        ErrorKind::ServerError,
        "server_error",
        "see the previous log line",
    );
    if matches!(e, ApiError::Unavailable(_)) {
        *res.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_is_read_leniently() {
        let q = PageQuery::parse("flow=ab&view=options&e=invalid_code&n=3&flow=cd&view=start");
        assert_eq!(q.flow.as_deref(), Some("ab"));
        assert_eq!(q.asked, Some(Asked::Options));
        assert_eq!(
            q.feedback,
            Some(Feedback::InvalidCode {
                attempts_left: Some(3)
            })
        );
        let q = PageQuery::parse("view=%3Cx%3E&e=%3Cscript%3E&n=1");
        assert!(q.flow.is_none() && q.asked.is_none() && q.feedback.is_none());
        assert!(PageQuery::parse("").flow.is_none());
    }
}

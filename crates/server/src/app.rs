//! The application: routes, middleware, extractor error handling. Built by
//! one function used by the binary and by every test.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{App, HttpRequest, web};

use crate::error::{ApiError, extractor_error};
use crate::middleware::{
    metrics::metrics, request_id::request_id, security_headers::security_headers,
};
use crate::routes;
use crate::state::AppState;

/// Largest request body accepted by form and JSON extractors; protocol
/// requests are small, and a bound protects memory.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Build the application for `state`.
pub fn app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let https = state.config.issuer.scheme() == "https";
    App::new()
        .app_data(web::Data::new(state))
        .app_data(
            web::JsonConfig::default()
                .limit(MAX_BODY_BYTES)
                .error_handler(|e, _| extractor_error(e)),
        )
        .app_data(
            web::FormConfig::default()
                .limit(MAX_BODY_BYTES)
                .error_handler(|e, _| extractor_error(e)),
        )
        .app_data(web::QueryConfig::default().error_handler(|e, _| extractor_error(e)))
        .app_data(web::PathConfig::default().error_handler(|e, _| extractor_error(e)))
        .service(routes::health::healthz)
        .service(routes::health::readyz)
        .service(routes::metrics::metrics)
        .service(routes::assets::asset)
        .service(routes::discovery::openid_configuration)
        .service(routes::authorize::authorize)
        .service(routes::authorize::resume)
        .service(routes::token::token)
        .service(routes::userinfo::userinfo)
        .service(routes::revoke::revoke)
        .service(routes::revoke::introspect)
        .service(routes::logout::logout)
        .service(routes::jwks::jwks)
        .service(routes::enroll::options)
        .service(routes::enroll::finish)
        .service(routes::account::list)
        .service(routes::account::options)
        .service(routes::account::finish)
        .service(routes::account::rename)
        .service(routes::account::remove)
        .service(routes::account_profile::update)
        .service(routes::account_apps::list)
        .service(routes::account_apps::remove)
        .configure(routes::account_factors::configure)
        .service(routes::account_page::enroll)
        .service(routes::account_page::account)
        .configure(routes::login_api::configure)
        .configure(routes::login_page::configure)
        .service(routes::fallback_pages::email_link)
        .service(routes::fallback_pages::use_email_link)
        .service(routes::fallback_pages::nudge_page)
        .service(routes::fallback_pages::nudge_choice)
        .service(routes::consent::consent_page)
        .service(routes::consent::consent_answer)
        .service(routes::openapi::openapi)
        .service(routes::dev_outbox::outbox)
        .configure(routes::demo::configure)
        .default_service(web::to(not_found))
        .wrap(security_headers(https))
        .wrap(from_fn(request_id))
        // Outermost: counts and times every answer, the others' included.
        .wrap(from_fn(metrics))
}

async fn not_found(req: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    tracing::debug!(path = %req.path(), "no route");
    Err(ApiError::NotFound)
}

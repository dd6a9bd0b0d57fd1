//! `GET /metrics`: every series in the Prometheus text format.
//!
//! Off (404) when `metrics.enabled = false`. With `metrics.bearer_token`
//! set, a scrape must present it (`Authorization: Bearer …`, RFC 6750
//! §2.1), compared in constant time; otherwise 401 with the Bearer
//! challenge. Counts are of this node only: Prometheus scrapes each node.

use actix_web::http::StatusCode;
use actix_web::http::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse, get, web};
use subtle::ConstantTimeEq as _;

use crate::error::ApiError;
use crate::state::AppState;

/// `GET /metrics`.
#[get("/metrics")]
pub async fn metrics(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let config = &state.config.metrics;
    if !config.enabled {
        return Err(ApiError::NotFound);
    }
    if let Some(expected) = &config.bearer_token
        && !presented(&req).is_some_and(|t| t.as_bytes().ct_eq(expected.expose().as_bytes()).into())
    {
        return Err(ApiError::OAuth {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_token",
            description: "This endpoint needs the metrics bearer token.".into(),
            www_authenticate: Some("Bearer realm=\"latchkey-metrics\"".to_owned()),
        });
    }
    let text = state
        .metrics
        .encode()
        .map_err(|e| ApiError::Internal(format!("metrics could not be encoded: {e}")))?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, crate::metrics::CONTENT_TYPE))
        .insert_header((CACHE_CONTROL, "no-store"))
        .body(text))
}

/// The bearer token of the `Authorization` header, if there is one.
fn presented(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

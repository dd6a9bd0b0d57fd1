//! Request metrics and, when traces are exported, the request's span.
//!
//! Wrapped outermost, so the count and latency cover every other
//! middleware and every answer, errors and 404s included. The route label
//! is the matched pattern (`/api/login/flows/{id}`), never the raw path,
//! so the number of series stays fixed whatever paths clients send.
//! Recording cannot fail a request: the response or error passes through
//! unchanged.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, web};
use tracing::Instrument as _;

use crate::metrics::labels;
use crate::metrics::store_errors;
use crate::state::AppState;

/// Middleware (`actix_web::middleware::from_fn`) that counts and times the
/// request by route pattern, method and status, and adds the store errors
/// the request met.
pub async fn metrics(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next.call(req).await;
    };
    let started = Instant::now();
    let route = labels::route(req.match_pattern());
    let method = req.method().clone();
    let span = crate::telemetry::request_span(&state.config.telemetry, &req, &route);
    let (result, tally) = store_errors::track(next.call(req).instrument(span.clone())).await;
    let status = match &result {
        Ok(res) => res.status(),
        Err(e) => e.as_response_error().status_code(),
    };
    crate::telemetry::record_status(&span, status);
    let m = &state.metrics;
    m.http_request(route, method.as_str(), status.as_u16(), started.elapsed());
    for (error, n) in tally.counts() {
        m.store_errors(error, n);
    }
    result
}

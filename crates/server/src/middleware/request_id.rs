//! A request id on every log line and every response (`X-Request-Id`).
//!
//! An incoming id from a load balancer is kept when it is short and plain
//! (so it cannot inject into logs); otherwise a random one is made.
//!
//! Every request gets one access line (`handled`, with status and time) at
//! `info`, except successful answers on the [`QUIET_PATHS`]: probes and
//! metadata that load balancers, Prometheus and relying parties poll all day
//! log at `debug`. At `info` their line was a sixth of a discovery request's
//! CPU (the formatting and a `write` per line; docs/performance.md), for
//! lines nobody reads. Their span is a `debug` one too (making it was a
//! tenth of a discovery request): what their handlers log at `info` (a
//! failed `/readyz` check) carries no request id. Their failures still log
//! the access line at `info`, with the request id, and every request is
//! counted in `latchkey_http_requests_total` either way.

use std::time::Instant;

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument as _;

/// The request id, also in the request's extensions so pages can show it.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The header carrying the request id.
pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Paths whose successful answers log at `debug` (see the module doc).
pub const QUIET_PATHS: &[&str] = &[
    "/.well-known/openid-configuration",
    "/jwks",
    "/healthz",
    "/readyz",
    "/metrics",
];

fn incoming_id(req: &ServiceRequest) -> Option<String> {
    let v = req.headers().get(&X_REQUEST_ID)?.to_str().ok()?;
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    (!v.is_empty() && v.len() <= 64 && v.chars().all(plain)).then(|| v.to_owned())
}

/// Middleware (`actix_web::middleware::from_fn`) that opens a span with the
/// request id, logs one line per request, and echoes the id in the response.
pub async fn request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = incoming_id(&req).unwrap_or_else(|| latchkey_core::id::random_hex(8));
    let quiet = QUIET_PATHS.contains(&req.path());
    // A quiet path's span is a `debug` one: at `info` it is off and costs
    // nothing (making it was a tenth of a discovery request).
    let span = if quiet {
        tracing::debug_span!("request", request_id = %id, method = %req.method(), path = %req.path())
    } else {
        tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.path())
    };
    let method = req.method().clone();
    actix_web::HttpMessage::extensions_mut(&req).insert(RequestId(id.clone()));
    let started = Instant::now();
    let mut res = next.call(req).instrument(span.clone()).await?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(X_REQUEST_ID, value);
    }
    let status = res.status().as_u16();
    let elapsed_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    if quiet && status < 400 {
        span.in_scope(|| tracing::debug!(status, elapsed_us, "handled"));
    } else if span.is_disabled() {
        // A quiet path that failed logs at `info` like any failure; its
        // span is off, so the line carries the span's fields itself.
        let path = res.request().path();
        tracing::info!(request_id = %id, %method, path = %path, status, elapsed_us, "handled");
    } else {
        span.in_scope(|| tracing::info!(status, elapsed_us, "handled"));
    }
    Ok(res)
}

#[cfg(test)]
mod tests;

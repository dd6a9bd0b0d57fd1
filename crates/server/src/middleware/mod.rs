//! Cross-cutting request handling: request ids, security headers and
//! request metrics.

pub mod metrics;
pub mod request_id;
pub mod security_headers;

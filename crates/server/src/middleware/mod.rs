//! Cross-cutting request handling: request ids and security headers.

pub mod request_id;
pub mod security_headers;

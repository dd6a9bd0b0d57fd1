//! `GET /api/openapi.json`: the OpenAPI 3.1 description of Latchkey's JSON
//! APIs for custom UIs (login flow, enrollment, account). The document is
//! hand-written (`crates/server/src/openapi.json`) and compiled in; the
//! end-to-end test `tests/e2e/openapi.rs` keeps it in step with the routes.
//! Prose: `docs/login-flow-api.md`.

use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpResponse, get};

/// The document, as served.
pub const DOCUMENT: &str = include_str!("../openapi.json");

/// How long browsers and proxies may cache the document; it changes only
/// with the binary.
pub const MAX_AGE_SECS: u64 = 3600;

/// The OpenAPI document. Static and public: no cookies, no CSRF.
#[get("/api/openapi.json")]
pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "application/json"))
        .insert_header((CACHE_CONTROL, format!("public, max-age={MAX_AGE_SECS}")))
        .body(DOCUMENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_openapi_3_1_json() {
        let doc: serde_json::Value = serde_json::from_str(DOCUMENT).expect("valid JSON");
        assert_eq!(doc["openapi"], "3.1.0");
        assert!(doc["paths"].as_object().is_some_and(|p| !p.is_empty()));
    }
}

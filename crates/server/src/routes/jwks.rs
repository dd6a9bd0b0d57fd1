//! The JWK Set endpoint (RFC 7517 §5, OpenID Connect Discovery §3
//! `jwks_uri`): the public keys relying parties verify our tokens with.

use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpResponse, get, web};

use crate::AppState;

/// How long relying parties and proxies may cache the JWKS. Rotation must
/// pre-publish a new key for longer than this plus the key ring's refresh
/// interval, so that every cached copy already holds a key before it signs
/// (`latchkey keys rotate` refuses shorter pre-publication).
pub const JWKS_MAX_AGE_SECS: u64 = 300;

/// Every published key: active, pre-published and retired-but-unexpired.
/// Public members only.
#[get("/jwks")]
pub async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    let body = state.keys.current().jwks_document(state.clock.now());
    HttpResponse::Ok()
        // application/json rather than application/jwk-set+json (RFC 7517
        // §8.5): every relying-party library accepts the former.
        .insert_header((CONTENT_TYPE, "application/json"))
        .insert_header((
            CACHE_CONTROL,
            format!("public, max-age={JWKS_MAX_AGE_SECS}"),
        ))
        .body(actix_web::web::Bytes::copy_from_slice(body.as_bytes()))
}

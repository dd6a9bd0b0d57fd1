//! The hosted pages' CSS and JS, embedded in the binary and addressed by
//! content hash (`/static/style.<hash>.css`).
//!
//! Because a changed file gets a new name, responses may be cached for a
//! year and marked `immutable`: browsers never revalidate them. A name that
//! is not current (an old hash, a guess) is a 404 rather than today's file,
//! so a cached page never silently pairs with assets it was not built for.

use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpResponse, get, web};

use crate::error::ApiError;

/// One year, the longest lifetime caches honour (RFC 9111 §5.2.2.1 lets
/// them cap it; a year is the customary maximum).
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// `GET /static/{file}`: a known hashed asset, or 404.
#[get("/static/{file}")]
pub async fn asset(file: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let (bytes, content_type) = latchkey_pages::asset(&file).ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, content_type))
        .insert_header((CACHE_CONTROL, IMMUTABLE))
        .body(bytes))
}

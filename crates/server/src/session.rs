//! Browser cookies and sessions.
//!
//! Two cookies, both `__Host-` (so Secure, Path=/ and no Domain are enforced
//! by the browser), HttpOnly and SameSite=Lax:
//! - the session cookie: a 256-bit random value; the ephemeral store keeps the
//!   session under the value's SHA-256, so a dump of the store cannot be
//!   replayed as cookies;
//! - the browser cookie: a random id that binds login flows to the browser
//!   that started them.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use latchkey_core::{Ephemeral as _, UnixTime};
use latchkey_oidc::AuthnResult;
use latchkey_oidc::session::BrowserSession;
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::state::AppState;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "__Host-latchkey-session";
/// The browser-binding cookie's name.
pub const BROWSER_COOKIE: &str = "__Host-latchkey-browser";

/// How long the browser cookie lives: long enough to outlast any flow.
const BROWSER_COOKIE_DAYS: i64 = 400;

/// Hex SHA-256, the form under which cookie values are stored and compared.
#[must_use]
pub fn digest(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

fn session_key(cookie_value: &str) -> String {
    format!("session:{}", digest(cookie_value))
}

/// A cookie with the baseline attributes.
#[must_use]
pub fn secure_cookie(name: &'static str, value: String, max_age_secs: i64) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/")
        .secure(true)
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(CookieDuration::seconds(max_age_secs))
        .finish()
}

/// A cookie that tells the browser to forget `name`.
#[must_use]
pub fn removal_cookie(name: &'static str) -> Cookie<'static> {
    let mut c = secure_cookie(name, String::new(), 0);
    c.make_removal();
    c
}

/// The browser id from its cookie, if present and well-formed.
#[must_use]
pub fn browser_id(req: &HttpRequest) -> Option<String> {
    let v = req.cookie(BROWSER_COOKIE)?.value().to_owned();
    (v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit())).then_some(v)
}

/// The browser id, or a new one with the cookie that carries it.
#[must_use]
pub fn browser_id_or_new(req: &HttpRequest) -> (String, Option<Cookie<'static>>) {
    match browser_id(req) {
        Some(id) => (id, None),
        None => {
            let id = latchkey_core::id::random_hex(16);
            let cookie = secure_cookie(BROWSER_COOKIE, id.clone(), BROWSER_COOKIE_DAYS * 86_400);
            (id, Some(cookie))
        }
    }
}

/// The session cookie's value, if the request carries a plausible one.
#[must_use]
pub fn session_cookie_value(req: &HttpRequest) -> Option<String> {
    let v = req.cookie(SESSION_COOKIE)?.value().to_owned();
    (v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit())).then_some(v)
}

/// The browser session the request carries, if it is live.
pub async fn current(
    state: &AppState,
    req: &HttpRequest,
) -> Result<Option<BrowserSession>, ApiError> {
    let Some(value) = session_cookie_value(req) else {
        return Ok(None);
    };
    let Some(bytes) = state.ephemeral.get(&session_key(&value)).await? else {
        return Ok(None);
    };
    match serde_json::from_slice(&bytes) {
        Ok(session) => Ok(Some(session)),
        Err(e) => {
            tracing::warn!(error = %e, "unreadable session record; treating as signed out");
            Ok(None)
        }
    }
}

/// Start a session for a completed sign-in. The previous session of this
/// browser, if any, is deleted: the session id changes at every sign-in, so
/// an id planted before sign-in is worthless after it (session fixation).
pub async fn start(
    state: &AppState,
    previous_cookie: Option<&str>,
    authn: &AuthnResult,
    now: UnixTime,
) -> Result<(BrowserSession, Cookie<'static>), ApiError> {
    if let Some(old) = previous_cookie {
        state.ephemeral.delete(&session_key(old)).await?;
    }
    let value = latchkey_core::id::random_hex(32);
    let session = BrowserSession::new(latchkey_core::id::random_hex(16), authn, now);
    let ttl = state.lifetimes.session;
    let bytes = serde_json::to_vec(&session).map_err(|e| ApiError::Internal(e.to_string()))?;
    let ttl_std = std::time::Duration::from_secs(u64::try_from(ttl).unwrap_or(1));
    state
        .ephemeral
        .put(&session_key(&value), &bytes, ttl_std)
        .await?;
    Ok((session, secure_cookie(SESSION_COOKIE, value, ttl)))
}

/// End the request's session (logout). Returns whether one existed.
pub async fn end(state: &AppState, req: &HttpRequest) -> Result<bool, ApiError> {
    match session_cookie_value(req) {
        Some(value) => Ok(state.ephemeral.delete(&session_key(&value)).await?),
        None => Ok(false),
    }
}

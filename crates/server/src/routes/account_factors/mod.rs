//! The signed-in user's fallback factors: verify the account's email, add
//! and verify a phone, set up an authenticator app, generate recovery codes
//! and (where the policy enables passwords) set a password.
//!
//! Same rules as the passkey account API (`routes::account`): a live
//! session of an active user (else 401 `login_required`), the session's
//! anti-CSRF token in `X-Latchkey-CSRF` on every change (else 403
//! `csrf_mismatch`), the same error JSON, and bodies read only after both
//! checks. The token also comes with `GET /api/account/factors`.
//!
//! Removing or replacing a factor never leaves the user without a way to
//! sign in ([`refuse_if_last`]); removals take the same per-user lock as
//! passkey deletions, so a passkey deletion and a factor removal racing on
//! two nodes cannot both see "another method is left".

mod code;
mod email;
pub(crate) mod guard;
pub(crate) mod overview;
mod password;
mod phone;
mod recovery;
mod totp;

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, PRAGMA};
use actix_web::{HttpRequest, HttpResponse, web};
use latchkey_core::UserId;
use latchkey_fallback::policy::FallbackMethod;
use latchkey_fallback::repo::{EventKind, Outcome};
use serde::{Deserialize, Serialize};

use super::account::signed_in_for_change;
use crate::delivery::DeliveryError;
use crate::events;
use crate::limits::{self, IP_ATTEMPTS, Verdict};
use crate::registrations::JsonError;
use crate::state::AppState;
use guard::{AccountLock, Factor, refuse_if_last};
use overview::{EmailView, PasswordView, PhoneView, TotpView, overview_of};

/// Register the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(overview::overview)
        .service(email::send)
        .service(email::verify)
        .service(phone::put)
        .service(phone::verify)
        .service(phone::remove)
        .service(totp::start)
        .service(totp::confirm)
        .service(totp::remove)
        .service(recovery::generate)
        .service(password::put)
        .service(password::remove);
}

/// An error in the account API's JSON shape.
fn fail(status: StatusCode, error: &'static str, message: impl Into<String>) -> actix_web::Error {
    JsonError::new(status, error, message).into()
}

/// `429 rate_limited` with `Retry-After`, in the account API's JSON shape.
fn rate_limited(retry_after_secs: i64) -> actix_web::Error {
    let secs = retry_after_secs.max(1);
    JsonError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        format!("Too many requests. Try again in {secs} seconds."),
    )
    .into_api(Some(secs))
    .into()
}

/// `Ok` within the limit, else 429.
fn within(verdict: Verdict) -> Result<(), actix_web::Error> {
    match verdict {
        Verdict::Allowed => Ok(()),
        Verdict::Limited { retry_after_secs } => Err(rate_limited(retry_after_secs)),
    }
}

/// The key the login flow counts this user's limits under, so sends from
/// the account API and from sign-in share one budget (SMS costs money).
fn account_key(user: &UserId) -> String {
    format!("user:{user}")
}

/// Count a guess (code, authenticator code) against the per-IP budget that
/// sign-in guesses use too.
async fn count_attempt(state: &AppState, req: &HttpRequest) -> Result<(), actix_web::Error> {
    let ip = crate::fallback::send::client_ip(req);
    within(limits::check(state, IP_ATTEMPTS, &ip).await?)
}

/// `{code}`: an emailed, texted or authenticator code.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeBody {
    code: String,
}

/// A typed code with its spaces and dashes removed, if it is six digits;
/// otherwise 400 `invalid_code` (and no attempt is spent).
fn six_digits(code: &str) -> Result<String, actix_web::Error> {
    let digits: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .take(7)
        .collect();
    if digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit()) {
        Ok(digits)
    } else {
        Err(fail(
            StatusCode::BAD_REQUEST,
            "invalid_code",
            "The code has six digits.",
        ))
    }
}

/// 400 `invalid_code` after a wrong emailed or texted code.
fn wrong_code(attempts_left: u64) -> actix_web::Error {
    let message = match attempts_left {
        0 => {
            "That code is not right, and it cannot be used any more. Ask for a new code.".to_owned()
        }
        1 => "That code is not right. You can try once more.".to_owned(),
        n => format!("That code is not right. You can try {n} more times."),
    };
    fail(StatusCode::BAD_REQUEST, "invalid_code", message)
}

/// 400 `code_expired`: no pending code (never sent, expired, used, or out
/// of guesses).
fn code_expired() -> actix_web::Error {
    fail(
        StatusCode::BAD_REQUEST,
        "code_expired",
        "This code has expired or was already used. Ask for a new code.",
    )
}

/// A delivery failure, in words for the user.
fn undelivered(e: &DeliveryError, what: &str) -> actix_web::Error {
    match e {
        DeliveryError::Disabled => unavailable(what),
        e if e.is_transient() => fail(
            StatusCode::SERVICE_UNAVAILABLE,
            "delivery_failed",
            format!("We could not send the {what} just now. Try again in a moment."),
        ),
        _ => fail(
            StatusCode::BAD_REQUEST,
            "undeliverable",
            format!("The {what} could not be delivered. Check the details and try again."),
        ),
    }
}

fn unavailable(what: &str) -> actix_web::Error {
    fail(
        StatusCode::SERVICE_UNAVAILABLE,
        "delivery_unavailable",
        format!("This server cannot send the {what}."),
    )
}

/// Record a `factor_enrolled` or `factor_removed` event.
async fn record(state: &AppState, req: &HttpRequest, user: &UserId, kind: EventKind, method: &str) {
    let event = events::new(state, kind, Outcome::Ok)
        .user(user)
        .method(method)
        .device_class(events::device_class(req));
    events::record(state, event).await;
}

/// Whether the server's policy lets users set a password: only when the
/// default policy's methods include `password`.
fn password_allowed(state: &AppState) -> bool {
    state
        .policy
        .default_policy()
        .allows(FallbackMethod::Password)
}

/// `200` with `body` that carries a secret (a TOTP secret, recovery
/// codes): `no-store`, and `Pragma: no-cache` for HTTP/1.0 caches.
fn secret_ok(body: &impl Serialize) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "no-store"))
        .insert_header((PRAGMA, "no-cache"))
        .json(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_once_spaces_and_dashes_go() {
        for ok in ["123456", "123 456", " 123-456 ", "000000"] {
            assert_eq!(
                six_digits(ok).ok().as_deref(),
                Some(ok.trim().replace([' ', '-'], "").as_str())
            );
        }
        let long = "1".repeat(70_000);
        for bad in ["", "12345", "1234567", "12345a", "١٢٣٤٥٦", long.as_str()] {
            assert!(six_digits(bad).is_err(), "{bad:?}");
        }
    }
}

//! Verifying the account's email address with a six-digit code.
//!
//! Only a verified address receives sign-in codes and links, so this is
//! what makes email a fallback. The code is bound to the address it was
//! sent to: if the address changes before the code is typed, the new one
//! stays unverified.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};
use latchkey_fallback::repo::{EventKind, FactorRepo as _};
use serde::Serialize;

use super::code::{self, Guess, Purpose};
use super::{
    CodeBody, EmailView, account_key, code_expired, count_attempt, fail, rate_limited, record,
    signed_in_for_change, six_digits, unavailable, undelivered, within, wrong_code,
};
use crate::delivery::Email;
use crate::error::ApiError;
use crate::fallback::challenge::CODE_TTL_SECS;
use crate::fallback::send::client_ip;
use crate::limits::{self, RESEND_COOLDOWN_SECS, SENDS_PER_ACCOUNT, SENDS_PER_IP};
use crate::registrations;
use crate::state::AppState;

/// What a send answers.
#[derive(Serialize)]
pub(super) struct Sent {
    /// Seconds the code stays valid.
    pub expires_in_secs: i64,
    /// Seconds until another code may be requested.
    pub resend_after_secs: i64,
}

impl Sent {
    pub(super) fn now() -> Self {
        Self {
            expires_in_secs: CODE_TTL_SECS,
            resend_after_secs: RESEND_COOLDOWN_SECS,
        }
    }
}

/// `POST /api/account/email/verify/send` → `{expires_in_secs,
/// resend_after_secs}`: a code to the account's address.
#[post("/api/account/email/verify/send")]
pub async fn send(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, actix_web::Error> {
    let (_, user) = signed_in_for_change(&state, &req).await?;
    let Some(address) = user.email.clone() else {
        return Err(fail(
            StatusCode::CONFLICT,
            "no_email",
            "Your account has no email address.",
        ));
    };
    if user.email_verified {
        return Err(fail(
            StatusCode::CONFLICT,
            "already_verified",
            "Your email address is already verified.",
        ));
    }
    if !state.mailer.is_enabled() {
        return Err(unavailable("email"));
    }
    let account = account_key(&user.id);
    // Its own cooldown (a sign-in code sent a moment ago must not block
    // this), but the send budgets of sign-in.
    if !limits::cooldown(&state, "verify-email-resend", &account).await? {
        return Err(rate_limited(RESEND_COOLDOWN_SECS));
    }
    within(limits::check(&state, SENDS_PER_IP, &client_ip(&req)).await?)?;
    within(limits::check(&state, SENDS_PER_ACCOUNT, &format!("{account}:Email")).await?)?;
    let code = code::issue(&state, Purpose::Email, &user.id, &address).await?;
    let minutes = CODE_TTL_SECS / 60;
    let email = Email {
        to: address,
        subject: format!("Your code to verify your email: {}", code.as_str()),
        text: format!(
            "Your code to verify this email address for {host} is {code}.\n\n\
             It is valid for {minutes} minutes. If you did not ask for it, \
             you can ignore this email.\n",
            host = state.config.issuer.host_str().unwrap_or("Latchkey"),
            code = code.as_str(),
        ),
        html: None,
    };
    state
        .mailer
        .send(email)
        .await
        .map_err(|e| undelivered(&e, "email"))?;
    Ok(registrations::ok(&Sent::now()))
}

#[derive(Serialize)]
struct Verified {
    email: EmailView,
}

/// `POST /api/account/email/verify` `{code}` → `{email: {address,
/// verified: true}}`.
#[post("/api/account/email/verify")]
pub async fn verify(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Result<web::Json<CodeBody>, actix_web::Error>,
) -> Result<HttpResponse, actix_web::Error> {
    let (_, user) = signed_in_for_change(&state, &req).await?;
    let typed = six_digits(&body?.code)?;
    count_attempt(&state, &req).await?;
    let target = match code::guess(&state, Purpose::Email, &user.id, &typed).await? {
        Guess::Correct { target } => target,
        Guess::Wrong { attempts_left } => return Err(wrong_code(attempts_left)),
        Guess::Gone => return Err(code_expired()),
    };
    if !state
        .db
        .mark_email_verified(&user.id, &target)
        .await
        .map_err(ApiError::from)?
    {
        return Err(fail(
            StatusCode::CONFLICT,
            "email_changed",
            "Your email address changed after the code was sent. Ask for a new code.",
        ));
    }
    record(&state, &req, &user.id, EventKind::FactorEnrolled, "email").await;
    tracing::info!(user = %user.id, "email verified");
    Ok(registrations::ok(&Verified {
        email: EmailView {
            address: target,
            verified: true,
        },
    }))
}

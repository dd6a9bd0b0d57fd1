//! The account's phone for SMS codes: add (or change) it, verify it with a
//! texted code, remove it.
//!
//! A number is stored at once, unverified, so a number of another user is
//! refused before anything is sent; the answer then does not say whose it
//! is, and the send limits are counted first, so the answer cannot be used
//! to test many numbers.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, post, put, web};
use latchkey_core::{RepoError, User};
use latchkey_fallback::repo::{EventKind, FactorRepo as _};
use serde::{Deserialize, Serialize};

use super::code::{self, Guess, Purpose};
use super::email::Sent;
use super::{
    AccountLock, CodeBody, Factor, PhoneView, account_key, code_expired, count_attempt, fail,
    overview_of, rate_limited, record, refuse_if_last, signed_in_for_change, six_digits,
    unavailable, undelivered, within, wrong_code,
};
use crate::delivery::normalise_e164;
use crate::error::ApiError;
use crate::fallback::challenge::CODE_TTL_SECS;
use crate::fallback::send::client_ip;
use crate::limits::{
    self, RESEND_COOLDOWN_SECS, SENDS_PER_ACCOUNT, SENDS_PER_IP, SMS_PER_ACCOUNT, SMS_PER_NUMBER,
};
use crate::registrations;
use crate::state::AppState;

/// `{phone}`: a number in international form (`+` and the country code);
/// spaces, dashes, dots and parentheses are ignored.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhoneBody {
    phone: String,
}

#[derive(Serialize)]
struct PhoneSent {
    phone: PhoneView,
    #[serde(flatten)]
    sent: Sent,
}

/// `PUT /api/account/phone` `{phone}` → `{phone: {number_masked, verified:
/// false}, expires_in_secs, resend_after_secs}`: stores the number
/// unverified and texts it a code. The same number again sends a new code.
#[put("/api/account/phone")]
pub async fn put(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Result<web::Json<PhoneBody>, actix_web::Error>,
) -> Result<HttpResponse, actix_web::Error> {
    let (_, user) = signed_in_for_change(&state, &req).await?;
    let number = normalise_e164(&body?.phone).map_err(|e| {
        fail(
            StatusCode::BAD_REQUEST,
            "invalid_phone",
            format!("Check the number: {e}."),
        )
    })?;
    if !state.sms.is_enabled() {
        return Err(unavailable("text message"));
    }
    let current = state.db.phone(&user.id).await.map_err(ApiError::from)?;
    if current
        .as_ref()
        .is_some_and(|p| p.phone == number && p.is_verified())
    {
        return Err(fail(
            StatusCode::CONFLICT,
            "already_verified",
            "This number is already verified on your account.",
        ));
    }
    let account = account_key(&user.id);
    // Counted before the number is tried, so the answer cannot be used to
    // test more numbers than the account may text.
    within(limits::check(&state, SENDS_PER_IP, &client_ip(&req)).await?)?;
    within(limits::check(&state, SENDS_PER_ACCOUNT, &format!("{account}:Sms")).await?)?;
    within(limits::check(&state, SMS_PER_ACCOUNT, &account).await?)?;
    if current.as_ref().is_none_or(|p| p.phone != number) {
        store(&state, &user, &number).await?;
    }
    // Per number, so correcting a typo is not held up.
    if !limits::cooldown(
        &state,
        "verify-phone-resend",
        &format!("{account}:{number}"),
    )
    .await?
    {
        return Err(rate_limited(RESEND_COOLDOWN_SECS));
    }
    within(limits::check(&state, SMS_PER_NUMBER, &number).await?)?;
    let code = code::issue(&state, Purpose::Phone, &user.id, &number).await?;
    let host = state.config.issuer.host_str().unwrap_or("Latchkey");
    let text = format!(
        "{} is your code to verify this number for {host}. Valid {} min.",
        code.as_str(),
        CODE_TTL_SECS / 60
    );
    state
        .sms
        .send(&number, &text)
        .await
        .map_err(|e| undelivered(&e, "text message"))?;
    Ok(registrations::ok(&PhoneSent {
        phone: PhoneView::new(&number, false),
        sent: Sent::now(),
    }))
}

/// Store `number` unverified, replacing the current one: under the account
/// lock, and refused when it would take away the user's last way in.
async fn store(state: &AppState, user: &User, number: &str) -> Result<(), actix_web::Error> {
    let lock = AccountLock::acquire(state, &user.id).await?;
    let result = async {
        refuse_if_last(state, user, Factor::Phone).await?;
        match state
            .db
            .set_phone(&user.id, number, state.clock.now())
            .await
        {
            Ok(()) => Ok(()),
            // Whose it is stays unsaid.
            Err(RepoError::Conflict(_)) => Err(fail(
                StatusCode::CONFLICT,
                "phone_unavailable",
                "This number can't be used. Try another number.",
            )),
            Err(e) => Err(ApiError::from(e).into()),
        }
    }
    .await;
    lock.release(state).await;
    result
}

#[derive(Serialize)]
struct Verified {
    phone: PhoneView,
}

/// `POST /api/account/phone/verify` `{code}` → `{phone: {number_masked,
/// verified: true}}`.
#[post("/api/account/phone/verify")]
pub async fn verify(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Result<web::Json<CodeBody>, actix_web::Error>,
) -> Result<HttpResponse, actix_web::Error> {
    let (_, user) = signed_in_for_change(&state, &req).await?;
    let typed = six_digits(&body?.code)?;
    count_attempt(&state, &req).await?;
    let number = match code::guess(&state, Purpose::Phone, &user.id, &typed).await? {
        Guess::Correct { target } => target,
        Guess::Wrong { attempts_left } => return Err(wrong_code(attempts_left)),
        Guess::Gone => return Err(code_expired()),
    };
    if !state
        .db
        .verify_phone(&user.id, &number, state.clock.now())
        .await
        .map_err(ApiError::from)?
    {
        return Err(fail(
            StatusCode::CONFLICT,
            "phone_changed",
            "Your phone number changed after the code was sent. Ask for a new code.",
        ));
    }
    record(
        &state,
        &req,
        &user.id,
        EventKind::FactorEnrolled,
        "sms_code",
    )
    .await;
    tracing::info!(user = %user.id, "phone verified");
    Ok(registrations::ok(&Verified {
        phone: PhoneView::new(&number, true),
    }))
}

/// `DELETE /api/account/phone` → the factors overview; 404 `phone_not_found`
/// without a phone, 409 `last_sign_in_method` if it is the last way in.
#[delete("/api/account/phone")]
pub async fn remove(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, actix_web::Error> {
    let (session, user) = signed_in_for_change(&state, &req).await?;
    let lock = AccountLock::acquire(&state, &user.id).await?;
    let result = async {
        let Some(phone) = state.db.phone(&user.id).await.map_err(ApiError::from)? else {
            return Err(fail(
                StatusCode::NOT_FOUND,
                "phone_not_found",
                "There is no phone number on your account.",
            ));
        };
        refuse_if_last(&state, &user, Factor::Phone).await?;
        state
            .db
            .delete_phone(&user.id)
            .await
            .map_err(ApiError::from)?;
        code::void(&state, Purpose::Phone, &user.id).await?;
        Ok(phone.is_verified())
    }
    .await;
    lock.release(&state).await;
    if result? {
        record(&state, &req, &user.id, EventKind::FactorRemoved, "sms_code").await;
    }
    tracing::info!(user = %user.id, "phone removed");
    Ok(registrations::ok(
        &overview_of(&state, &user, session.csrf).await?,
    ))
}

//! An authenticator app (TOTP, RFC 6238): start (a new secret, shown once
//! as an otpauth URI, base32 text and a QR code), confirm with a first code,
//! remove.
//!
//! The secret is sealed with the key sign-in opens it with
//! (`fallback::check::{totp_seal_key, totp_seal_id}`). Until a first code
//! confirms it, it cannot be used to sign in; confirming consumes that
//! code's time step, so the same code cannot then sign in (RFC 6238 §5.2).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, post, web};
use latchkey_core::User;
use latchkey_fallback::factors::totp::{self, TotpError, TotpSecret};
use latchkey_fallback::repo::{EventKind, FactorRepo as _};
use latchkey_oidc::keys::{open, seal};
use serde::Serialize;

use super::{
    AccountLock, CodeBody, Factor, TotpView, count_attempt, fail, overview_of, record,
    refuse_if_last, secret_ok, signed_in_for_change,
};
use crate::error::ApiError;
use crate::fallback::check::{totp_seal_id, totp_seal_key};
use crate::registrations;
use crate::state::AppState;

fn internal(e: impl std::fmt::Display) -> actix_web::Error {
    ApiError::Internal(e.to_string()).into()
}

#[derive(Serialize)]
struct Started<'a> {
    /// `otpauth://totp/…` for apps that import a link.
    otpauth_uri: &'a str,
    /// The secret for typing in by hand (unpadded base32).
    secret_base32: &'a str,
    /// A QR code of `otpauth_uri`: SVG markup to place in the page.
    qr_svg: &'a str,
}

/// `POST /api/account/totp` → `{otpauth_uri, secret_base32, qr_svg}`
/// (`no-store`). Replaces a setup that was never confirmed; 409
/// `totp_already_enrolled` when an app is set up (remove it first).
#[post("/api/account/totp")]
pub async fn start(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, actix_web::Error> {
    let (_, user) = signed_in_for_change(&state, &req).await?;
    let lock = AccountLock::acquire(&state, &user.id).await?;
    let result = async {
        let current = state.db.totp(&user.id).await.map_err(ApiError::from)?;
        if current.is_some_and(|t| t.is_confirmed()) {
            return Err(fail(
                StatusCode::CONFLICT,
                "totp_already_enrolled",
                "An authenticator app is already set up. Remove it before setting up another.",
            ));
        }
        let secret = TotpSecret::generate();
        let sealed = seal(
            &totp_seal_key(&state),
            &totp_seal_id(&user.id),
            secret.as_bytes(),
        )
        .map_err(internal)?;
        state
            .db
            .put_totp(&user.id, &sealed, state.clock.now())
            .await
            .map_err(ApiError::from)?;
        Ok(secret)
    }
    .await;
    lock.release(&state).await;
    let secret = result?;
    let issuer = state.config.issuer.host_str().unwrap_or("Latchkey");
    let uri = totp::otpauth_uri(&secret, issuer, &user.username);
    let svg = totp::qr_svg(&uri).map_err(internal)?;
    let b32 = secret.to_base32();
    Ok(secret_ok(&Started {
        otpauth_uri: &uri,
        secret_base32: &b32,
        qr_svg: &svg,
    }))
}

fn replayed() -> actix_web::Error {
    fail(
        StatusCode::BAD_REQUEST,
        "code_replayed",
        "This code was already used. Wait for the next code in your app.",
    )
}

#[derive(Serialize)]
struct Confirmed {
    totp: TotpView,
}

/// `POST /api/account/totp/confirm` `{code}` → `{totp: {enrolled: true}}`.
#[post("/api/account/totp/confirm")]
pub async fn confirm(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Result<web::Json<CodeBody>, actix_web::Error>,
) -> Result<HttpResponse, actix_web::Error> {
    let (_, user) = signed_in_for_change(&state, &req).await?;
    let body = body?;
    count_attempt(&state, &req).await?;
    let lock = AccountLock::acquire(&state, &user.id).await?;
    let result = confirm_locked(&state, &user, &body.code).await;
    lock.release(&state).await;
    result?;
    record(&state, &req, &user.id, EventKind::FactorEnrolled, "totp").await;
    tracing::info!(user = %user.id, "authenticator app set up");
    Ok(registrations::ok(&Confirmed {
        totp: TotpView { enrolled: true },
    }))
}

async fn confirm_locked(state: &AppState, user: &User, code: &str) -> Result<(), actix_web::Error> {
    let Some(cred) = state.db.totp(&user.id).await.map_err(ApiError::from)? else {
        return Err(fail(
            StatusCode::CONFLICT,
            "totp_not_started",
            "Start setting up an authenticator app first.",
        ));
    };
    let bytes = open(
        &totp_seal_key(state),
        &totp_seal_id(&user.id),
        &cred.secret_sealed,
    )
    .map_err(internal)?;
    let secret = TotpSecret::from_bytes(&bytes).map_err(internal)?;
    let now = u64::try_from(state.clock.now().0).unwrap_or(0);
    let checked = totp::verify(&secret, code, now, cred.last_used_step);
    if cred.is_confirmed() {
        return Err(match checked {
            Err(TotpError::Replayed) => replayed(),
            _ => fail(
                StatusCode::CONFLICT,
                "totp_already_enrolled",
                "Your authenticator app is already set up.",
            ),
        });
    }
    match checked {
        Ok(step) => {
            // Conditional on the secret being the one checked and still
            // unconfirmed: a setup restarted meanwhile is not confirmed.
            if state
                .db
                .confirm_totp(&user.id, &cred.secret_sealed, step, state.clock.now())
                .await
                .map_err(ApiError::from)?
            {
                Ok(())
            } else {
                Err(replayed())
            }
        }
        Err(TotpError::Replayed) => Err(replayed()),
        Err(TotpError::Malformed) => Err(fail(
            StatusCode::BAD_REQUEST,
            "invalid_code",
            "The code has six digits.",
        )),
        Err(_) => Err(fail(
            StatusCode::BAD_REQUEST,
            "invalid_code",
            "That code is not right. Type the code your app shows now; \
             if it still fails, check the time on your phone.",
        )),
    }
}

/// `DELETE /api/account/totp` → the factors overview; 404 `totp_not_found`
/// without one, 409 `last_sign_in_method` if it is the last way in.
#[delete("/api/account/totp")]
pub async fn remove(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, actix_web::Error> {
    let (session, user) = signed_in_for_change(&state, &req).await?;
    let lock = AccountLock::acquire(&state, &user.id).await?;
    let result = async {
        let Some(cred) = state.db.totp(&user.id).await.map_err(ApiError::from)? else {
            return Err(fail(
                StatusCode::NOT_FOUND,
                "totp_not_found",
                "There is no authenticator app on your account.",
            ));
        };
        refuse_if_last(&state, &user, Factor::Totp).await?;
        state
            .db
            .delete_totp(&user.id)
            .await
            .map_err(ApiError::from)?;
        Ok(cred.is_confirmed())
    }
    .await;
    lock.release(&state).await;
    if result? {
        record(&state, &req, &user.id, EventKind::FactorRemoved, "totp").await;
    }
    tracing::info!(user = %user.id, "authenticator app removed");
    Ok(registrations::ok(
        &overview_of(&state, &user, session.csrf).await?,
    ))
}

//! A password, only where the operator enables passwords (the default
//! policy's methods include `password`); otherwise setting one is 403
//! `password_disabled`. Removing one works either way, so a password stored
//! before passwords were turned off can still be deleted.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, put, web};
use latchkey_fallback::factors::{check_new_password, hash_password};
use latchkey_fallback::repo::{EventKind, FactorRepo as _};
use serde::{Deserialize, Serialize};

use super::{
    AccountLock, Factor, PasswordView, account_key, fail, overview_of, password_allowed, record,
    refuse_if_last, signed_in_for_change, within,
};
use crate::error::ApiError;
use crate::limits::{self, Limit};
use crate::registrations;
use crate::state::AppState;

/// Password changes per account: each is an argon2id hash.
const CHANGES_PER_ACCOUNT: Limit = Limit {
    name: "password-changes",
    max: 20,
    window_secs: 3600,
};

/// `{password}`. No `Debug`, so it cannot end up in a log line.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordBody {
    password: String,
}

#[derive(Serialize)]
struct Set {
    password: PasswordView,
}

/// `PUT /api/account/password` `{password}` → `{password: {set: true,
/// allowed: true}}`: sets or replaces the password (8 to 256 characters,
/// not only spaces; NIST SP 800-63B §5.1.1.2).
#[put("/api/account/password")]
pub async fn put(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Result<web::Json<PasswordBody>, actix_web::Error>,
) -> Result<HttpResponse, actix_web::Error> {
    let (_, user) = signed_in_for_change(&state, &req).await?;
    if !password_allowed(&state) {
        return Err(fail(
            StatusCode::FORBIDDEN,
            "password_disabled",
            "Passwords are not used on this server.",
        ));
    }
    let password = body?.into_inner().password;
    check_new_password(&password).map_err(|rule| {
        fail(
            StatusCode::BAD_REQUEST,
            "weak_password",
            format!("Choose another password: {rule}."),
        )
    })?;
    within(limits::check(&state, CHANGES_PER_ACCOUNT, &account_key(&user.id)).await?)?;
    let hash = actix_web::rt::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let had = state
        .db
        .password(&user.id)
        .await
        .map_err(ApiError::from)?
        .is_some();
    state
        .db
        .set_password(&user.id, &hash, state.clock.now())
        .await
        .map_err(ApiError::from)?;
    record(
        &state,
        &req,
        &user.id,
        EventKind::FactorEnrolled,
        "password",
    )
    .await;
    tracing::info!(user = %user.id, replaced = had, "password set");
    Ok(registrations::ok(&Set {
        password: PasswordView {
            set: true,
            allowed: true,
        },
    }))
}

/// `DELETE /api/account/password` → the factors overview; 404
/// `password_not_found` without one, 409 `last_sign_in_method` if it is
/// the last way in.
#[delete("/api/account/password")]
pub async fn remove(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, actix_web::Error> {
    let (session, user) = signed_in_for_change(&state, &req).await?;
    let lock = AccountLock::acquire(&state, &user.id).await?;
    let result = async {
        if state
            .db
            .password(&user.id)
            .await
            .map_err(ApiError::from)?
            .is_none()
        {
            return Err(fail(
                StatusCode::NOT_FOUND,
                "password_not_found",
                "There is no password on your account.",
            ));
        }
        refuse_if_last(&state, &user, Factor::Password).await?;
        state
            .db
            .delete_password(&user.id)
            .await
            .map_err(ApiError::from)?;
        Ok(())
    }
    .await;
    lock.release(&state).await;
    result?;
    record(&state, &req, &user.id, EventKind::FactorRemoved, "password").await;
    tracing::info!(user = %user.id, "password removed");
    Ok(registrations::ok(
        &overview_of(&state, &user, session.csrf).await?,
    ))
}

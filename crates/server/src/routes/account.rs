//! The signed-in user's passkeys: list, add, rename, delete.
//!
//! Every route needs a live browser session for an active user (else 401
//! `login_required`). State-changing calls (POST, PATCH, DELETE) must carry
//! the session's anti-CSRF token in `X-Latchkey-CSRF` (else 403
//! `csrf_mismatch`): a custom header cannot be sent cross-site without a
//! CORS preflight, which Latchkey never grants, and the token is bound to
//! the session, so a token from another session does not work either. The
//! token comes with `GET /api/account/passkeys`.
//!
//! A credential id of another user is "not found" (404), never "forbidden":
//! the repository scopes every lookup by the session's user.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use latchkey_core::{RepoError, User, UserRepo as _, UserStatus};
use latchkey_oidc::session::BrowserSession;
use latchkey_passkey::{CredentialId, CredentialRepo as _, PasskeyCredential};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq as _;

use crate::error::ApiError;
use crate::registrations::{self, FinishRequest, JsonError, PasskeyView, Purpose};
use crate::session;
use crate::state::AppState;

/// The anti-CSRF header, shared with the login-flow API.
pub use super::login_api::CSRF_HEADER;

/// How long one user's deletion holds the per-user lock at most (it is
/// released as soon as the deletion is done; the TTL only matters if a node
/// dies holding it).
const DELETE_LOCK_TTL: Duration = Duration::from_secs(10);

/// The signed-in user and their session, or 401.
pub(crate) async fn signed_in(
    state: &AppState,
    req: &HttpRequest,
) -> Result<(BrowserSession, User), actix_web::Error> {
    let login_required = || {
        JsonError::new(
            StatusCode::UNAUTHORIZED,
            "login_required",
            "Please sign in to manage your account.",
        )
    };
    let session = session::current(state, req)
        .await?
        .ok_or_else(login_required)?;
    // A disabled user's sessions are not honoured (core::user::UserStatus).
    let user = state
        .db
        .user_by_id(&session.subject)
        .await
        .map_err(ApiError::from)?
        .filter(|u| u.status == UserStatus::Active)
        .ok_or_else(login_required)?;
    Ok((session, user))
}

/// The signed-in user, after checking the anti-CSRF header (constant-time;
/// an empty session token, from a session older than the field, never
/// matches).
pub(crate) async fn signed_in_for_change(
    state: &AppState,
    req: &HttpRequest,
) -> Result<(BrowserSession, User), actix_web::Error> {
    let (session, user) = signed_in(state, req).await?;
    let sent = req
        .headers()
        .get(CSRF_HEADER)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    let expected = session.csrf.as_bytes();
    if expected.is_empty() || !bool::from(sent.ct_eq(expected)) {
        return Err(JsonError::new(
            StatusCode::FORBIDDEN,
            "csrf_mismatch",
            "This request is missing its security token. Reload the page and try again.",
        )
        .into());
    }
    Ok((session, user))
}

/// A credential id from the path: malformed ids are 400, well-formed ones
/// that the user does not have are 404 (later).
fn credential_id(raw: &str) -> Result<CredentialId, JsonError> {
    CredentialId::from_base64url(raw).map_err(|e| {
        JsonError::new(
            StatusCode::BAD_REQUEST,
            "invalid_credential_id",
            e.to_string(),
        )
    })
}

fn not_found() -> JsonError {
    JsonError::new(
        StatusCode::NOT_FOUND,
        "passkey_not_found",
        "There is no such passkey on your account.",
    )
}

fn views(all: &[PasskeyCredential]) -> Vec<PasskeyView> {
    all.iter().map(PasskeyView::from).collect()
}

#[derive(Serialize)]
struct Listing {
    user_id: String,
    passkeys: Vec<PasskeyView>,
    /// Send as `X-Latchkey-CSRF` with every change.
    csrf_token: String,
}

/// `GET /api/account/passkeys` → `{user_id, passkeys, csrf_token}`.
#[get("/api/account/passkeys")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, actix_web::Error> {
    let (session, user) = signed_in(&state, &req).await?;
    let passkeys = state
        .db
        .credentials_for_user(&user.id)
        .await
        .map_err(ApiError::from)?;
    Ok(registrations::ok(&Listing {
        user_id: user.id.0,
        passkeys: views(&passkeys),
        csrf_token: session.csrf,
    }))
}

/// `POST /api/account/passkeys/options` → `{registration_id, public_key}`;
/// the user's passkeys are excluded.
#[post("/api/account/passkeys/options")]
pub async fn options(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, actix_web::Error> {
    let (session, user) = signed_in_for_change(&state, &req).await?;
    let purpose = Purpose::Account {
        user_id: user.id.clone(),
        sid: session.sid,
    };
    let started = registrations::start(&state, &user, purpose).await?;
    Ok(registrations::ok(&started))
}

#[derive(Serialize)]
struct Added {
    credential: PasskeyView,
}

/// `POST /api/account/passkeys/finish` `{registration_id, credential,
/// friendly_name?}` → 201 `{credential}`. The registration must have been
/// started by this session. The body is read only after the session and
/// CSRF checks, so strangers learn nothing from parse errors.
#[post("/api/account/passkeys/finish")]
pub async fn finish(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Result<web::Json<FinishRequest>, actix_web::Error>,
) -> Result<HttpResponse, actix_web::Error> {
    let (session, user) = signed_in_for_change(&state, &req).await?;
    let body = body?.into_inner();
    let name = registrations::friendly_name(body.friendly_name.as_deref())?;
    let purpose = Purpose::Account {
        user_id: user.id.clone(),
        sid: session.sid,
    };
    let ceremony = registrations::take(&state, &body.registration_id, &purpose)
        .await?
        .ok_or_else(JsonError::registration_invalid)?;
    if ceremony.user_id() != &user.id {
        return Err(JsonError::registration_invalid().into());
    }
    let credential = registrations::verify(&state, &req, &ceremony, &body.credential, name).await?;
    registrations::insert(&state, &credential, "account").await?;
    tracing::info!(user = %user.id, credential = %credential.credential_id, "passkey added");
    Ok(registrations::created(&Added {
        credential: PasskeyView::from(&credential),
    }))
}

/// The body of a rename.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rename {
    friendly_name: String,
}

/// `PATCH /api/account/passkeys/{id}` `{friendly_name}` → `{credential}`.
#[patch("/api/account/passkeys/{id}")]
pub async fn rename(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Result<web::Json<Rename>, actix_web::Error>,
) -> Result<HttpResponse, actix_web::Error> {
    let (_, user) = signed_in_for_change(&state, &req).await?;
    let id = credential_id(&id)?;
    let body = body?;
    let name = latchkey_passkey::normalise_friendly_name(&body.friendly_name)
        .map_err(|e| JsonError::friendly_name(&e))?;
    match state.db.rename_credential(&user.id, &id, &name).await {
        Ok(()) => {}
        Err(RepoError::NotFound) => return Err(not_found().into()),
        Err(e) => return Err(ApiError::from(e).into()),
    }
    let credential = state
        .db
        .credential_by_id(&id)
        .await
        .map_err(ApiError::from)?
        .filter(|c| c.user_id == user.id)
        .ok_or_else(not_found)?;
    Ok(registrations::ok(&Added {
        credential: PasskeyView::from(&credential),
    }))
}

#[derive(Serialize)]
struct Deleted {
    deleted: String,
    /// With `accepted_credential_ids`, what the page passes to the WebAuthn
    /// Signal API's `signalAllAcceptedCredentials` (as the user handle,
    /// base64url of the user id's UUID bytes, computed by the page).
    user_id: String,
    /// Every credential id the user still has, base64url.
    accepted_credential_ids: Vec<String>,
}

/// `DELETE /api/account/passkeys/{id}` → `{deleted, user_id,
/// accepted_credential_ids}`; 409 `last_sign_in_method` for the last one.
#[delete("/api/account/passkeys/{id}")]
pub async fn remove(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, actix_web::Error> {
    let (_, user) = signed_in_for_change(&state, &req).await?;
    let id = credential_id(&id)?;
    // Count and delete under a per-user lock in the shared ephemeral store,
    // so two deletions racing (on any nodes) cannot both see "two left" and
    // leave the user with none.
    let key = format!("account-lock:{}", user.id);
    let Some(lock) = crate::locks::Lock::try_acquire(&state, key, DELETE_LOCK_TTL)
        .await
        .map_err(ApiError::from)?
    else {
        return Err(JsonError::new(
            StatusCode::CONFLICT,
            "concurrent_change",
            "Another change to your passkeys is in progress. Try again in a moment.",
        )
        .into());
    };
    let result = delete_unless_last(&state, &user, &id).await;
    lock.release(&state).await;
    let remaining = result?;
    tracing::info!(user = %user.id, credential = %id, "passkey deleted");
    Ok(registrations::ok(&Deleted {
        deleted: id.to_base64url(),
        user_id: user.id.0,
        accepted_credential_ids: remaining
            .iter()
            .map(|c| c.credential_id.to_base64url())
            .collect(),
    }))
}

/// Whether a user left with `remaining` passkeys could still sign in.
/// Passkeys are the only sign-in method so far; when fallbacks arrive this
/// must count them too.
fn leaves_a_sign_in_method(remaining: usize) -> bool {
    remaining > 0
}

/// Delete `id` of `user` unless it is their last sign-in method; returns the
/// credentials left.
async fn delete_unless_last(
    state: &AppState,
    user: &User,
    id: &CredentialId,
) -> Result<Vec<PasskeyCredential>, actix_web::Error> {
    let mut all = state
        .db
        .credentials_for_user(&user.id)
        .await
        .map_err(ApiError::from)?;
    let before = all.len();
    all.retain(|c| &c.credential_id != id);
    if all.len() == before {
        return Err(not_found().into());
    }
    if !leaves_a_sign_in_method(all.len())
        && !super::account_factors::guard::has_fallback_way_in(state, user).await?
    {
        return Err(JsonError::new(
            StatusCode::CONFLICT,
            "last_sign_in_method",
            "This is your only passkey, and you have no other way to sign in. \
             Add another passkey, or verify your email, before deleting this one.",
        )
        .into());
    }
    match state.db.delete_credential(&user.id, id).await {
        Ok(()) => Ok(all),
        Err(RepoError::NotFound) => Err(not_found().into()),
        Err(e) => Err(ApiError::from(e).into()),
    }
}

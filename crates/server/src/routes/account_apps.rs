//! The applications the signed-in user allowed (consent, docs/oidc.md):
//! list them, and withdraw one, so that application asks again at the next
//! sign-in.
//!
//! Same rules as the other account routes (`routes::account`): a live
//! session of an active user (else 401 `login_required`) and, on the
//! change, the session's anti-CSRF token in `X-Latchkey-CSRF` (else 403
//! `csrf_mismatch`). Every lookup is scoped by the session's user, so
//! another user's consent, an unknown client and a client id no client can
//! have (too long, NUL) are all the same 404 `app_not_found`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, web};
use latchkey_core::User;
use latchkey_oidc::refresh::RefreshTokenRepo as _;
use latchkey_oidc::{ClientId, ClientRepo as _, Consent, ConsentRepo as _};
use serde::Serialize;

use super::account::{signed_in, signed_in_for_change};
use crate::error::ApiError;
use crate::registrations::{self, JsonError};
use crate::state::AppState;

/// One allowed application.
#[derive(Debug, Clone, Serialize)]
pub struct AppView {
    pub client_id: String,
    /// The client's display name (its id if the client vanished between
    /// the two reads; deleting a client deletes its consents).
    pub client_name: String,
    /// Every scope agreed to, as stored.
    pub scopes: Vec<String>,
    /// When the user last agreed, Unix seconds.
    pub granted_at: i64,
}

#[derive(Serialize)]
struct Listing {
    apps: Vec<AppView>,
    /// Send as `X-Latchkey-CSRF` with every change.
    csrf_token: String,
}

fn not_found() -> actix_web::Error {
    JsonError::new(
        StatusCode::NOT_FOUND,
        "app_not_found",
        "You have not allowed this application.",
    )
    .into()
}

async fn view(state: &AppState, consent: Consent) -> Result<AppView, ApiError> {
    let name = state
        .db
        .client_by_id(&consent.client)
        .await?
        .map_or_else(|| consent.client.0.clone(), |c| c.name);
    Ok(AppView {
        client_id: consent.client.0,
        client_name: name,
        scopes: consent.scopes,
        granted_at: consent.granted_at.0,
    })
}

/// The applications `user` allowed, most recently allowed first. Shared
/// with the account page, so the page and the API show the same.
pub(crate) async fn apps_of(state: &AppState, user: &User) -> Result<Vec<AppView>, ApiError> {
    let consents = state.db.consents_of(&user.id).await?;
    let mut out = Vec::with_capacity(consents.len());
    for c in consents {
        out.push(view(state, c).await?);
    }
    Ok(out)
}

/// `GET /api/account/apps` → `{apps: [{client_id, client_name, scopes,
/// granted_at}], csrf_token}`.
#[get("/api/account/apps")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, actix_web::Error> {
    let (session, user) = signed_in(&state, &req).await?;
    Ok(registrations::ok(&Listing {
        apps: apps_of(&state, &user).await?,
        csrf_token: session.csrf,
    }))
}

/// `DELETE /api/account/apps/{client_id}` → the list without it; 404
/// `app_not_found` when the user had not allowed it. The path is read only
/// after the session and CSRF checks; one that does not even parse is the
/// same 404.
#[delete("/api/account/apps/{client_id}")]
pub async fn remove(
    req: HttpRequest,
    state: web::Data<AppState>,
    client_id: Result<web::Path<String>, actix_web::Error>,
) -> Result<HttpResponse, actix_web::Error> {
    let (session, user) = signed_in_for_change(&state, &req).await?;
    let client = ClientId(client_id.map_err(|_| not_found())?.into_inner());
    if !state
        .db
        .revoke_consent(&user.id, &client)
        .await
        .map_err(ApiError::from)?
    {
        return Err(not_found());
    }
    // Withdrawn means withdrawn: the refresh tokens the application holds
    // for this user stop working now, not when they expire.
    let revoked = state
        .db
        .revoke_for_client(&user.id.0, &client.0, state.clock.now())
        .await
        .map_err(ApiError::from)?;
    tracing::info!(user = %user.id, client = %client, revoked, "consent withdrawn");
    Ok(registrations::ok(&Listing {
        apps: apps_of(&state, &user).await?,
        csrf_token: session.csrf,
    }))
}

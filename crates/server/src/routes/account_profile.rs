//! The signed-in user's profile: for now only the display name, which is
//! what relying parties see as the `name` claim and what the account page
//! hands to the WebAuthn Signal API so passkey managers show it too.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, patch, web};
use latchkey_core::UserRepo as _;
use latchkey_core::user::normalise_display_name;
use serde::{Deserialize, Serialize};

use super::account::signed_in_for_change;
use crate::error::ApiError;
use crate::registrations::{self, JsonError};
use crate::state::AppState;

/// `{display_name}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileBody {
    display_name: String,
}

#[derive(Debug, Serialize)]
struct Profile {
    user_id: String,
    username: String,
    display_name: String,
    /// Send as `X-Latchkey-CSRF` with every change.
    csrf_token: String,
}

/// `PATCH /api/account/profile` `{display_name}` → `{user_id, username,
/// display_name, csrf_token}`; 400 `invalid_display_name` unless the trimmed
/// name is 1 to 64 characters without control characters.
#[patch("/api/account/profile")]
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Result<web::Json<ProfileBody>, actix_web::Error>,
) -> Result<HttpResponse, actix_web::Error> {
    let (session, user) = signed_in_for_change(&state, &req).await?;
    let raw = body?.into_inner().display_name;
    let name = normalise_display_name(&raw).map_err(|_| {
        JsonError::new(
            StatusCode::BAD_REQUEST,
            "invalid_display_name",
            "Choose a name of 1 to 64 characters.",
        )
    })?;
    let found = state
        .db
        .set_display_name(&user.id, &name)
        .await
        .map_err(ApiError::from)?;
    if !found {
        // Deleted between the session check and the update.
        return Err(JsonError::new(
            StatusCode::UNAUTHORIZED,
            "login_required",
            "Please sign in to manage your account.",
        )
        .into());
    }
    tracing::info!(user = %user.id, "display name changed");
    Ok(registrations::ok(&Profile {
        user_id: user.id.0,
        username: user.username,
        display_name: name.to_owned(),
        csrf_token: session.csrf,
    }))
}

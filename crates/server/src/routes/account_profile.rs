//! The signed-in user's profile: for now only the display name, which is
//! what relying parties see as the `name` claim and what the account page
//! hands to the WebAuthn Signal API so passkey managers show it too.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, patch, web};
use latchkey_core::UserRepo as _;
use serde::{Deserialize, Serialize};

use super::account::signed_in_for_change;
use crate::error::ApiError;
use crate::registrations::{self, JsonError};
use crate::state::AppState;

/// Longest display name accepted here, in characters. Shorter than the 128
/// allowed at enrollment: it has to fit a passkey manager's list row.
const MAX_DISPLAY_NAME_CHARS: usize = 64;

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

/// The trimmed name, or `None` when it is empty, longer than
/// [`MAX_DISPLAY_NAME_CHARS`] or holds a control character (a newline or
/// terminal escape would otherwise reach every client's ID tokens).
pub(crate) fn valid_display_name(raw: &str) -> Option<&str> {
    let name = raw.trim();
    let count = name.chars().count();
    if count == 0 || count > MAX_DISPLAY_NAME_CHARS || name.chars().any(char::is_control) {
        return None;
    }
    Some(name)
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
    let name = valid_display_name(&raw).ok_or_else(|| {
        JsonError::new(
            StatusCode::BAD_REQUEST,
            "invalid_display_name",
            "Choose a name of 1 to 64 characters.",
        )
    })?;
    let found = state
        .db
        .set_display_name(&user.id, name)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_name_rules() {
        assert_eq!(valid_display_name("  Alice  "), Some("Alice"));
        assert_eq!(valid_display_name(&"é".repeat(64)).map(str::len), Some(128));
        assert_eq!(valid_display_name(&"a".repeat(65)), None);
        assert_eq!(valid_display_name("   "), None);
        assert_eq!(valid_display_name(""), None);
        assert_eq!(valid_display_name("a\u{0}b"), None);
        assert_eq!(valid_display_name("a\nb"), None);
        assert_eq!(valid_display_name("a\u{7f}b"), None);
    }
}

//! Enrollment links: `latchkey user invite` hands a user
//! `{issuer}/enroll?token=…`; the page calls these two routes to create the
//! user's passkey and signs them in.
//!
//! - `POST /api/enroll/{token}/options` checks the invitation (valid,
//!   unexpired, unused, user active) without consuming it and starts a
//!   registration.
//! - `POST /api/enroll/{token}/finish` verifies the passkey **first** and
//!   redeems the invitation only after verification succeeded, so a
//!   cancelled prompt or a failed ceremony never burns the link. The
//!   redemption is one conditional update: of two finishes racing with the
//!   same link, the loser stores nothing. Should the insert then still
//!   collide (the same credential id registered meanwhile), the redemption
//!   is undone.
//!
//! Every invalid link (malformed, unknown, used, expired, user disabled or
//! gone) gets the same 404 `invitation_invalid`, so the answer says nothing
//! about which it was. The 256-bit token in the path is what a cross-site
//! request cannot know, so these routes need no other CSRF token.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};
use latchkey_core::{User, UserRepo as _, UserStatus};
use latchkey_oidc::AuthnResult;
use latchkey_passkey::invitation::{Invitation, InvitationRepo as _, hash_token};
use serde::Serialize;

use crate::error::ApiError;
use crate::registrations::{self, FinishRequest, JsonError, PasskeyView, Purpose};
use crate::session;
use crate::state::AppState;

/// The one answer for every link that cannot be used.
fn invalid() -> JsonError {
    JsonError::new(
        StatusCode::NOT_FOUND,
        "invitation_invalid",
        "This enrollment link is not valid: it may have expired or been used already. \
         Ask for a new one.",
    )
}

/// The invitation and its user, when the link can still be used now.
async fn usable(state: &AppState, token: &str) -> Result<(Invitation, User), actix_web::Error> {
    let hash = hash_token(token).ok_or_else(invalid)?;
    let invitation = state
        .db
        .invitation_by_hash(&hash)
        .await
        .map_err(ApiError::from)?
        .filter(|i| i.is_redeemable(state.clock.now()))
        .ok_or_else(invalid)?;
    let user = state
        .db
        .user_by_id(&invitation.user_id)
        .await
        .map_err(ApiError::from)?
        .filter(|u| u.status == UserStatus::Active)
        .ok_or_else(invalid)?;
    Ok((invitation, user))
}

/// `POST /api/enroll/{token}/options` → `{registration_id, public_key}`.
#[post("/api/enroll/{token}/options")]
pub async fn options(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, actix_web::Error> {
    let (invitation, user) = usable(&state, &token).await?;
    let purpose = Purpose::Invitation {
        token_hash: invitation.token_hash,
    };
    let started = registrations::start(&state, &user, purpose).await?;
    Ok(registrations::ok(&started))
}

#[derive(Serialize)]
struct Enrolled {
    credential: PasskeyView,
    user_id: String,
    /// The anti-CSRF token of the session just started, for the account
    /// API (`X-Latchkey-CSRF`), so the page need not fetch it.
    csrf_token: String,
}

/// `POST /api/enroll/{token}/finish` `{registration_id, credential,
/// friendly_name?}` → 201 `{credential, user_id, csrf_token}` and a session
/// cookie.
#[post("/api/enroll/{token}/finish")]
pub async fn finish(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    body: Result<web::Json<FinishRequest>, actix_web::Error>,
) -> Result<HttpResponse, actix_web::Error> {
    // The link first: an unusable one gets the same 404 whatever the body.
    let (invitation, user) = usable(&state, &token).await?;
    let body = body?.into_inner();
    let name = registrations::friendly_name(body.friendly_name.as_deref())?;
    let purpose = Purpose::Invitation {
        token_hash: invitation.token_hash.clone(),
    };
    let ceremony = registrations::take(&state, &body.registration_id, &purpose)
        .await?
        .ok_or_else(JsonError::registration_invalid)?;
    if ceremony.user_id() != &user.id {
        return Err(JsonError::registration_invalid().into());
    }
    let credential = registrations::verify(&state, &req, &ceremony, &body.credential, name).await?;

    let now = state.clock.now();
    let redeemed = state
        .db
        .redeem_invitation(&invitation.token_hash, now)
        .await
        .map_err(ApiError::from)?;
    if redeemed.as_ref() != Some(&user.id) {
        return Err(invalid().into());
    }
    if let Err(e) = registrations::insert(&state, &credential, "invitation").await {
        // The link was redeemed for a passkey that could not be stored:
        // give it back, so only a completed enrollment uses it up.
        if let Err(undo) = state
            .db
            .release_invitation(&invitation.token_hash, now)
            .await
        {
            tracing::warn!(error = %undo, "could not release an invitation after a failed insert");
        }
        return Err(e);
    }
    tracing::info!(user = %user.id, credential = %credential.credential_id, "passkey enrolled by invitation");

    let method =
        latchkey_passkey::auth_method(credential.backup_eligible, credential.hardware_attested);
    let authn = AuthnResult::new(user.id.clone(), vec![method], now);
    let previous = session::session_cookie_value(&req);
    let (browser_session, cookie) =
        session::start(&state, previous.as_deref(), &authn, now).await?;
    let mut res = registrations::created(&Enrolled {
        credential: PasskeyView::from(&credential),
        user_id: user.id.0.clone(),
        csrf_token: browser_session.csrf,
    });
    res.add_cookie(&cookie)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(res)
}

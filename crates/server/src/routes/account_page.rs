//! The hosted pages of enrollment and the account: `GET /enroll?token=…`
//! (the link `latchkey user invite` prints) and `GET /account`.
//!
//! Both only render. The invitation page does not look the link up: the
//! enrollment API checks it when the page's script calls it, and answers a
//! used or expired link with `invitation_invalid`, which the page puts in
//! words. So opening the link (as mail scanners and link previews do)
//! reads nothing from the database and uses nothing up. The account page
//! reads what the account APIs show (`GET /api/account/passkeys`,
//! `GET /api/account/factors` and `GET /api/account/apps`); every change
//! goes through those APIs.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use latchkey_core::{UserRepo as _, UserStatus};
use latchkey_pages::{Account, AccountPage, AppItem, Contact, EnrollPage, PasskeyItem};
use latchkey_passkey::CredentialRepo as _;
use latchkey_passkey::invitation::hash_token;

use crate::error::ApiError;
use crate::state::AppState;
use crate::{html, session};

/// `GET /enroll?token=…`: the invitation page. A missing or malformed token
/// (one the enrollment API would refuse whatever the database holds) gets
/// the "this link does not work" state with status 400: the request itself
/// is broken, and the status tells monitors and link checkers so. A
/// well-formed token gets 200 and the page that asks the API.
#[get("/enroll")]
pub async fn enroll(req: HttpRequest) -> HttpResponse {
    // Read by hand rather than by an extractor: whatever the query holds,
    // the answer is this page, never a JSON error.
    let token = url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned())
        .filter(|t| hash_token(t).is_some());
    let malformed = token.is_none();
    let mut res = html::page(
        EnrollPage {
            lang: html::lang(&req),
            token,
        }
        .render(),
    );
    if malformed && res.status() == StatusCode::OK {
        *res.status_mut() = StatusCode::BAD_REQUEST;
    }
    res
}

/// `GET /account`: the signed-in user's passkeys, fallback factors and
/// allowed applications, or "sign in first" (200, no redirect: Latchkey has
/// no client of its own to start a sign-in with).
#[get("/account")]
pub async fn account(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let account = match signed_in_user(&state, &req).await? {
        Some(user) => Some(details(&state, &user).await?),
        None => None,
    };
    Ok(html::page(
        AccountPage {
            lang: html::lang(&req),
            account,
        }
        .render(),
    ))
}

/// The session's user when the session is live and the user active (the
/// same rule as the account API's `login_required`).
async fn signed_in_user(
    state: &AppState,
    req: &HttpRequest,
) -> Result<Option<latchkey_core::User>, ApiError> {
    let Some(session) = session::current(state, req).await? else {
        return Ok(None);
    };
    Ok(state
        .db
        .user_by_id(&session.subject)
        .await?
        .filter(|u| u.status == UserStatus::Active))
}

/// What the page shows: the same records, read the same way, as
/// `GET /api/account/passkeys`, `GET /api/account/factors` and
/// `GET /api/account/apps`.
async fn details(state: &AppState, user: &latchkey_core::User) -> Result<Account, ApiError> {
    let passkeys = state.db.credentials_for_user(&user.id).await?;
    let factors = super::account_factors::overview::overview_of(state, user, String::new()).await?;
    let apps = super::account_apps::apps_of(state, user).await?;
    Ok(Account {
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        rp_id: state.passkeys.rp_id().to_owned(),
        passkeys: passkeys
            .iter()
            .map(|c| PasskeyItem {
                id: c.credential_id.to_base64url(),
                friendly_name: c.friendly_name.clone(),
                created_at: c.created_at.0,
                last_used_at: c.last_used_at.map(|t| t.0),
                synced: c.backup_eligible,
            })
            .collect(),
        email: factors.email.map(|e| Contact {
            address: e.address,
            verified: e.verified,
        }),
        phone: factors.phone.map(|p| Contact {
            address: p.number_masked,
            verified: p.verified,
        }),
        totp_enrolled: factors.totp.enrolled,
        recovery_codes_left: factors.recovery_codes.left,
        password_set: factors.password.set,
        password_allowed: factors.password.allowed,
        apps: apps
            .into_iter()
            .map(|a| AppItem {
                client_id: a.client_id,
                client_name: a.client_name,
                scopes: a.scopes,
                granted_at: a.granted_at,
            })
            .collect(),
    })
}

//! `GET /api/account/factors`: which fallback factors the user has.

use actix_web::{HttpRequest, HttpResponse, get, web};
use latchkey_core::User;
use latchkey_fallback::repo::FactorRepo as _;
use serde::Serialize;

use super::password_allowed;
use crate::error::ApiError;
use crate::registrations;
use crate::routes::account::signed_in;
use crate::state::AppState;

#[derive(Serialize)]
pub(super) struct EmailView {
    pub(super) address: String,
    pub(super) verified: bool,
}

#[derive(Serialize)]
pub(super) struct PhoneView {
    /// The first three and last two characters; the rest masked.
    pub(super) number_masked: String,
    pub(super) verified: bool,
}

impl PhoneView {
    pub(super) fn new(number: &str, verified: bool) -> Self {
        Self {
            number_masked: crate::delivery::sms::mask(number),
            verified,
        }
    }
}

#[derive(Serialize)]
pub(super) struct TotpView {
    pub(super) enrolled: bool,
}

#[derive(Serialize)]
pub(super) struct RecoveryView {
    pub(super) left: u64,
}

#[derive(Serialize)]
pub(super) struct PasswordView {
    pub(super) set: bool,
    pub(super) allowed: bool,
}

/// What `GET /api/account/factors` answers, and removals too.
#[derive(Serialize)]
pub(super) struct Overview {
    pub(super) email: Option<EmailView>,
    pub(super) phone: Option<PhoneView>,
    pub(super) totp: TotpView,
    pub(super) recovery_codes: RecoveryView,
    pub(super) password: PasswordView,
    /// Send as `X-Latchkey-CSRF` with every change.
    pub(super) csrf_token: String,
}

pub(super) async fn overview_of(
    state: &AppState,
    user: &User,
    csrf: String,
) -> Result<Overview, ApiError> {
    let phone = state.db.phone(&user.id).await?;
    let totp = state.db.totp(&user.id).await?;
    let left = state.db.count_unused_recovery_codes(&user.id).await?;
    let password = state.db.password(&user.id).await?;
    Ok(Overview {
        email: user.email.as_ref().map(|address| EmailView {
            address: address.clone(),
            verified: user.email_verified,
        }),
        phone: phone.map(|p| PhoneView::new(&p.phone, p.is_verified())),
        totp: TotpView {
            enrolled: totp.is_some_and(|t| t.is_confirmed()),
        },
        recovery_codes: RecoveryView { left },
        password: PasswordView {
            set: password.is_some(),
            allowed: password_allowed(state),
        },
        csrf_token: csrf,
    })
}

/// `GET /api/account/factors` → the overview.
#[get("/api/account/factors")]
pub async fn overview(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, actix_web::Error> {
    let (session, user) = signed_in(&state, &req).await?;
    Ok(registrations::ok(
        &overview_of(&state, &user, session.csrf).await?,
    ))
}

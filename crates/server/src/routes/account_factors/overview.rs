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
pub(crate) struct EmailView {
    pub(crate) address: String,
    pub(crate) verified: bool,
}

#[derive(Serialize)]
pub(crate) struct PhoneView {
    /// The first three and last two characters; the rest masked.
    pub(crate) number_masked: String,
    pub(crate) verified: bool,
}

impl PhoneView {
    pub(crate) fn new(number: &str, verified: bool) -> Self {
        Self {
            number_masked: crate::delivery::sms::mask(number),
            verified,
        }
    }
}

#[derive(Serialize)]
pub(crate) struct TotpView {
    pub(crate) enrolled: bool,
}

#[derive(Serialize)]
pub(crate) struct RecoveryView {
    pub(crate) left: u64,
}

#[derive(Serialize)]
pub(crate) struct PasswordView {
    pub(crate) set: bool,
    pub(crate) allowed: bool,
}

/// What `GET /api/account/factors` answers, and removals too.
#[derive(Serialize)]
pub(crate) struct Overview {
    pub(crate) email: Option<EmailView>,
    pub(crate) phone: Option<PhoneView>,
    pub(crate) totp: TotpView,
    pub(crate) recovery_codes: RecoveryView,
    pub(crate) password: PasswordView,
    /// Send as `X-Latchkey-CSRF` with every change.
    pub(crate) csrf_token: String,
}

pub(crate) async fn overview_of(
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

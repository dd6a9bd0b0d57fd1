//! Last-method protection: a change never leaves the user without a way
//! to sign in. Passkeys count, and the fallback factors that are set up,
//! verified and enabled by the default policy (a password only where
//! passwords are enabled). Removals and replacements run under one
//! per-user lock, shared with passkey deletion, so two changes racing on
//! two nodes cannot both see "another way in is left".

use std::time::Duration;

use actix_web::http::StatusCode;
use latchkey_core::{User, UserId};
use latchkey_fallback::policy::FallbackMethod;
use latchkey_fallback::repo::FactorRepo as _;
use latchkey_passkey::CredentialRepo as _;

use super::fail;
use crate::error::ApiError;
use crate::state::AppState;

/// How long one change holds the per-user lock at most (released as soon as
/// it is done; the TTL matters only if a node dies holding it).
const LOCK_TTL: Duration = Duration::from_secs(10);

/// The per-user lock of account changes. The key is the one the passkey
/// deletion takes (`routes::account`), so the two serialise.
pub(super) struct AccountLock(crate::locks::Lock);

impl AccountLock {
    pub(super) async fn acquire(state: &AppState, user: &UserId) -> Result<Self, actix_web::Error> {
        let key = format!("account-lock:{user}");
        let won = crate::locks::Lock::try_acquire(state, key, LOCK_TTL)
            .await
            .map_err(ApiError::from)?;
        if let Some(lock) = won {
            Ok(Self(lock))
        } else {
            Err(fail(
                StatusCode::CONFLICT,
                "concurrent_change",
                "Another change to your account is in progress. Try again in a moment.",
            ))
        }
    }

    pub(super) async fn release(self, state: &AppState) {
        self.0.release(state).await;
    }
}

/// A factor that can be removed or replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Factor {
    Phone,
    Totp,
    Password,
}

/// The ways a user can sign in today: passkeys, and the fallback factors
/// that are set up, verified and enabled by the default policy.
#[derive(Debug, Default)]
struct WaysIn {
    passkeys: usize,
    email: bool,
    phone: bool,
    totp: bool,
    recovery_codes: bool,
    password: bool,
}

impl WaysIn {
    async fn of(state: &AppState, user: &User) -> Result<Self, ApiError> {
        let policy = state.policy.default_policy();
        let allows = |m| policy.allows(m);
        let passkeys = state.db.credentials_for_user(&user.id).await?.len();
        let phone = state.db.phone(&user.id).await?;
        let totp = state.db.totp(&user.id).await?;
        let recovery = state.db.count_unused_recovery_codes(&user.id).await?;
        let password = state.db.password(&user.id).await?;
        Ok(Self {
            passkeys,
            email: user.email.is_some()
                && user.email_verified
                && (allows(FallbackMethod::EmailCode) || allows(FallbackMethod::EmailLink)),
            phone: phone.is_some_and(|p| p.is_verified()) && allows(FallbackMethod::SmsCode),
            totp: totp.is_some_and(|t| t.is_confirmed()) && allows(FallbackMethod::Totp),
            recovery_codes: recovery > 0 && allows(FallbackMethod::RecoveryCode),
            password: password.is_some() && allows(FallbackMethod::Password),
        })
    }

    /// Whether `factor` is one of the ways in now.
    fn has(&self, factor: Factor) -> bool {
        match factor {
            Factor::Phone => self.phone,
            Factor::Totp => self.totp,
            Factor::Password => self.password,
        }
    }

    /// Whether a way in is left once `factor` is gone.
    fn without(&self, factor: Factor) -> bool {
        self.passkeys > 0
            || self.email
            || self.recovery_codes
            || (self.phone && factor != Factor::Phone)
            || (self.totp && factor != Factor::Totp)
            || (self.password && factor != Factor::Password)
    }
}

/// Whether the user can sign in without any passkey (a fallback factor is
/// set up, verified and enabled): what passkey deletion asks before
/// removing the last passkey. Call under the account lock.
pub(crate) async fn has_fallback_way_in(state: &AppState, user: &User) -> Result<bool, ApiError> {
    let w = WaysIn::of(state, user).await?;
    Ok(w.email || w.phone || w.totp || w.recovery_codes || w.password)
}

/// 409 `last_sign_in_method` if `factor` is the user's last way in (a
/// factor that is not a way in, like an unverified phone, can always go).
/// Call under the [`AccountLock`].
pub(super) async fn refuse_if_last(
    state: &AppState,
    user: &User,
    factor: Factor,
) -> Result<(), actix_web::Error> {
    let ways = WaysIn::of(state, user).await?;
    if !ways.has(factor) || ways.without(factor) {
        return Ok(());
    }
    let what = match factor {
        Factor::Phone => "your phone number",
        Factor::Totp => "your authenticator app",
        Factor::Password => "your password",
    };
    Err(fail(
        StatusCode::CONFLICT,
        "last_sign_in_method",
        format!(
            "You could not sign in any more without {what}. \
             Add a passkey or another way to sign in first."
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_factor_can_go_only_if_another_way_in_is_left() {
        let only_totp = WaysIn {
            totp: true,
            ..WaysIn::default()
        };
        assert!(only_totp.has(Factor::Totp) && !only_totp.without(Factor::Totp));
        // A phone that is not a way in does not count, and can always go.
        assert!(!only_totp.has(Factor::Phone) && only_totp.without(Factor::Phone));
        for other in [
            WaysIn {
                passkeys: 1,
                ..WaysIn::default()
            },
            WaysIn {
                email: true,
                ..WaysIn::default()
            },
            WaysIn {
                recovery_codes: true,
                ..WaysIn::default()
            },
            WaysIn {
                phone: true,
                ..WaysIn::default()
            },
            WaysIn {
                password: true,
                ..WaysIn::default()
            },
        ] {
            let ways = WaysIn {
                totp: true,
                ..other
            };
            assert!(ways.without(Factor::Totp), "{ways:?}");
        }
        let phone_and_password = WaysIn {
            phone: true,
            password: true,
            ..WaysIn::default()
        };
        assert!(phone_and_password.without(Factor::Phone));
        assert!(phone_and_password.without(Factor::Password));
        assert!(!WaysIn::default().without(Factor::Password));
    }
}

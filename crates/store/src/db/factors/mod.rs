//! `FactorRepo` on the database: phones, email verification, TOTP secrets,
//! recovery codes and passwords. The single-winner rules (a TOTP step is
//! accepted once, a recovery code is spent once) are each one conditional
//! UPDATE, so whichever of several concurrent requests the database applies
//! first wins, on one node or many.
//!
//! Each factor's queries live in its own module; the trait impl below only
//! routes to them. `on_backend!`, `write_error` and `count` are shared with
//! the other repositories in `db`.

mod email;
mod password;
mod phone;
mod recovery;
mod totp;

use latchkey_core::{RepoError, UnixTime, UserId};
use latchkey_fallback::repo::{
    FactorRepo, PasswordCredential, RecoveryCodeRow, TotpCredential, UserPhone,
};

use super::{Db, repo_error};

/// Run the same diesel expression on whichever backend `conn` is. diesel's
/// `MultiConnection` dialect has no `ON CONFLICT` clause, so upserts are
/// written once here and compiled for each backend.
macro_rules! on_backend {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::db::AnyConnection::Postgresql($c) => $body,
            $crate::db::AnyConnection::Sqlite($c) => $body,
        }
    };
}
pub(super) use on_backend;

/// Like `repo_error`, for writes that reference a user: a missing user
/// (foreign-key violation) is `NotFound`, not a backend failure.
pub(super) fn write_error(e: diesel::result::Error, fields: &[&'static str]) -> RepoError {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => RepoError::NotFound,
        other => repo_error(other, fields),
    }
}

/// A row count or `COUNT(*)` as the domain's `u64`.
pub(super) fn count(n: i64) -> Result<u64, RepoError> {
    u64::try_from(n).map_err(|e| RepoError::Backend(e.to_string()))
}

impl FactorRepo for Db {
    async fn set_phone(&self, user: &UserId, phone: &str, now: UnixTime) -> Result<(), RepoError> {
        phone::set(self, user, phone, now).await
    }

    async fn phone(&self, user: &UserId) -> Result<Option<UserPhone>, RepoError> {
        phone::get(self, user).await
    }

    async fn verify_phone(
        &self,
        user: &UserId,
        phone: &str,
        now: UnixTime,
    ) -> Result<bool, RepoError> {
        phone::verify(self, user, phone, now).await
    }

    async fn delete_phone(&self, user: &UserId) -> Result<bool, RepoError> {
        phone::delete(self, user).await
    }

    async fn mark_email_verified(&self, user: &UserId, email: &str) -> Result<bool, RepoError> {
        email::mark_verified(self, user, email).await
    }

    async fn change_email(&self, user: &UserId, email: Option<&str>) -> Result<(), RepoError> {
        email::change(self, user, email).await
    }

    async fn put_totp(
        &self,
        user: &UserId,
        secret_sealed: &str,
        now: UnixTime,
    ) -> Result<(), RepoError> {
        totp::put(self, user, secret_sealed, now).await
    }

    async fn totp(&self, user: &UserId) -> Result<Option<TotpCredential>, RepoError> {
        totp::get(self, user).await
    }

    async fn confirm_totp(
        &self,
        user: &UserId,
        secret_sealed: &str,
        step: u64,
        now: UnixTime,
    ) -> Result<bool, RepoError> {
        totp::confirm(self, user, secret_sealed, step, now).await
    }

    async fn advance_totp_step(&self, user: &UserId, step: u64) -> Result<bool, RepoError> {
        totp::advance_step(self, user, step).await
    }

    async fn delete_totp(&self, user: &UserId) -> Result<bool, RepoError> {
        totp::delete(self, user).await
    }

    async fn replace_recovery_codes(
        &self,
        user: &UserId,
        hashes: Vec<String>,
        now: UnixTime,
    ) -> Result<(), RepoError> {
        recovery::replace(self, user, hashes, now).await
    }

    async fn unused_recovery_codes(
        &self,
        user: &UserId,
    ) -> Result<Vec<RecoveryCodeRow>, RepoError> {
        recovery::unused(self, user).await
    }

    async fn use_recovery_code(
        &self,
        user: &UserId,
        id: &str,
        now: UnixTime,
    ) -> Result<bool, RepoError> {
        recovery::use_code(self, user, id, now).await
    }

    async fn count_unused_recovery_codes(&self, user: &UserId) -> Result<u64, RepoError> {
        recovery::count_unused(self, user).await
    }

    async fn set_password(
        &self,
        user: &UserId,
        hash: &str,
        now: UnixTime,
    ) -> Result<(), RepoError> {
        password::set(self, user, hash, now).await
    }

    async fn password(&self, user: &UserId) -> Result<Option<PasswordCredential>, RepoError> {
        password::get(self, user).await
    }

    async fn delete_password(&self, user: &UserId) -> Result<bool, RepoError> {
        password::delete(self, user).await
    }
}

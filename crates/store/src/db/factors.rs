//! `FactorRepo` on the database: phones, email verification, TOTP secrets,
//! recovery codes and passwords. The single-winner rules (a TOTP step is
//! accepted once, a recovery code is spent once) are each one conditional
//! UPDATE, so whichever of several concurrent requests the database applies
//! first wins, on one node or many.

use diesel::prelude::*;
use latchkey_core::{RepoError, UnixTime, UserId};
use latchkey_fallback::repo::{
    FactorRepo, PasswordCredential, RecoveryCodeRow, TotpCredential, UserPhone,
};

use super::schema::{
    password_credentials as pw, recovery_codes as rc, totp_credentials as totp, user_phones, users,
};
use super::{Db, repo_error, rows_changed, storable_key};

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

/// E.164: `+`, then 2 to 15 digits, the first not 0 (ITU-T E.164 §6).
fn is_e164(phone: &str) -> bool {
    phone.strip_prefix('+').is_some_and(|digits| {
        (2..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0')
    })
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = user_phones)]
struct PhoneRow {
    user_id: String,
    phone: String,
    verified_at: Option<i64>,
    created_at: i64,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = totp)]
struct TotpRow {
    user_id: String,
    secret_sealed: String,
    last_used_step: Option<i64>,
    created_at: i64,
    confirmed_at: Option<i64>,
}

impl TotpRow {
    fn into_credential(self) -> Result<TotpCredential, RepoError> {
        let last_used_step = self
            .last_used_step
            .map(u64::try_from)
            .transpose()
            .map_err(|e| RepoError::Backend(format!("totp step of {}: {e}", self.user_id)))?;
        Ok(TotpCredential {
            user_id: UserId(self.user_id),
            secret_sealed: self.secret_sealed,
            last_used_step,
            created_at: UnixTime(self.created_at),
            confirmed_at: self.confirmed_at.map(UnixTime),
        })
    }
}

#[derive(Insertable)]
#[diesel(table_name = rc)]
struct RecoveryRow<'a> {
    id: String,
    user_id: &'a str,
    code_hash: &'a str,
    created_at: i64,
    used_at: Option<i64>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = pw)]
struct PasswordRow {
    user_id: String,
    hash: String,
    updated_at: i64,
}

impl FactorRepo for Db {
    async fn set_phone(&self, user: &UserId, phone: &str, now: UnixTime) -> Result<(), RepoError> {
        if !is_e164(phone) {
            return Err(RepoError::Backend("phone number is not E.164".into()));
        }
        if !storable_key(&user.0) {
            return Err(RepoError::NotFound);
        }
        let row = PhoneRow {
            user_id: user.0.clone(),
            phone: phone.to_owned(),
            verified_at: None,
            created_at: now.0,
        };
        self.run(move |conn| {
            on_backend!(conn, c => diesel::insert_into(user_phones::table)
                .values(&row)
                .on_conflict(user_phones::user_id)
                .do_update()
                .set((
                    user_phones::phone.eq(&row.phone),
                    user_phones::verified_at.eq(None::<i64>),
                    user_phones::created_at.eq(row.created_at),
                ))
                .execute(c))
            .map(|_| ())
            .map_err(|e| write_error(e, &["phone"]))
        })
        .await?
    }

    async fn phone(&self, user: &UserId) -> Result<Option<UserPhone>, RepoError> {
        if !storable_key(&user.0) {
            return Ok(None);
        }
        let user = user.0.clone();
        self.run(move |conn| {
            user_phones::table
                .find(user)
                .select(PhoneRow::as_select())
                .get_result(conn)
                .optional()
                .map(|row| {
                    row.map(|r| UserPhone {
                        user_id: UserId(r.user_id),
                        phone: r.phone,
                        verified_at: r.verified_at.map(UnixTime),
                        created_at: UnixTime(r.created_at),
                    })
                })
                .map_err(|e| repo_error(e, &[]))
        })
        .await?
    }

    async fn verify_phone(
        &self,
        user: &UserId,
        phone: &str,
        now: UnixTime,
    ) -> Result<bool, RepoError> {
        if !storable_key(&user.0) || !is_e164(phone) {
            return Ok(false);
        }
        let (user, phone) = (user.0.clone(), phone.to_owned());
        self.run(move |conn| {
            diesel::update(
                user_phones::table
                    .filter(user_phones::user_id.eq(user))
                    .filter(user_phones::phone.eq(phone)),
            )
            .set(user_phones::verified_at.eq(Some(now.0)))
            .execute(conn)
            .map(|n| n > 0)
            .map_err(|e| repo_error(e, &[]))
        })
        .await?
    }

    async fn delete_phone(&self, user: &UserId) -> Result<bool, RepoError> {
        if !storable_key(&user.0) {
            return Ok(false);
        }
        let user = user.0.clone();
        self.run(move |conn| {
            diesel::delete(user_phones::table.find(user))
                .execute(conn)
                .map(|n| n > 0)
                .map_err(|e| repo_error(e, &[]))
        })
        .await?
    }

    async fn mark_email_verified(&self, user: &UserId, email: &str) -> Result<bool, RepoError> {
        if !storable_key(&user.0) || !storable_key(email) {
            return Ok(false);
        }
        let (user, email) = (user.0.clone(), email.trim().to_lowercase());
        self.run(move |conn| {
            diesel::update(
                users::table
                    .filter(users::id.eq(user))
                    .filter(users::email.eq(email)),
            )
            .set(users::email_verified.eq(true))
            .execute(conn)
            .map(|n| n > 0)
            .map_err(|e| repo_error(e, &[]))
        })
        .await?
    }

    async fn change_email(&self, user: &UserId, email: Option<&str>) -> Result<(), RepoError> {
        if !storable_key(&user.0) {
            return Err(RepoError::NotFound);
        }
        let email = email.map(|e| e.trim().to_lowercase());
        if email.as_deref().is_some_and(|e| !storable_key(e)) {
            return Err(RepoError::Backend("email is not storable".into()));
        }
        let user = user.0.clone();
        self.run(move |conn| {
            // Only a different address resets verification.
            let current: Option<String> = users::table
                .find(&user)
                .select(users::email)
                .get_result(conn)
                .optional()
                .map_err(|e| repo_error(e, &[]))?
                .ok_or(RepoError::NotFound)?;
            if current == email {
                return Ok(());
            }
            diesel::update(users::table.find(&user))
                .set((users::email.eq(&email), users::email_verified.eq(false)))
                .execute(conn)
                .map_err(|e| repo_error(e, &["email"]))
                .and_then(rows_changed)
        })
        .await?
    }

    async fn put_totp(
        &self,
        user: &UserId,
        secret_sealed: &str,
        now: UnixTime,
    ) -> Result<(), RepoError> {
        if !storable_key(&user.0) {
            return Err(RepoError::NotFound);
        }
        let row = TotpRow {
            user_id: user.0.clone(),
            secret_sealed: secret_sealed.to_owned(),
            last_used_step: None,
            created_at: now.0,
            confirmed_at: None,
        };
        self.run(move |conn| {
            on_backend!(conn, c => diesel::insert_into(totp::table)
                .values(&row)
                .on_conflict(totp::user_id)
                .do_update()
                .set((
                    totp::secret_sealed.eq(&row.secret_sealed),
                    totp::last_used_step.eq(None::<i64>),
                    totp::created_at.eq(row.created_at),
                    totp::confirmed_at.eq(None::<i64>),
                ))
                .execute(c))
            .map(|_| ())
            .map_err(|e| write_error(e, &[]))
        })
        .await?
    }

    async fn totp(&self, user: &UserId) -> Result<Option<TotpCredential>, RepoError> {
        if !storable_key(&user.0) {
            return Ok(None);
        }
        let user = user.0.clone();
        self.run(move |conn| {
            totp::table
                .find(user)
                .select(TotpRow::as_select())
                .get_result(conn)
                .optional()
                .map_err(|e| repo_error(e, &[]))?
                .map(TotpRow::into_credential)
                .transpose()
        })
        .await?
    }

    async fn confirm_totp(
        &self,
        user: &UserId,
        secret_sealed: &str,
        step: u64,
        now: UnixTime,
    ) -> Result<bool, RepoError> {
        let Ok(step) = i64::try_from(step) else {
            return Ok(false);
        };
        if !storable_key(&user.0) || !storable_key(secret_sealed) {
            return Ok(false);
        }
        let (user, sealed) = (user.0.clone(), secret_sealed.to_owned());
        self.run(move |conn| {
            diesel::update(
                totp::table
                    .filter(totp::user_id.eq(user))
                    .filter(totp::secret_sealed.eq(sealed))
                    .filter(totp::confirmed_at.is_null())
                    .filter(
                        totp::last_used_step
                            .is_null()
                            .or(totp::last_used_step.le(step)),
                    ),
            )
            .set((
                totp::confirmed_at.eq(Some(now.0)),
                totp::last_used_step.eq(Some(step)),
            ))
            .execute(conn)
            .map(|n| n > 0)
            .map_err(|e| repo_error(e, &[]))
        })
        .await?
    }

    async fn advance_totp_step(&self, user: &UserId, step: u64) -> Result<bool, RepoError> {
        let Ok(step) = i64::try_from(step) else {
            return Ok(false);
        };
        if !storable_key(&user.0) {
            return Ok(false);
        }
        let user = user.0.clone();
        self.run(move |conn| {
            // The replay rule (RFC 6238 §5.2) as one statement: of concurrent
            // uses of the same code, only the first finds an older step.
            diesel::update(
                totp::table.filter(totp::user_id.eq(user)).filter(
                    totp::last_used_step
                        .is_null()
                        .or(totp::last_used_step.lt(step)),
                ),
            )
            .set(totp::last_used_step.eq(Some(step)))
            .execute(conn)
            .map(|n| n > 0)
            .map_err(|e| repo_error(e, &[]))
        })
        .await?
    }

    async fn delete_totp(&self, user: &UserId) -> Result<bool, RepoError> {
        if !storable_key(&user.0) {
            return Ok(false);
        }
        let user = user.0.clone();
        self.run(move |conn| {
            diesel::delete(totp::table.find(user))
                .execute(conn)
                .map(|n| n > 0)
                .map_err(|e| repo_error(e, &[]))
        })
        .await?
    }

    async fn replace_recovery_codes(
        &self,
        user: &UserId,
        hashes: Vec<String>,
        now: UnixTime,
    ) -> Result<(), RepoError> {
        if !storable_key(&user.0) {
            return Err(RepoError::NotFound);
        }
        let user = user.0.clone();
        self.run(move |conn| {
            conn.transaction(|conn| {
                // Delete first: the write lock is taken at once (SQLite), and
                // a failed insert below rolls the deletion back with it.
                diesel::delete(rc::table.filter(rc::user_id.eq(&user))).execute(conn)?;
                // One statement per row: batch inserts are not available
                // over diesel's MultiConnection. About ten rows.
                for hash in &hashes {
                    diesel::insert_into(rc::table)
                        .values(RecoveryRow {
                            id: latchkey_core::id::new_uuid(),
                            user_id: &user,
                            code_hash: hash,
                            created_at: now.0,
                            used_at: None,
                        })
                        .execute(conn)?;
                }
                Ok(())
            })
            .map_err(|e| write_error(e, &[]))
        })
        .await?
    }

    async fn unused_recovery_codes(
        &self,
        user: &UserId,
    ) -> Result<Vec<RecoveryCodeRow>, RepoError> {
        if !storable_key(&user.0) {
            return Ok(Vec::new());
        }
        let user = user.0.clone();
        self.run(move |conn| {
            rc::table
                .filter(rc::user_id.eq(user))
                .filter(rc::used_at.is_null())
                .order((rc::created_at.asc(), rc::id.asc()))
                .select((rc::id, rc::code_hash))
                .load::<(String, String)>(conn)
                .map(|rows| {
                    rows.into_iter()
                        .map(|(id, code_hash)| RecoveryCodeRow { id, code_hash })
                        .collect()
                })
                .map_err(|e| repo_error(e, &[]))
        })
        .await?
    }

    async fn use_recovery_code(
        &self,
        user: &UserId,
        id: &str,
        now: UnixTime,
    ) -> Result<bool, RepoError> {
        if !storable_key(&user.0) || !storable_key(id) {
            return Ok(false);
        }
        let (user, id) = (user.0.clone(), id.to_owned());
        self.run(move |conn| {
            diesel::update(
                rc::table
                    .filter(rc::id.eq(id))
                    .filter(rc::user_id.eq(user))
                    .filter(rc::used_at.is_null()),
            )
            .set(rc::used_at.eq(Some(now.0)))
            .execute(conn)
            .map(|n| n > 0)
            .map_err(|e| repo_error(e, &[]))
        })
        .await?
    }

    async fn count_unused_recovery_codes(&self, user: &UserId) -> Result<u64, RepoError> {
        if !storable_key(&user.0) {
            return Ok(0);
        }
        let user = user.0.clone();
        self.run(move |conn| {
            rc::table
                .filter(rc::user_id.eq(user))
                .filter(rc::used_at.is_null())
                .count()
                .get_result::<i64>(conn)
                .map_err(|e| repo_error(e, &[]))
                .and_then(count)
        })
        .await?
    }

    async fn set_password(
        &self,
        user: &UserId,
        hash: &str,
        now: UnixTime,
    ) -> Result<(), RepoError> {
        if !storable_key(&user.0) {
            return Err(RepoError::NotFound);
        }
        let row = PasswordRow {
            user_id: user.0.clone(),
            hash: hash.to_owned(),
            updated_at: now.0,
        };
        self.run(move |conn| {
            on_backend!(conn, c => diesel::insert_into(pw::table)
                .values(&row)
                .on_conflict(pw::user_id)
                .do_update()
                .set((pw::hash.eq(&row.hash), pw::updated_at.eq(row.updated_at)))
                .execute(c))
            .map(|_| ())
            .map_err(|e| write_error(e, &[]))
        })
        .await?
    }

    async fn password(&self, user: &UserId) -> Result<Option<PasswordCredential>, RepoError> {
        if !storable_key(&user.0) {
            return Ok(None);
        }
        let user = user.0.clone();
        self.run(move |conn| {
            pw::table
                .find(user)
                .select(PasswordRow::as_select())
                .get_result(conn)
                .optional()
                .map(|row| {
                    row.map(|r| PasswordCredential {
                        user_id: UserId(r.user_id),
                        hash: r.hash,
                        updated_at: UnixTime(r.updated_at),
                    })
                })
                .map_err(|e| repo_error(e, &[]))
        })
        .await?
    }

    async fn delete_password(&self, user: &UserId) -> Result<bool, RepoError> {
        if !storable_key(&user.0) {
            return Ok(false);
        }
        let user = user.0.clone();
        self.run(move |conn| {
            diesel::delete(pw::table.find(user))
                .execute(conn)
                .map(|n| n > 0)
                .map_err(|e| repo_error(e, &[]))
        })
        .await?
    }
}

#[cfg(test)]
mod tests {
    use super::is_e164;

    #[test]
    fn e164_shape() {
        assert!(is_e164("+4915112345678"));
        assert!(is_e164("+12"));
        assert!(!is_e164("4915112345678"));
        assert!(!is_e164("+0151"));
        assert!(!is_e164("+1234567890123456"));
        assert!(!is_e164("+49 151"));
        assert!(!is_e164("+"));
    }
}

//! The authenticator-app (TOTP) secret and its replay rule: a step is
//! accepted once (RFC 6238 §5.2), by one conditional UPDATE.

use diesel::prelude::*;
use latchkey_core::{RepoError, UnixTime, UserId};
use latchkey_fallback::repo::TotpCredential;

use super::{on_backend, write_error};
use crate::db::schema::totp_credentials as totp;
use crate::db::{Db, repo_error, storable_key};

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

pub(super) async fn put(
    db: &Db,
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
    db.run(move |conn| {
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

pub(super) async fn get(db: &Db, user: &UserId) -> Result<Option<TotpCredential>, RepoError> {
    if !storable_key(&user.0) {
        return Ok(None);
    }
    let user = user.0.clone();
    db.run(move |conn| {
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

pub(super) async fn confirm(
    db: &Db,
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
    db.run(move |conn| {
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

pub(super) async fn advance_step(db: &Db, user: &UserId, step: u64) -> Result<bool, RepoError> {
    let Ok(step) = i64::try_from(step) else {
        return Ok(false);
    };
    if !storable_key(&user.0) {
        return Ok(false);
    }
    let user = user.0.clone();
    db.run(move |conn| {
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

pub(super) async fn delete(db: &Db, user: &UserId) -> Result<bool, RepoError> {
    if !storable_key(&user.0) {
        return Ok(false);
    }
    let user = user.0.clone();
    db.run(move |conn| {
        diesel::delete(totp::table.find(user))
            .execute(conn)
            .map(|n| n > 0)
            .map_err(|e| repo_error(e, &[]))
    })
    .await?
}

//! The password hash (where the policy enables passwords).

use diesel::prelude::*;
use latchkey_core::{RepoError, UnixTime, UserId};
use latchkey_fallback::repo::PasswordCredential;

use super::{on_backend, write_error};
use crate::db::schema::password_credentials as pw;
use crate::db::{Db, repo_error, storable_key};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = pw)]
struct PasswordRow {
    user_id: String,
    hash: String,
    updated_at: i64,
}

pub(super) async fn set(
    db: &Db,
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
    db.run(move |conn| {
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

pub(super) async fn get(db: &Db, user: &UserId) -> Result<Option<PasswordCredential>, RepoError> {
    if !storable_key(&user.0) {
        return Ok(None);
    }
    let user = user.0.clone();
    db.run(move |conn| {
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

pub(super) async fn delete(db: &Db, user: &UserId) -> Result<bool, RepoError> {
    if !storable_key(&user.0) {
        return Ok(false);
    }
    let user = user.0.clone();
    db.run(move |conn| {
        diesel::delete(pw::table.find(user))
            .execute(conn)
            .map(|n| n > 0)
            .map_err(|e| repo_error(e, &[]))
    })
    .await?
}

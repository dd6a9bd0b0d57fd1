//! Recovery codes: replaced as a set, each spent once by one conditional
//! UPDATE.

use diesel::prelude::*;
use latchkey_core::{RepoError, UnixTime, UserId};
use latchkey_fallback::repo::RecoveryCodeRow;

use super::{count, write_error};
use crate::db::schema::recovery_codes as rc;
use crate::db::{Db, repo_error, storable_key};

#[derive(Insertable)]
#[diesel(table_name = rc)]
struct RecoveryRow<'a> {
    id: String,
    user_id: &'a str,
    code_hash: &'a str,
    created_at: i64,
    used_at: Option<i64>,
}

pub(super) async fn replace(
    db: &Db,
    user: &UserId,
    hashes: Vec<String>,
    now: UnixTime,
) -> Result<(), RepoError> {
    if !storable_key(&user.0) {
        return Err(RepoError::NotFound);
    }
    let user = user.0.clone();
    db.run(move |conn| {
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

pub(super) async fn unused(db: &Db, user: &UserId) -> Result<Vec<RecoveryCodeRow>, RepoError> {
    if !storable_key(&user.0) {
        return Ok(Vec::new());
    }
    let user = user.0.clone();
    db.run(move |conn| {
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

pub(super) async fn use_code(
    db: &Db,
    user: &UserId,
    id: &str,
    now: UnixTime,
) -> Result<bool, RepoError> {
    if !storable_key(&user.0) || !storable_key(id) {
        return Ok(false);
    }
    let (user, id) = (user.0.clone(), id.to_owned());
    db.run(move |conn| {
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

pub(super) async fn count_unused(db: &Db, user: &UserId) -> Result<u64, RepoError> {
    if !storable_key(&user.0) {
        return Ok(0);
    }
    let user = user.0.clone();
    db.run(move |conn| {
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

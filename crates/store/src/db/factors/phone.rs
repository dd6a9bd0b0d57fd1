//! The user's phone (E.164): set, read, mark verified, remove.

use diesel::prelude::*;
use latchkey_core::{RepoError, UnixTime, UserId};
use latchkey_fallback::repo::UserPhone;

use super::{on_backend, write_error};
use crate::db::schema::user_phones;
use crate::db::{Db, repo_error, storable_key};

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

pub(super) async fn set(
    db: &Db,
    user: &UserId,
    phone: &str,
    now: UnixTime,
) -> Result<(), RepoError> {
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
    db.run(move |conn| {
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

pub(super) async fn get(db: &Db, user: &UserId) -> Result<Option<UserPhone>, RepoError> {
    if !storable_key(&user.0) {
        return Ok(None);
    }
    let user = user.0.clone();
    db.run(move |conn| {
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

pub(super) async fn verify(
    db: &Db,
    user: &UserId,
    phone: &str,
    now: UnixTime,
) -> Result<bool, RepoError> {
    if !storable_key(&user.0) || !is_e164(phone) {
        return Ok(false);
    }
    let (user, phone) = (user.0.clone(), phone.to_owned());
    db.run(move |conn| {
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

pub(super) async fn delete(db: &Db, user: &UserId) -> Result<bool, RepoError> {
    if !storable_key(&user.0) {
        return Ok(false);
    }
    let user = user.0.clone();
    db.run(move |conn| {
        diesel::delete(user_phones::table.find(user))
            .execute(conn)
            .map(|n| n > 0)
            .map_err(|e| repo_error(e, &[]))
    })
    .await?
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

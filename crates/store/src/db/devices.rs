//! `DeviceRepo` on the database: browsers a user has signed in from, keyed
//! by the SHA-256 of a random device cookie (never the cookie itself).

use diesel::prelude::*;
use latchkey_core::{RepoError, UnixTime, UserId};
use latchkey_fallback::repo::{DeviceRepo, KnownDevice};

use super::factors::{on_backend, write_error};
use super::schema::known_devices as kd;
use super::{Db, repo_error, storable_key};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = kd)]
struct DeviceRow {
    user_id: String,
    device_hash: String,
    first_seen: i64,
    last_seen: i64,
    nudge_dismissed: bool,
    nudge_last_shown: Option<i64>,
}

impl DeviceRow {
    fn into_device(self) -> KnownDevice {
        KnownDevice {
            user_id: UserId(self.user_id),
            device_hash: self.device_hash,
            first_seen: UnixTime(self.first_seen),
            last_seen: UnixTime(self.last_seen),
            nudge_dismissed: self.nudge_dismissed,
            nudge_last_shown: self.nudge_last_shown.map(UnixTime),
        }
    }
}

/// Whether `user` and `hash` can name a stored device: the hash is a
/// SHA-256 in lowercase hex. Anything else (a raw cookie by mistake, or
/// whatever a request carried) is never stored and never found.
fn device_key(user: &UserId, hash: &str) -> bool {
    storable_key(&user.0)
        && hash.len() == 64
        && hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl DeviceRepo for Db {
    async fn touch_device(
        &self,
        user: &UserId,
        device_hash: &str,
        now: UnixTime,
    ) -> Result<Option<KnownDevice>, RepoError> {
        if !device_key(user, device_hash) {
            return Ok(None);
        }
        let row = DeviceRow {
            user_id: user.0.clone(),
            device_hash: device_hash.to_owned(),
            first_seen: now.0,
            last_seen: now.0,
            nudge_dismissed: false,
            nudge_last_shown: None,
        };
        self.run(move |conn| {
            on_backend!(conn, c => diesel::insert_into(kd::table)
                .values(&row)
                .on_conflict((kd::user_id, kd::device_hash))
                .do_update()
                .set(kd::last_seen.eq(row.last_seen))
                .returning(DeviceRow::as_returning())
                .get_result(c))
            .map(|r| Some(r.into_device()))
            .map_err(|e| write_error(e, &[]))
        })
        .await?
    }

    async fn device(
        &self,
        user: &UserId,
        device_hash: &str,
    ) -> Result<Option<KnownDevice>, RepoError> {
        if !device_key(user, device_hash) {
            return Ok(None);
        }
        let key = (user.0.clone(), device_hash.to_owned());
        self.run(move |conn| {
            kd::table
                .find(key)
                .select(DeviceRow::as_select())
                .get_result(conn)
                .optional()
                .map(|r| r.map(DeviceRow::into_device))
                .map_err(|e| repo_error(e, &[]))
        })
        .await?
    }

    async fn set_nudge_shown(
        &self,
        user: &UserId,
        device_hash: &str,
        now: UnixTime,
    ) -> Result<bool, RepoError> {
        if !device_key(user, device_hash) {
            return Ok(false);
        }
        let key = (user.0.clone(), device_hash.to_owned());
        self.run(move |conn| {
            diesel::update(kd::table.find(key))
                .set(kd::nudge_last_shown.eq(Some(now.0)))
                .execute(conn)
                .map(|n| n > 0)
                .map_err(|e| repo_error(e, &[]))
        })
        .await?
    }

    async fn dismiss_nudge(&self, user: &UserId, device_hash: &str) -> Result<bool, RepoError> {
        if !device_key(user, device_hash) {
            return Ok(false);
        }
        let key = (user.0.clone(), device_hash.to_owned());
        self.run(move |conn| {
            diesel::update(kd::table.find(key))
                .set(kd::nudge_dismissed.eq(true))
                .execute(conn)
                .map(|n| n > 0)
                .map_err(|e| repo_error(e, &[]))
        })
        .await?
    }
}

//! `EventRepo` on the database. Recording an event must never fail a
//! sign-in because of what the event says: text is cut to its cap with NUL
//! bytes replaced (PostgreSQL refuses them), and an event about a user who
//! does not exist (any more) is kept without the user.

use diesel::prelude::*;
use latchkey_core::{RepoError, UnixTime, UserId};
use latchkey_fallback::repo::{
    Event, EventCount, EventKind, EventRepo, MAX_EVENT_DETAIL_BYTES, MAX_EVENT_FIELD_BYTES,
    NewEvent, Outcome,
};

use super::factors::{count, on_backend};
use super::schema::{auth_events as ev, users};
use super::{AnyConnection, Db, repo_error, storable_key};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = ev)]
// An absent field is NULL, not DEFAULT: the columns default to NULL anyway,
// and SQLite takes a multi-row insert only without DEFAULT.
#[diesel(treat_none_as_default_value = false)]
struct EventRow {
    id: String,
    at: i64,
    kind: String,
    user_id: Option<String>,
    client_id: Option<String>,
    flow_id: Option<String>,
    method: Option<String>,
    reason: Option<String>,
    outcome: String,
    device_class: Option<String>,
    detail: Option<String>,
}

/// At most `max` bytes of `s` (cut at a character boundary), NUL replaced.
fn clip(s: Option<&String>, max: usize) -> Option<String> {
    s.map(|s| {
        let mut out = String::with_capacity(s.len().min(max));
        for ch in s.chars().map(|c| if c == '\0' { '\u{FFFD}' } else { c }) {
            if out.len() + ch.len_utf8() > max {
                break;
            }
            out.push(ch);
        }
        out
    })
}

impl EventRow {
    fn from_new(e: &NewEvent) -> Self {
        let field = |s: Option<&String>| clip(s, MAX_EVENT_FIELD_BYTES);
        Self {
            id: latchkey_core::id::new_uuid(),
            at: e.at.0,
            kind: e.kind.as_str().to_owned(),
            user_id: e
                .user_id
                .as_ref()
                .filter(|u| storable_key(&u.0))
                .map(|u| u.0.clone()),
            client_id: field(e.client_id.as_ref()),
            flow_id: field(e.flow_id.as_ref()),
            method: field(e.method.as_ref()),
            reason: field(e.reason.as_ref()),
            outcome: e.outcome.as_str().to_owned(),
            device_class: field(e.device_class.as_ref()),
            detail: clip(e.detail.as_ref(), MAX_EVENT_DETAIL_BYTES),
        }
    }

    fn into_event(self) -> Result<Event, RepoError> {
        let bad =
            |what: &str, v: &str| RepoError::Backend(format!("event {} has {what} {v:?}", self.id));
        let kind = EventKind::parse(&self.kind).ok_or_else(|| bad("kind", &self.kind))?;
        let outcome = Outcome::parse(&self.outcome).ok_or_else(|| bad("outcome", &self.outcome))?;
        Ok(Event {
            id: self.id,
            at: UnixTime(self.at),
            kind,
            user_id: self.user_id.map(UserId),
            client_id: self.client_id,
            flow_id: self.flow_id,
            method: self.method,
            reason: self.reason,
            outcome,
            device_class: self.device_class,
            detail: self.detail,
        })
    }
}

/// Insert `rows` in one transaction. Most batches name existing users and
/// go in at the first try; when one names a missing user (deleted mid-flow)
/// the transaction fails whole, those users are dropped from the rows, and
/// it runs again.
fn insert_events(conn: &mut AnyConnection, mut rows: Vec<EventRow>) -> Result<(), RepoError> {
    use diesel::result::{DatabaseErrorKind, Error};
    for attempt in 0..3 {
        // One statement for all rows (a batch from the event writer can
        // hold hundreds), so one transaction without BEGIN/COMMIT.
        let inserted = on_backend!(conn, c => diesel::insert_into(ev::table)
            .values(&rows)
            .execute(c))
        .map(|_| ());
        match inserted {
            Ok(()) => return Ok(()),
            Err(Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _)) if attempt < 2 => {
                forget_missing_users(conn, &mut rows)?;
            }
            Err(e) => return Err(repo_error(e, &[])),
        }
    }
    Err(RepoError::Backend(
        "events kept naming deleted users".into(),
    ))
}

fn forget_missing_users(conn: &mut AnyConnection, rows: &mut [EventRow]) -> Result<(), RepoError> {
    let mut named: Vec<String> = rows.iter().filter_map(|r| r.user_id.clone()).collect();
    named.sort_unstable();
    named.dedup();
    let existing: Vec<String> = users::table
        .filter(users::id.eq_any(&named))
        .select(users::id)
        .load(conn)
        .map_err(|e| repo_error(e, &[]))?;
    for row in rows {
        if row.user_id.as_ref().is_some_and(|u| !existing.contains(u)) {
            row.user_id = None;
        }
    }
    Ok(())
}

impl EventRepo for Db {
    async fn record_event(&self, event: &NewEvent) -> Result<(), RepoError> {
        self.record_events(std::slice::from_ref(event)).await
    }

    async fn record_events(&self, events: &[NewEvent]) -> Result<(), RepoError> {
        if events.is_empty() {
            return Ok(());
        }
        let rows: Vec<EventRow> = events.iter().map(EventRow::from_new).collect();
        self.run(move |conn| insert_events(conn, rows)).await?
    }

    async fn events_for_user(&self, user: &UserId, limit: u32) -> Result<Vec<Event>, RepoError> {
        if !storable_key(&user.0) {
            return Ok(Vec::new());
        }
        let user = user.0.clone();
        self.run(move |conn| {
            ev::table
                .filter(ev::user_id.eq(user))
                .order((ev::at.desc(), ev::id.desc()))
                .limit(i64::from(limit))
                .select(EventRow::as_select())
                .load(conn)
                .map_err(|e| repo_error(e, &[]))?
                .into_iter()
                .map(EventRow::into_event)
                .collect()
        })
        .await?
    }

    async fn event_counts(
        &self,
        since: UnixTime,
        until: UnixTime,
    ) -> Result<Vec<EventCount>, RepoError> {
        type Group = (String, Option<String>, Option<String>, String, i64);
        let groups: Vec<Group> = self
            .run_long(move |conn| {
                ev::table
                    .filter(ev::at.ge(since.0))
                    .filter(ev::at.lt(until.0))
                    .group_by((ev::kind, ev::method, ev::reason, ev::outcome))
                    .select((
                        ev::kind,
                        ev::method,
                        ev::reason,
                        ev::outcome,
                        diesel::dsl::count_star(),
                    ))
                    .load(conn)
                    .map_err(|e| repo_error(e, &[]))
            })
            .await??;
        let mut counts = groups
            .into_iter()
            .map(|(kind, method, reason, outcome, n)| {
                Ok(EventCount {
                    kind: EventKind::parse(&kind)
                        .ok_or_else(|| RepoError::Backend(format!("event kind {kind:?}")))?,
                    method,
                    reason,
                    outcome: Outcome::parse(&outcome)
                        .ok_or_else(|| RepoError::Backend(format!("event outcome {outcome:?}")))?,
                    count: count(n)?,
                })
            })
            .collect::<Result<Vec<_>, RepoError>>()?;
        // Sorted here, not in SQL: the backends order NULLs differently.
        counts.sort_by(|a, b| {
            (a.kind, &a.method, &a.reason, a.outcome)
                .cmp(&(b.kind, &b.method, &b.reason, b.outcome))
        });
        Ok(counts)
    }

    async fn failed_attempts_since(
        &self,
        user: &UserId,
        since: UnixTime,
    ) -> Result<u64, RepoError> {
        if !storable_key(&user.0) {
            return Ok(0);
        }
        let user = user.0.clone();
        let kinds: Vec<&'static str> = EventKind::FAILED_ATTEMPTS
            .iter()
            .map(|k| k.as_str())
            .collect();
        self.run(move |conn| {
            ev::table
                .filter(ev::user_id.eq(user))
                .filter(ev::at.ge(since.0))
                .filter(ev::kind.eq_any(kinds))
                .count()
                .get_result::<i64>(conn)
                .map_err(|e| repo_error(e, &[]))
                .and_then(count)
        })
        .await?
    }

    async fn purge_events_before(&self, before: UnixTime) -> Result<u64, RepoError> {
        self.run_long(move |conn| {
            diesel::delete(ev::table.filter(ev::at.lt(before.0)))
                .execute(conn)
                .map_err(|e| repo_error(e, &[]))
                .map(|n| u64::try_from(n).unwrap_or(u64::MAX))
        })
        .await?
    }
}

#[cfg(test)]
mod tests {
    use super::clip;

    #[test]
    fn clip_cuts_at_a_boundary_and_replaces_nul() {
        let s = "aé\0b".to_owned();
        assert_eq!(clip(Some(&s), 100).as_deref(), Some("aé\u{FFFD}b"));
        assert_eq!(clip(Some(&s), 2).as_deref(), Some("a"));
        assert_eq!(clip(Some(&s), 3).as_deref(), Some("aé"));
        assert_eq!(clip(None, 3), None);
    }
}

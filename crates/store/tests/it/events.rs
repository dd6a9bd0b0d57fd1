//! `EventRepo` on both database backends.

use diesel::RunQueryDsl as _;
use latchkey_core::{UnixTime, UserId};
use latchkey_fallback::repo::{
    EventCount, EventKind, EventRepo, MAX_EVENT_DETAIL_BYTES, MAX_EVENT_FIELD_BYTES, NewEvent,
    Outcome,
};
use latchkey_store::Db;

use crate::factors::{delete_user, new_user};

fn event(at: i64, kind: EventKind, outcome: Outcome) -> NewEvent {
    NewEvent::new(UnixTime(at), kind, outcome)
}

async fn record_and_read_back(db: &Db) {
    let alice = new_user(db, "alice", None).await;
    let bob = new_user(db, "bob", None).await;
    let failed = event(10, EventKind::PasskeyFailed, Outcome::Failed)
        .user(&alice)
        .client("app")
        .flow("flow-1")
        .method("passkey")
        .reason("no_credential_on_device")
        .device_class("desktop")
        .detail(r#"{"transport":"internal"}"#);
    db.record_event(&failed).await.unwrap();
    db.record_events(&[
        event(11, EventKind::FallbackOffered, Outcome::Info).user(&alice),
        event(12, EventKind::FallbackChosen, Outcome::Info)
            .user(&alice)
            .method("email_code"),
        event(13, EventKind::FallbackSucceeded, Outcome::Ok)
            .user(&alice)
            .method("email_code"),
        event(13, EventKind::PasskeySucceeded, Outcome::Ok).user(&bob),
        event(14, EventKind::PasskeyAttempt, Outcome::Info),
    ])
    .await
    .unwrap();
    db.record_events(&[]).await.unwrap();

    let mine = db.events_for_user(&alice, 10).await.unwrap();
    let kinds: Vec<EventKind> = mine.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            EventKind::FallbackSucceeded,
            EventKind::FallbackChosen,
            EventKind::FallbackOffered,
            EventKind::PasskeyFailed,
        ]
    );
    let back = &mine[3];
    assert_eq!(
        (
            back.at,
            back.user_id.as_ref(),
            back.client_id.as_deref(),
            back.flow_id.as_deref(),
            back.method.as_deref(),
            back.reason.as_deref(),
            back.outcome,
            back.device_class.as_deref(),
            back.detail.as_deref(),
        ),
        (
            UnixTime(10),
            Some(&alice),
            Some("app"),
            Some("flow-1"),
            Some("passkey"),
            Some("no_credential_on_device"),
            Outcome::Failed,
            Some("desktop"),
            Some(r#"{"transport":"internal"}"#),
        )
    );
    assert_eq!(back.id.len(), 36);
    assert_eq!(db.events_for_user(&alice, 2).await.unwrap().len(), 2);
    assert_eq!(db.events_for_user(&bob, 10).await.unwrap().len(), 1);
}

async fn counts_are_grouped(db: &Db) {
    let alice = new_user(db, "alice", None).await;
    let mut batch = Vec::new();
    for at in [100, 101, 102] {
        batch.push(
            event(at, EventKind::PasskeyFailed, Outcome::Failed)
                .user(&alice)
                .reason("no_credential_on_device"),
        );
    }
    batch.push(event(103, EventKind::PasskeyFailed, Outcome::Failed).reason("cancelled"));
    for (at, method) in [(104, "email_code"), (105, "email_code"), (106, "totp")] {
        batch.push(event(at, EventKind::FallbackSucceeded, Outcome::Ok).method(method));
    }
    batch.push(event(107, EventKind::NudgeShown, Outcome::Info));
    // Outside [100, 200).
    batch.push(event(99, EventKind::NudgeShown, Outcome::Info));
    batch.push(event(200, EventKind::NudgeShown, Outcome::Info));
    db.record_events(&batch).await.unwrap();

    let counts = db.event_counts(UnixTime(100), UnixTime(200)).await.unwrap();
    let row = |kind, method: Option<&str>, reason: Option<&str>, outcome, count| EventCount {
        kind,
        method: method.map(str::to_owned),
        reason: reason.map(str::to_owned),
        outcome,
        count,
    };
    assert_eq!(
        counts,
        [
            row(
                EventKind::PasskeyFailed,
                None,
                Some("cancelled"),
                Outcome::Failed,
                1
            ),
            row(
                EventKind::PasskeyFailed,
                None,
                Some("no_credential_on_device"),
                Outcome::Failed,
                3
            ),
            row(
                EventKind::FallbackSucceeded,
                Some("email_code"),
                None,
                Outcome::Ok,
                2
            ),
            row(
                EventKind::FallbackSucceeded,
                Some("totp"),
                None,
                Outcome::Ok,
                1
            ),
            row(EventKind::NudgeShown, None, None, Outcome::Info, 1),
        ]
    );
    assert!(
        db.event_counts(UnixTime(300), UnixTime(400))
            .await
            .unwrap()
            .is_empty()
    );
}

async fn failed_attempts_and_purge(db: &Db) {
    let alice = new_user(db, "alice", None).await;
    let bob = new_user(db, "bob", None).await;
    db.record_events(&[
        event(10, EventKind::PasskeyFailed, Outcome::Failed).user(&alice),
        event(20, EventKind::FallbackFailed, Outcome::Failed).user(&alice),
        event(30, EventKind::PasskeyFailed, Outcome::Failed).user(&alice),
        event(31, EventKind::FallbackSucceeded, Outcome::Ok).user(&alice),
        event(32, EventKind::Lockout, Outcome::Failed).user(&alice),
        event(33, EventKind::FallbackFailed, Outcome::Failed).user(&bob),
    ])
    .await
    .unwrap();
    let since = |at| db.failed_attempts_since(&alice, UnixTime(at));
    assert_eq!(since(0).await.unwrap(), 3);
    assert_eq!(since(20).await.unwrap(), 2);
    assert_eq!(since(31).await.unwrap(), 0);
    assert_eq!(
        db.failed_attempts_since(&bob, UnixTime(0)).await.unwrap(),
        1
    );

    assert_eq!(db.purge_events_before(UnixTime(30)).await.unwrap(), 2);
    assert_eq!(db.purge_events_before(UnixTime(30)).await.unwrap(), 0);
    assert_eq!(since(0).await.unwrap(), 1);
    assert_eq!(db.events_for_user(&alice, 100).await.unwrap().len(), 3);
}

async fn deleted_users_leave_anonymous_events(db: &Db) {
    let alice = new_user(db, "alice", None).await;
    db.record_event(&event(1, EventKind::PasskeyEnrolled, Outcome::Ok).user(&alice))
        .await
        .unwrap();
    delete_user(db, &alice).await;
    assert!(db.events_for_user(&alice, 10).await.unwrap().is_empty());
    let counts = db.event_counts(UnixTime(0), UnixTime(10)).await.unwrap();
    assert_eq!(counts.len(), 1);
    assert_eq!(counts[0].count, 1);

    // Events about a user who is gone (or never was) are kept, without the
    // user, and do not take the rest of their batch down with them.
    let bob = new_user(db, "bob", None).await;
    db.record_events(&[
        event(2, EventKind::FallbackFailed, Outcome::Failed).user(&alice),
        event(3, EventKind::FallbackFailed, Outcome::Failed).user(&bob),
        event(4, EventKind::FallbackFailed, Outcome::Failed).user(&UserId("a\0b".into())),
    ])
    .await
    .unwrap();
    db.record_event(&event(5, EventKind::Lockout, Outcome::Failed).user(&alice))
        .await
        .unwrap();
    let counts = db.event_counts(UnixTime(0), UnixTime(10)).await.unwrap();
    let total: u64 = counts.iter().map(|c| c.count).sum();
    assert_eq!(total, 5);
    assert_eq!(db.events_for_user(&bob, 10).await.unwrap().len(), 1);
    assert_eq!(
        db.failed_attempts_since(&alice, UnixTime(0)).await.unwrap(),
        0
    );
}

async fn text_is_clipped_never_refused(db: &Db) {
    let alice = new_user(db, "alice", None).await;
    db.record_event(
        &event(1, EventKind::FallbackFailed, Outcome::Failed)
            .user(&alice)
            .client("cli\0ent")
            .reason("é".repeat(1000))
            .detail("d".repeat(100_000)),
    )
    .await
    .unwrap();
    let e = &db.events_for_user(&alice, 1).await.unwrap()[0];
    assert_eq!(e.client_id.as_deref(), Some("cli\u{FFFD}ent"));
    let reason = e.reason.as_deref().unwrap();
    assert!(reason.len() <= MAX_EVENT_FIELD_BYTES && reason.chars().all(|c| c == 'é'));
    assert_eq!(reason.len(), MAX_EVENT_FIELD_BYTES);
    assert_eq!(e.detail.as_ref().unwrap().len(), MAX_EVENT_DETAIL_BYTES);

    let nul = UserId("a\0b".into());
    assert!(db.events_for_user(&nul, 10).await.unwrap().is_empty());
    assert_eq!(
        db.failed_attempts_since(&nul, UnixTime(0)).await.unwrap(),
        0
    );
    let long = UserId("u".repeat(5000));
    assert!(db.events_for_user(&long, 10).await.unwrap().is_empty());
}

/// Run raw SQL, for what the repository cannot be made to do.
async fn raw(db: &Db, sql: &'static str) -> Result<usize, diesel::result::Error> {
    db.run(move |conn| diesel::sql_query(sql).execute(conn))
        .await
        .unwrap()
}

async fn the_database_refuses_unknown_kinds_and_outcomes(db: &Db) {
    let ok = raw(
        db,
        "INSERT INTO auth_events (id, at, kind, outcome) VALUES ('e1', 1, 'lockout', 'failed')",
    )
    .await;
    assert_eq!(ok.unwrap(), 1);
    for sql in [
        "INSERT INTO auth_events (id, at, kind, outcome) VALUES ('e2', 1, 'bogus', 'ok')",
        "INSERT INTO auth_events (id, at, kind, outcome) VALUES ('e3', 1, 'Lockout', 'ok')",
        "INSERT INTO auth_events (id, at, kind, outcome) VALUES ('e4', 1, 'lockout', 'maybe')",
        "UPDATE auth_events SET kind = 'passkey_hacked' WHERE id = 'e1'",
    ] {
        let err = raw(db, sql).await.unwrap_err();
        assert!(
            matches!(
                err,
                diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::CheckViolation,
                    _
                )
            ),
            "{sql}: {err:?}"
        );
    }
    // Every kind the code knows is one the database accepts.
    let counts = {
        let mut batch = Vec::new();
        for kind in EventKind::ALL {
            for outcome in Outcome::ALL {
                batch.push(event(50, *kind, *outcome));
            }
        }
        db.record_events(&batch).await.unwrap();
        db.event_counts(UnixTime(50), UnixTime(51)).await.unwrap()
    };
    assert_eq!(counts.len(), EventKind::ALL.len() * Outcome::ALL.len());
}

latchkey_store::db_tests!(
    record_and_read_back,
    counts_are_grouped,
    failed_attempts_and_purge,
    deleted_users_leave_anonymous_events,
    text_is_clipped_never_refused,
    the_database_refuses_unknown_kinds_and_outcomes,
);

//! `DeviceRepo` on both database backends.

use latchkey_core::{RepoError, UnixTime, UserId};
use latchkey_fallback::repo::DeviceRepo;
use latchkey_store::Db;

use crate::factors::{delete_user, new_user};

fn hash(n: u8) -> String {
    format!("{n:02x}").repeat(32)
}

async fn touch_inserts_then_updates(db: &Db) {
    let alice = new_user(db, "alice", None).await;
    let bob = new_user(db, "bob", None).await;
    assert_eq!(db.device(&alice, &hash(1)).await.unwrap(), None);

    let first = db
        .touch_device(&alice, &hash(1), UnixTime(100))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (first.first_seen, first.last_seen, first.nudge_dismissed),
        (UnixTime(100), UnixTime(100), false)
    );
    assert_eq!(first.nudge_last_shown, None);

    let again = db
        .touch_device(&alice, &hash(1), UnixTime(250))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (again.first_seen, again.last_seen),
        (UnixTime(100), UnixTime(250))
    );
    assert_eq!(db.device(&alice, &hash(1)).await.unwrap(), Some(again));

    // The same browser for another user is another record.
    assert_eq!(db.device(&bob, &hash(1)).await.unwrap(), None);
    let bobs = db
        .touch_device(&bob, &hash(1), UnixTime(300))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(bobs.first_seen, UnixTime(300));

    assert!(matches!(
        db.touch_device(&UserId("nobody".into()), &hash(1), UnixTime(1))
            .await,
        Err(RepoError::NotFound)
    ));
}

async fn nudge_state(db: &Db) {
    let alice = new_user(db, "alice", None).await;
    assert!(
        !db.set_nudge_shown(&alice, &hash(2), UnixTime(5))
            .await
            .unwrap()
    );
    assert!(!db.dismiss_nudge(&alice, &hash(2)).await.unwrap());

    db.touch_device(&alice, &hash(2), UnixTime(1))
        .await
        .unwrap();
    assert!(
        db.set_nudge_shown(&alice, &hash(2), UnixTime(5))
            .await
            .unwrap()
    );
    let d = db.device(&alice, &hash(2)).await.unwrap().unwrap();
    assert_eq!(
        (d.nudge_last_shown, d.nudge_dismissed),
        (Some(UnixTime(5)), false)
    );
    assert!(db.dismiss_nudge(&alice, &hash(2)).await.unwrap());
    // A later sign-in keeps "don't ask on this device".
    let d = db
        .touch_device(&alice, &hash(2), UnixTime(9))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (d.nudge_last_shown, d.nudge_dismissed, d.last_seen),
        (Some(UnixTime(5)), true, UnixTime(9))
    );
}

async fn concurrent_touches_make_one_record(db: &Db) {
    let alice = new_user(db, "alice", None).await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..20 {
        let (db, alice) = (db.clone(), alice.clone());
        tasks.spawn(async move { db.touch_device(&alice, &hash(3), UnixTime(100 + i)).await });
    }
    let mut firsts = Vec::new();
    while let Some(r) = tasks.join_next().await {
        firsts.push(r.unwrap().unwrap().unwrap().first_seen);
    }
    // Every touch saw the same record: one insert, the rest updates.
    firsts.dedup();
    assert_eq!(firsts.len(), 1);
}

async fn deleting_a_user_forgets_their_devices(db: &Db) {
    let alice = new_user(db, "alice", None).await;
    db.touch_device(&alice, &hash(4), UnixTime(1))
        .await
        .unwrap();
    delete_user(db, &alice).await;
    assert_eq!(db.device(&alice, &hash(4)).await.unwrap(), None);
}

async fn unstorable_keys_are_not_found(db: &Db) {
    let alice = new_user(db, "alice", None).await;
    let upper = hash(0xab).to_uppercase();
    let bad = [
        "\0".repeat(64),
        "a".repeat(5000),
        "raw-cookie-value".to_owned(),
        upper,
        String::new(),
    ];
    for h in &bad {
        assert_eq!(db.touch_device(&alice, h, UnixTime(1)).await.unwrap(), None);
        assert_eq!(db.device(&alice, h).await.unwrap(), None);
        assert!(!db.set_nudge_shown(&alice, h, UnixTime(1)).await.unwrap());
        assert!(!db.dismiss_nudge(&alice, h).await.unwrap());
    }
    let nul = UserId("a\0b".into());
    assert_eq!(
        db.touch_device(&nul, &hash(1), UnixTime(1)).await.unwrap(),
        None
    );
    assert_eq!(db.device(&nul, &hash(1)).await.unwrap(), None);
}

latchkey_store::db_tests!(
    touch_inserts_then_updates,
    nudge_state,
    concurrent_touches_make_one_record,
    deleting_a_user_forgets_their_devices,
    unstorable_keys_are_not_found,
);

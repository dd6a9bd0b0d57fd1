//! `FactorRepo` on both database backends.

use diesel::RunQueryDsl as _;
use latchkey_core::{NewUser, RepoError, UnixTime, UserId, UserRepo};
use latchkey_fallback::repo::FactorRepo;
use latchkey_store::Db;

pub(crate) async fn new_user(db: &Db, name: &str, email: Option<&str>) -> UserId {
    db.create_user(NewUser::normalised(name, email, None).unwrap())
        .await
        .unwrap()
        .id
}

/// Delete a user with raw SQL (the repositories offer no user deletion yet).
pub(crate) async fn delete_user(db: &Db, user: &UserId) {
    assert!(user.0.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-'));
    let sql = format!("DELETE FROM users WHERE id = '{}'", user.0);
    let n = db
        .run(move |conn| diesel::sql_query(sql).execute(conn))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(n, 1);
}

/// A stand-in argon2id PHC string (the table accepts only that shape).
fn phc(n: usize) -> String {
    format!("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ${n:043}")
}

const NUL_USER: &str = "a\0b";

async fn phones(db: &Db) {
    let alice = new_user(db, "alice", None).await;
    let bob = new_user(db, "bob", None).await;
    assert_eq!(db.phone(&alice).await.unwrap(), None);

    db.set_phone(&alice, "+4915112345678", UnixTime(10))
        .await
        .unwrap();
    let p = db.phone(&alice).await.unwrap().unwrap();
    assert_eq!(
        (p.phone.as_str(), p.created_at, p.is_verified()),
        ("+4915112345678", UnixTime(10), false)
    );

    // Verification names the number the code went to.
    assert!(
        !db.verify_phone(&alice, "+4915100000000", UnixTime(11))
            .await
            .unwrap()
    );
    assert!(
        db.verify_phone(&alice, "+4915112345678", UnixTime(12))
            .await
            .unwrap()
    );
    assert_eq!(
        db.phone(&alice).await.unwrap().unwrap().verified_at,
        Some(UnixTime(12))
    );

    // A number another user has is a conflict, and changes nothing.
    assert!(matches!(
        db.set_phone(&bob, "+4915112345678", UnixTime(13)).await,
        Err(RepoError::Conflict("phone"))
    ));
    assert_eq!(db.phone(&bob).await.unwrap(), None);

    // A new number replaces the old one and starts unverified.
    db.set_phone(&alice, "+14155550100", UnixTime(14))
        .await
        .unwrap();
    let p = db.phone(&alice).await.unwrap().unwrap();
    assert_eq!((p.phone.as_str(), p.verified_at), ("+14155550100", None));
    // …which frees the old number for someone else.
    db.set_phone(&bob, "+4915112345678", UnixTime(15))
        .await
        .unwrap();

    // Not E.164, unknown user.
    assert!(matches!(
        db.set_phone(&alice, "015112345678", UnixTime(16)).await,
        Err(RepoError::Backend(_))
    ));
    assert!(matches!(
        db.set_phone(&UserId("nobody".into()), "+4930123456", UnixTime(16))
            .await,
        Err(RepoError::NotFound)
    ));

    assert!(db.delete_phone(&alice).await.unwrap());
    assert!(!db.delete_phone(&alice).await.unwrap());
    assert_eq!(db.phone(&alice).await.unwrap(), None);
}

async fn email_verification(db: &Db) {
    let alice = new_user(db, "alice", Some("alice@example.com")).await;
    new_user(db, "bob", Some("bob@example.com")).await;
    let verified = |db: &Db, u: UserId| {
        let db = db.clone();
        async move { db.user_by_id(&u).await.unwrap().unwrap() }
    };

    // Only the address the code went to can be verified.
    assert!(
        !db.mark_email_verified(&alice, "other@example.com")
            .await
            .unwrap()
    );
    assert!(!verified(db, alice.clone()).await.email_verified);
    assert!(
        db.mark_email_verified(&alice, " Alice@Example.com")
            .await
            .unwrap()
    );
    assert!(verified(db, alice.clone()).await.email_verified);

    // The same address keeps its state; a new one starts unverified.
    db.change_email(&alice, Some("ALICE@example.com"))
        .await
        .unwrap();
    assert!(verified(db, alice.clone()).await.email_verified);
    db.change_email(&alice, Some("Alice@New.example"))
        .await
        .unwrap();
    let u = verified(db, alice.clone()).await;
    assert_eq!(
        (u.email.as_deref(), u.email_verified),
        (Some("alice@new.example"), false)
    );

    assert!(matches!(
        db.change_email(&alice, Some("bob@example.com")).await,
        Err(RepoError::Conflict("email"))
    ));
    assert!(matches!(
        db.change_email(&UserId("nobody".into()), None).await,
        Err(RepoError::NotFound)
    ));
    db.change_email(&alice, None).await.unwrap();
    assert_eq!(verified(db, alice.clone()).await.email, None);
    assert!(
        !db.mark_email_verified(&alice, "alice@new.example")
            .await
            .unwrap()
    );
}

async fn totp_lifecycle(db: &Db) {
    let alice = new_user(db, "alice", None).await;
    assert_eq!(db.totp(&alice).await.unwrap(), None);
    assert!(!db.advance_totp_step(&alice, 5).await.unwrap());

    db.put_totp(&alice, "v1.sealed-a", UnixTime(100))
        .await
        .unwrap();
    let t = db.totp(&alice).await.unwrap().unwrap();
    assert_eq!(
        (t.secret_sealed.as_str(), t.created_at, t.is_confirmed()),
        ("v1.sealed-a", UnixTime(100), false)
    );

    // A secret replaced meanwhile is not the one the code was checked against.
    db.put_totp(&alice, "v1.sealed-b", UnixTime(101))
        .await
        .unwrap();
    assert!(
        !db.confirm_totp(&alice, "v1.sealed-a", 40, UnixTime(102))
            .await
            .unwrap()
    );
    assert!(
        db.confirm_totp(&alice, "v1.sealed-b", 40, UnixTime(102))
            .await
            .unwrap()
    );
    assert!(
        !db.confirm_totp(&alice, "v1.sealed-b", 41, UnixTime(103))
            .await
            .unwrap()
    );
    let t = db.totp(&alice).await.unwrap().unwrap();
    assert_eq!(
        (t.confirmed_at, t.last_used_step),
        (Some(UnixTime(102)), Some(40))
    );

    // The confirming code is consumed; later steps are accepted once each.
    assert!(!db.advance_totp_step(&alice, 40).await.unwrap());
    assert!(!db.advance_totp_step(&alice, 39).await.unwrap());
    assert!(db.advance_totp_step(&alice, 41).await.unwrap());
    assert!(!db.advance_totp_step(&alice, 41).await.unwrap());
    assert!(db.advance_totp_step(&alice, 43).await.unwrap());
    assert!(!db.advance_totp_step(&alice, 42).await.unwrap());
    // Steps no clock reaches are refused, not an error.
    assert!(!db.advance_totp_step(&alice, u64::MAX).await.unwrap());

    // Re-enrolling starts over: unconfirmed, no step.
    db.put_totp(&alice, "v1.sealed-c", UnixTime(200))
        .await
        .unwrap();
    let t = db.totp(&alice).await.unwrap().unwrap();
    assert_eq!((t.confirmed_at, t.last_used_step), (None, None));
    // Advancing first and then confirming with the same step both work.
    assert!(db.advance_totp_step(&alice, 70).await.unwrap());
    assert!(
        db.confirm_totp(&alice, "v1.sealed-c", 70, UnixTime(201))
            .await
            .unwrap()
    );

    assert!(db.delete_totp(&alice).await.unwrap());
    assert!(!db.delete_totp(&alice).await.unwrap());
    assert!(matches!(
        db.put_totp(&UserId("nobody".into()), "v1.x", UnixTime(1))
            .await,
        Err(RepoError::NotFound)
    ));
}

async fn concurrent_totp_step_has_one_winner(db: &Db) {
    let alice = new_user(db, "alice", None).await;
    db.put_totp(&alice, "v1.sealed", UnixTime(1)).await.unwrap();
    assert!(
        db.confirm_totp(&alice, "v1.sealed", 10, UnixTime(2))
            .await
            .unwrap()
    );
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let (db, alice) = (db.clone(), alice.clone());
        tasks.spawn(async move { db.advance_totp_step(&alice, 11).await });
    }
    let mut winners = 0;
    while let Some(r) = tasks.join_next().await {
        winners += usize::from(r.unwrap().unwrap());
    }
    assert_eq!(winners, 1);
    assert_eq!(
        db.totp(&alice).await.unwrap().unwrap().last_used_step,
        Some(11)
    );
}

async fn recovery_codes(db: &Db) {
    let alice = new_user(db, "alice", None).await;
    let bob = new_user(db, "bob", None).await;
    assert_eq!(db.count_unused_recovery_codes(&alice).await.unwrap(), 0);

    let first: Vec<String> = (0..10).map(phc).collect();
    db.replace_recovery_codes(&alice, first.clone(), UnixTime(1))
        .await
        .unwrap();
    let old = db.unused_recovery_codes(&alice).await.unwrap();
    assert_eq!(old.len(), 10);
    let mut hashes: Vec<String> = old.iter().map(|c| c.code_hash.clone()).collect();
    hashes.sort();
    assert_eq!(hashes, first);

    // Spent once; never by someone else.
    assert!(
        !db.use_recovery_code(&bob, &old[0].id, UnixTime(2))
            .await
            .unwrap()
    );
    assert!(
        db.use_recovery_code(&alice, &old[0].id, UnixTime(2))
            .await
            .unwrap()
    );
    assert!(
        !db.use_recovery_code(&alice, &old[0].id, UnixTime(3))
            .await
            .unwrap()
    );
    assert_eq!(db.count_unused_recovery_codes(&alice).await.unwrap(), 9);
    assert!(
        db.unused_recovery_codes(&alice)
            .await
            .unwrap()
            .iter()
            .all(|c| c.id != old[0].id)
    );

    // Replacement: the old set is gone (used or not), the new ten are there.
    let second: Vec<String> = (100..110).map(phc).collect();
    db.replace_recovery_codes(&alice, second.clone(), UnixTime(4))
        .await
        .unwrap();
    let new = db.unused_recovery_codes(&alice).await.unwrap();
    assert_eq!(new.len(), 10);
    assert!(new.iter().all(|c| second.contains(&c.code_hash)));
    assert!(new.iter().all(|c| old.iter().all(|o| o.id != c.id)));
    assert!(
        !db.use_recovery_code(&alice, &old[1].id, UnixTime(5))
            .await
            .unwrap()
    );

    // A set that fails half-way (a plaintext "hash" the table refuses)
    // changes nothing: never a half-written set.
    let mut bad: Vec<String> = (200..210).map(phc).collect();
    bad[7] = "ABCD-EFGH".into();
    assert!(
        db.replace_recovery_codes(&alice, bad, UnixTime(6))
            .await
            .is_err()
    );
    assert_eq!(db.unused_recovery_codes(&alice).await.unwrap(), new);

    // An empty set removes them; an unknown user is NotFound.
    db.replace_recovery_codes(&alice, Vec::new(), UnixTime(7))
        .await
        .unwrap();
    assert_eq!(db.count_unused_recovery_codes(&alice).await.unwrap(), 0);
    assert!(matches!(
        db.replace_recovery_codes(&UserId("nobody".into()), vec![phc(1)], UnixTime(8))
            .await,
        Err(RepoError::NotFound)
    ));
}

async fn concurrent_recovery_use_has_one_winner(db: &Db) {
    let alice = new_user(db, "alice", None).await;
    db.replace_recovery_codes(&alice, (0..10).map(phc).collect(), UnixTime(1))
        .await
        .unwrap();
    let code = db.unused_recovery_codes(&alice).await.unwrap()[3]
        .id
        .clone();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..20 {
        let (db, alice, code) = (db.clone(), alice.clone(), code.clone());
        tasks.spawn(async move { db.use_recovery_code(&alice, &code, UnixTime(10 + i)).await });
    }
    let mut winners = 0;
    while let Some(r) = tasks.join_next().await {
        winners += usize::from(r.unwrap().unwrap());
    }
    assert_eq!(winners, 1);
    assert_eq!(db.count_unused_recovery_codes(&alice).await.unwrap(), 9);
}

async fn passwords(db: &Db) {
    let alice = new_user(db, "alice", None).await;
    assert_eq!(db.password(&alice).await.unwrap(), None);
    db.set_password(&alice, &phc(1), UnixTime(1)).await.unwrap();
    db.set_password(&alice, &phc(2), UnixTime(2)).await.unwrap();
    let p = db.password(&alice).await.unwrap().unwrap();
    assert_eq!((p.hash, p.updated_at), (phc(2), UnixTime(2)));
    // Only argon2id PHC strings are stored.
    assert!(
        db.set_password(&alice, "hunter2", UnixTime(3))
            .await
            .is_err()
    );
    assert_eq!(db.password(&alice).await.unwrap().unwrap().hash, phc(2));
    assert!(matches!(
        db.set_password(&UserId("nobody".into()), &phc(1), UnixTime(1))
            .await,
        Err(RepoError::NotFound)
    ));
    assert!(db.delete_password(&alice).await.unwrap());
    assert!(!db.delete_password(&alice).await.unwrap());
}

async fn deleting_a_user_removes_their_factors(db: &Db) {
    let alice = new_user(db, "alice", None).await;
    db.set_phone(&alice, "+4930123456", UnixTime(1))
        .await
        .unwrap();
    db.put_totp(&alice, "v1.sealed", UnixTime(1)).await.unwrap();
    db.replace_recovery_codes(&alice, (0..10).map(phc).collect(), UnixTime(1))
        .await
        .unwrap();
    db.set_password(&alice, &phc(1), UnixTime(1)).await.unwrap();

    delete_user(db, &alice).await;
    assert_eq!(db.phone(&alice).await.unwrap(), None);
    assert_eq!(db.totp(&alice).await.unwrap(), None);
    assert_eq!(db.count_unused_recovery_codes(&alice).await.unwrap(), 0);
    assert_eq!(db.password(&alice).await.unwrap(), None);
    // The number is free again.
    let bob = new_user(db, "bob", None).await;
    db.set_phone(&bob, "+4930123456", UnixTime(2))
        .await
        .unwrap();
}

async fn unstorable_keys_are_not_found(db: &Db) {
    let alice = new_user(db, "alice", Some("alice@example.com")).await;
    db.replace_recovery_codes(&alice, vec![phc(1)], UnixTime(1))
        .await
        .unwrap();
    let nul = UserId(NUL_USER.into());
    let long = UserId("u".repeat(5000));
    for user in [&nul, &long] {
        assert_eq!(db.phone(user).await.unwrap(), None);
        assert!(
            !db.verify_phone(user, "+4930123456", UnixTime(1))
                .await
                .unwrap()
        );
        assert!(!db.delete_phone(user).await.unwrap());
        assert!(
            !db.mark_email_verified(user, "alice@example.com")
                .await
                .unwrap()
        );
        assert_eq!(db.totp(user).await.unwrap(), None);
        assert!(!db.advance_totp_step(user, 1).await.unwrap());
        assert!(!db.confirm_totp(user, "v1.x", 1, UnixTime(1)).await.unwrap());
        assert!(!db.delete_totp(user).await.unwrap());
        assert!(db.unused_recovery_codes(user).await.unwrap().is_empty());
        assert_eq!(db.count_unused_recovery_codes(user).await.unwrap(), 0);
        assert!(!db.use_recovery_code(user, "x", UnixTime(1)).await.unwrap());
        assert_eq!(db.password(user).await.unwrap(), None);
        assert!(!db.delete_password(user).await.unwrap());
    }
    assert!(!db.verify_phone(&alice, "+49\0", UnixTime(1)).await.unwrap());
    assert!(
        !db.mark_email_verified(&alice, "a\0@example.com")
            .await
            .unwrap()
    );
    assert!(
        !db.mark_email_verified(&alice, &"a".repeat(5000))
            .await
            .unwrap()
    );
    assert!(
        !db.confirm_totp(&alice, "v1.\0", 1, UnixTime(1))
            .await
            .unwrap()
    );
    assert!(
        !db.use_recovery_code(&alice, "id\0", UnixTime(1))
            .await
            .unwrap()
    );
    assert!(
        !db.use_recovery_code(&alice, &"i".repeat(5000), UnixTime(1))
            .await
            .unwrap()
    );
    assert_eq!(db.count_unused_recovery_codes(&alice).await.unwrap(), 1);
}

latchkey_store::db_tests!(
    phones,
    email_verification,
    totp_lifecycle,
    concurrent_totp_step_has_one_winner,
    recovery_codes,
    concurrent_recovery_use_has_one_winner,
    passwords,
    deleting_a_user_removes_their_factors,
    unstorable_keys_are_not_found,
);

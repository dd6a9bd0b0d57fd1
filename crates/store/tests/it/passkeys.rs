//! `CredentialRepo` on both database backends.

use latchkey_core::{NewUser, RepoError, UnixTime, UserId, UserRepo};
use latchkey_passkey::{CredentialId, CredentialRepo, CredentialUse, PasskeyCredential};
use latchkey_store::Db;

async fn new_user(db: &Db, name: &str) -> UserId {
    db.create_user(NewUser::normalised(name, None, None).unwrap())
        .await
        .unwrap()
        .id
}

fn cred_id(bytes: &[u8]) -> CredentialId {
    CredentialId::try_from(bytes.to_vec()).unwrap()
}

fn credential(user: &UserId, id: &[u8], created_at: i64) -> PasskeyCredential {
    PasskeyCredential {
        credential_id: cred_id(id),
        user_id: user.clone(),
        passkey: r#"{"cred":"opaque to the store"}"#.into(),
        counter: 0,
        backup_eligible: true,
        backup_state: false,
        transports: vec!["internal".into(), "hybrid".into()],
        aaguid: uuid::Uuid::parse_str("ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4").unwrap(),
        friendly_name: "Google Password Manager".into(),
        created_at: UnixTime(created_at),
        last_used_at: None,
        user_agent: Some("Mozilla/5.0".into()),
        hardware_attested: false,
    }
}

fn usage(counter: u32, at: i64) -> CredentialUse {
    CredentialUse {
        counter,
        backup_state: true,
        last_used_at: UnixTime(at),
        passkey: format!(r#"{{"counter":{counter}}}"#),
    }
}

async fn roundtrip_and_list(db: &Db) {
    let alice = new_user(db, "alice").await;
    let bob = new_user(db, "bob").await;
    // An attested security key: the flag must come back as stored.
    let second = PasskeyCredential {
        aaguid: uuid::Uuid::nil(),
        backup_eligible: false,
        hardware_attested: true,
        transports: vec![],
        last_used_at: Some(UnixTime(300)),
        user_agent: None,
        ..credential(&alice, b"alice-2", 200)
    };
    let first = credential(&alice, b"alice-1", 100);
    db.insert_credential(&second).await.unwrap();
    db.insert_credential(&first).await.unwrap();
    db.insert_credential(&credential(&bob, b"bob-1", 50))
        .await
        .unwrap();

    let back = db.credential_by_id(&first.credential_id).await.unwrap();
    assert_eq!(back.as_ref(), Some(&first));
    assert_eq!(
        db.credentials_for_user(&alice).await.unwrap(),
        [first, second]
    );
    assert_eq!(db.count_credentials_for_user(&alice).await.unwrap(), 2);
    assert_eq!(db.count_credentials_for_user(&bob).await.unwrap(), 1);
    let nobody = UserId("nobody".into());
    assert!(db.credentials_for_user(&nobody).await.unwrap().is_empty());
    assert_eq!(db.count_credentials_for_user(&nobody).await.unwrap(), 0);
    assert_eq!(db.credential_by_id(&cred_id(b"none")).await.unwrap(), None);
}

async fn longest_credential_id_is_stored(db: &Db) {
    let alice = new_user(db, "alice").await;
    let c = credential(&alice, &[0xfe; 1023], 1);
    db.insert_credential(&c).await.unwrap();
    let back = db.credential_by_id(&c.credential_id).await.unwrap();
    assert_eq!(back.unwrap().credential_id.as_bytes().len(), 1023);
}

async fn duplicate_credential_id_conflicts_across_users(db: &Db) {
    let alice = new_user(db, "alice").await;
    let bob = new_user(db, "bob").await;
    db.insert_credential(&credential(&alice, b"shared", 1))
        .await
        .unwrap();
    for owner in [&bob, &alice] {
        let err = db
            .insert_credential(&credential(owner, b"shared", 2))
            .await
            .unwrap_err();
        assert!(matches!(err, RepoError::Conflict("credential")), "{err:?}");
    }
    assert!(db.credentials_for_user(&bob).await.unwrap().is_empty());
    let kept = db.credential_by_id(&cred_id(b"shared")).await.unwrap();
    assert_eq!(kept.unwrap().user_id, alice);
}

async fn record_use_applies_the_counter_rule(db: &Db) {
    let alice = new_user(db, "alice").await;
    let id = cred_id(b"counted");
    db.insert_credential(&credential(&alice, b"counted", 1))
        .await
        .unwrap();
    // Both zero: an authenticator without a counter.
    db.record_credential_use(&id, &usage(0, 10)).await.unwrap();
    db.record_credential_use(&id, &usage(3, 11)).await.unwrap();
    for (stale, why) in [(3, "equal"), (2, "backwards"), (0, "reset to zero")] {
        let err = db
            .record_credential_use(&id, &usage(stale, 12))
            .await
            .unwrap_err();
        assert!(
            matches!(err, RepoError::Conflict("counter")),
            "{why}: {err:?}"
        );
    }
    let c = db.credential_by_id(&id).await.unwrap().unwrap();
    assert_eq!(c.counter, 3);
    assert_eq!(c.last_used_at, Some(UnixTime(11)));
    assert!(c.backup_state);
    assert_eq!(c.passkey, r#"{"counter":3}"#);
    db.record_credential_use(&id, &usage(9, 13)).await.unwrap();
    let err = db
        .record_credential_use(&cred_id(b"gone"), &usage(1, 1))
        .await
        .unwrap_err();
    assert!(matches!(err, RepoError::NotFound), "{err:?}");
}

async fn concurrent_uses_with_one_counter_value_have_one_winner(db: &Db) {
    let alice = new_user(db, "alice").await;
    let id = cred_id(b"raced");
    db.insert_credential(&credential(&alice, b"raced", 1))
        .await
        .unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let (db, id) = (db.clone(), id.clone());
            tokio::spawn(async move { db.record_credential_use(&id, &usage(5, i)).await })
        })
        .collect();
    let mut wins = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(()) => wins += 1,
            Err(RepoError::Conflict("counter")) => {}
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(wins, 1);
}

async fn rename_and_delete_are_scoped_to_the_owner(db: &Db) {
    let alice = new_user(db, "alice").await;
    let bob = new_user(db, "bob").await;
    let id = cred_id(b"alices");
    db.insert_credential(&credential(&alice, b"alices", 1))
        .await
        .unwrap();

    let err = db
        .rename_credential(&bob, &id, "mine now")
        .await
        .unwrap_err();
    assert!(matches!(err, RepoError::NotFound), "{err:?}");
    let err = db.delete_credential(&bob, &id).await.unwrap_err();
    assert!(matches!(err, RepoError::NotFound), "{err:?}");

    db.rename_credential(&alice, &id, "Work laptop")
        .await
        .unwrap();
    let c = db.credential_by_id(&id).await.unwrap().unwrap();
    assert_eq!(c.friendly_name, "Work laptop");

    db.delete_credential(&alice, &id).await.unwrap();
    assert_eq!(db.credential_by_id(&id).await.unwrap(), None);
    assert_eq!(db.count_credentials_for_user(&alice).await.unwrap(), 0);
    let err = db.delete_credential(&alice, &id).await.unwrap_err();
    assert!(matches!(err, RepoError::NotFound), "{err:?}");
    let err = db.rename_credential(&alice, &id, "x").await.unwrap_err();
    assert!(matches!(err, RepoError::NotFound), "{err:?}");
}

async fn credential_needs_an_existing_user(db: &Db) {
    let ghost = UserId(latchkey_core::id::new_uuid());
    let err = db
        .insert_credential(&credential(&ghost, b"orphan", 1))
        .await
        .unwrap_err();
    assert!(!matches!(err, RepoError::Conflict(_)), "{err:?}");
    assert_eq!(
        db.credential_by_id(&cred_id(b"orphan")).await.unwrap(),
        None
    );
}

async fn a_credential_comes_with_its_owner(db: &Db) {
    let alice = new_user(db, "alice").await;
    let stored = credential(&alice, b"alice-1", 100);
    db.insert_credential(&stored).await.unwrap();
    let (found, owner) = db
        .credential_with_owner(&cred_id(b"alice-1"))
        .await
        .unwrap()
        .expect("the credential exists");
    assert_eq!(found, stored);
    let owner = owner.expect("alice exists");
    assert_eq!(owner.id, alice);
    assert_eq!(owner.username, "alice");
    assert_eq!(
        db.credential_with_owner(&cred_id(b"nobody's"))
            .await
            .unwrap(),
        None
    );
}

latchkey_store::db_tests!(
    a_credential_comes_with_its_owner,
    roundtrip_and_list,
    longest_credential_id_is_stored,
    duplicate_credential_id_conflicts_across_users,
    record_use_applies_the_counter_rule,
    concurrent_uses_with_one_counter_value_have_one_winner,
    rename_and_delete_are_scoped_to_the_owner,
    credential_needs_an_existing_user
);

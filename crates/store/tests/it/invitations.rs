//! `InvitationRepo` on both database backends.

use latchkey_core::{NewUser, RepoError, UnixTime, UserId, UserRepo};
use latchkey_passkey::invitation::{Invitation, InvitationRepo, hash_token, issue};
use latchkey_store::Db;

async fn new_user(db: &Db, name: &str) -> UserId {
    db.create_user(NewUser::normalised(name, None, None).unwrap())
        .await
        .unwrap()
        .id
}

/// An invitation issued at 1000 for one hour.
async fn invited(db: &Db, user: &UserId) -> Invitation {
    let issued = issue(user, 1, UnixTime(1_000)).unwrap();
    db.create_invitation(&issued.invitation).await.unwrap();
    assert_eq!(
        hash_token(&issued.token).as_deref(),
        Some(&*issued.invitation.token_hash)
    );
    issued.invitation
}

async fn roundtrip(db: &Db) {
    let alice = new_user(db, "alice").await;
    let inv = invited(db, &alice).await;
    let back = db.invitation_by_hash(&inv.token_hash).await.unwrap();
    assert_eq!(back.as_ref(), Some(&inv));
    assert_eq!(db.invitation_by_hash(&"0".repeat(64)).await.unwrap(), None);
    // Keys no stored hash can have are simply not found, never an error.
    assert_eq!(db.invitation_by_hash("a\0b").await.unwrap(), None);
    assert_eq!(
        db.invitation_by_hash(&"a".repeat(5000)).await.unwrap(),
        None
    );
    assert!(matches!(
        db.create_invitation(&inv).await,
        Err(RepoError::Conflict(_))
    ));
}

async fn redeem_is_single_use(db: &Db) {
    let alice = new_user(db, "alice").await;
    let inv = invited(db, &alice).await;
    let first = db
        .redeem_invitation(&inv.token_hash, UnixTime(1_100))
        .await
        .unwrap();
    assert_eq!(first, Some(alice));
    let again = db
        .redeem_invitation(&inv.token_hash, UnixTime(1_101))
        .await
        .unwrap();
    assert_eq!(again, None);
    let stored = db
        .invitation_by_hash(&inv.token_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.used_at, Some(UnixTime(1_100)));
    assert!(!stored.is_redeemable(UnixTime(1_102)));
    assert_eq!(
        db.redeem_invitation(&"f".repeat(64), UnixTime(1_100))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        db.redeem_invitation("\0", UnixTime(1_100)).await.unwrap(),
        None
    );
}

async fn expired_invitations_cannot_be_redeemed(db: &Db) {
    let alice = new_user(db, "alice").await;
    let inv = invited(db, &alice).await;
    // Expiry is exclusive: at `expires_at` the link no longer works.
    let at_expiry = db
        .redeem_invitation(&inv.token_hash, inv.expires_at)
        .await
        .unwrap();
    assert_eq!(at_expiry, None);
    let stored = db
        .invitation_by_hash(&inv.token_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.used_at, None, "a refused redemption changes nothing");
    let before = db
        .redeem_invitation(&inv.token_hash, inv.expires_at.plus_secs(-1))
        .await
        .unwrap();
    assert_eq!(before, Some(alice));
}

async fn release_undoes_only_that_redemption(db: &Db) {
    let alice = new_user(db, "alice").await;
    let inv = invited(db, &alice).await;
    let at = UnixTime(1_200);
    assert!(
        db.redeem_invitation(&inv.token_hash, at)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        !db.release_invitation(&inv.token_hash, UnixTime(1_201))
            .await
            .unwrap(),
        "another redemption's time does not release it"
    );
    assert!(db.release_invitation(&inv.token_hash, at).await.unwrap());
    assert!(!db.release_invitation(&inv.token_hash, at).await.unwrap());
    let again = db
        .redeem_invitation(&inv.token_hash, UnixTime(1_300))
        .await
        .unwrap();
    assert_eq!(again, Some(alice));
}

async fn concurrent_redeem_has_one_winner(db: &Db) {
    let alice = new_user(db, "alice").await;
    let inv = invited(db, &alice).await;
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let (db, hash) = (db.clone(), inv.token_hash.clone());
            tokio::spawn(async move { db.redeem_invitation(&hash, UnixTime(1_100 + i)).await })
        })
        .collect();
    let mut winners = Vec::new();
    for t in tasks {
        if let Some(user) = t.await.unwrap().unwrap() {
            winners.push(user);
        }
    }
    assert_eq!(winners, [alice]);
}

async fn invitations_go_with_their_user(db: &Db) {
    let alice = new_user(db, "alice").await;
    let bob = new_user(db, "bob").await;
    let a = invited(db, &alice).await;
    let b = invited(db, &bob).await;
    let id = alice.0.clone();
    db.run(move |conn| {
        use diesel::prelude::*;
        use latchkey_store::db::schema::users;
        diesel::delete(users::table.find(id)).execute(conn)
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(db.invitation_by_hash(&a.token_hash).await.unwrap(), None);
    assert!(
        db.invitation_by_hash(&b.token_hash)
            .await
            .unwrap()
            .is_some()
    );
    let orphan = issue(&UserId("nobody".into()), 1, UnixTime(0)).unwrap();
    assert!(db.create_invitation(&orphan.invitation).await.is_err());
}

latchkey_store::db_tests!(
    roundtrip,
    redeem_is_single_use,
    expired_invitations_cannot_be_redeemed,
    release_undoes_only_that_redemption,
    concurrent_redeem_has_one_winner,
    invitations_go_with_their_user,
);

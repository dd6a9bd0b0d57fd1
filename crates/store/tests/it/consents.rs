//! `ConsentRepo` on both database backends.

use latchkey_core::{RepoError, UnixTime, UserId};
use latchkey_oidc::{ClientId, ClientRepo, ConsentRepo, NewClient};
use latchkey_store::Db;

use crate::factors::{delete_user, new_user};

async fn client(db: &Db, id: &str) -> ClientId {
    let c = NewClient {
        id: Some(id.into()),
        name: "Partner".into(),
        redirect_uris: vec!["https://partner.example.com/cb".into()],
        require_consent: true,
        ..NewClient::default()
    }
    .into_client(String::new(), Some("sha256$x".into()), UnixTime(1))
    .unwrap();
    db.create_client(&c).await.unwrap();
    let back = db.client_by_id(&c.id).await.unwrap().unwrap();
    assert!(back.require_consent, "the flag survives the round trip");
    c.id
}

fn scopes(s: &str) -> Vec<String> {
    s.split(' ').map(str::to_owned).collect()
}

async fn grant_adds_scopes_and_covers(db: &Db) {
    let alice = new_user(db, "alice", None).await;
    let partner = client(db, "partner").await;
    assert_eq!(db.consent(&alice, &partner).await.unwrap(), None);

    let c = db
        .grant_consent(&alice, &partner, &scopes("openid email"), UnixTime(10))
        .await
        .unwrap();
    assert!(c.covers(&scopes("openid email")));
    assert!(!c.covers(&scopes("openid profile")));

    let c = db
        .grant_consent(&alice, &partner, &scopes("openid profile"), UnixTime(20))
        .await
        .unwrap();
    let mut got = c.scopes.clone();
    got.sort();
    assert_eq!(got, scopes("email openid profile"));
    assert_eq!(c.granted_at, UnixTime(20));
    assert_eq!(db.consent(&alice, &partner).await.unwrap(), Some(c));
}

async fn concurrent_grants_keep_every_scope(db: &Db) {
    let alice = new_user(db, "alice", None).await;
    let partner = client(db, "partner").await;
    let mut tasks = tokio::task::JoinSet::new();
    for s in ["openid", "email", "profile", "phone", "address"] {
        let (db, alice, partner) = (db.clone(), alice.clone(), partner.clone());
        tasks.spawn(async move {
            db.grant_consent(&alice, &partner, &scopes(s), UnixTime(5))
                .await
        });
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap().unwrap();
    }
    let c = db.consent(&alice, &partner).await.unwrap().unwrap();
    assert!(
        c.covers(&scopes("openid email profile phone address")),
        "{c:?}"
    );
}

async fn list_and_revoke(db: &Db) {
    let alice = new_user(db, "alice", None).await;
    let bob = new_user(db, "bob", None).await;
    let a = client(db, "a").await;
    let b = client(db, "b").await;
    db.grant_consent(&alice, &a, &scopes("openid"), UnixTime(1))
        .await
        .unwrap();
    db.grant_consent(&alice, &b, &scopes("openid"), UnixTime(2))
        .await
        .unwrap();
    db.grant_consent(&bob, &a, &scopes("openid"), UnixTime(3))
        .await
        .unwrap();
    let listed: Vec<_> = db
        .consents_of(&alice)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.client.0)
        .collect();
    assert_eq!(listed, ["b", "a"], "most recent first, only alice's");

    assert!(db.revoke_consent(&alice, &a).await.unwrap());
    assert!(!db.revoke_consent(&alice, &a).await.unwrap());
    assert_eq!(db.consent(&alice, &a).await.unwrap(), None);
    assert!(db.consent(&bob, &a).await.unwrap().is_some(), "bob's stays");
}

async fn missing_user_or_client_is_not_found(db: &Db) {
    let alice = new_user(db, "alice", None).await;
    let partner = client(db, "partner").await;
    let ghost = UserId("00000000-0000-0000-0000-000000000000".into());
    let err = db
        .grant_consent(&ghost, &partner, &scopes("openid"), UnixTime(1))
        .await
        .unwrap_err();
    assert!(matches!(err, RepoError::NotFound), "{err:?}");
    let err = db
        .grant_consent(
            &alice,
            &ClientId("nope".into()),
            &scopes("openid"),
            UnixTime(1),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, RepoError::NotFound), "{err:?}");
    let nul = ClientId("a\0b".into());
    assert_eq!(db.consent(&alice, &nul).await.unwrap(), None);
    assert!(!db.revoke_consent(&alice, &nul).await.unwrap());
    assert!(
        db.consents_of(&alice).await.unwrap().is_empty(),
        "nothing half-written"
    );
}

async fn deleting_user_or_client_forgets_consent(db: &Db) {
    let alice = new_user(db, "alice", None).await;
    let bob = new_user(db, "bob", None).await;
    let partner = client(db, "partner").await;
    db.grant_consent(&alice, &partner, &scopes("openid"), UnixTime(1))
        .await
        .unwrap();
    db.grant_consent(&bob, &partner, &scopes("openid"), UnixTime(1))
        .await
        .unwrap();
    delete_user(db, &alice).await;
    assert!(db.consents_of(&alice).await.unwrap().is_empty());
    db.delete_client(&partner).await.unwrap();
    assert!(db.consents_of(&bob).await.unwrap().is_empty());
}

latchkey_store::db_tests!(
    grant_adds_scopes_and_covers,
    concurrent_grants_keep_every_scope,
    list_and_revoke,
    missing_user_or_client_is_not_found,
    deleting_user_or_client_forgets_consent,
);

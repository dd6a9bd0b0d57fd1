//! `RefreshTokenRepo` on both backends: rotation, reuse, families, races.

use latchkey_core::{NewUser, UnixTime, UserRepo};
use latchkey_oidc::grant::Grant;
use latchkey_oidc::refresh::{RefreshRecord, RefreshTokenRepo, Rotation};
use latchkey_oidc::{Acr, ClientRepo, NewClient, client_secret};
use latchkey_store::Db;

async fn seed(db: &Db) -> Grant {
    let user = db
        .create_user(NewUser::normalised("rita", None, None).unwrap())
        .await
        .unwrap();
    let client = NewClient {
        id: Some("app".into()),
        name: "App".into(),
        redirect_uris: vec!["https://app.example.com/cb".into()],
        grant_types: vec!["authorization_code".into(), "refresh_token".into()],
        ..NewClient::default()
    }
    .into_client(
        String::new(),
        Some(client_secret::generate().hash),
        UnixTime(1),
    )
    .unwrap();
    db.create_client(&client).await.unwrap();
    Grant {
        client_id: client.id,
        subject: user.id,
        scopes: vec!["openid".into(), "offline_access".into()],
        auth_time: UnixTime(100),
        amr: vec!["hwk".into(), "user".into()],
        acr: Acr::PhishingResistantHardware,
        sid: Some("sid1".into()),
        fallback_reason: Some("no_passkey_on_this_device".into()),
    }
}

fn first(grant: Grant, hash: &str, now: i64) -> RefreshRecord {
    RefreshRecord {
        token_hash: hash.into(),
        family_id: format!("fam-{hash}"),
        grant,
        created_at: UnixTime(now),
        expires_at: UnixTime(now + 1000),
        family_expires_at: UnixTime(now + 5000),
        rotated_at: None,
        revoked_at: None,
    }
}

async fn rotation_replaces_and_keeps_the_grant(db: &Db) {
    let grant = seed(db).await;
    db.insert_refresh(&first(grant.clone(), "h1", 1000))
        .await
        .unwrap();
    let Rotation::Rotated(next) = db
        .rotate_refresh("h1", "app", "h2", UnixTime(1010), 1000)
        .await
        .unwrap()
    else {
        panic!("expected rotation");
    };
    assert_eq!(next.grant, grant);
    let stored = db.refresh_by_hash("h2").await.unwrap().unwrap();
    assert_eq!(stored.grant, grant, "the fallback reason is kept too");
    assert_eq!(next.family_id, "fam-h1");
    assert_eq!(next.expires_at, UnixTime(2010));
    let old = db.refresh_by_hash("h1").await.unwrap().unwrap();
    assert_eq!(old.rotated_at, Some(UnixTime(1010)));
    assert!(!old.live(UnixTime(1011)));
    assert!(
        db.refresh_by_hash("h2")
            .await
            .unwrap()
            .unwrap()
            .live(UnixTime(1011))
    );
}

async fn reuse_is_reported_and_family_revocable(db: &Db) {
    let grant = seed(db).await;
    db.insert_refresh(&first(grant, "h1", 1000)).await.unwrap();
    db.rotate_refresh("h1", "app", "h2", UnixTime(1010), 1000)
        .await
        .unwrap();
    let again = db
        .rotate_refresh("h1", "app", "h3", UnixTime(1020), 1000)
        .await
        .unwrap();
    assert_eq!(
        again,
        Rotation::Reused {
            family_id: "fam-h1".into(),
            rotated_at: UnixTime(1010)
        }
    );
    assert!(
        db.refresh_by_hash("h3").await.unwrap().is_none(),
        "nothing issued on reuse"
    );
    assert_eq!(db.revoke_family("fam-h1", UnixTime(1021)).await.unwrap(), 2);
    assert_eq!(
        db.rotate_refresh("h2", "app", "h4", UnixTime(1022), 1000)
            .await
            .unwrap(),
        Rotation::Invalid
    );
}

async fn expiry_unknown_and_wrong_client_are_invalid(db: &Db) {
    let grant = seed(db).await;
    db.insert_refresh(&first(grant, "h1", 1000)).await.unwrap();
    assert_eq!(
        db.rotate_refresh("nope", "app", "x", UnixTime(1001), 10)
            .await
            .unwrap(),
        Rotation::Invalid
    );
    assert_eq!(
        db.rotate_refresh("h1", "other", "x", UnixTime(1001), 10)
            .await
            .unwrap(),
        Rotation::Invalid
    );
    assert_eq!(
        db.rotate_refresh("h1", "app", "x", UnixTime(2000), 10)
            .await
            .unwrap(),
        Rotation::Invalid
    );
    // A successor never outlives its family.
    let Rotation::Rotated(next) = db
        .rotate_refresh("h1", "app", "h2", UnixTime(1500), 10_000)
        .await
        .unwrap()
    else {
        panic!("expected rotation");
    };
    assert_eq!(next.expires_at, UnixTime(6000));
}

async fn concurrent_rotations_have_exactly_one_winner(db: &Db) {
    let grant = seed(db).await;
    db.insert_refresh(&first(grant, "h1", 1000)).await.unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..20 {
        let db = db.clone();
        tasks.spawn(async move {
            db.rotate_refresh("h1", "app", &format!("n{i}"), UnixTime(1001), 1000)
                .await
        });
    }
    let mut rotated = 0;
    let mut reused = 0;
    while let Some(r) = tasks.join_next().await {
        match r.unwrap().unwrap() {
            Rotation::Rotated(_) => rotated += 1,
            Rotation::Reused { .. } => reused += 1,
            Rotation::Invalid => panic!("a racing rotation must see the token as rotated"),
        }
    }
    assert_eq!((rotated, reused), (1, 19));
}

async fn withdrawn_consent_revokes_the_clients_tokens_only(db: &Db) {
    let grant = seed(db).await;
    let mut other = grant.clone();
    other.subject = db
        .create_user(NewUser::normalised("sam", None, None).unwrap())
        .await
        .unwrap()
        .id;
    db.insert_refresh(&first(grant.clone(), "a1", 10))
        .await
        .unwrap();
    db.insert_refresh(&first(grant.clone(), "a2", 10))
        .await
        .unwrap();
    db.insert_refresh(&first(other, "b1", 10)).await.unwrap();
    let n = db
        .revoke_for_client(&grant.subject.0, &grant.client_id.0, UnixTime(20))
        .await
        .unwrap();
    assert_eq!(n, 2);
    for (hash, revoked) in [("a1", true), ("a2", true), ("b1", false)] {
        let r = db.refresh_by_hash(hash).await.unwrap().unwrap();
        assert_eq!(r.revoked_at.is_some(), revoked, "{hash}");
    }
    let again = db
        .revoke_for_client(&grant.subject.0, &grant.client_id.0, UnixTime(30))
        .await
        .unwrap();
    assert_eq!(again, 0, "already revoked ones keep their time");
}

latchkey_store::db_tests!(
    withdrawn_consent_revokes_the_clients_tokens_only,
    rotation_replaces_and_keeps_the_grant,
    reuse_is_reported_and_family_revocable,
    expiry_unknown_and_wrong_client_are_invalid,
    concurrent_rotations_have_exactly_one_winner,
);

//! `ClientRepo` on both database backends.

use latchkey_core::{RepoError, UnixTime};
use latchkey_oidc::{
    ClientId, ClientRepo, ClientUpdate, GrantType, NewClient, RegistrationMode, client_secret,
};
use latchkey_store::Db;

fn confidential(id: &str) -> latchkey_oidc::Client {
    NewClient {
        id: Some(id.into()),
        name: "Shop".into(),
        redirect_uris: vec![
            "https://shop.example.com/cb".into(),
            "http://127.0.0.1:9000/cb".into(),
        ],
        post_logout_redirect_uris: vec!["https://shop.example.com/bye".into()],
        grant_types: vec!["authorization_code".into(), "refresh_token".into()],
        ..NewClient::default()
    }
    // Dev-mode rules: production keeps http loopback for public clients.
    .into_client_in(
        RegistrationMode::Development,
        String::new(),
        Some(client_secret::generate().hash),
        UnixTime(100),
    )
    .unwrap()
}

async fn roundtrip(db: &Db) {
    let c = confidential("shop");
    db.create_client(&c).await.unwrap();
    let back = db.client_by_id(&c.id).await.unwrap().unwrap();
    assert_eq!(back, c);
    assert!(back.allows_grant(GrantType::RefreshToken));
    assert_eq!(
        db.client_by_id(&ClientId("nope".into())).await.unwrap(),
        None
    );
}

async fn duplicate_id_conflicts(db: &Db) {
    db.create_client(&confidential("dup")).await.unwrap();
    let err = db.create_client(&confidential("dup")).await.unwrap_err();
    assert!(matches!(err, RepoError::Conflict(_)), "{err:?}");
    assert_eq!(db.list_clients().await.unwrap().len(), 1);
}

async fn update_and_delete(db: &Db) {
    let c = confidential("upd");
    db.create_client(&c).await.unwrap();
    // Read first, so the in-process client cache holds the old record: a
    // write through the same handle must be seen at once all the same.
    let before = db.client_by_id(&c.id).await.unwrap().unwrap();
    assert_ne!(before.name, "Renamed");
    let changed = c
        .clone()
        .updated(
            ClientUpdate {
                name: Some("Renamed".into()),
                ..ClientUpdate::default()
            },
            UnixTime(200),
        )
        .unwrap();
    db.update_client(&changed).await.unwrap();
    let back = db.client_by_id(&c.id).await.unwrap().unwrap();
    assert_eq!(back.name, "Renamed");
    assert_eq!(back.updated_at, UnixTime(200));
    assert_eq!(back.created_at, UnixTime(100));

    db.delete_client(&c.id).await.unwrap();
    assert_eq!(db.client_by_id(&c.id).await.unwrap(), None);
    assert!(matches!(
        db.delete_client(&c.id).await,
        Err(RepoError::NotFound)
    ));
    assert!(matches!(
        db.update_client(&changed).await,
        Err(RepoError::NotFound)
    ));
}

async fn list_in_creation_order(db: &Db) {
    for id in ["a1", "a2", "a3"] {
        db.create_client(&confidential(id)).await.unwrap();
    }
    let ids: Vec<String> = db
        .list_clients()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id.0)
        .collect();
    assert_eq!(ids, ["a1", "a2", "a3"]);
}

latchkey_store::db_tests!(
    roundtrip,
    duplicate_id_conflicts,
    update_and_delete,
    list_in_creation_order
);

//! `KeyRepo` on both database backends.

use latchkey_core::{RepoError, UnixTime};
use latchkey_oidc::SigningAlg;
use latchkey_oidc::keys::{KeyRepo, KeySet, StoredKey, initial_keys, rotate};
use latchkey_store::Db;

/// A record with placeholder key material: the repository stores text and
/// never looks inside it.
fn fake(kid: &str, alg: SigningAlg, created: i64) -> StoredKey {
    StoredKey {
        kid: kid.into(),
        alg,
        public_jwk: format!(r#"{{"kid":"{kid}"}}"#),
        private_key: format!("v1.nonce.{kid}"),
        created_at: UnixTime(created),
        activates_at: UnixTime(created + 10),
        retires_at: None,
        expires_at: None,
    }
}

async fn insert_and_list(db: &Db) {
    assert!(db.list_keys().await.unwrap().is_empty());
    let b = fake("b", SigningAlg::RS256, 200);
    let mut a = fake("a", SigningAlg::ES256, 100);
    a.retires_at = Some(UnixTime(150));
    a.expires_at = Some(UnixTime(250));
    db.insert_key(&b).await.unwrap();
    db.insert_key(&a).await.unwrap();
    assert_eq!(db.list_keys().await.unwrap(), vec![a, b], "oldest first");
}

async fn duplicate_kid_conflicts(db: &Db) {
    let k = fake("dup", SigningAlg::EdDSA, 1);
    db.insert_key(&k).await.unwrap();
    let err = db.insert_key(&k).await.unwrap_err();
    assert!(matches!(err, RepoError::Conflict(_)), "{err:?}");
}

async fn first_keys_inserted_once(db: &Db) {
    let first = vec![
        fake("f1", SigningAlg::ES256, 1),
        fake("f2", SigningAlg::RS256, 1),
    ];
    assert!(db.insert_keys_if_empty(&first).await.unwrap());
    let second = vec![fake("s1", SigningAlg::ES256, 2)];
    assert!(!db.insert_keys_if_empty(&second).await.unwrap());
    let kids: Vec<String> = db
        .list_keys()
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.kid)
        .collect();
    assert_eq!(kids, ["f1", "f2"]);
}

/// Nodes starting together: exactly one set of first keys wins.
async fn concurrent_first_keys_one_winner(db: &Db) {
    let mut tasks = Vec::new();
    for node in 0..4 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let keys: Vec<StoredKey> = SigningAlg::ALL
                .iter()
                .map(|alg| fake(&format!("n{node}-{alg}"), *alg, 1))
                .collect();
            db.insert_keys_if_empty(&keys).await.unwrap()
        }));
    }
    let mut winners = 0;
    for t in tasks {
        if t.await.unwrap() {
            winners += 1;
        }
    }
    assert_eq!(winners, 1);
    let keys = db.list_keys().await.unwrap();
    assert_eq!(keys.len(), 3);
    let prefix = &keys[0].kid[..2];
    assert!(keys.iter().all(|k| k.kid.starts_with(prefix)), "{keys:?}");
}

async fn retire_and_prune(db: &Db) {
    for (kid, created) in [("old", 1), ("mid", 2), ("new", 3)] {
        db.insert_key(&fake(kid, SigningAlg::ES256, created))
            .await
            .unwrap();
    }
    db.retire_key("old", UnixTime(100), UnixTime(200))
        .await
        .unwrap();
    db.retire_key("mid", UnixTime(150), UnixTime(400))
        .await
        .unwrap();
    assert!(matches!(
        db.retire_key("nope", UnixTime(1), UnixTime(2)).await,
        Err(RepoError::NotFound)
    ));
    let keys = db.list_keys().await.unwrap();
    assert_eq!(keys[0].retires_at, Some(UnixTime(100)));
    assert_eq!(keys[0].expires_at, Some(UnixTime(200)));

    assert_eq!(db.delete_expired_keys(UnixTime(199)).await.unwrap(), 0);
    assert_eq!(db.delete_expired_keys(UnixTime(200)).await.unwrap(), 1);
    let kids: Vec<String> = db
        .list_keys()
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.kid)
        .collect();
    assert_eq!(kids, ["mid", "new"], "unexpired and unretired keys stay");
}

/// Real sealed keys survive the database and rotate through it.
async fn sealed_keys_roundtrip_and_rotate(db: &Db) {
    let enc = [3u8; 32];
    let now = UnixTime(1_800_000_000);
    assert!(
        db.insert_keys_if_empty(&initial_keys(&enc, now).unwrap())
            .await
            .unwrap()
    );
    let stored = db.list_keys().await.unwrap();
    let set = KeySet::from_stored(&stored, &enc, now).unwrap();
    let token = set
        .sign(
            SigningAlg::ES256,
            "JWT",
            &serde_json::json!({"exp": now.0 + 60}),
            now,
        )
        .unwrap();

    let rotation = rotate(&stored, SigningAlg::ES256, &enc, now, 3600, 86_400).unwrap();
    db.insert_key(&rotation.key).await.unwrap();
    for r in &rotation.retirements {
        db.retire_key(&r.kid, r.retires_at, r.expires_at)
            .await
            .unwrap();
    }
    let after = now.plus_secs(3600);
    let set = KeySet::from_stored(&db.list_keys().await.unwrap(), &enc, after).unwrap();
    assert_eq!(
        set.signing_kid(SigningAlg::ES256, after),
        Some(rotation.key.kid.as_str())
    );
    let claims: serde_json::Value = set.verify(&token, Some("JWT"), now, false).unwrap();
    assert_eq!(claims["exp"], now.0 + 60);
}

latchkey_store::db_tests!(
    insert_and_list,
    duplicate_kid_conflicts,
    first_keys_inserted_once,
    concurrent_first_keys_one_winner,
    retire_and_prune,
    sealed_keys_roundtrip_and_rotate
);

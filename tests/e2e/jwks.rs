//! The JWK Set endpoint as a relying party uses it: public keys only,
//! cacheable, and verifying what the server signs.

use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{DecodingKey, Validation};
use latchkey_oidc::SigningAlg;
use latchkey_oidc::keys::{KeyRepo as _, rotate};

use crate::support::{Stack, TestServer};

async fn fetch_jwks(s: &TestServer) -> Vec<serde_json::Value> {
    let res = s.get("/jwks").await;
    assert_eq!(res.status(), 200);
    let h = res.headers();
    assert!(
        h["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(h["cache-control"], "public, max-age=300");
    let body: serde_json::Value = res.json().await.unwrap();
    body["keys"].as_array().unwrap().clone()
}

async fn jwks_serves_one_public_key_per_alg(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let keys = fetch_jwks(&s).await;
    let mut algs: Vec<&str> = keys.iter().map(|k| k["alg"].as_str().unwrap()).collect();
    algs.sort_unstable();
    assert_eq!(algs, ["ES256", "EdDSA", "RS256"]);
    for k in &keys {
        assert_eq!(k["use"], "sig");
        assert!(k["kid"].as_str().is_some_and(|kid| !kid.is_empty()));
        for private in ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] {
            assert!(k.get(private).is_none(), "private member {private} in {k}");
        }
    }
}

/// What the server signs verifies with the served JWKS, through
/// jsonwebtoken's own JWK parsing, the way a relying party does it.
async fn signed_tokens_verify_against_served_jwks(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let keys = fetch_jwks(&s).await;
    let now = s.state.clock.now();
    let set = s.state.keys.current();
    for alg in SigningAlg::ALL {
        let claims = serde_json::json!({"iss": s.base, "sub": "alice", "exp": now.0 + 60});
        let token = set.sign(alg, "JWT", &claims, now).unwrap();
        let header = jsonwebtoken::decode_header(&token).unwrap();
        let kid = header.kid.clone().unwrap();
        let jwk = keys.iter().find(|k| k["kid"] == kid.as_str()).unwrap();
        let jwk: Jwk = serde_json::from_value(jwk.clone()).unwrap();
        let key = DecodingKey::from_jwk(&jwk).unwrap();
        let mut validation = Validation::new(header.alg);
        validation.validate_aud = false;
        validation.set_issuer(&[&s.base]);
        let data = jsonwebtoken::decode::<serde_json::Value>(&token, &key, &validation).unwrap();
        assert_eq!(data.claims["sub"], "alice", "{alg}");
    }
}

/// A rotation written to the database shows up, pre-published, after the
/// key ring refreshes; the old key still signs.
async fn rotation_is_prepublished_after_refresh(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let now = s.state.clock.now();
    let before = s.state.keys.current();
    let old_kid = before
        .signing_kid(SigningAlg::ES256, now)
        .unwrap()
        .to_owned();
    let enc_key = s.state.config.encryption_key().unwrap();
    let stored = s.state.db.list_keys().await.unwrap();
    let rotation = rotate(&stored, SigningAlg::ES256, &enc_key, now, 3600, 86_400).unwrap();
    s.state.db.insert_key(&rotation.key).await.unwrap();
    for r in &rotation.retirements {
        s.state
            .db
            .retire_key(&r.kid, r.retires_at, r.expires_at)
            .await
            .unwrap();
    }
    s.state.keys.refresh(&s.state.db).await.unwrap();

    let kids: Vec<String> = fetch_jwks(&s)
        .await
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kids.len(), 4);
    assert!(kids.contains(&rotation.key.kid) && kids.contains(&old_kid));
    let after = s.state.keys.current();
    assert_eq!(
        after.signing_kid(SigningAlg::ES256, now),
        Some(old_kid.as_str())
    );
    assert_eq!(
        after.signing_kid(SigningAlg::ES256, now.plus_secs(3600)),
        Some(rotation.key.kid.as_str())
    );
}

crate::stack_tests!(
    jwks_serves_one_public_key_per_alg,
    signed_tokens_verify_against_served_jwks,
    rotation_is_prepublished_after_refresh
);

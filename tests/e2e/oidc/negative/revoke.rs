//! Revocation (RFC 7009) and introspection (RFC 7662): a client acts only
//! on its own tokens, sees only its own tokens, and learns nothing about
//! anyone else's.

use serde_json::{Value, json};

use crate::support::browser::Browser;
use crate::support::{Stack, TestServer};

use super::{Rp, no_5xx, oauth_error, userinfo};

async fn introspect(s: &TestServer, client: &Rp, token: &str, case: &str) -> Value {
    let res = client.post(s, "/introspect", &[("token", token)]).await;
    no_5xx(&res, case);
    assert_eq!(res.status(), 200, "[{case}]");
    res.json().await.unwrap()
}

async fn revoke(s: &TestServer, client: &Rp, token: &str, case: &str) {
    let res = client.post(s, "/revoke", &[("token", token)]).await;
    no_5xx(&res, case);
    assert_eq!(res.status(), 200, "[{case}] revocation always answers 200");
}

async fn other_clients_cannot_revoke_or_see(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let user = s.user("bea").await;
    let a = Rp::confidential(&s).await;
    let b = Rp::confidential(&s).await;
    let t = a.tokens(&s, &mut Browser::default(), &user, &[]).await;
    let access = t["access_token"].as_str().unwrap();
    let refresh = t["refresh_token"].as_str().unwrap();
    let id_token = t["id_token"].as_str().unwrap();

    for (case, token) in [
        ("B revokes A's access token", access),
        ("B revokes A's refresh token", refresh),
    ] {
        revoke(&s, &b, token, case).await;
        let seen = introspect(&s, &b, token, case).await;
        assert_eq!(seen, json!({ "active": false }), "[{case}] B sees nothing");
        let own = introspect(&s, &a, token, case).await;
        assert_eq!(own["active"], true, "[{case}] still active for A: {own}");
        assert_eq!(own["client_id"], a.id.as_str(), "[{case}]");
    }
    assert_eq!(
        userinfo(&s, Some(access)).await.status(),
        200,
        "A's token works"
    );
    let res = a.refresh(&s, refresh, None).await;
    assert_eq!(res.status(), 200, "A's refresh token works");
    // The ID token is not an access token for introspection either.
    let seen = introspect(&s, &a, id_token, "introspect an ID token").await;
    assert_eq!(seen, json!({ "active": false }), "ID token");
}

async fn revoked_tokens_are_inactive(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let user = s.user("cal").await;
    let a = Rp::confidential(&s).await;
    let t = a.tokens(&s, &mut Browser::default(), &user, &[]).await;
    let access = t["access_token"].as_str().unwrap();
    let refresh = t["refresh_token"].as_str().unwrap();

    revoke(&s, &a, access, "revoke the access token").await;
    let seen = introspect(&s, &a, access, "access token after revocation").await;
    assert_eq!(seen, json!({ "active": false }), "revoked access token");
    let res = userinfo(&s, Some(access)).await;
    assert_eq!(res.status(), 401, "revoked access token at userinfo");

    // Revoking a refresh token ends its family, rotated descendants too.
    let res = a.refresh(&s, refresh, None).await;
    let next: Value = res.json().await.unwrap();
    let next = next["refresh_token"].as_str().unwrap();
    revoke(&s, &a, refresh, "revoke a rotated refresh token").await;
    let seen = introspect(&s, &a, next, "descendant after revocation").await;
    assert_eq!(seen, json!({ "active": false }), "family revoked");
    let res = a.refresh(&s, next, None).await;
    oauth_error(res, 400, "invalid_grant", "refresh after revocation").await;
    // Revoking twice, or revoking nonsense, is still 200 and reveals nothing.
    revoke(&s, &a, next, "revoke twice").await;
    revoke(&s, &a, "no-such-token", "revoke an unknown token").await;
    revoke(&s, &a, "a.b.c", "revoke JWT-shaped garbage").await;
}

async fn introspection_rules(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let user = s.user("dee").await;
    let a = Rp::confidential(&s).await;
    let public = Rp::public(&s).await;
    for (case, token) in [
        ("unknown opaque token", "no-such-token"),
        ("JWT-shaped garbage", "a.b.c"),
        ("alg none JWT", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."),
        ("empty-looking token", " "),
    ] {
        let seen = introspect(&s, &a, token, case).await;
        assert_eq!(seen, json!({ "active": false }), "[{case}]");
    }
    // Public clients may not introspect, not even their own tokens.
    let mut b = Browser::default();
    let (code, verifier) = public.code(&s, &mut b, &user, &[]).await;
    let res = public
        .redeem(
            &s,
            &code,
            Some(&verifier),
            crate::support::fixtures::REDIRECT_URI,
        )
        .await;
    let t: Value = res.json().await.unwrap();
    let own = t["access_token"].as_str().unwrap();
    let res = public.post(&s, "/introspect", &[("token", own)]).await;
    oauth_error(res, 401, "invalid_client", "public client introspects").await;
    // Missing token parameter.
    let res = a.post(&s, "/introspect", &[]).await;
    oauth_error(res, 400, "invalid_request", "introspect without token").await;
    let res = a.post(&s, "/revoke", &[]).await;
    oauth_error(res, 400, "invalid_request", "revoke without token").await;
}

crate::stack_tests!(
    other_clients_cannot_revoke_or_see,
    revoked_tokens_are_inactive,
    introspection_rules,
);

//! Refresh tokens: rotation with reuse detection (family revocation after
//! the grace period), one winner among concurrent refreshes without
//! revoking the family, binding to the client, no scope widening, expiry.

use tokio::task::JoinSet;

use crate::support::browser::Browser;
use crate::support::rp;
use crate::support::{Stack, TestServer};

use super::{Rp, oauth_error, start};

const DAY: i64 = 86_400;

/// Refresh `token`, asserting success; the new refresh token.
async fn rotate(s: &TestServer, client: &Rp, token: &str, case: &str) -> String {
    let res = client.refresh(s, token, None).await;
    let status = res.status();
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(status, 200, "[{case}] {body}");
    let next = body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(next, token, "[{case}] rotated");
    next
}

async fn reuse_after_grace_revokes_the_family(stack: Stack, test: &str) {
    let Some((s, clock)) = start(stack, test).await else {
        return;
    };
    let user = s.user("uma").await;
    let client = Rp::confidential(&s).await;
    let t = client.tokens(&s, &mut Browser::default(), &user, &[]).await;
    let rt1 = t["refresh_token"].as_str().unwrap();
    let rt2 = rotate(&s, &client, rt1, "first rotation").await;

    // Within the grace period: refused, but the family lives on.
    let res = client.refresh(&s, rt1, None).await;
    oauth_error(res, 400, "invalid_grant", "reuse within the grace period").await;
    let rt3 = rotate(&s, &client, &rt2, "after a reuse within grace").await;

    // After it: refused, and every token of the family is revoked.
    clock.advance(3);
    let res = client.refresh(&s, &rt2, None).await;
    oauth_error(res, 400, "invalid_grant", "reuse after the grace period").await;
    let res = client.refresh(&s, &rt3, None).await;
    oauth_error(res, 400, "invalid_grant", "newest token after theft").await;
    let res = client.refresh(&s, rt1, None).await;
    oauth_error(res, 400, "invalid_grant", "oldest token after theft").await;
    let res = client.post(&s, "/introspect", &[("token", &rt3)]).await;
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["active"], false, "newest token is inactive: {body}");

    // Another family of the same user and client is not affected.
    let t = client.tokens(&s, &mut Browser::default(), &user, &[]).await;
    rotate(
        &s,
        &client,
        t["refresh_token"].as_str().unwrap(),
        "other family",
    )
    .await;
}

async fn concurrent_refreshes_have_one_winner(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let user = s.user("vic").await;
    let client = Rp::confidential(&s).await;
    let t = client.tokens(&s, &mut Browser::default(), &user, &[]).await;
    let rt = t["refresh_token"].as_str().unwrap();
    let auth = rp::basic(&client.id, client.secret.as_deref().unwrap());
    let body = rp::url_encode(&[("grant_type", "refresh_token"), ("refresh_token", rt)]);
    let mut set = JoinSet::new();
    for _ in 0..10 {
        let req = s
            .http
            .post(format!("{}/token", s.base))
            .header("authorization", &auth)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.clone());
        set.spawn(async move {
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            (
                status,
                res.json::<serde_json::Value>().await.unwrap_or_default(),
            )
        });
    }
    let mut winners = Vec::new();
    while let Some(r) = set.join_next().await {
        let (status, json) = r.unwrap();
        assert!(status < 500, "server error {status}: {json}");
        if status == 200 {
            winners.push(json["refresh_token"].as_str().unwrap().to_owned());
        } else {
            let got = (status, json["error"].as_str());
            assert_eq!(got, (400, Some("invalid_grant")), "{json}");
        }
    }
    assert_eq!(
        winners.len(),
        1,
        "exactly one of 10 concurrent refreshes wins"
    );
    // The losers did not revoke the family: the winner's token works.
    rotate(&s, &client, &winners[0], "the winner's token").await;
}

async fn refresh_token_is_bound_to_its_client(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let user = s.user("wes").await;
    let a = Rp::confidential(&s).await;
    let b = Rp::confidential(&s).await;
    let public = Rp::public(&s).await;
    let t = a.tokens(&s, &mut Browser::default(), &user, &[]).await;
    let rt = t["refresh_token"].as_str().unwrap();
    let access = t["access_token"].as_str().unwrap();
    let id_token = t["id_token"].as_str().unwrap();
    for (case, client, token) in [
        ("another confidential client", &b, rt),
        ("a public client", &public, rt),
        ("the access token as refresh token", &a, access),
        ("the ID token as refresh token", &a, id_token),
        ("a truncated refresh token", &a, &rt[..rt.len() - 1]),
        ("a refresh token in upper case", &a, &rt.to_uppercase()),
    ] {
        let res = client.refresh(&s, token, None).await;
        oauth_error(res, 400, "invalid_grant", case).await;
    }
}

async fn refresh_cannot_widen_scope(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let user = s.user("xia").await;
    let client = Rp::confidential(&s).await;
    let extra = [("scope", "openid offline_access")];
    let t = client
        .tokens(&s, &mut Browser::default(), &user, &extra)
        .await;
    let mut rt = t["refresh_token"].as_str().unwrap().to_owned();
    for (case, scope) in [
        (
            "a scope the client may have but was not granted",
            "openid offline_access email",
        ),
        ("a scope the client may not have", "openid admin"),
        ("only a new scope", "profile"),
        ("case variant", "OPENID"),
    ] {
        let res = client.refresh(&s, &rt, Some(scope)).await;
        oauth_error(res, 400, "invalid_scope", case).await;
        // A refused request changes nothing: the token still works.
        let after = format!("the refresh token after a refused widening ({case})");
        rt = rotate(&s, &client, &rt, &after).await;
    }
    let next = rt;
    // Narrowing is allowed.
    let res = client.refresh(&s, &next, Some("openid")).await;
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["scope"], "openid", "narrowed: {body}");
}

async fn expired_refresh_tokens_are_refused(stack: Stack, test: &str) {
    let Some((s, clock)) = start(stack, test).await else {
        return;
    };
    let user = s.user("yan").await;
    let client = Rp::confidential(&s).await;
    let t = client.tokens(&s, &mut Browser::default(), &user, &[]).await;
    clock.advance(14 * DAY + 60);
    let res = client
        .refresh(&s, t["refresh_token"].as_str().unwrap(), None)
        .await;
    oauth_error(res, 400, "invalid_grant", "refresh token after 14 days").await;

    // Rotation renews a token, but never the family's 90 days.
    let t = client.tokens(&s, &mut Browser::default(), &user, &[]).await;
    let mut rt = t["refresh_token"].as_str().unwrap().to_owned();
    for step in 1..=6 {
        clock.advance(13 * DAY);
        rt = rotate(
            &s,
            &client,
            &rt,
            &format!("rotation after {} days", step * 13),
        )
        .await;
    }
    clock.advance(13 * DAY);
    let res = client.refresh(&s, &rt, None).await;
    oauth_error(res, 400, "invalid_grant", "family older than 90 days").await;
}

crate::stack_tests!(
    reuse_after_grace_revokes_the_family,
    concurrent_refreshes_have_one_winner,
    refresh_token_is_bound_to_its_client,
    refresh_cannot_widen_scope,
    expired_refresh_tokens_are_refused,
);

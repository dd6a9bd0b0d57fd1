//! The rules every change shares: a session and its CSRF token, readable
//! bodies, and never removing the last way in, also under racing tabs.

use latchkey_fallback::factors::totp::TotpSecret;
use latchkey_fallback::repo::{EventKind, FactorRepo as _};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{events, factors, now, signed_in};
use crate::enroll::races::futures_join;
use crate::enroll::{Page, Soft, enrolled};
use crate::stack_tests;
use crate::support::{Stack, TestServer};

/// Every change route, with a body it accepts the shape of.
fn changes() -> Vec<(Method, &'static str, Option<Value>)> {
    vec![
        (Method::POST, "/api/account/email/verify/send", None),
        (
            Method::POST,
            "/api/account/email/verify",
            Some(json!({"code": "123456"})),
        ),
        (
            Method::PUT,
            "/api/account/phone",
            Some(json!({"phone": "+15550102030"})),
        ),
        (
            Method::POST,
            "/api/account/phone/verify",
            Some(json!({"code": "123456"})),
        ),
        (Method::DELETE, "/api/account/phone", None),
        (Method::POST, "/api/account/totp", None),
        (
            Method::POST,
            "/api/account/totp/confirm",
            Some(json!({"code": "123456"})),
        ),
        (Method::DELETE, "/api/account/totp", None),
        (Method::POST, "/api/account/recovery-codes", None),
        (
            Method::PUT,
            "/api/account/password",
            Some(json!({"password": "long enough"})),
        ),
        (Method::DELETE, "/api/account/password", None),
    ]
}

async fn changes_need_a_session_and_its_csrf_token(stack: Stack, test: &str) {
    let Some(server) = TestServer::start(stack, test).await else {
        return;
    };
    // No session: 401 everywhere, the overview included.
    let mut stranger = Page::new(&server);
    stranger.csrf = Some("0".repeat(32));
    let mut routes = changes();
    routes.push((Method::GET, "/api/account/factors", None));
    for (method, path, body) in &routes {
        let (status, res) = stranger.call(method.clone(), path, body.clone()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}: {res}");
        assert_eq!(res["error"], "login_required");
        assert!(res["message"].is_string() && res["error_description"].is_string());
    }

    // Signed in, but without this session's token: 403, nothing changes.
    let (mut alice, user) = signed_in(&server, "alice").await;
    let (mut bob, _) = signed_in(&server, "bob").await;
    let real = alice.csrf.clone();
    for csrf in [
        None,
        Some(String::new()),
        Some("0".repeat(32)),
        bob.csrf.clone(),
    ] {
        alice.csrf = csrf.clone();
        for (method, path, body) in changes() {
            let (status, res) = alice.call(method.clone(), path, body).await;
            assert_eq!(
                status,
                StatusCode::FORBIDDEN,
                "{method} {path} {csrf:?}: {res}"
            );
            assert_eq!(res["error"], "csrf_mismatch");
        }
    }
    assert!(server.state.db.totp(&user.id).await.unwrap().is_none());
    assert!(server.state.db.phone(&user.id).await.unwrap().is_none());
    assert_eq!(
        server
            .state
            .db
            .count_unused_recovery_codes(&user.id)
            .await
            .unwrap(),
        0
    );
    // The overview needs no token.
    alice.csrf = None;
    let (status, _) = factors(&mut alice).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(alice.csrf, real);
    let (status, _) = bob.post("/api/account/totp", None).await;
    assert_eq!(status, StatusCode::OK);

    // Unreadable bodies are 400 `invalid_request`, never a 500 (passwords
    // are off: that route says so first).
    for (method, path, body) in changes() {
        if body.is_none() || path == "/api/account/password" {
            continue;
        }
        let req = alice
            .server
            .http
            .request(method.clone(), format!("{}{path}", server.base))
            .header("content-type", "application/json")
            .body("{not json");
        let (status, res) = alice.send(req).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{method} {path}: {res}");
        assert_eq!(res["error"], "invalid_request");
    }
}

async fn the_last_way_in_stays(stack: Stack, test: &str) {
    let Some(server) = TestServer::start(stack, test).await else {
        return;
    };
    // With a passkey, any factor can go.
    let mut carol = Page::new(&server);
    let (carol_user, _) = enrolled(&mut carol, &mut Soft::new(), "carol").await;
    let (status, started) = carol.post("/api/account/totp", None).await;
    assert_eq!(status, StatusCode::OK, "{started}");
    let secret = TotpSecret::from_base32(started["secret_base32"].as_str().unwrap()).unwrap();
    let code = secret.code_at(now()).to_string();
    let (status, _) = carol
        .post("/api/account/totp/confirm", Some(json!({"code": code})))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = carol.call(Method::DELETE, "/api/account/totp", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        server
            .state
            .db
            .totp(&carol_user.id)
            .await
            .unwrap()
            .is_none()
    );

    // Without one: an unconfirmed app is not a way in and can always go; a
    // confirmed one is refused while it is the only way in.
    let (mut dave, dave_user) = signed_in(&server, "dave").await;
    let (status, _) = dave.post("/api/account/totp", None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = dave.call(Method::DELETE, "/api/account/totp", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, started) = dave.post("/api/account/totp", None).await;
    let secret = TotpSecret::from_base32(started["secret_base32"].as_str().unwrap()).unwrap();
    let code = secret.code_at(now()).to_string();
    let (status, _) = dave
        .post("/api/account/totp/confirm", Some(json!({"code": code})))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = dave.call(Method::DELETE, "/api/account/totp", None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"], "last_sign_in_method");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("authenticator app"),
        "{body}"
    );
    assert!(server.state.db.totp(&dave_user.id).await.unwrap().is_some());
    // Another way in (a verified email) lets it go.
    server
        .state
        .db
        .mark_email_verified(&dave_user.id, "dave@example.com")
        .await
        .unwrap();
    let (status, body) = dave.call(Method::DELETE, "/api/account/totp", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// `n` tabs of the same signed-in browser.
fn tabs<'a>(page: &Page<'a>, n: usize) -> Vec<Page<'a>> {
    (0..n)
        .map(|_| Page {
            server: page.server,
            browser: page.browser.clone(),
            csrf: page.csrf.clone(),
        })
        .collect()
}

async fn racing_changes_keep_a_way_in(stack: Stack, test: &str) {
    let Some(server) = TestServer::start(stack, test).await else {
        return;
    };
    let (mut erin, user) = signed_in(&server, "erin").await;
    let (_, started) = erin.post("/api/account/totp", None).await;
    let secret = TotpSecret::from_base32(started["secret_base32"].as_str().unwrap()).unwrap();
    let code = secret.code_at(now()).to_string();

    // One code, four tabs confirming at once: one wins.
    let mut pages = tabs(&erin, 4);
    let results = futures_join(pages.iter_mut().map(|page| {
        let body = json!({"code": code});
        async move { page.post("/api/account/totp/confirm", Some(body)).await }
    }))
    .await;
    let won = results.iter().filter(|(s, _)| *s == StatusCode::OK).count();
    assert_eq!(won, 1, "{results:?}");
    for (status, body) in results.iter().filter(|(s, _)| *s != StatusCode::OK) {
        assert!(
            ["code_replayed", "concurrent_change"].contains(&body["error"].as_str().unwrap()),
            "{status}: {body}"
        );
    }
    assert_eq!(
        events(&server, &user.id, EventKind::FactorEnrolled).await,
        ["totp"]
    );

    // Two ways in, both removed at once: one stays.
    let db = &server.state.db;
    let at = server.state.clock.now();
    db.set_phone(&user.id, "+15550107777", at).await.unwrap();
    assert!(db.verify_phone(&user.id, "+15550107777", at).await.unwrap());
    for _ in 0..5 {
        let mut pages = tabs(&erin, 2);
        let (first, second) = pages.split_at_mut(1);
        let results = futures_join(
            [
                Box::pin(first[0].call(Method::DELETE, "/api/account/totp", None))
                    as std::pin::Pin<Box<dyn std::future::Future<Output = (StatusCode, Value)>>>,
                Box::pin(second[0].call(Method::DELETE, "/api/account/phone", None)),
            ]
            .into_iter(),
        )
        .await;
        let totp = db.totp(&user.id).await.unwrap().is_some();
        let phone = db.phone(&user.id).await.unwrap().is_some();
        assert!(totp || phone, "no way in left: {results:?}");
        let removed = results.iter().filter(|(s, _)| *s == StatusCode::OK).count();
        assert!(removed <= 1, "{results:?}");
        // Put back what went, for the next round.
        if !totp {
            let (_, started) = erin.post("/api/account/totp", None).await;
            let s = TotpSecret::from_base32(started["secret_base32"].as_str().unwrap()).unwrap();
            let (status, body) = erin
                .post(
                    "/api/account/totp/confirm",
                    Some(json!({"code": s.code_at(now()).to_string()})),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        if !phone {
            db.set_phone(&user.id, "+15550107777", at).await.unwrap();
            assert!(db.verify_phone(&user.id, "+15550107777", at).await.unwrap());
        }
    }
}

stack_tests!(
    changes_need_a_session_and_its_csrf_token,
    the_last_way_in_stays,
    racing_changes_keep_a_way_in,
);

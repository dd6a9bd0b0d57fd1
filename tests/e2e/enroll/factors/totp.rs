//! The authenticator app: enrolment with a sealed secret, confirmation,
//! replay of the confirming code, removal.

use latchkey_fallback::factors::totp::TotpSecret;
use latchkey_fallback::repo::{EventKind, FactorRepo as _};
use reqwest::header::CACHE_CONTROL;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{events, factors, now, other_than, raw, signed_in};
use crate::stack_tests;
use crate::support::{Stack, TestServer};

async fn authenticator_app_enroll_confirm_and_replay(stack: Stack, test: &str) {
    let Some(server) = TestServer::start(stack, test).await else {
        return;
    };
    let (mut alice, user) = signed_in(&server, "alice").await;
    let (status, body) = alice
        .post("/api/account/totp/confirm", Some(json!({"code": "123456"})))
        .await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::CONFLICT, &json!("totp_not_started"))
    );

    let res = raw(&mut alice, Method::POST, "/api/account/totp").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[CACHE_CONTROL], "no-store");
    let started: Value = res.json().await.unwrap();
    let b32 = started["secret_base32"].as_str().unwrap();
    let uri = started["otpauth_uri"].as_str().unwrap();
    assert!(
        uri.starts_with("otpauth://totp/localhost:alice?secret="),
        "{uri}"
    );
    assert!(uri.contains(&format!("secret={b32}&")), "{uri}");
    let svg = started["qr_svg"].as_str().unwrap();
    assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"), "{svg}");
    let secret = TotpSecret::from_base32(b32).unwrap();
    // Unconfirmed: not a way in yet.
    let (_, overview) = factors(&mut alice).await;
    assert_eq!(overview["totp"], json!({"enrolled": false}));

    // Sealed so that sign-in opens it.
    let stored = server.state.db.totp(&user.id).await.unwrap().unwrap();
    assert!(!stored.secret_sealed.contains(b32));
    let opened = latchkey_oidc::keys::open(
        &latchkey_server::fallback::check::totp_seal_key(&server.state),
        &latchkey_server::fallback::check::totp_seal_id(&user.id),
        &stored.secret_sealed,
    )
    .unwrap();
    assert_eq!(opened.as_slice(), secret.as_bytes());

    let code = secret.code_at(now()).to_string();
    for (bad, why) in [
        (other_than(&code), "wrong"),
        ("12ab56".to_owned(), "malformed"),
    ] {
        let (status, body) = alice
            .post("/api/account/totp/confirm", Some(json!({"code": bad})))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{why}: {body}");
        assert_eq!(body["error"], "invalid_code", "{why}");
    }
    let (status, body) = alice
        .post("/api/account/totp/confirm", Some(json!({"code": code})))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"totp": {"enrolled": true}}));
    // The confirming code's step is spent.
    let (status, body) = alice
        .post("/api/account/totp/confirm", Some(json!({"code": code})))
        .await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::BAD_REQUEST, &json!("code_replayed"))
    );
    let stored = server.state.db.totp(&user.id).await.unwrap().unwrap();
    assert!(stored.is_confirmed());
    assert!(stored.last_used_step.is_some());
    assert!(
        !server
            .state
            .db
            .advance_totp_step(&user.id, stored.last_used_step.unwrap())
            .await
            .unwrap()
    );
    let (_, overview) = factors(&mut alice).await;
    assert_eq!(overview["totp"], json!({"enrolled": true}));

    // A second app only after removing the first; the app is Alice's only
    // way in, so removing it waits for another.
    let (status, body) = alice.post("/api/account/totp", None).await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::CONFLICT, &json!("totp_already_enrolled"))
    );
    let (status, body) = alice.call(Method::DELETE, "/api/account/totp", None).await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::CONFLICT, &json!("last_sign_in_method"))
    );
    server
        .state
        .db
        .mark_email_verified(&user.id, "alice@example.com")
        .await
        .unwrap();
    let (status, body) = alice.call(Method::DELETE, "/api/account/totp", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["totp"], json!({"enrolled": false}));
    let (status, body) = alice.call(Method::DELETE, "/api/account/totp", None).await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::NOT_FOUND, &json!("totp_not_found"))
    );
    assert_eq!(
        events(&server, &user.id, EventKind::FactorEnrolled).await,
        ["totp"]
    );
    assert_eq!(
        events(&server, &user.id, EventKind::FactorRemoved).await,
        ["totp"]
    );
}

stack_tests!(authenticator_app_enroll_confirm_and_replay,);

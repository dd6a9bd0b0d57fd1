//! Verifying the account's email with a code read from a real SMTP server:
//! cooldown, malformed and wrong codes, the attempt limit, single use.

use latchkey_fallback::repo::EventKind;
use reqwest::header::RETRY_AFTER;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{WAIT, events, factors, other_than, raw, signed_in, six_digits_in};
use crate::stack_tests;
use crate::support::smtp::SmtpServer;
use crate::support::{Options, Stack, TestServer};

async fn email_is_verified_with_a_mailed_code(stack: Stack, test: &str) {
    let smtp = SmtpServer::start().await;
    let options = Options {
        env: smtp.env("Latchkey <login@example.test>"),
        ..Options::default()
    };
    let Some(server) = TestServer::start_with(stack, test, options).await else {
        return;
    };

    // Alice: wrong codes, and the sixth attempt is refused even when right.
    let (mut alice, _) = signed_in(&server, "alice").await;
    let (_, overview) = factors(&mut alice).await;
    assert_eq!(
        overview["email"],
        json!({"address": "alice@example.com", "verified": false})
    );
    let (status, sent) = alice.post("/api/account/email/verify/send", None).await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    assert_eq!(
        sent,
        json!({"expires_in_secs": 600, "resend_after_secs": 30})
    );
    let mail = smtp.wait_for("alice@example.com", WAIT).await;
    let code = six_digits_in(&mail.header("Subject").unwrap());
    assert!(mail.text_body().contains(&code));
    // An immediate resend waits for the cooldown.
    let res = raw(&mut alice, Method::POST, "/api/account/email/verify/send").await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key(RETRY_AFTER));
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "rate_limited");
    // Malformed codes are refused without spending an attempt.
    for bad in [json!({"code": "12345"}), json!({"code": "abcdef"})] {
        let (status, body) = alice
            .post("/api/account/email/verify", Some(bad.clone()))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert_eq!(body["error"], "invalid_code");
    }
    for bad in [
        json!({}),
        json!({"code": 123456}),
        json!("x"),
        json!({"code": "1", "x": 1}),
    ] {
        let (status, body) = alice
            .post("/api/account/email/verify", Some(bad.clone()))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert_eq!(body["error"], "invalid_request");
    }
    let wrong = other_than(&code);
    for left in (0..5).rev() {
        let (status, body) = alice
            .post("/api/account/email/verify", Some(json!({"code": wrong})))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["error"], "invalid_code", "{left}: {body}");
    }
    let (status, body) = alice
        .post("/api/account/email/verify", Some(json!({"code": code})))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"], "code_expired");
    let (_, overview) = factors(&mut alice).await;
    assert_eq!(overview["email"]["verified"], false);

    // Bob: a wrong code, the right one (with spaces), then the same again.
    let (mut bob, bob_user) = signed_in(&server, "bob").await;
    let (status, _) = bob.post("/api/account/email/verify/send", None).await;
    assert_eq!(status, StatusCode::OK);
    let mail = smtp.wait_for("bob@example.com", WAIT).await;
    let code = six_digits_in(&mail.header("Subject").unwrap());
    let (status, body) = bob
        .post(
            "/api/account/email/verify",
            Some(json!({"code": other_than(&code)})),
        )
        .await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::BAD_REQUEST, &json!("invalid_code"))
    );
    let spaced = format!("{} {}", &code[..3], &code[3..]);
    let (status, body) = bob
        .post("/api/account/email/verify", Some(json!({"code": spaced})))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({"email": {"address": "bob@example.com", "verified": true}})
    );
    let (status, body) = bob
        .post("/api/account/email/verify", Some(json!({"code": code})))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"], "code_expired");
    let (_, overview) = factors(&mut bob).await;
    assert_eq!(overview["email"]["verified"], true);
    let (status, body) = bob.post("/api/account/email/verify/send", None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"], "already_verified");
    assert_eq!(
        events(&server, &bob_user.id, EventKind::FactorEnrolled).await,
        ["email"]
    );
}

stack_tests!(email_is_verified_with_a_mailed_code,);

//! Adding and verifying a phone with a code read from an SMS provider mock:
//! E.164 checks, a number another user has, removal as the last way in.

use latchkey_fallback::repo::EventKind;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{events, factors, other_than, signed_in, six_digits_in};
use crate::stack_tests;
use crate::support::sms_mock::SmsMock;
use crate::support::{Options, Stack, TestServer};

async fn phone_is_verified_with_a_texted_code(stack: Stack, test: &str) {
    let sms = SmsMock::start("AC0123", "sms-token").await;
    let options = Options {
        env: sms.env("+15550001111"),
        ..Options::default()
    };
    let Some(server) = TestServer::start_with(stack, test, options).await else {
        return;
    };
    let (mut alice, alice_user) = signed_in(&server, "alice").await;
    let (_, overview) = factors(&mut alice).await;
    assert_eq!(overview["phone"], Value::Null);

    for bad in ["12345", "5550102030", "+1 555 CALL ME", "+0123456789", ""] {
        let (status, body) = alice
            .call(
                Method::PUT,
                "/api/account/phone",
                Some(json!({"phone": bad})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert_eq!(body["error"], "invalid_phone", "{bad}");
    }
    for bad in [json!({"phone": 15550102030_u64}), json!({}), json!([])] {
        let (status, body) = alice
            .call(Method::PUT, "/api/account/phone", Some(bad.clone()))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert_eq!(body["error"], "invalid_request");
    }
    assert!(sms.sent().is_empty());

    let (status, body) = alice
        .call(
            Method::PUT,
            "/api/account/phone",
            Some(json!({"phone": "+1 (555) 010-2030"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["phone"],
        json!({"number_masked": "+15*******30", "verified": false})
    );
    assert_eq!(body["expires_in_secs"], 600);
    let sent = sms.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to, "+15550102030");
    let code = six_digits_in(&sent[0].body);
    let (status, body) = alice
        .post(
            "/api/account/phone/verify",
            Some(json!({"code": other_than(&code)})),
        )
        .await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::BAD_REQUEST, &json!("invalid_code"))
    );
    let (status, body) = alice
        .post("/api/account/phone/verify", Some(json!({"code": code})))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["phone"]["verified"], true);
    let (status, body) = alice
        .post("/api/account/phone/verify", Some(json!({"code": code})))
        .await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::BAD_REQUEST, &json!("code_expired"))
    );
    let (_, overview) = factors(&mut alice).await;
    assert_eq!(
        overview["phone"],
        json!({"number_masked": "+15*******30", "verified": true})
    );
    assert_eq!(
        events(&server, &alice_user.id, EventKind::FactorEnrolled).await,
        ["sms_code"]
    );

    // Bob cannot take Alice's number, and is not told whose it is.
    let (mut bob, _) = signed_in(&server, "bob").await;
    let (status, body) = bob
        .call(
            Method::PUT,
            "/api/account/phone",
            Some(json!({"phone": "+15550102030"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"], "phone_unavailable");
    let message = body["message"].as_str().unwrap();
    assert!(message.contains("can't be used"), "{message}");
    for revealing in ["alice", "account", "registered", "already", "another user"] {
        assert!(!message.to_lowercase().contains(revealing), "{message}");
    }
    assert_eq!(sms.sent().len(), 1, "nothing is sent to a refused number");
    let (_, overview) = factors(&mut bob).await;
    assert_eq!(overview["phone"], Value::Null);

    // The verified phone is Alice's only way in: it stays until she has
    // another (recovery codes), then it can go.
    let (status, body) = alice.call(Method::DELETE, "/api/account/phone", None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"], "last_sign_in_method");
    let (status, body) = alice
        .call(
            Method::PUT,
            "/api/account/phone",
            Some(json!({"phone": "+15550109999"})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "changing it counts too: {body}"
    );
    assert_eq!(body["error"], "last_sign_in_method");
    let (status, _) = alice.post("/api/account/recovery-codes", None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = alice.call(Method::DELETE, "/api/account/phone", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["phone"], Value::Null);
    assert_eq!(body["recovery_codes"]["left"], 10);
    let (status, body) = alice.call(Method::DELETE, "/api/account/phone", None).await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::NOT_FOUND, &json!("phone_not_found"))
    );
    assert_eq!(
        events(&server, &alice_user.id, EventKind::FactorRemoved).await,
        ["sms_code"]
    );
    // Now Bob may have the number.
    let (status, body) = bob
        .call(
            Method::PUT,
            "/api/account/phone",
            Some(json!({"phone": "+15550102030"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

stack_tests!(phone_is_verified_with_a_texted_code,);

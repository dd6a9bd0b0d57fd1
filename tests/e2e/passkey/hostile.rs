//! Hostile and broken requests: each is refused with a specific error, and
//! nothing is stored or issued (no session, flow still pending, credential
//! unchanged).

use latchkey_core::{UnixTime, UserRepo as _, UserStatus};
use latchkey_passkey::{CredentialRepo as _, CredentialUse};
use serde_json::{Value, json};

use super::*;

macro_rules! world {
    ($stack:expr, $test:expr) => {
        match world($stack, $test).await {
            Some(w) => w,
            None => return,
        }
    };
}

/// Nothing happened: no session, the flow is pending, the credential's
/// counter is where it was.
async fn nothing_issued(w: &World, b: &Browser, flow: &Flow, counter: u32) {
    assert!(!signed_in(b), "no session cookie");
    let (_, view) = answer(get_flow(&w.s, b, &flow.id).await).await;
    assert_eq!(view["state"], "pending", "{view}");
    let stored =
        w.s.state
            .db
            .credential_by_id(&w.key.credential_id)
            .await
            .unwrap()
            .unwrap();
    assert_eq!(stored.counter, counter, "the credential is unchanged");
}

async fn replayed_assertion_is_refused(stack: Stack, test: &str) {
    let mut w = world!(stack, test);
    let mut b = Browser::default();
    let flow = start_flow(&w.s, &mut b, &w.client, &[]).await;
    let (ceremony, public_key) = options(&w.s, &mut b, &flow, "modal").await;
    let assertion = w.device.answer(&public_key, &w.key);
    // The first attempt fails (a flipped signature bit) and uses up the
    // ceremony; the intact assertion then finds nothing to verify against.
    let mut tampered = assertion.clone();
    let sig = tampered["response"]["signature"].as_str().unwrap();
    let mut sig = URL_SAFE_NO_PAD.decode(sig).unwrap();
    *sig.last_mut().unwrap() ^= 1;
    tampered["response"]["signature"] = json!(URL_SAFE_NO_PAD.encode(sig));
    assert_failed(
        verify(&w.s, &mut b, &flow, &ceremony, &tampered).await,
        "verification_failed",
    )
    .await;
    let res = verify(&w.s, &mut b, &flow, &ceremony, &assertion).await;
    assert_error(res, 400, "ceremony_not_found").await;
    nothing_issued(&w, &b, &flow, 0).await;

    // A successful sign-in, then its assertion replayed: in the finished
    // flow, and against a fresh ceremony of a new flow.
    let (ceremony, public_key) = options(&w.s, &mut b, &flow, "modal").await;
    let assertion = w.device.answer(&public_key, &w.key);
    let (status, _) = answer(verify(&w.s, &mut b, &flow, &ceremony, &assertion).await).await;
    assert_eq!(status, 200);
    let res = verify(&w.s, &mut b, &flow, &ceremony, &assertion).await;
    assert_error(res, 409, "flow_not_pending").await;
    let mut b2 = Browser::default();
    let flow2 = start_flow(&w.s, &mut b2, &w.client, &[]).await;
    let (fresh, _) = options(&w.s, &mut b2, &flow2, "modal").await;
    let res = verify(&w.s, &mut b2, &flow2, &fresh, &assertion).await;
    assert_failed(res, "verification_failed").await;
    assert!(!signed_in(&b2));
}

async fn concurrent_replay_on_two_nodes_has_one_winner(stack: Stack, test: &str) {
    let mut w = world!(stack, test);
    let other = Options {
        share_with: Some(w.s.sharing()),
        ..Options::default()
    };
    let s2 = TestServer::start_with(stack, test, other).await.unwrap();
    let mut b = Browser::default();
    let flow = start_flow(&w.s, &mut b, &w.client, &[]).await;
    let (ceremony, public_key) = options(&w.s, &mut b, &flow, "modal").await;
    let assertion = w.device.answer(&public_key, &w.key);
    let body = json!({ "ceremony_id": ceremony, "credential": assertion }).to_string();
    let cookies = b
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..8 {
        let node = if i % 2 == 0 { &w.s } else { &s2 };
        let req = node
            .http
            .post(format!(
                "{}/api/login/flows/{}/passkey/verify",
                node.base, flow.id
            ))
            .header("content-type", "application/json")
            .header(CSRF, flow.csrf.clone())
            .header("cookie", cookies.clone())
            .body(body.clone());
        tasks.spawn(async move { answer(req.send().await.unwrap()).await });
    }
    let mut wins = 0;
    while let Some(done) = tasks.join_next().await {
        let (status, body) = done.unwrap();
        match status {
            200 => wins += 1,
            400 => assert_eq!(body["error"], "ceremony_not_found", "{body}"),
            409 => assert_eq!(body["error"], "flow_not_pending", "{body}"),
            _ => panic!("unexpected {status}: {body}"),
        }
    }
    assert_eq!(wins, 1, "exactly one node verifies the assertion");
    let stored =
        w.s.state
            .db
            .credential_by_id(&w.key.credential_id)
            .await
            .unwrap()
            .unwrap();
    assert_eq!(stored.counter, 1, "used once");
}

async fn ceremony_of_another_flow_is_refused(stack: Stack, test: &str) {
    let mut w = world!(stack, test);
    let mut b = Browser::default();
    let first = start_flow(&w.s, &mut b, &w.client, &[]).await;
    let second = start_flow(&w.s, &mut b, &w.client, &[]).await;
    let (ceremony, public_key) = options(&w.s, &mut b, &first, "modal").await;
    let assertion = w.device.answer(&public_key, &w.key);
    let res = verify(&w.s, &mut b, &second, &ceremony, &assertion).await;
    assert_error(res, 400, "ceremony_not_found").await;
    nothing_issued(&w, &b, &second, 0).await;
    // The ceremony was taken by the attempt: it cannot be used afterwards.
    let res = verify(&w.s, &mut b, &first, &ceremony, &assertion).await;
    assert_error(res, 400, "ceremony_not_found").await;
    nothing_issued(&w, &b, &first, 0).await;
}

async fn challenge_of_another_ceremony_is_refused(stack: Stack, test: &str) {
    let mut w = world!(stack, test);
    let mut b = Browser::default();
    let flow = start_flow(&w.s, &mut b, &w.client, &[]).await;
    let (mine, public_key) = options(&w.s, &mut b, &flow, "modal").await;
    let (other, _) = options(&w.s, &mut b, &flow, "modal").await;
    let assertion = w.device.answer(&public_key, &w.key);
    let res = verify(&w.s, &mut b, &flow, &other, &assertion).await;
    assert_failed(res, "verification_failed").await;
    nothing_issued(&w, &b, &flow, 0).await;
    // Its own ceremony still accepts it.
    let (status, body) = answer(verify(&w.s, &mut b, &flow, &mine, &assertion).await).await;
    assert_eq!(status, 200, "{body}");
}

async fn csrf_header_is_required(stack: Stack, test: &str) {
    let w = world!(stack, test);
    let mut b = Browser::default();
    let flow = start_flow(&w.s, &mut b, &w.client, &[]).await;
    let other = start_flow(&w.s, &mut b, &w.client, &[]).await;
    let bodies = [
        ("identify", json!({"identifier": "alice"})),
        ("passkey/options", json!({"mediation": "modal"})),
        (
            "passkey/verify",
            json!({"ceremony_id": "0".repeat(32), "credential": valid_shape()}),
        ),
        (
            "passkey/failure",
            json!({"dom_exception": "NotAllowedError"}),
        ),
    ];
    let wrong = "f".repeat(32);
    for (route, body) in &bodies {
        for csrf in [
            None,
            Some(""),
            Some(wrong.as_str()),
            Some(other.csrf.as_str()),
        ] {
            let res = post_raw(
                &w.s,
                &mut b,
                &flow.id,
                route,
                csrf,
                "application/json",
                body.to_string(),
            )
            .await;
            assert_error(res, 403, "csrf").await;
        }
    }
    let (_, view) = answer(get_flow(&w.s, &b, &flow.id).await).await;
    assert_eq!(view["identifier"], Value::Null, "identify did not happen");
}

/// A syntactically valid assertion (for routes that must refuse it before
/// looking at it).
fn valid_shape() -> Value {
    json!({
        "id": "AAAA", "rawId": "AAAA", "type": "public-key", "extensions": {},
        "response": {
            "authenticatorData": "AAAA", "clientDataJSON": "AAAA",
            "signature": "AAAA", "userHandle": null
        }
    })
}

async fn other_browsers_and_unknown_flows_are_not_found(stack: Stack, test: &str) {
    let w = world!(stack, test);
    let mut b = Browser::default();
    let flow = start_flow(&w.s, &mut b, &w.client, &[]).await;
    // A browser without the cookie, and one with its own.
    let mut stranger = Browser::default();
    let mut thief = Browser::default();
    start_flow(&w.s, &mut thief, &w.client, &[]).await;
    for who in [&mut stranger, &mut thief] {
        assert_error(get_flow(&w.s, who, &flow.id).await, 404, "flow_not_found").await;
        let body = json!({"identifier": "alice"}).to_string();
        let res = post_raw(
            &w.s,
            who,
            &flow.id,
            "identify",
            Some(&flow.csrf),
            "application/json",
            body,
        )
        .await;
        assert_error(res, 404, "flow_not_found").await;
    }
    for id in [
        "0".repeat(32),
        "nope".into(),
        "..%2F..%2Fhealthz".into(),
        "A".repeat(5000),
    ] {
        assert_error(get_flow(&w.s, &b, &id).await, 404, "flow_not_found").await;
        let res = post_raw(
            &w.s,
            &mut b,
            &id,
            "passkey/options",
            Some(&flow.csrf),
            "application/json",
            "{}".into(),
        )
        .await;
        assert_error(res, 404, "flow_not_found").await;
    }
    // The owner still has it.
    assert_eq!(get_flow(&w.s, &b, &flow.id).await.status(), 200);
}

async fn expired_ceremony_and_flow_are_refused(stack: Stack, test: &str) {
    let mut w = world!(stack, test);
    let mut b = Browser::default();
    let flow = start_flow(&w.s, &mut b, &w.client, &[]).await;
    let (ceremony, public_key) = options(&w.s, &mut b, &flow, "modal").await;
    let assertion = w.device.answer(&public_key, &w.key);
    // The ceremony timeout (300 s) passes; the flow (15 min) lives on.
    w.clock.advance(301);
    let res = verify(&w.s, &mut b, &flow, &ceremony, &assertion).await;
    assert_error(res, 400, "ceremony_not_found").await;
    nothing_issued(&w, &b, &flow, 0).await;
    let (ceremony, public_key) = options(&w.s, &mut b, &flow, "modal").await;
    let assertion = w.device.answer(&public_key, &w.key);
    w.clock.advance(15 * 60);
    assert_error(get_flow(&w.s, &b, &flow.id).await, 404, "flow_not_found").await;
    let res = verify(&w.s, &mut b, &flow, &ceremony, &assertion).await;
    assert_error(res, 404, "flow_not_found").await;
    assert!(!signed_in(&b));
}

async fn disabled_user_is_refused(stack: Stack, test: &str) {
    let mut w = world!(stack, test);
    w.s.state
        .db
        .set_user_status(&w.alice.id, UserStatus::Disabled)
        .await
        .unwrap();
    let mut b = Browser::default();
    let flow = start_flow(&w.s, &mut b, &w.client, &[]).await;
    for identifier in [None, Some("alice")] {
        if let Some(who) = identifier {
            identify(&w.s, &mut b, &flow, who).await;
        }
        let (ceremony, public_key) = options(&w.s, &mut b, &flow, "modal").await;
        let assertion = w.device.answer(&public_key, &w.key);
        let res = verify(&w.s, &mut b, &flow, &ceremony, &assertion).await;
        assert_failed(res, "verification_failed").await;
        nothing_issued(&w, &b, &flow, 0).await;
    }
}

async fn another_users_credential_is_refused_when_identified(stack: Stack, test: &str) {
    let mut w = world!(stack, test);
    let bob = w.s.user("bob").await;
    let mut bobs_device = Authenticator::new(&w.s);
    bobs_device.register(&w.s, &bob).await;
    w.s.user("carol").await;
    let mut b = Browser::default();
    let flow = start_flow(&w.s, &mut b, &w.client, &[]).await;
    // Identified as Bob (with passkeys), as Carol (none) and as nobody:
    // Alice's passkey answering the challenge is not acceptable.
    for who in ["bob", "carol", "nobody"] {
        identify(&w.s, &mut b, &flow, who).await;
        let (ceremony, public_key) = options(&w.s, &mut b, &flow, "modal").await;
        let assertion = w.device.answer_with(&public_key, &w.key);
        let res = verify(&w.s, &mut b, &flow, &ceremony, &assertion).await;
        assert_failed(res, "unknown_credential").await;
        nothing_issued(&w, &b, &flow, 0).await;
    }
}

async fn wrong_origin_is_a_security_error(stack: Stack, test: &str) {
    let mut w = world!(stack, test);
    let mut b = Browser::default();
    let flow = start_flow(&w.s, &mut b, &w.client, &[]).await;
    let (ceremony, public_key) = options(&w.s, &mut b, &flow, "modal").await;
    w.device.origin = url::Url::parse("http://localhost:1").unwrap();
    let assertion = w.device.answer(&public_key, &w.key);
    let res = verify(&w.s, &mut b, &flow, &ceremony, &assertion).await;
    assert_failed(res, "security_error").await;
    nothing_issued(&w, &b, &flow, 0).await;
}

async fn counter_going_backwards_is_refused(stack: Stack, test: &str) {
    let mut w = world!(stack, test);
    // A clone of the authenticator signed in already: the stored counter is
    // ahead of this device's.
    let usage = CredentialUse {
        counter: 50,
        backup_state: false,
        last_used_at: UnixTime(2_000),
        passkey: w.key.passkey.clone(),
    };
    w.s.state
        .db
        .record_credential_use(&w.key.credential_id, &usage)
        .await
        .unwrap();
    let mut b = Browser::default();
    let flow = start_flow(&w.s, &mut b, &w.client, &[]).await;
    let (ceremony, public_key) = options(&w.s, &mut b, &flow, "modal").await;
    let assertion = w.device.answer(&public_key, &w.key);
    let res = verify(&w.s, &mut b, &flow, &ceremony, &assertion).await;
    assert_failed(res, "verification_failed").await;
    nothing_issued(&w, &b, &flow, 50).await;
}

async fn unknown_and_oversized_credentials_are_refused(stack: Stack, test: &str) {
    let mut w = world!(stack, test);
    let mut b = Browser::default();
    let flow = start_flow(&w.s, &mut b, &w.client, &[]).await;
    // An id of 1024 bytes (L3 §7.1 allows at most 1023).
    let (ceremony, public_key) = options(&w.s, &mut b, &flow, "modal").await;
    let mut assertion = w.device.answer(&public_key, &w.key);
    let long = URL_SAFE_NO_PAD.encode([7u8; 1024]);
    assertion["id"] = json!(long);
    assertion["rawId"] = json!(long);
    let res = verify(&w.s, &mut b, &flow, &ceremony, &assertion).await;
    assert_failed(res, "verification_failed").await;
    // Deleted on the server, still on the device.
    let (ceremony, public_key) = options(&w.s, &mut b, &flow, "modal").await;
    let assertion = w.device.answer(&public_key, &w.key);
    w.s.state
        .db
        .delete_credential(&w.alice.id, &w.key.credential_id)
        .await
        .unwrap();
    let res = verify(&w.s, &mut b, &flow, &ceremony, &assertion).await;
    assert_failed(res, "unknown_credential").await;
    assert!(!signed_in(&b));
}

crate::stack_tests!(
    replayed_assertion_is_refused,
    concurrent_replay_on_two_nodes_has_one_winner,
    ceremony_of_another_flow_is_refused,
    challenge_of_another_ceremony_is_refused,
    csrf_header_is_required,
    other_browsers_and_unknown_flows_are_not_found,
    expired_ceremony_and_flow_are_refused,
    disabled_user_is_refused,
    another_users_credential_is_refused_when_identified,
    wrong_origin_is_a_security_error,
    counter_going_backwards_is_refused,
    unknown_and_oversized_credentials_are_refused,
);

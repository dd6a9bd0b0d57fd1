//! Enrollment through an invitation link: `/api/enroll/{token}/…`.

use std::sync::Arc;

use latchkey_core::{UserRepo as _, UserStatus};
use latchkey_oidc::{Acr, AuthMethod};
use latchkey_passkey::invitation::{InvitationRepo as _, hash_token};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{Page, Soft, invite, stored, with_credential_of};
use crate::stack_tests;
use crate::support::clock::TestClock;
use crate::support::{Options, Stack, TestServer};

fn assert_invalid(status: StatusCode, body: &Value) {
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"], "invitation_invalid", "{body}");
}

async fn invitation_enrolls_a_passkey_and_signs_in(stack: Stack, test: &str) {
    let Some(server) = TestServer::start(stack, test).await else {
        return;
    };
    let alice = server.user("alice").await;
    let token = invite(&server, &alice, 72).await;
    let mut page = Page::new(&server);
    let mut soft = Soft::new();

    let (status, started) = page
        .post(&format!("/api/enroll/{token}/options"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{started}");
    let pk = &started["public_key"]["publicKey"];
    assert_eq!(pk["user"]["name"], "alice");
    assert_eq!(pk["authenticatorSelection"]["residentKey"], "required");
    assert!(!page.signed_in(), "options start no session");

    let credential = soft.create(&server, &started["public_key"]);
    let (status, body) = page
        .finish_enroll(&token, &started, &credential, Some("  My laptop "))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["credential"]["id"], credential["id"]);
    assert_eq!(body["credential"]["friendly_name"], "My laptop");
    assert_eq!(body["user_id"], alice.id.0.as_str());
    assert!(page.signed_in(), "finish sets the session cookie");

    // The session records a passkey sign-in (SoftPasskey is device-bound).
    let mut req = actix_web::test::TestRequest::default();
    for (k, v) in &page.browser.cookies {
        req = req.cookie(actix_web::cookie::Cookie::new(k.clone(), v.clone()));
    }
    let session = latchkey_server::session::current(&server.state, &req.to_http_request())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(session.subject, alice.id);
    assert_eq!(session.methods, [AuthMethod::PasskeyDeviceBound]);
    assert_eq!(session.amr, ["pop", "hwk", "user", "mfa"]);
    assert_eq!(session.acr, Acr::PhishingResistant);
    assert_eq!(Some(&session.csrf), page.csrf.as_ref());

    let (status, list) = page.passkeys().await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["user_id"], alice.id.0.as_str());
    let passkeys = list["passkeys"].as_array().unwrap();
    assert_eq!(passkeys.len(), 1);
    assert_eq!(passkeys[0]["id"], credential["id"]);
    assert_eq!(passkeys[0]["friendly_name"], "My laptop");
    assert_eq!(passkeys[0]["backup_eligible"], false);
    assert_eq!(passkeys[0]["last_used_at"], Value::Null);

    let stored_inv = server
        .state
        .db
        .invitation_by_hash(&hash_token(&token).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(stored_inv.used_at.is_some(), "the link is used up");
}

async fn invitation_is_single_use(stack: Stack, test: &str) {
    let Some(server) = TestServer::start(stack, test).await else {
        return;
    };
    let alice = server.user("alice").await;
    let token = invite(&server, &alice, 72).await;
    let mut page = Page::new(&server);
    // Two ceremonies started while the link was still unused.
    let (_, first) = page
        .post(&format!("/api/enroll/{token}/options"), None)
        .await;
    let (_, second) = page
        .post(&format!("/api/enroll/{token}/options"), None)
        .await;
    let (c1, c2) = (
        Soft::new().create(&server, &first["public_key"]),
        Soft::new().create(&server, &second["public_key"]),
    );
    let (status, body) = page.finish_enroll(&token, &first, &c1, None).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let mut other = Page::new(&server);
    let (status, body) = other.finish_enroll(&token, &second, &c2, None).await;
    assert_invalid(status, &body);
    assert!(!other.signed_in());
    let (status, body) = other
        .post(&format!("/api/enroll/{token}/options"), None)
        .await;
    assert_invalid(status, &body);
    assert_eq!(
        stored(&server, &alice).await,
        1,
        "nothing stored by the loser"
    );
}

async fn expired_invitation_is_refused(stack: Stack, test: &str) {
    let clock = TestClock::new();
    let options = Options {
        clock: Some(Arc::clone(&clock) as Arc<dyn latchkey_core::Clock>),
        ..Options::default()
    };
    let Some(server) = TestServer::start_with(stack, test, options).await else {
        return;
    };
    let alice = server.user("alice").await;
    let token = invite(&server, &alice, 1).await;
    let mut page = Page::new(&server);
    let (status, started) = page
        .post(&format!("/api/enroll/{token}/options"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{started}");
    let credential = Soft::new().create(&server, &started["public_key"]);

    clock.advance(3600);
    let (status, body) = page
        .finish_enroll(&token, &started, &credential, None)
        .await;
    assert_invalid(status, &body);
    let (status, body) = page
        .post(&format!("/api/enroll/{token}/options"), None)
        .await;
    assert_invalid(status, &body);
    assert!(!page.signed_in());
    assert_eq!(stored(&server, &alice).await, 0);
}

async fn failed_ceremonies_do_not_burn_the_invitation(stack: Stack, test: &str) {
    let Some(server) = TestServer::start(stack, test).await else {
        return;
    };
    let alice = server.user("alice").await;
    let token = invite(&server, &alice, 72).await;
    let mut page = Page::new(&server);
    let mut soft = Soft::new();
    let options = format!("/api/enroll/{token}/options");

    // A response to another ceremony's challenge.
    let (_, mine) = page.post(&options, None).await;
    let (_, other) = page.post(&options, None).await;
    let wrong = soft.create(&server, &other["public_key"]);
    let (status, body) = page.finish_enroll(&token, &mine, &wrong, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"], "registration_failed");
    assert_eq!(body["reason"], "verification_failed");
    // The registration was used up by that attempt.
    let (status, body) = page.finish_enroll(&token, &other, &wrong, None).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "the other ceremony still works: {body}"
    );
    // ... so start over with a fresh link for the remaining cases.
    let token = invite(&server, &alice, 72).await;
    let (options, finish) = (
        format!("/api/enroll/{token}/options"),
        format!("/api/enroll/{token}/finish"),
    );
    let mut page = Page::new(&server);

    // Wrong origin: a security error, not a 500.
    let (_, started) = page.post(&options, None).await;
    let evil = soft.create_on("http://localhost:1", &started["public_key"]);
    let (status, body) = page.finish_enroll(&token, &started, &evil, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["reason"], "security_error");

    // Malformed requests, each refused with a 4xx before anything is used.
    let (_, started) = page.post(&options, None).await;
    let good = soft.create(&server, &started["public_key"]);
    let rid = started["registration_id"].clone();
    let mut bad_b64 = good.clone();
    bad_b64["response"]["attestationObject"] = json!("!!not base64!!");
    let mut bad_cbor = good.clone();
    bad_cbor["response"]["attestationObject"] = json!("AAAA");
    let cases = [
        json!({"registration_id": rid, "credential": bad_b64}),
        json!({"registration_id": rid, "credential": {"id": 1}}),
        json!({"registration_id": rid}),
        json!({"registration_id": "0".repeat(32), "credential": good}),
        json!({"registration_id": "x\u{0}", "credential": good}),
        json!({"registration_id": rid, "credential": good, "friendly_name": ""}),
        json!({"registration_id": rid, "credential": good, "friendly_name": "a".repeat(65)}),
        json!({"registration_id": rid, "credential": good, "friendly_name": "a\u{7}b"}),
        json!([1, 2, 3]),
    ];
    for case in cases {
        let (status, body) = page.post(&finish, Some(case.clone())).await;
        assert!(status.is_client_error(), "{case}: {status} {body}");
        assert!(body["error"].is_string(), "{case}: {body}");
    }
    let raw = server
        .http
        .post(format!("{}{finish}", server.base))
        .header("content-type", "application/json")
        .body("{not json");
    let (status, body) = page.send(raw).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    // Names are checked before the registration is taken, so this one is
    // still usable; a broken attestation object uses it up.
    let (status, body) = page
        .post(
            &finish,
            Some(json!({"registration_id": rid, "credential": bad_cbor})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(!page.signed_in());
    assert_eq!(
        stored(&server, &alice).await,
        1,
        "only the first link's passkey"
    );

    // After all that, the link still works.
    let (status, body, _) = page.enroll(&token, &mut Soft::new(), None).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(stored(&server, &alice).await, 2);
}

async fn bad_links_all_look_the_same(stack: Stack, test: &str) {
    let Some(server) = TestServer::start(stack, test).await else {
        return;
    };
    let mallory = server.user("mallory").await;
    let disabled = invite(&server, &mallory, 72).await;
    server
        .state
        .db
        .set_user_status(&mallory.id, UserStatus::Disabled)
        .await
        .unwrap();
    let mut page = Page::new(&server);
    let mut bodies = Vec::new();
    for token in [
        disabled,
        "0".repeat(64),
        "A".repeat(64),
        "abc".into(),
        "%00".into(),
        "a".repeat(5000),
    ] {
        for step in ["options", "finish"] {
            let body = (step == "finish")
                .then(|| json!({"registration_id": "0".repeat(32), "credential": {}}));
            let (status, body) = page
                .post(&format!("/api/enroll/{token}/{step}"), body)
                .await;
            if step == "options" {
                assert_invalid(status, &body);
                bodies.push(body);
            } else {
                assert!(status.is_client_error(), "{status} {body}");
            }
        }
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "{bodies:?}");
    assert_eq!(stored(&server, &mallory).await, 0);
}

/// A `none` attestation signs nothing over the client data, so anyone who
/// saw Alice's registration can replay her attestation object in a
/// ceremony of their own. The credential id is already registered: refused,
/// and Bob's link stays usable.
async fn a_credential_of_another_user_is_refused(stack: Stack, test: &str) {
    let Some(server) = TestServer::start(stack, test).await else {
        return;
    };
    let (alice, bob) = (server.user("alice").await, server.user("bob").await);
    let mut page = Page::new(&server);
    let (status, _, alices) = page
        .enroll(&invite(&server, &alice, 72).await, &mut Soft::new(), None)
        .await;
    assert_eq!(status, StatusCode::CREATED);

    let token = invite(&server, &bob, 72).await;
    let mut bobs_page = Page::new(&server);
    let (_, started) = bobs_page
        .post(&format!("/api/enroll/{token}/options"), None)
        .await;
    let own = Soft::new().create(&server, &started["public_key"]);
    let forged = with_credential_of(&own, &alices);
    let (status, body) = bobs_page
        .finish_enroll(&token, &started, &forged, None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"], "credential_exists");
    assert!(!bobs_page.signed_in());
    assert_eq!(stored(&server, &bob).await, 0);
    assert_eq!(stored(&server, &alice).await, 1);

    let (status, body, _) = bobs_page.enroll(&token, &mut Soft::new(), None).await;
    assert_eq!(status, StatusCode::CREATED, "the link survived: {body}");
}

stack_tests!(
    invitation_enrolls_a_passkey_and_signs_in,
    invitation_is_single_use,
    expired_invitation_is_refused,
    failed_ceremonies_do_not_burn_the_invitation,
    bad_links_all_look_the_same,
    a_credential_of_another_user_is_refused,
);

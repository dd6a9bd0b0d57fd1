//! The signed-in account API: `/api/account/passkeys…`.

use latchkey_core::{UserRepo as _, UserStatus};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{Page, Soft, enrolled, invite, stored, with_credential_of};
use crate::stack_tests;
use crate::support::{Stack, TestServer};

/// The ids in a listing, sorted (passkeys created in the same second are
/// listed by id, not by creation).
fn ids(list: &Value) -> Vec<String> {
    let mut ids: Vec<String> = list["passkeys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

fn sorted<const N: usize>(mut ids: [String; N]) -> [String; N] {
    ids.sort();
    ids
}

async fn add_rename_and_delete_passkeys(stack: Stack, test: &str) {
    let Some(server) = TestServer::start(stack, test).await else {
        return;
    };
    let mut page = Page::new(&server);
    let (alice, first) = enrolled(&mut page, &mut Soft::new(), "alice").await;

    // A second passkey, from another device; the first is excluded.
    let (status, started) = page.post("/api/account/passkeys/options", None).await;
    assert_eq!(status, StatusCode::OK, "{started}");
    let excluded = &started["public_key"]["publicKey"]["excludeCredentials"];
    assert_eq!(excluded[0]["id"], first.as_str(), "{excluded}");
    let (status, added) = page.add_passkey(&mut Soft::new(), Some("Backup key")).await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    assert_eq!(added["credential"]["friendly_name"], "Backup key");
    let second = added["credential"]["id"].as_str().unwrap().to_owned();
    let (_, list) = page.passkeys().await;
    assert_eq!(ids(&list), sorted([first.clone(), second.clone()]));

    // Rename, normalised.
    let (status, body) = page
        .call(
            Method::PATCH,
            &format!("/api/account/passkeys/{first}"),
            Some(json!({"friendly_name": "  Work laptop  "})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["credential"]["friendly_name"], "Work laptop");
    for bad in [
        json!(""),
        json!("   "),
        json!("a".repeat(65)),
        json!("tab\there"),
        json!(7),
    ] {
        let (status, body) = page
            .call(
                Method::PATCH,
                &format!("/api/account/passkeys/{first}"),
                Some(json!({ "friendly_name": bad })),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert!(body["error"].is_string());
    }
    let (status, body) = page
        .call(
            Method::PATCH,
            &format!("/api/account/passkeys/{first}"),
            Some(json!({"friendly_name": "x".repeat(65)})),
        )
        .await;
    assert_eq!(body["error"], "invalid_friendly_name", "{status} {body}");
    assert!(body["message"].as_str().unwrap().contains("64"));
    let (_, list) = page.passkeys().await;
    let renamed = list["passkeys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == first.as_str())
        .unwrap();
    assert_eq!(renamed["friendly_name"], "Work laptop");

    // Delete the second: the answer feeds signalAllAcceptedCredentials.
    let (status, body) = page
        .call(
            Method::DELETE,
            &format!("/api/account/passkeys/{second}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["deleted"], second.as_str());
    assert_eq!(body["user_id"], alice.id.0.as_str());
    assert_eq!(body["accepted_credential_ids"], json!([first]));

    // The last one stays.
    let (status, body) = page
        .call(
            Method::DELETE,
            &format!("/api/account/passkeys/{first}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"], "last_sign_in_method");
    assert!(!body["message"].as_str().unwrap().is_empty());
    assert_eq!(stored(&server, &alice).await, 1);

    // With a verified email the user can still sign in without passkeys
    // (by an emailed code), so the last passkey may go.
    use latchkey_fallback::repo::FactorRepo as _;
    let email = alice.email.clone().unwrap();
    assert!(
        server
            .state
            .db
            .mark_email_verified(&alice.id, &email)
            .await
            .unwrap()
    );
    let (status, body) = page
        .call(
            Method::DELETE,
            &format!("/api/account/passkeys/{first}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["accepted_credential_ids"], json!([]));
    assert_eq!(stored(&server, &alice).await, 0);

    // Deleted already, unknown, malformed: 404, 404, 400.
    for (id, want) in [
        (second.clone(), StatusCode::NOT_FOUND),
        ("AAAA".to_owned(), StatusCode::NOT_FOUND),
        ("not*base64".to_owned(), StatusCode::BAD_REQUEST),
        ("A".repeat(1400), StatusCode::BAD_REQUEST),
    ] {
        let (status, body) = page
            .call(Method::DELETE, &format!("/api/account/passkeys/{id}"), None)
            .await;
        assert_eq!(status, want, "{id}: {body}");
    }
}

async fn changes_need_the_sessions_csrf_token(stack: Stack, test: &str) {
    let Some(server) = TestServer::start(stack, test).await else {
        return;
    };
    let mut page = Page::new(&server);
    let (alice, first) = enrolled(&mut page, &mut Soft::new(), "alice").await;
    let mut bobs = Page::new(&server);
    enrolled(&mut bobs, &mut Soft::new(), "bob").await;
    let real = page.csrf.clone();
    let path = format!("/api/account/passkeys/{first}");
    let changes = [
        (
            Method::POST,
            "/api/account/passkeys/options".to_owned(),
            None,
        ),
        (
            Method::POST,
            "/api/account/passkeys/finish".to_owned(),
            Some(json!({"registration_id": "0".repeat(32), "credential": {}})),
        ),
        (
            Method::PATCH,
            path.clone(),
            Some(json!({"friendly_name": "x"})),
        ),
        (Method::DELETE, path.clone(), None),
    ];
    for csrf in [
        None,
        Some(String::new()),
        Some("0".repeat(32)),
        bobs.csrf.clone(),
    ] {
        page.csrf = csrf.clone();
        for (method, path, body) in &changes {
            let (status, res) = page.call(method.clone(), path, body.clone()).await;
            assert_eq!(
                status,
                StatusCode::FORBIDDEN,
                "{method} {path} {csrf:?}: {res}"
            );
            assert_eq!(res["error"], "csrf_mismatch");
        }
    }
    page.csrf = real;
    let (status, body) = page
        .call(Method::PATCH, &path, Some(json!({"friendly_name": "ok"})))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(stored(&server, &alice).await, 1);
}

async fn no_session_is_401(stack: Stack, test: &str) {
    let Some(server) = TestServer::start(stack, test).await else {
        return;
    };
    let mut page = Page::new(&server);
    let (alice, first) = enrolled(&mut page, &mut Soft::new(), "alice").await;
    let csrf = page.csrf.clone();
    let routes = [
        (Method::GET, "/api/account/passkeys".to_owned(), None),
        (
            Method::POST,
            "/api/account/passkeys/options".to_owned(),
            None,
        ),
        (
            Method::POST,
            "/api/account/passkeys/finish".to_owned(),
            Some(json!({"registration_id": "0".repeat(32), "credential": {}})),
        ),
        (
            Method::PATCH,
            format!("/api/account/passkeys/{first}"),
            Some(json!({"friendly_name": "x"})),
        ),
        (
            Method::DELETE,
            format!("/api/account/passkeys/{first}"),
            None,
        ),
    ];
    let session = latchkey_server::session::SESSION_COOKIE.to_owned();
    let mut strangers = [Page::new(&server), Page::new(&server), Page::new(&server)];
    strangers[1]
        .browser
        .cookies
        .insert(session.clone(), "f".repeat(64));
    strangers[2]
        .browser
        .cookies
        .insert(session, "garbage;".into());
    for stranger in &mut strangers {
        stranger.csrf = csrf.clone();
        for (method, path, body) in &routes {
            let (status, res) = stranger.call(method.clone(), path, body.clone()).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}: {res}");
            assert_eq!(res["error"], "login_required");
        }
    }
    // A disabled user's session is not honoured either.
    server
        .state
        .db
        .set_user_status(&alice.id, UserStatus::Disabled)
        .await
        .unwrap();
    let (status, _) = page.passkeys().await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn other_users_passkeys_are_not_found(stack: Stack, test: &str) {
    let Some(server) = TestServer::start(stack, test).await else {
        return;
    };
    let mut alices = Page::new(&server);
    let (alice, alice_key) = enrolled(&mut alices, &mut Soft::new(), "alice").await;
    let mut bobs = Page::new(&server);
    let (_, bob_key) = enrolled(&mut bobs, &mut Soft::new(), "bob").await;
    bobs.add_passkey(&mut Soft::new(), None).await;
    let path = format!("/api/account/passkeys/{alice_key}");
    let (status, body) = bobs
        .call(
            Method::PATCH,
            &path,
            Some(json!({"friendly_name": "mine now"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"], "passkey_not_found");
    let (status, _) = bobs.call(Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = alices.passkeys().await;
    assert_eq!(ids(&list), [alice_key]);
    assert_ne!(list["passkeys"][0]["friendly_name"], "mine now");
    let (_, list) = bobs.passkeys().await;
    assert!(ids(&list).contains(&bob_key));
    assert_eq!(stored(&server, &alice).await, 1);
}

/// A registration belongs to the session (and user) that started it, and to
/// its purpose: another session, another user or an enrollment link cannot
/// finish it.
async fn registrations_are_bound_to_their_session(stack: Stack, test: &str) {
    let Some(server) = TestServer::start(stack, test).await else {
        return;
    };
    let mut first = Page::new(&server);
    let (alice, _) = enrolled(&mut first, &mut Soft::new(), "alice").await;
    // A second session of Alice's, from another invitation.
    let mut second = Page::new(&server);
    let (status, body, _) = second
        .enroll(&invite(&server, &alice, 72).await, &mut Soft::new(), None)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let mut bobs = Page::new(&server);
    enrolled(&mut bobs, &mut Soft::new(), "bob").await;

    let (_, started) = first.post("/api/account/passkeys/options", None).await;
    let credential = Soft::new().create(&server, &started["public_key"]);
    let body = json!({"registration_id": started["registration_id"], "credential": credential});
    let carol = server.user("carol").await;
    let token = invite(&server, &carol, 72).await;
    for (page, path) in [
        (&mut second, "/api/account/passkeys/finish".to_owned()),
        (&mut bobs, "/api/account/passkeys/finish".to_owned()),
        (
            &mut Page::new(&server),
            format!("/api/enroll/{token}/finish"),
        ),
    ] {
        let (status, res) = page.post(&path, Some(body.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {res}");
        assert_eq!(res["error"], "registration_invalid");
    }
    assert_eq!(stored(&server, &alice).await, 2);
    assert_eq!(stored(&server, &carol).await, 0);
}

/// Adding, through the account API, a credential id registered to someone
/// else (a replayed `none` attestation object) is refused.
async fn adding_another_users_credential_is_refused(stack: Stack, test: &str) {
    let Some(server) = TestServer::start(stack, test).await else {
        return;
    };
    let mut alices = Page::new(&server);
    let alice = server.user("alice").await;
    let (status, _, alices_credential) = alices
        .enroll(&invite(&server, &alice, 72).await, &mut Soft::new(), None)
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let mut bobs = Page::new(&server);
    let (bob, _) = enrolled(&mut bobs, &mut Soft::new(), "bob").await;

    let (_, started) = bobs.post("/api/account/passkeys/options", None).await;
    let own = Soft::new().create(&server, &started["public_key"]);
    let forged = with_credential_of(&own, &alices_credential);
    let body = json!({"registration_id": started["registration_id"], "credential": forged});
    let (status, res) = bobs.post("/api/account/passkeys/finish", Some(body)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{res}");
    assert_eq!(res["error"], "credential_exists");
    assert_eq!(stored(&server, &bob).await, 1);
}

stack_tests!(
    add_rename_and_delete_passkeys,
    changes_need_the_sessions_csrf_token,
    no_session_is_401,
    other_users_passkeys_are_not_found,
    registrations_are_bound_to_their_session,
    adding_another_users_credential_is_refused,
);

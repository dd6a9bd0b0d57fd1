//! `PATCH /api/account/profile` over real HTTP on both stacks: the display
//! name a user sets is stored and becomes the ID token's `name` claim at
//! the next sign-in; session and CSRF are checked before the body is read;
//! a bad name or body is 400 and stores nothing; `/account` shows the name.

use latchkey_core::{User, UserId, UserRepo as _};
use reqwest::header::CONTENT_TYPE;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::enroll::Page;
use crate::passkey::claims;
use crate::stack_tests;
use crate::support::browser::Browser;
use crate::support::rp;
use crate::support::{Stack, TestServer};

const PATH: &str = "/api/account/profile";

/// A client, a user `name` signed in through it (a page holding the
/// session and its CSRF token) and the ID token's `name` of that sign-in.
struct Signed<'a> {
    page: Page<'a>,
    user: User,
    client_id: String,
    secret: String,
    first_name_claim: Value,
}

async fn signed_in<'a>(server: &'a TestServer, name: &str) -> Signed<'a> {
    let user = server.user(name).await;
    let (client, secret) = server.confidential_client().await;
    let mut browser = Browser::default();
    let tokens = rp::tokens(server, &mut browser, &client.id.0, &secret, &user.id, &[]).await;
    let first_name_claim = claims(tokens["id_token"].as_str().unwrap())["name"].clone();
    let mut page = Page::new(server);
    page.browser = browser;
    let (status, body) = page.passkeys().await;
    assert_eq!(status, StatusCode::OK, "{body}");
    Signed {
        page,
        user,
        client_id: client.id.0,
        secret,
        first_name_claim,
    }
}

async fn stored_name(server: &TestServer, id: &UserId) -> String {
    server
        .state
        .db
        .user_by_id(id)
        .await
        .unwrap()
        .unwrap()
        .display_name
}

async fn patch(page: &mut Page<'_>, body: Value) -> (StatusCode, Value) {
    page.call(Method::PATCH, PATH, Some(body)).await
}

/// `PATCH` with `raw` as the JSON body, byte for byte.
async fn patch_raw(page: &mut Page<'_>, raw: &str) -> (StatusCode, Value) {
    let req = page
        .server
        .http
        .request(Method::PATCH, format!("{}{PATH}", page.server.base))
        .header(CONTENT_TYPE, "application/json")
        .body(raw.to_owned());
    page.send(req).await
}

fn error(body: &Value) -> &str {
    body["error"].as_str().unwrap_or_default()
}

async fn changes_the_name_and_the_next_id_token(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let mut a = signed_in(&s, "alice").await;
    assert_eq!(a.first_name_claim, "alice");

    let (status, body) = patch(&mut a.page, json!({"display_name": "  Alice Liddell \t"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // What account.js needs for signalCurrentUserDetails, and nothing else.
    assert_eq!(
        body,
        json!({
            "user_id": a.user.id.0,
            "username": "alice",
            "display_name": "Alice Liddell",
            "csrf_token": a.page.csrf.clone().unwrap(),
        })
    );
    assert_eq!(stored_name(&s, &a.user.id).await, "Alice Liddell");

    // The next sign-in's ID token carries the new name (scope profile).
    let mut next = Browser::default();
    let tokens = rp::tokens(&s, &mut next, &a.client_id, &a.secret, &a.user.id, &[]).await;
    let id_token = claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id_token["name"], "Alice Liddell");
    assert_eq!(id_token["preferred_username"], "alice");

    // 64 characters (not bytes) is the limit, inclusive.
    let longest = "é".repeat(64);
    let (status, body) = patch(&mut a.page, json!({ "display_name": longest })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(stored_name(&s, &a.user.id).await, longest);

    // The account page shows it.
    let html = a
        .page
        .browser
        .get(&s, "/account")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(&format!("value=\"{longest}\"")), "{html}");
}

async fn needs_a_session_and_its_csrf_token_before_the_body(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let mut a = signed_in(&s, "bob").await;

    // No session at all.
    let mut stranger = Page::new(&s);
    let (status, body) = patch(&mut stranger, json!({"display_name": "Mallory"})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(error(&body), "login_required");

    // Another session's token does not work.
    let csrf = a.page.csrf.clone();
    let b = signed_in(&s, "carol").await;
    a.page.csrf = b.page.csrf.clone();
    let (status, body) = patch(&mut a.page, json!({"display_name": "Mallory"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(error(&body), "csrf_mismatch");

    // No token; the body is not even read (malformed JSON is still 403).
    a.page.csrf = None;
    let (status, body) = patch(&mut a.page, json!({"display_name": "Mallory"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(error(&body), "csrf_mismatch");
    let (status, body) = patch_raw(&mut a.page, "{").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(error(&body), "csrf_mismatch");

    a.page.csrf = csrf;
    assert_eq!(stored_name(&s, &a.user.id).await, "bob");
    assert_eq!(stored_name(&s, &b.user.id).await, "carol");
}

async fn bad_names_and_bodies_are_400_and_store_nothing(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let mut a = signed_in(&s, "dave").await;
    for name in [
        String::new(),
        " \t ".into(),
        "a".repeat(65),
        "é".repeat(65),
        "Dave\u{7}".into(),
        "Da\nve".into(),
        "Dave\u{0}".into(),
        "Dave\u{9b}".into(),
    ] {
        let (status, body) = patch(&mut a.page, json!({ "display_name": name })).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name:?}: {body}");
        assert_eq!(error(&body), "invalid_display_name", "{name:?}");
        assert!(body["message"].is_string() || body["error_description"].is_string());
    }
    for bad in [
        json!({"display_name": "Dave", "username": "root"}),
        json!({}),
        json!({"display_name": 7}),
        json!({"display_name": null}),
        json!("Dave"),
    ] {
        let (status, body) = patch(&mut a.page, bad.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert_eq!(error(&body), "invalid_request", "{bad}");
    }
    for raw in ["{", "", "{\"display_name\": \"Dave\"", "display_name=Dave"] {
        let (status, body) = patch_raw(&mut a.page, raw).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{raw:?}: {body}");
        assert_eq!(error(&body), "invalid_request", "{raw:?}");
    }
    assert_eq!(stored_name(&s, &a.user.id).await, "dave");
}

stack_tests!(
    changes_the_name_and_the_next_id_token,
    needs_a_session_and_its_csrf_token_before_the_body,
    bad_names_and_bodies_are_400_and_store_nothing,
);

//! The signed-in user's fallback factors over real HTTP:
//! `/api/account/factors`, email and phone verification (codes read from a
//! real SMTP server and an SMS provider mock), the authenticator app,
//! recovery codes, passwords, and the rules every change shares (session,
//! CSRF, last way in).

use std::time::Duration;

use latchkey_core::{User, UserId};
use latchkey_fallback::factors::recovery;
use latchkey_fallback::factors::totp::TotpSecret;
use latchkey_fallback::repo::{EventKind, EventRepo as _, FactorRepo as _};
use latchkey_oidc::AuthMethod;
use reqwest::header::{CACHE_CONTROL, COOKIE, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::races::futures_join;
use super::{Page, Soft, enrolled};
use crate::stack_tests;
use crate::support::browser::{Browser, flow_id, location};
use crate::support::rp::{authorize_url, pkce};
use crate::support::sms_mock::SmsMock;
use crate::support::smtp::SmtpServer;
use crate::support::{Options, Stack, TestServer};

const WAIT: Duration = Duration::from_secs(10);

/// A page signed in as a new user `name` without any passkey (signed in
/// by email code, in-process), with the CSRF token from the overview.
async fn signed_in<'a>(server: &'a TestServer, name: &str) -> (Page<'a>, User) {
    let user = server.user(name).await;
    let client = server.public_client().await;
    let (_, challenge) = pkce();
    let mut browser = Browser::default();
    let url = authorize_url(server, &client.id.0, &challenge, &[]);
    let login = location(&browser.get(server, &url).await);
    browser
        .sign_in(
            server,
            &flow_id(&login),
            &user.id,
            vec![AuthMethod::EmailCode],
        )
        .await;
    let mut page = Page::new(server);
    page.browser = browser;
    let (status, body) = factors(&mut page).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (page, user)
}

/// `GET /api/account/factors`, remembering the CSRF token.
async fn factors(page: &mut Page<'_>) -> (StatusCode, Value) {
    let (status, body) = page.call(Method::GET, "/api/account/factors", None).await;
    if status == StatusCode::OK {
        page.csrf = Some(body["csrf_token"].as_str().unwrap().to_owned());
    }
    (status, body)
}

/// The raw response, for headers.
async fn raw(page: &mut Page<'_>, method: Method, path: &str) -> reqwest::Response {
    let cookies: Vec<String> = page
        .browser
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let mut req = page
        .server
        .http
        .request(method, format!("{}{path}", page.server.base))
        .header(COOKIE, cookies.join("; "));
    if let Some(csrf) = &page.csrf {
        req = req.header("X-Latchkey-CSRF", csrf);
    }
    req.send().await.unwrap()
}

/// The six digits in `text` (the first run of six).
fn six_digits_in(text: &str) -> String {
    let bytes = text.as_bytes();
    (0..bytes.len().saturating_sub(5))
        .map(|i| &text[i..i + 6])
        .find(|w| w.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or_else(|| panic!("no code in {text:?}"))
        .to_owned()
}

/// A six-digit code that is not `code`.
fn other_than(code: &str) -> String {
    let n: u32 = code.parse().unwrap();
    format!("{:06}", (n + 1) % 1_000_000)
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The methods of `user`'s recorded events of `kind`.
async fn events(server: &TestServer, user: &UserId, kind: EventKind) -> Vec<String> {
    server.state.events.flush().await;
    let all = server.state.db.events_for_user(user, 100).await.unwrap();
    all.into_iter()
        .filter(|e| e.kind == kind)
        .filter_map(|e| e.method)
        .collect()
}

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

/// `XXXX-XXXX-XXXX-XXXX` in Crockford base32 (no I, L, O, U).
fn is_recovery_code(code: &str) -> bool {
    let groups: Vec<&str> = code.split('-').collect();
    groups.len() == 4
        && groups.iter().all(|g| {
            g.len() == 4
                && g.bytes().all(|b| {
                    b.is_ascii_digit() || (b.is_ascii_uppercase() && !b"ILOU".contains(&b))
                })
        })
}

async fn recovery_codes_are_shown_once_and_replaced(stack: Stack, test: &str) {
    let Some(server) = TestServer::start(stack, test).await else {
        return;
    };
    let (mut alice, user) = signed_in(&server, "alice").await;
    let (_, overview) = factors(&mut alice).await;
    assert_eq!(overview["recovery_codes"], json!({"left": 0}));

    let res = raw(&mut alice, Method::POST, "/api/account/recovery-codes").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[CACHE_CONTROL], "no-store");
    let first: Vec<String> =
        serde_json::from_value(res.json::<Value>().await.unwrap()["codes"].clone()).unwrap();
    assert_eq!(first.len(), 10);
    assert!(first.iter().all(|c| is_recovery_code(c)), "{first:?}");
    let mut unique = first.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 10);
    let (_, overview) = factors(&mut alice).await;
    assert_eq!(overview["recovery_codes"], json!({"left": 10}));

    let (status, body) = alice.post("/api/account/recovery-codes", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let second: Vec<String> = serde_json::from_value(body["codes"].clone()).unwrap();
    assert_eq!(second.len(), 10);
    assert!(second.iter().all(|c| !first.contains(c)));

    // Only the new set is stored, hashed.
    let stored: Vec<String> = server
        .state
        .db
        .unused_recovery_codes(&user.id)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.code_hash)
        .collect();
    assert_eq!(stored.len(), 10);
    assert!(stored.iter().all(|h| h.starts_with("$argon2id$")));
    assert_eq!(recovery::find_match(&first[0], &stored), None);
    assert!(recovery::find_match(&second[3], &stored).is_some());
    let (_, overview) = factors(&mut alice).await;
    assert_eq!(overview["recovery_codes"], json!({"left": 10}));
    assert_eq!(
        events(&server, &user.id, EventKind::FactorEnrolled).await,
        ["recovery_code", "recovery_code"]
    );
}

async fn passwords_are_off_unless_the_policy_enables_them(stack: Stack, test: &str) {
    let Some(server) = TestServer::start(stack, test).await else {
        return;
    };
    let (mut alice, user) = signed_in(&server, "alice").await;
    let (_, overview) = factors(&mut alice).await;
    assert_eq!(
        overview["password"],
        json!({"set": false, "allowed": false})
    );
    let (status, body) = alice
        .call(
            Method::PUT,
            "/api/account/password",
            Some(json!({"password": "correct horse battery"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "password_disabled");
    assert!(server.state.db.password(&user.id).await.unwrap().is_none());
    let (status, body) = alice
        .call(Method::DELETE, "/api/account/password", None)
        .await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::NOT_FOUND, &json!("password_not_found"))
    );

    // A node whose operator enabled passwords, on the same stores (the
    // environment cannot carry a list, so the policy is set in-process).
    let node = PasswordNode::start(&server);
    let (mut bob, user) = signed_in(&server, "bob").await;
    let (status, overview) = node
        .call(&mut bob, Method::GET, "/api/account/factors", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{overview}");
    assert_eq!(overview["password"], json!({"set": false, "allowed": true}));
    let too_long = "x".repeat(257);
    for bad in ["short", "        ", too_long.as_str()] {
        let body = json!({"password": bad});
        let (status, res) = node
            .call(&mut bob, Method::PUT, "/api/account/password", Some(body))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{res}");
        assert_eq!(res["error"], "weak_password");
    }
    let body = json!({"password": "correct horse battery"});
    let (status, res) = node
        .call(&mut bob, Method::PUT, "/api/account/password", Some(body))
        .await;
    assert_eq!(status, StatusCode::OK, "{res}");
    assert_eq!(res, json!({"password": {"set": true, "allowed": true}}));
    let stored = server.state.db.password(&user.id).await.unwrap().unwrap();
    assert!(latchkey_fallback::factors::verify_password(
        "correct horse battery",
        &stored.hash
    ));
    // The only way in: kept until there is another.
    let (status, res) = node
        .call(&mut bob, Method::DELETE, "/api/account/password", None)
        .await;
    assert_eq!(
        (status, &res["error"]),
        (StatusCode::CONFLICT, &json!("last_sign_in_method"))
    );
    let (status, _) = node
        .call(&mut bob, Method::POST, "/api/account/recovery-codes", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, res) = node
        .call(&mut bob, Method::DELETE, "/api/account/password", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{res}");
    assert_eq!(res["password"], json!({"set": false, "allowed": true}));
    assert_eq!(
        events(&server, &user.id, EventKind::FactorRemoved).await,
        ["password"]
    );
    // Where passwords are off, a stored one still shows, and can go.
    let body = json!({"password": "another good one"});
    let (status, _) = node
        .call(&mut bob, Method::PUT, "/api/account/password", Some(body))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, overview) = factors(&mut bob).await;
    assert_eq!(overview["password"], json!({"set": true, "allowed": false}));
    let (status, res) = bob
        .call(Method::DELETE, "/api/account/password", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{res}");
}

/// A second node on a test server's stores whose policy enables passwords.
struct PasswordNode {
    base: String,
    handle: actix_web::dev::ServerHandle,
}

impl PasswordNode {
    fn start(server: &TestServer) -> Self {
        use latchkey_fallback::policy::{Policy, PolicyConfig};
        let mut config = PolicyConfig::default();
        config.methods.push("password".to_owned());
        let mut state = server.state.clone();
        state.policy = std::sync::Arc::new(Policy::from_config(&config).unwrap());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://localhost:{}", listener.local_addr().unwrap().port());
        let bound = latchkey_server::serve::bind(state, listener).unwrap();
        let handle = bound.handle.clone();
        actix_web::rt::spawn(bound.server);
        Self { base, handle }
    }

    /// `page`'s request, sent to this node.
    async fn call(
        &self,
        page: &mut Page<'_>,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = page
            .server
            .http
            .request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            req = req.json(&body);
        }
        page.send(req).await
    }
}

impl Drop for PasswordNode {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

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
    email_is_verified_with_a_mailed_code,
    phone_is_verified_with_a_texted_code,
    authenticator_app_enroll_confirm_and_replay,
    recovery_codes_are_shown_once_and_replaced,
    passwords_are_off_unless_the_policy_enables_them,
    changes_need_a_session_and_its_csrf_token,
    the_last_way_in_stays,
    racing_changes_keep_a_way_in,
);

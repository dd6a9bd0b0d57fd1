//! The applications a user allowed (consent), over real HTTP on both
//! stacks: `GET /api/account/apps` lists them in the account API's shape,
//! `DELETE /api/account/apps/{client_id}` withdraws one (session and CSRF
//! as for every account change; anything not allowed by this user is 404
//! `app_not_found`), and `/account` shows them with a withdraw button.

use latchkey_core::{UnixTime, User, UserId};
use latchkey_oidc::{AuthMethod, ClientId, ClientRepo as _, ConsentRepo as _, NewClient};
use latchkey_pages::Lang;
use reqwest::header::ACCEPT_LANGUAGE;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::enroll::Page;
use crate::stack_tests;
use crate::support::browser::{Browser, flow_id, location};
use crate::support::fixtures::confidential;
use crate::support::rp::{authorize_url, pkce};
use crate::support::{Stack, TestServer};

/// A page signed in as a new user `name`, with the CSRF token from
/// `GET /api/account/apps`.
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
            vec![AuthMethod::PasskeySynced],
        )
        .await;
    let mut page = Page::new(server);
    page.browser = browser;
    let (status, body) = apps(&mut page).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    page.csrf = Some(body["csrf_token"].as_str().unwrap().to_owned());
    (page, user)
}

async fn apps(page: &mut Page<'_>) -> (StatusCode, Value) {
    page.call(Method::GET, "/api/account/apps", None).await
}

async fn withdraw(page: &mut Page<'_>, raw_client_id: &str) -> (StatusCode, Value) {
    let path = format!("/api/account/apps/{raw_client_id}");
    page.call(Method::DELETE, &path, None).await
}

/// A client that asks for consent, named `name`; its id.
async fn asking_client(server: &TestServer, name: &str) -> ClientId {
    let (client, _) = server
        .client_with(NewClient {
            name: name.into(),
            require_consent: true,
            ..confidential()
        })
        .await;
    client.id
}

async fn grant(server: &TestServer, user: &UserId, client: &ClientId, scopes: &str, at: i64) {
    let scopes: Vec<String> = scopes.split(' ').map(str::to_owned).collect();
    server
        .state
        .db
        .grant_consent(user, client, &scopes, UnixTime(at))
        .await
        .unwrap();
}

async fn stored(server: &TestServer, user: &UserId, client: &ClientId) -> bool {
    server
        .state
        .db
        .consent(user, client)
        .await
        .unwrap()
        .is_some()
}

fn client_ids(body: &Value) -> Vec<&str> {
    body["apps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["client_id"].as_str().unwrap())
        .collect()
}

fn error(body: &Value) -> &str {
    body["error"].as_str().unwrap_or_default()
}

/// A live refresh token of `client` for `user`, stored as the token
/// endpoint stores one; its hash.
async fn refresh_token(
    server: &TestServer,
    user: &UserId,
    client: &ClientId,
    hash: &str,
) -> String {
    use latchkey_oidc::refresh::{RefreshRecord, RefreshTokenRepo as _};
    let grant = latchkey_oidc::grant::Grant {
        client_id: client.clone(),
        subject: user.clone(),
        scopes: vec!["openid".into(), "offline_access".into()],
        auth_time: UnixTime(1),
        amr: vec!["swk".into()],
        acr: latchkey_oidc::Acr::PhishingResistant,
        sid: None,
        fallback_reason: None,
    };
    let now = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap();
    let record = RefreshRecord {
        token_hash: hash.into(),
        family_id: format!("family-{hash}"),
        grant,
        created_at: UnixTime(now),
        expires_at: UnixTime(now + 3600),
        family_expires_at: UnixTime(now + 7200),
        rotated_at: None,
        revoked_at: None,
    };
    server.state.db.insert_refresh(&record).await.unwrap();
    hash.to_owned()
}

async fn revoked(server: &TestServer, hash: &str) -> bool {
    use latchkey_oidc::refresh::RefreshTokenRepo as _;
    let record = server
        .state
        .db
        .refresh_by_hash(hash)
        .await
        .unwrap()
        .unwrap();
    record.revoked_at.is_some()
}

async fn listed_and_withdrawn_only_by_their_user(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let (mut page, alice) = signed_in(&s, "alice").await;
    let (mut bobs, bob) = signed_in(&s, "bob").await;
    let partner = asking_client(&s, "Partner App").await;
    let notes = asking_client(&s, "Notes").await;
    let only_bob = asking_client(&s, "Bob's Tool").await;
    grant(&s, &alice.id, &partner, "openid email", 1_700_000_000).await;
    grant(&s, &alice.id, &notes, "openid", 1_700_000_100).await;
    grant(&s, &bob.id, &partner, "openid profile", 1_700_000_000).await;
    grant(&s, &bob.id, &only_bob, "openid", 1_700_000_000).await;

    // The list: most recently allowed first, in the account API's shape.
    let (status, body) = apps(&mut page).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(client_ids(&body), [notes.0.as_str(), partner.0.as_str()]);
    let p = &body["apps"][1];
    assert_eq!(p["client_name"], "Partner App");
    let mut scopes: Vec<&str> = p["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    scopes.sort_unstable();
    assert_eq!(scopes, ["email", "openid"]);
    assert_eq!(p["granted_at"], 1_700_000_000);
    assert_eq!(body["csrf_token"].as_str(), page.csrf.as_deref());

    // Without a session: 401, for the list and the change.
    let mut stranger = Page::new(&s);
    let (status, body) = apps(&mut stranger).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(error(&body), "login_required");
    stranger.csrf.clone_from(&page.csrf);
    let (status, body) = withdraw(&mut stranger, &partner.0).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(error(&body), "login_required");

    // Without the CSRF header, or with another session's: 403, nothing gone.
    let mut no_csrf = Page::new(&s);
    no_csrf.browser = page.browser.clone();
    for csrf in [None, bobs.csrf.clone(), Some(String::new())] {
        no_csrf.csrf = csrf;
        let (status, body) = withdraw(&mut no_csrf, &partner.0).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(error(&body), "csrf_mismatch");
    }
    assert!(stored(&s, &alice.id, &partner).await);

    // Unknown, garbage, or another user's: the same 404, never a 500.
    let long = "a".repeat(2000);
    for raw in [
        "nope",
        long.as_str(),
        "%00",
        "a%00b",
        "%FF%FE",
        "..%2F..%2Fetc",
        "%20",
        &only_bob.0,
    ] {
        let (status, body) = withdraw(&mut page, raw).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{raw}: {body}");
        assert_eq!(error(&body), "app_not_found", "{raw}");
    }
    assert!(stored(&s, &bob.id, &only_bob).await);

    // Refresh tokens the app holds, for Alice and for Bob.
    let alices = refresh_token(&s, &alice.id, &partner, "alice-partner").await;
    let bobs_token = refresh_token(&s, &bob.id, &partner, "bob-partner").await;

    // Withdrawn: gone from the answer and from the store; the next
    // sign-in to the app asks again (tests/e2e/oidc/consent.rs).
    let (status, body) = withdraw(&mut page, &partner.0).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        revoked(&s, &alices).await,
        "Alice's refresh token is revoked"
    );
    assert!(!revoked(&s, &bobs_token).await, "Bob's is not");
    assert_eq!(client_ids(&body), [notes.0.as_str()]);
    assert!(body["csrf_token"].is_string());
    assert!(!stored(&s, &alice.id, &partner).await);
    let (status, body) = withdraw(&mut page, &partner.0).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "twice: {body}");
    assert_eq!(error(&body), "app_not_found");

    // Bob's consent to the same app is untouched.
    assert!(stored(&s, &bob.id, &partner).await);
    let (_, body) = apps(&mut bobs).await;
    assert_eq!(client_ids(&body).len(), 2, "{body}");

    // A deleted client takes its consents with it.
    s.state.db.delete_client(&notes).await.unwrap();
    let (status, body) = apps(&mut page).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(client_ids(&body).is_empty(), "{body}");
}

async fn the_account_page_shows_them_with_a_withdraw_button(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let (mut page, alice) = signed_in(&s, "carol").await;
    let url = format!("{}/account", s.base);
    let html = |lang: &str| s.http.get(&url).header(ACCEPT_LANGUAGE, lang);

    let en = Lang::En.messages();
    let (status, body) = page.send(html("en")).await;
    assert_eq!(status, StatusCode::OK);
    let text = body.as_str().unwrap();
    assert!(text.contains(en.account_apps_title), "{text}");
    assert!(text.contains(en.account_apps_none));
    assert!(!text.contains("data-action=\"app-revoke\""));

    let partner = asking_client(&s, "Partner <App>").await;
    grant(&s, &alice.id, &partner, "openid email", 1_700_000_000).await;
    for (accept, lang) in [("en", Lang::En), ("de", Lang::De)] {
        let m = lang.messages();
        let (status, body) = page.send(html(accept)).await;
        assert_eq!(status, StatusCode::OK, "{lang}");
        let text = body.as_str().unwrap();
        assert!(text.contains(m.account_apps_title), "{lang}");
        assert!(!text.contains("Partner <App>"), "{lang}: unescaped");
        assert!(
            text.contains("Partner &#60;App&#62;") || text.contains("Partner &lt;App&gt;"),
            "{lang}: {text}"
        );
        assert!(
            text.contains(&format!("data-app=\"{}\"", partner.0)),
            "{lang}"
        );
        assert!(text.contains(m.consent_scope_email), "{lang}");
        assert!(text.contains("2023-11-14"), "{lang}");
        assert!(
            text.contains(&format!(">{}</button>", m.account_apps_revoke)),
            "{lang}"
        );
        assert!(text.contains("data-action=\"app-revoke\""), "{lang}");
    }

    // The button's request, as account.js sends it; the page then has none.
    let (status, body) = withdraw(&mut page, &partner.0).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, body) = page.send(html("en")).await;
    let text = body.as_str().unwrap();
    assert!(text.contains(en.account_apps_none));
    assert!(!text.contains("data-app="));

    // The script the page names knows the action.
    let js = s
        .get(latchkey_pages::ACCOUNT_JS_URL)
        .await
        .text()
        .await
        .unwrap();
    assert!(js.contains("\"app-revoke\""));
    assert!(js.contains("/api/account/apps/"));
}

stack_tests!(
    listed_and_withdrawn_only_by_their_user,
    the_account_page_shows_them_with_a_withdraw_button,
);

//! The built-in demo relying application (`/demo`) over real HTTP: off
//! outside dev mode, the whole loop from "Sign in with Latchkey" to the
//! verified claims, and the callback's refusals (wrong state, replay,
//! wrong issuer) and plain-words errors.

use actix_web::cookie::Cookie;
use actix_web::test::TestRequest;
use latchkey_core::{UnixTime, UserId};
use latchkey_oidc::AuthMethod::{self, EmailCode, PasskeySynced};
use latchkey_oidc::{AuthnResult, ClientId, ClientRepo as _, ClientType};
use latchkey_server::routes::demo::{DEMO_CLIENT_ID, DEMO_COOKIE};

use crate::support::browser::{Browser, flow_id, location, query};
use crate::support::{Options, Stack, TestServer};

macro_rules! server {
    ($stack:expr, $test:expr) => {
        match TestServer::start($stack, $test).await {
            Some(s) => s,
            None => return,
        }
    };
    ($stack:expr, $test:expr, $options:expr) => {
        match TestServer::start_with($stack, $test, $options).await {
            Some(s) => s,
            None => return,
        }
    };
}

fn now() -> UnixTime {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    UnixTime(i64::try_from(since.unwrap().as_secs()).unwrap())
}

/// Complete the login flow the way an authentication layer does, with a
/// full `AuthnResult` (a fallback reason included); the resume path.
async fn sign_in(s: &TestServer, b: &mut Browser, flow: &str, authn: AuthnResult) -> String {
    let mut req = TestRequest::default();
    for (k, v) in &b.cookies {
        req = req.cookie(Cookie::new(k.clone(), v.clone()));
    }
    let done =
        latchkey_server::flows::complete(&s.state, &req.to_http_request(), flow, authn, None)
            .await
            .map_err(|e| format!("{e:?}"))
            .unwrap();
    if let Some(c) = done.session_cookie {
        b.cookies.insert(c.name().to_owned(), c.value().to_owned());
    }
    done.redirect_to
}

/// `/demo/start` (with `start_query`) → `/authorize` → sign in with
/// `authn` → the callback URL the browser is sent to (not yet visited).
async fn callback_url(
    s: &TestServer,
    b: &mut Browser,
    start_query: &str,
    authn: AuthnResult,
) -> String {
    let res = b.get(s, &format!("/demo/start{start_query}")).await;
    assert_eq!(res.status(), 303);
    let to_authorize = location(&res);
    assert!(
        to_authorize.starts_with(&format!("{}/authorize?", s.base)),
        "{to_authorize}"
    );
    let login = location(&b.get(s, &to_authorize).await);
    assert!(login.starts_with("/login?flow="), "{login}");
    let resume = sign_in(s, b, &flow_id(&login), authn).await;
    let back = location(&b.get(s, &resume).await);
    assert!(
        back.starts_with(&format!("{}/demo/callback?", s.base)),
        "{back}"
    );
    back
}

fn authn(user: &UserId, methods: Vec<AuthMethod>) -> AuthnResult {
    AuthnResult::new(user.clone(), methods, now())
}

/// `url` with query parameter `name` set to `value`.
fn with_param(url: &str, name: &str, value: &str) -> String {
    let mut u = reqwest::Url::parse(url).unwrap();
    let pairs: Vec<(String, String)> = u
        .query_pairs()
        .filter(|(k, _)| k != name)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    u.query_pairs_mut()
        .clear()
        .extend_pairs(pairs)
        .append_pair(name, value);
    u.to_string()
}

async fn off_outside_dev_mode_and_when_switched_off(stack: Stack, test: &str) {
    let prod = server!(
        stack,
        test,
        Options {
            without_dev_mode: true,
            ..Options::default()
        }
    );
    let off = server!(
        stack,
        &format!("{test}_off"),
        Options {
            env: vec![("LATCHKEY_DEMO__ENABLED", "false".to_owned())],
            ..Options::default()
        }
    );
    for s in [&prod, &off] {
        for path in [
            "/demo",
            "/demo/start",
            "/demo/start?acr=phr",
            "/demo/callback?code=x&state=y",
        ] {
            assert_eq!(s.get(path).await.status(), 404, "{path}");
        }
        let client = s
            .state
            .db
            .client_by_id(&ClientId(DEMO_CLIENT_ID.into()))
            .await
            .unwrap();
        assert!(client.is_none(), "no demo client when the demo is off");
    }

    // Switched on outside dev mode: served, but without the dev outbox link.
    let on = server!(
        stack,
        &format!("{test}_on"),
        Options {
            without_dev_mode: true,
            env: vec![("LATCHKEY_DEMO__ENABLED", "true".to_owned())],
            ..Options::default()
        }
    );
    let res = on.get("/demo").await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("Sign in with Latchkey"), "{html}");
    assert!(!html.contains("/dev/outbox"));
}

async fn start_page_registers_the_public_client(stack: Stack, test: &str) {
    let s = server!(stack, test);
    let res = s.get("/demo").await;
    assert_eq!(res.status(), 200);
    let csp = res.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    let html = res.text().await.unwrap();
    for want in [
        format!("href=\"{}/demo/start\"", s.base),
        "acr=phr".to_owned(),
        format!("href=\"{}/account\"", s.base),
        format!("href=\"{}/dev/outbox\"", s.base),
    ] {
        assert!(html.contains(&want), "{want} in {html}");
    }
    let c = s
        .state
        .db
        .client_by_id(&ClientId(DEMO_CLIENT_ID.into()))
        .await
        .unwrap()
        .expect("the demo client");
    assert_eq!(c.client_type, ClientType::Public);
    assert_eq!(
        c.redirect_uris[0].as_str(),
        format!("{}/demo/callback", s.base)
    );
    assert_eq!(
        c.scopes,
        ["openid", "profile", "email", "latchkey_fallback"]
    );
    // Idempotent: again, and from a second node on the same stores.
    assert_eq!(s.get("/demo").await.status(), 200);
    let node2 = server!(
        stack,
        test,
        Options {
            share_with: Some(s.sharing()),
            ..Options::default()
        }
    );
    assert_eq!(node2.get("/demo").await.status(), 200);
    let again = s
        .state
        .db
        .client_by_id(&ClientId(DEMO_CLIENT_ID.into()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again, c);
}

async fn start_sends_a_pkce_request_and_keeps_secrets_server_side(stack: Stack, test: &str) {
    let s = server!(stack, test);
    let mut b = Browser::default();
    let res = b.get(&s, "/demo/start?acr=phr").await;
    assert_eq!(res.status(), 303);
    let set_cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    let attrs = set_cookie.to_ascii_lowercase();
    for want in ["secure", "httponly", "samesite=lax", "path=/"] {
        assert!(attrs.contains(want), "{want} in {set_cookie}");
    }
    let p = query(&location(&res));
    assert_eq!(p["client_id"], DEMO_CLIENT_ID);
    assert_eq!(p["code_challenge_method"], "S256");
    assert_eq!(p["acr_values"], "phr");
    assert_eq!(p["scope"], "openid profile email latchkey_fallback");
    assert_eq!(p["redirect_uri"], format!("{}/demo/callback", s.base));
    assert!(p["nonce"].len() >= 32);
    // The cookie holds the state and nothing else: no verifier, no nonce.
    assert_eq!(b.cookies[DEMO_COOKIE], p["state"]);
    assert!(!set_cookie.contains(&p["nonce"]));

    let bad = s.get("/demo/start?acr=weak").await;
    assert_eq!(bad.status(), 400);
}

async fn the_whole_loop_shows_the_verified_claims(stack: Stack, test: &str) {
    let s = server!(stack, test);
    let user = s.user("dora").await;

    // A fallback, with the reason the fallback engine would record.
    let mut b = Browser::default();
    let fallback =
        authn(&user.id, vec![EmailCode]).with_fallback_reason("no_passkey_on_this_device");
    let back = callback_url(&s, &mut b, "", fallback).await;
    let p = query(&back);
    assert_eq!(p["iss"], s.base);
    let res = b.get(&s, &back).await;
    assert_eq!(res.status(), 200);
    assert!(
        !b.cookies.contains_key(DEMO_COOKIE),
        "the demo cookie is forgotten"
    );
    let html = res.text().await.unwrap();
    assert!(html.contains(&user.id.0), "the subject: {html}");
    assert!(
        html.contains(
            "You signed in with an email code, a fallback (reason: no passkey on this device)."
        ),
        "{html}"
    );
    let amr_row = html
        .split("<tr")
        .find(|row| row.contains(">amr<"))
        .expect("an amr row");
    assert!(amr_row.contains("claim-highlight"), "{amr_row}");
    assert!(amr_row.contains("urn:latchkey:amr:email"), "{amr_row}");
    let acr_row = html.split("<tr").find(|r| r.contains(">acr<")).unwrap();
    assert!(acr_row.contains("claim-highlight") && acr_row.contains("urn:latchkey:acr:sfa"));
    let auth_time_row = html
        .split("<tr")
        .find(|r| r.contains(">auth_time<"))
        .unwrap();
    assert!(auth_time_row.contains("claim-highlight"));
    let fallback_row = html
        .split("<tr")
        .find(|r| r.contains(">latchkey_fallback<"))
        .expect("the latchkey_fallback claim");
    assert!(fallback_row.contains("no_passkey_on_this_device"));

    // A passkey, asking for phr: met.
    let mut b = Browser::default();
    let back = callback_url(&s, &mut b, "?acr=phr", authn(&user.id, vec![PasskeySynced])).await;
    let html = b.get(&s, &back).await.text().await.unwrap();
    assert!(html.contains("You signed in with a passkey."), "{html}");
    let amr_row = html.split("<tr").find(|r| r.contains(">amr<")).unwrap();
    assert!(amr_row.contains("claim-highlight") && amr_row.contains("swk"));
    assert!(!html.contains(">latchkey_fallback<"));
}

async fn wrong_state_replay_and_wrong_issuer_are_refused(stack: Stack, test: &str) {
    let s = server!(stack, test);
    let user = s.user("eve").await;
    let mut b = Browser::default();
    let back = callback_url(&s, &mut b, "", authn(&user.id, vec![PasskeySynced])).await;

    // Another state: refused before any token request, so the real
    // response (and its code) still works afterwards.
    let forged = with_param(&back, "state", &"0".repeat(64));
    let res = b.get(&s, &forged).await;
    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("does not belong to a sign-in started in this browser"),
        "{html}"
    );
    assert!(html.contains("href=\"/demo\""));
    // No cookie at all: the same.
    let res = s.http.get(&back).send().await.unwrap();
    assert_eq!(res.status(), 400);

    let cookie = b.cookies[DEMO_COOKIE].clone();
    let res = b.get(&s, &back).await;
    assert_eq!(res.status(), 200, "the untouched response still signs in");
    assert!(res.text().await.unwrap().contains(&user.id.0));

    // Replayed, with the cookie put back as an attacker would: refused.
    b.cookies.insert(DEMO_COOKIE.to_owned(), cookie);
    let res = b.get(&s, &back).await;
    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap();
    assert!(html.contains("already completed or has expired"), "{html}");
    assert!(!html.contains(&user.id.0));

    // A response naming another issuer (RFC 9207): refused.
    let mut b = Browser::default();
    let back = callback_url(&s, &mut b, "", authn(&user.id, vec![PasskeySynced])).await;
    let res = b
        .get(&s, &with_param(&back, "iss", "https://evil.example"))
        .await;
    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap();
    assert!(html.contains("iss parameter"), "{html}");
    assert!(!html.contains(&user.id.0));
}

async fn errors_are_shown_in_plain_words(stack: Stack, test: &str) {
    let s = server!(stack, test);
    let user = s.user("fay").await;

    // A phishing-resistant sign-in asked for, an email code used: the
    // demo is told unmet_authentication_requirements, never a weaker token.
    let mut b = Browser::default();
    let back = callback_url(&s, &mut b, "?acr=phr", authn(&user.id, vec![EmailCode])).await;
    assert_eq!(query(&back)["error"], "unmet_authentication_requirements");
    let res = b.get(&s, &back).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("a phishing-resistant sign-in needs a passkey"),
        "{html}"
    );
    assert!(html.contains("<code>unmet_authentication_requirements</code>"));
    assert!(html.contains("href=\"/demo\""));
    assert!(!html.contains(&user.id.0));

    // access_denied, as the authorization endpoint sends it.
    let mut b = Browser::default();
    let start = b.get(&s, "/demo/start").await;
    let state = query(&location(&start))["state"].clone();
    let denied = format!(
        "/demo/callback?error=access_denied&state={state}&iss={}",
        url::form_urlencoded::byte_serialize(s.base.as_bytes()).collect::<String>()
    );
    let res = b.get(&s, &denied).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("cancelled or refused"), "{html}");
    assert!(html.contains("href=\"/demo\""));
    // German, from Accept-Language.
    let mut b = Browser::default();
    let start = b.get(&s, "/demo/start").await;
    let state = query(&location(&start))["state"].clone();
    let denied = format!(
        "{}/demo/callback?error=access_denied&state={state}&iss={}",
        s.base,
        url::form_urlencoded::byte_serialize(s.base.as_bytes()).collect::<String>()
    );
    let res = s
        .http
        .get(&denied)
        .header(
            "cookie",
            format!("{DEMO_COOKIE}={}", b.cookies[DEMO_COOKIE]),
        )
        .header("accept-language", "de")
        .send()
        .await
        .unwrap();
    let html = res.text().await.unwrap();
    assert!(html.contains("abgebrochen oder abgelehnt"), "{html}");
}

crate::stack_tests!(
    off_outside_dev_mode_and_when_switched_off,
    start_page_registers_the_public_client,
    start_sends_a_pkce_request_and_keeps_secrets_server_side,
    the_whole_loop_shows_the_verified_claims,
    wrong_state_replay_and_wrong_issuer_are_refused,
    errors_are_shown_in_plain_words,
);

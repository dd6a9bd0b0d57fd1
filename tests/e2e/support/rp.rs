//! A raw relying party for protocol tests that need to send exactly what
//! they want (the `openidconnect` crate covers the well-behaved RP).

use base64::Engine as _;
use latchkey_core::UserId;
use latchkey_oidc::AuthMethod;
use reqwest::header::AUTHORIZATION;

use super::TestServer;
use super::browser::{Browser, flow_id, location, query};
use super::fixtures::REDIRECT_URI;

/// A PKCE verifier and its S256 challenge.
pub fn pkce() -> (String, String) {
    let verifier = latchkey_core::id::random_hex(32);
    (
        verifier.clone(),
        latchkey_oidc::pkce::s256_challenge(&verifier),
    )
}

/// An authorization URL with the usual parameters plus `extra` (which
/// replace a usual one of the same name).
pub fn authorize_url(
    server: &TestServer,
    client_id: &str,
    challenge: &str,
    extra: &[(&str, &str)],
) -> String {
    let mut params: Vec<(&str, &str)> = vec![
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", REDIRECT_URI),
        ("scope", "openid profile email offline_access"),
        ("state", "st-123"),
        ("nonce", "n-456"),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ];
    for (k, v) in extra {
        params.retain(|(n, _)| n != k);
        params.push((k, v));
    }
    let q: String = url_encode(&params);
    format!("{}/authorize?{q}", server.base)
}

/// Form-encode pairs.
pub fn url_encode(pairs: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

/// Run the authorization request in `browser`, sign `subject` in with
/// `methods`, and return the parameters the client receives.
pub async fn authorize(
    server: &TestServer,
    browser: &mut Browser,
    url: &str,
    subject: &UserId,
    methods: Vec<AuthMethod>,
) -> std::collections::BTreeMap<String, String> {
    let first = location(&browser.get(server, url).await);
    let back = if first.starts_with("/login?flow=") {
        let resume = browser
            .sign_in(server, &flow_id(&first), subject, methods)
            .await;
        location(&browser.get(server, &resume).await)
    } else {
        first
    };
    assert!(back.starts_with(REDIRECT_URI), "{back}");
    query(&back)
}

/// `Authorization: Basic` for a client.
pub fn basic(client_id: &str, secret: &str) -> String {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let raw = format!("{}:{}", enc(client_id), enc(secret));
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

/// POST a form to `path`, optionally with an Authorization header.
pub async fn post(
    server: &TestServer,
    path: &str,
    auth: Option<&str>,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let mut req = server
        .http
        .post(format!("{}{path}", server.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(url_encode(form));
    if let Some(a) = auth {
        req = req.header(AUTHORIZATION, a);
    }
    req.send().await.unwrap()
}

/// Exchange a code with client_secret_basic.
pub async fn exchange(
    server: &TestServer,
    client_id: &str,
    secret: &str,
    code: &str,
    verifier: &str,
) -> reqwest::Response {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", verifier),
    ];
    post(server, "/token", Some(&basic(client_id, secret)), &form).await
}

/// Sign in and redeem: the token response JSON (asserting success).
pub async fn tokens(
    server: &TestServer,
    browser: &mut Browser,
    client_id: &str,
    secret: &str,
    subject: &UserId,
    extra: &[(&str, &str)],
) -> serde_json::Value {
    let (verifier, challenge) = pkce();
    let url = authorize_url(server, client_id, &challenge, extra);
    let params = authorize(
        server,
        browser,
        &url,
        subject,
        vec![AuthMethod::PasskeySynced],
    )
    .await;
    let res = exchange(server, client_id, secret, &params["code"], &verifier).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

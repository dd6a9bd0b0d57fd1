//! Passkey sign-in over the login-flow API, end to end: `/authorize` →
//! `/login?flow=ID` → the flow API → a software authenticator → verify →
//! `/authorize/resume` → code → `/token` → an ID token with the passkey's
//! `amr`/`acr`; and the hostile cases around it. On both stacks.

mod attestation;
mod hostile;
mod malformed;
mod signin;

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_core::User;
use latchkey_passkey::PasskeyCredential;
use reqwest::header::{CONTENT_TYPE, COOKIE};
use serde_json::{Value, json};

use crate::support::authenticator::Authenticator;
use crate::support::browser::{Browser, flow_id, location, query};
use crate::support::clock::TestClock;
use crate::support::fixtures::REDIRECT_URI;
use crate::support::{Options, Stack, TestServer, rp};

/// The CSRF header of the login-flow API.
pub const CSRF: &str = "X-Latchkey-CSRF";

/// A server, a client, a user with one passkey, and the device holding it.
pub struct World {
    pub s: TestServer,
    pub clock: Arc<TestClock>,
    pub client: String,
    pub secret: String,
    pub alice: User,
    pub device: Authenticator,
    pub key: PasskeyCredential,
}

/// Start a server on `stack` (with a clock the test can move) and set up
/// [`World`], or `None` when the stack is unavailable.
pub async fn world(stack: Stack, test: &str) -> Option<World> {
    let clock = TestClock::new();
    let options = Options {
        clock: Some(clock.clone()),
        ..Options::default()
    };
    let s = TestServer::start_with(stack, test, options).await?;
    let (client, secret) = s.confidential_client().await;
    let alice = s.user("alice").await;
    let mut device = Authenticator::new(&s);
    let key = device.register(&s, &alice).await;
    Some(World {
        client: client.id.0,
        secret,
        alice,
        device,
        key,
        clock,
        s,
    })
}

/// A login flow as the page sees it.
#[derive(Debug, Clone)]
pub struct Flow {
    pub id: String,
    pub csrf: String,
    /// The PKCE verifier of the authorization request.
    pub verifier: String,
}

/// Send an authorization request (plus `extra`) in `b` and read the flow
/// it leads to.
pub async fn start_flow(
    s: &TestServer,
    b: &mut Browser,
    client: &str,
    extra: &[(&str, &str)],
) -> Flow {
    let (verifier, challenge) = rp::pkce();
    let to = location(
        &b.get(s, &rp::authorize_url(s, client, &challenge, extra))
            .await,
    );
    assert!(to.starts_with("/login?flow="), "{to}");
    let id = flow_id(&to);
    let res = get_flow(s, b, &id).await;
    assert_eq!(res.status(), 200);
    let view: Value = res.json().await.unwrap();
    Flow {
        id,
        csrf: view["csrf_token"].as_str().unwrap().to_owned(),
        verifier,
    }
}

fn cookie_header(b: &Browser) -> String {
    b.cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// `GET /api/login/flows/{id}` in `b`.
pub async fn get_flow(s: &TestServer, b: &Browser, id: &str) -> reqwest::Response {
    let mut req = s.http.get(format!("{}/api/login/flows/{id}", s.base));
    if !b.cookies.is_empty() {
        req = req.header(COOKIE, cookie_header(b));
    }
    req.send().await.unwrap()
}

/// `POST /api/login/flows/{id}/{route}` in `b` with a raw body.
pub async fn post_raw(
    s: &TestServer,
    b: &mut Browser,
    id: &str,
    route: &str,
    csrf: Option<&str>,
    content_type: &str,
    body: String,
) -> reqwest::Response {
    let mut req = s
        .http
        .post(format!("{}/api/login/flows/{id}/{route}", s.base))
        .header(CONTENT_TYPE, content_type)
        .body(body);
    if let Some(token) = csrf {
        req = req.header(CSRF, token);
    }
    if !b.cookies.is_empty() {
        req = req.header(COOKIE, cookie_header(b));
    }
    let res = req.send().await.unwrap();
    b.absorb(&res);
    res
}

/// `POST` JSON to a route of `flow` with its CSRF token.
pub async fn post(
    s: &TestServer,
    b: &mut Browser,
    flow: &Flow,
    route: &str,
    body: &Value,
) -> reqwest::Response {
    let csrf = flow.csrf.clone();
    post_raw(
        s,
        b,
        &flow.id,
        route,
        Some(&csrf),
        "application/json",
        body.to_string(),
    )
    .await
}

/// The status and JSON body of a response.
pub async fn answer(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|_| json!({ "raw": text }));
    (status, body)
}

/// Identify as `identifier`; returns the raw response body.
pub async fn identify(s: &TestServer, b: &mut Browser, flow: &Flow, identifier: &str) -> String {
    let res = post(s, b, flow, "identify", &json!({ "identifier": identifier })).await;
    assert_eq!(res.status(), 200);
    res.text().await.unwrap()
}

/// Passkey options: `(ceremony_id, public_key)`.
pub async fn options(
    s: &TestServer,
    b: &mut Browser,
    flow: &Flow,
    mediation: &str,
) -> (String, Value) {
    let res = post(
        s,
        b,
        flow,
        "passkey/options",
        &json!({ "mediation": mediation }),
    )
    .await;
    let (status, body) = answer(res).await;
    assert_eq!(status, 200, "{body}");
    let id = body["ceremony_id"].as_str().unwrap().to_owned();
    (id, body["public_key"].clone())
}

/// Post an assertion to verify.
pub async fn verify(
    s: &TestServer,
    b: &mut Browser,
    flow: &Flow,
    ceremony: &str,
    credential: &Value,
) -> reqwest::Response {
    let body = json!({ "ceremony_id": ceremony, "credential": credential });
    post(s, b, flow, "passkey/verify", &body).await
}

/// Assert a `passkey_failed` answer with `reason`.
pub async fn assert_failed(res: reqwest::Response, reason: &str) {
    let (status, body) = answer(res).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "passkey_failed", "{body}");
    assert_eq!(body["reason"], reason, "{body}");
    let next = body["next"].as_array().expect("next is a list");
    assert!(
        next.iter()
            .all(|o| o["steps"].as_array().is_some_and(|s| !s.is_empty())),
        "every option has steps: {body}"
    );
}

/// Assert an error answer with `status` and `error`.
pub async fn assert_error(res: reqwest::Response, status: u16, error: &str) {
    let (got, body) = answer(res).await;
    assert_eq!(
        (got, body["error"].as_str()),
        (status, Some(error)),
        "{body}"
    );
}

/// Follow `redirect_to` to the client, redeem the code, and return the ID
/// token's claims.
pub async fn redeem(w: &World, b: &mut Browser, flow: &Flow, redirect_to: &str) -> Value {
    let back = location(&b.get(&w.s, redirect_to).await);
    assert!(back.starts_with(REDIRECT_URI), "{back}");
    let params = query(&back);
    let res = rp::exchange(&w.s, &w.client, &w.secret, &params["code"], &flow.verifier).await;
    assert_eq!(res.status(), 200);
    let tokens: Value = res.json().await.unwrap();
    claims(tokens["id_token"].as_str().unwrap())
}

/// The payload of a JWT (signature checked elsewhere in the suite).
pub fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// Whether the browser holds a session cookie.
pub fn signed_in(b: &Browser) -> bool {
    b.cookies.contains_key("__Host-latchkey-session")
}

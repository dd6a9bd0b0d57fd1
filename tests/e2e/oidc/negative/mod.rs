//! The negative suite for the OIDC core: one case per hostile input, over
//! real HTTP against a running server, on both stacks. Every case asserts
//! the exact safe outcome (status, error code, where a redirect may go,
//! that nothing was issued) and that no response is a 5xx.
//!
//! Helpers shared by the modules live here; each module holds one area.

mod authorize;
mod bearer;
mod client_auth;
mod code;
mod hostile;
mod private_key_jwt;
mod redirect_uri;
mod refresh;
mod revoke;
mod token;

use std::collections::BTreeMap;
use std::sync::Arc;

use latchkey_core::User;
use latchkey_oidc::{AuthMethod, NewClient};
use reqwest::Response;
use reqwest::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, LOCATION, WWW_AUTHENTICATE};

use crate::support::browser::{Browser, flow_id, query};
use crate::support::clock::TestClock;
use crate::support::fixtures::{self, REDIRECT_URI};
use crate::support::rp;
use crate::support::{Options, Stack, TestServer};

/// The registered loopback redirect URI of the standard test clients.
pub const LOOPBACK_URI: &str = "http://127.0.0.1:8765/cb";

/// Form or query parameters of one case.
pub type Form<'a> = Vec<(&'a str, &'a str)>;

/// The `state` every authorization request of this suite sends.
pub const STATE: &str = "st-123";

/// Start a server on `stack` whose clock the test can move forward.
pub async fn start(stack: Stack, test: &str) -> Option<(TestServer, Arc<TestClock>)> {
    let clock = TestClock::new();
    let options = Options {
        clock: Some(clock.clone()),
        ..Options::default()
    };
    let s = TestServer::start_with(stack, test, options).await?;
    Some((s, clock))
}

/// A registered client as the test sees it: its id and, for confidential
/// clients, its secret (used with HTTP Basic).
#[derive(Debug, Clone)]
pub struct Rp {
    pub id: String,
    pub secret: Option<String>,
}

impl Rp {
    /// The standard confidential client (code + refresh, Basic).
    pub async fn confidential(s: &TestServer) -> Self {
        let (c, secret) = s.confidential_client().await;
        Self {
            id: c.id.0,
            secret: Some(secret),
        }
    }

    /// The standard public client (PKCE, no secret).
    pub async fn public(s: &TestServer) -> Self {
        Self {
            id: s.public_client().await.id.0,
            secret: None,
        }
    }

    /// Any registration.
    pub async fn register(s: &TestServer, new: NewClient) -> Self {
        let (c, secret) = s.client_with(new).await;
        Self { id: c.id.0, secret }
    }

    /// POST `form` to `path`, authenticated as this client (Basic with the
    /// secret, or `client_id` in the body for a public client).
    pub async fn post(&self, s: &TestServer, path: &str, form: &[(&str, &str)]) -> Response {
        match &self.secret {
            Some(secret) => rp::post(s, path, Some(&rp::basic(&self.id, secret)), form).await,
            None => {
                let mut all = form.to_vec();
                all.push(("client_id", &self.id));
                rp::post(s, path, None, &all).await
            }
        }
    }

    /// Redeem `code` at the token endpoint.
    pub async fn redeem(
        &self,
        s: &TestServer,
        code: &str,
        verifier: Option<&str>,
        redirect_uri: &str,
    ) -> Response {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
        ];
        if let Some(v) = verifier {
            form.push(("code_verifier", v));
        }
        self.post(s, "/token", &form).await
    }

    /// Exchange a refresh token.
    pub async fn refresh(&self, s: &TestServer, token: &str, scope: Option<&str>) -> Response {
        let mut form = vec![("grant_type", "refresh_token"), ("refresh_token", token)];
        if let Some(sc) = scope {
            form.push(("scope", sc));
        }
        self.post(s, "/token", &form).await
    }

    /// Sign `user` in (or use the browser's session) and return a code and
    /// its PKCE verifier. `extra` replaces the usual request parameters (an
    /// empty value removes one, e.g. `("code_challenge", "")`).
    pub async fn code(
        &self,
        s: &TestServer,
        b: &mut Browser,
        user: &User,
        extra: &[(&str, &str)],
    ) -> (String, String) {
        let (verifier, challenge) = rp::pkce();
        let url = rp::authorize_url(s, &self.id, &challenge, extra);
        let methods = vec![AuthMethod::PasskeySynced];
        let params = rp::authorize(s, b, &url, &user.id, methods).await;
        (params["code"].clone(), verifier)
    }

    /// A code redeemed: the token response JSON (asserting success).
    pub async fn tokens(
        &self,
        s: &TestServer,
        b: &mut Browser,
        user: &User,
        extra: &[(&str, &str)],
    ) -> serde_json::Value {
        let (code, verifier) = self.code(s, b, user, extra).await;
        let res = self.redeem(s, &code, Some(&verifier), REDIRECT_URI).await;
        assert_eq!(res.status(), 200, "redeeming a fresh code");
        res.json().await.unwrap()
    }
}

/// Run an authorization request in `b` (signing `user` in when asked) and
/// return the final `Location` (wherever it points).
pub async fn authorize_to(s: &TestServer, b: &mut Browser, url: &str, user: &User) -> String {
    let first = location(&b.get(s, url).await, url);
    if !first.starts_with("/login?flow=") {
        return first;
    }
    let methods = vec![AuthMethod::PasskeySynced];
    let resume = b.sign_in(s, &flow_id(&first), &user.id, methods).await;
    location(&b.get(s, &resume).await, url)
}

/// The `Location` of a redirect, naming `case` when it is none.
pub fn location(res: &Response, case: &str) -> String {
    no_5xx(res, case);
    assert!(
        res.status().is_redirection(),
        "[{case}] expected a redirect, got {}",
        res.status()
    );
    res.headers()[LOCATION].to_str().unwrap().to_owned()
}

/// Nothing in this suite may answer with a 5xx.
pub fn no_5xx(res: &Response, case: &str) {
    assert!(
        res.status().as_u16() < 500,
        "[{case}] server error {} for hostile input",
        res.status()
    );
}

fn header(res: &Response, name: reqwest::header::HeaderName) -> &str {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// A 400 HTML error page that redirects nowhere; returns the page.
pub async fn error_page(res: Response, case: &str) -> String {
    no_5xx(&res, case);
    assert_eq!(res.status(), 400, "[{case}] status");
    assert!(
        res.headers().get(LOCATION).is_none(),
        "[{case}] an error page must not redirect: {:?}",
        res.headers().get(LOCATION)
    );
    let ct = header(&res, CONTENT_TYPE);
    assert!(ct.starts_with("text/html"), "[{case}] content-type {ct}");
    res.text().await.unwrap()
}

/// An OAuth error response (RFC 6749 §5.2) with `status` and `error`;
/// nothing issued, no redirect. Returns the body and the response's
/// `WWW-Authenticate` (empty when absent).
pub async fn oauth_error(
    res: Response,
    status: u16,
    error: &str,
    case: &str,
) -> (serde_json::Value, String) {
    no_5xx(&res, case);
    let got = res.status().as_u16();
    let challenge = header(&res, WWW_AUTHENTICATE).to_owned();
    assert!(
        res.headers().get(LOCATION).is_none(),
        "[{case}] no redirect"
    );
    assert_eq!(header(&res, CACHE_CONTROL), "no-store", "[{case}] no-store");
    let text = res.text().await.unwrap();
    assert_eq!(got, status, "[{case}] status; body {text}");
    let body: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("[{case}] not JSON ({e}): {text}"));
    assert_eq!(body["error"], error, "[{case}] error code; body {body}");
    for issued in ["access_token", "refresh_token", "id_token"] {
        assert!(body.get(issued).is_none(), "[{case}] {issued} issued");
    }
    (body, challenge)
}

/// An error redirect to `redirect_uri` (a verified one) carrying `error`,
/// `state` (when the request had one) and `iss` (RFC 9207), and no code.
pub fn error_redirect(
    res: &Response,
    s: &TestServer,
    redirect_uri: &str,
    error: &str,
    state: Option<&str>,
    case: &str,
) -> BTreeMap<String, String> {
    assert_eq!(res.status(), 303, "[{case}] status");
    let to = location(res, case);
    assert!(
        to.starts_with(&format!("{redirect_uri}?")),
        "[{case}] redirect must go to {redirect_uri}, went to {to}"
    );
    let q = query(&to);
    assert_eq!(
        q.get("error").map(String::as_str),
        Some(error),
        "[{case}] {to}"
    );
    assert_eq!(q.get("state").map(String::as_str), state, "[{case}] state");
    assert_eq!(q.get("iss"), Some(&s.base), "[{case}] iss");
    assert!(!q.contains_key("code"), "[{case}] a code was issued");
    q
}

/// GET `/userinfo` with `Authorization: Bearer token` (or no header).
pub async fn userinfo(s: &TestServer, token: Option<&str>) -> Response {
    let mut req = s.http.get(format!("{}/userinfo", s.base));
    if let Some(t) = token {
        req = req.header(AUTHORIZATION, format!("Bearer {t}"));
    }
    req.send().await.unwrap()
}

/// A confidential client with the standard redirect URIs and the
/// `client_credentials` grant besides code and refresh.
pub fn with_client_credentials() -> NewClient {
    let mut new = fixtures::confidential();
    new.grant_types.push("client_credentials".into());
    new.scopes.push("api.read".into());
    new
}

/// POST a raw body with a content type (or none) to `path`.
pub async fn post_raw(
    s: &TestServer,
    path: &str,
    content_type: Option<&str>,
    auth: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> Response {
    let mut req = s.http.post(format!("{}{path}", s.base)).body(body);
    if let Some(ct) = content_type {
        req = req.header(CONTENT_TYPE, ct);
    }
    if let Some(a) = auth {
        req = req.header(AUTHORIZATION, a);
    }
    req.send().await.unwrap()
}

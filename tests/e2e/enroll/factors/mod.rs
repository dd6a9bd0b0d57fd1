//! The signed-in user's fallback factors over real HTTP:
//! `/api/account/factors`, email and phone verification (codes read from a
//! real SMTP server and an SMS provider mock), the authenticator app,
//! recovery codes, passwords, and the rules every change shares (session,
//! CSRF, last way in).

mod email;
mod password;
mod phone;
mod recovery_codes;
mod rules;
mod totp;

use std::time::Duration;

use latchkey_core::{User, UserId};
use latchkey_fallback::repo::{EventKind, EventRepo as _};
use latchkey_oidc::AuthMethod;
use reqwest::header::COOKIE;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::Page;
use crate::support::TestServer;
use crate::support::browser::{Browser, flow_id, location};
use crate::support::rp::{authorize_url, pkce};

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

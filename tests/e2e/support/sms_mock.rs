//! A stand-in SMS provider over real HTTP, speaking the Twilio-style API
//! Latchkey's HTTP provider uses: `POST /2010-04-01/Accounts/{account}/Messages.json`
//! with the form fields `To`, `From`, `Body` and HTTP Basic
//! `account:token`; it answers `201 {"sid":"SM…"}`.
//!
//! It checks the credentials (401 otherwise), records what it accepted,
//! and can be told to fail the next requests with a given status.
//!
//! ```ignore
//! let sms = SmsMock::start("AC123", "token").await;
//! let s = TestServer::start_with(Stack::Embedded, test, Options {
//!     env: sms.env("+15550001111"),
//!     ..Options::default()
//! }).await?;
//! s.state.sms.send("+15551234567", "Code 123456").await?;
//! assert_eq!(sms.sent()[0].body, "Code 123456");
//! ```

use std::collections::{HashMap, VecDeque};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine as _;

/// One message the mock accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentSms {
    pub sid: String,
    pub to: String,
    pub from: String,
    pub body: String,
}

#[derive(Debug)]
struct State {
    account: String,
    token: String,
    sent: Mutex<Vec<SentSms>>,
    failures: Mutex<VecDeque<u16>>,
    requests: AtomicUsize,
}

/// A running mock provider; stops when dropped.
#[derive(Debug)]
pub struct SmsMock {
    url: String,
    state: Arc<State>,
    handle: ServerHandle,
}

impl SmsMock {
    /// Starts the provider on `127.0.0.1:0`, accepting `account`:`token`.
    pub async fn start(account: &str, token: &str) -> Self {
        let state = Arc::new(State {
            account: account.to_owned(),
            token: token.to_owned(),
            sent: Mutex::default(),
            failures: Mutex::default(),
            requests: AtomicUsize::new(0),
        });
        let data = web::Data::from(Arc::clone(&state));
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = HttpServer::new(move || {
            App::new().app_data(data.clone()).route(
                "/2010-04-01/Accounts/{account}/Messages.json",
                web::post().to(messages),
            )
        })
        .workers(1)
        .disable_signals()
        .shutdown_timeout(0)
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Self {
            url: format!("http://{addr}/2010-04-01/Accounts/{account}/Messages.json"),
            state,
            handle,
        }
    }

    /// The send-message endpoint (`sms.http_url`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The configuration variables that point a Latchkey server at this
    /// provider with the right credentials, sending as `from` (for
    /// `Options::env`).
    pub fn env(&self, from: &str) -> Vec<(&'static str, String)> {
        self.env_with_token(from, &self.state.token)
    }

    /// As [`SmsMock::env`], with another auth token (to test refusal).
    pub fn env_with_token(&self, from: &str, token: &str) -> Vec<(&'static str, String)> {
        vec![
            ("LATCHKEY_SMS__HTTP_URL", self.url.clone()),
            ("LATCHKEY_SMS__ACCOUNT_ID", self.state.account.clone()),
            ("LATCHKEY_SMS__AUTH_TOKEN", token.to_owned()),
            ("LATCHKEY_SMS__FROM", from.to_owned()),
            ("LATCHKEY_SMS__TIMEOUT_SECS", "5".to_owned()),
        ]
    }

    /// Answer the next `n` authenticated requests with `status` (and a
    /// Twilio-style JSON error) instead of accepting them.
    pub fn fail_next(&self, n: usize, status: u16) {
        self.state
            .failures
            .lock()
            .unwrap()
            .extend(std::iter::repeat_n(status, n));
    }

    /// The messages accepted so far, oldest first.
    pub fn sent(&self) -> Vec<SentSms> {
        self.state.sent.lock().unwrap().clone()
    }

    /// Every request received, accepted or not.
    pub fn requests(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }
}

impl Drop for SmsMock {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

fn error(status: u16, code: u32, message: &str) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(status).unwrap();
    HttpResponse::build(status).json(serde_json::json!({
        "code": code,
        "message": message,
        "status": status.as_u16(),
    }))
}

async fn messages(
    req: HttpRequest,
    account: web::Path<String>,
    state: web::Data<State>,
    form: web::Bytes,
) -> HttpResponse {
    state.requests.fetch_add(1, Ordering::SeqCst);
    let authorised = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .is_some_and(|raw| raw == format!("{}:{}", state.account, state.token).as_bytes());
    if !authorised {
        return error(
            401,
            20003,
            "Authentication Error - invalid username or password",
        );
    }
    let form_encoded = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form_encoded {
        return error(400, 21609, "Expected a form-encoded body.");
    }
    if *account != state.account {
        return error(404, 20404, "The requested resource was not found");
    }
    if let Some(status) = state.failures.lock().unwrap().pop_front() {
        return error(status, 30001, "Simulated provider failure");
    }
    let fields: HashMap<String, String> = url::form_urlencoded::parse(&form).into_owned().collect();
    let field = |name: &str| fields.get(name).cloned().unwrap_or_default();
    let (to, from, body) = (field("To"), field("From"), field("Body"));
    if to.is_empty() || from.is_empty() || body.is_empty() {
        return error(400, 21604, "A 'To', 'From' and 'Body' are required.");
    }
    if !to.starts_with('+') {
        return error(400, 21211, "The 'To' number is not a valid phone number.");
    }
    let mut sent = state.sent.lock().unwrap();
    let sid = format!("SM{:032x}", sent.len() + 1);
    sent.push(SentSms {
        sid: sid.clone(),
        to: to.clone(),
        from: from.clone(),
        body: body.clone(),
    });
    HttpResponse::Created().json(serde_json::json!({
        "sid": sid,
        "status": "queued",
        "to": to,
        "from": from,
        "body": body,
    }))
}

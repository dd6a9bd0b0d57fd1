//! Fallback sign-in over the login-flow API, end to end and on both stacks:
//! a passkey that cannot be used here → `passkey/failure` → the engine's
//! options → `fallback/choose` → `fallback/send` (a real SMTP server, an
//! HTTP SMS provider) → `fallback/verify` → the passkey invitation →
//! `/authorize/resume` → code → `/token` → an ID token whose `amr`/`acr`
//! name the fallback; and what an attacker tries around it.

mod acr;
mod enumeration;
mod events;
mod hostile;
mod logging;
mod methods;
mod signin;
mod steps;

use std::sync::Arc;
use std::time::Duration;

use latchkey_core::User;
use serde_json::{Value, json};

use crate::passkey::{Flow, answer, claims, get_flow, identify, post, start_flow};
use crate::support::authenticator::Authenticator;
use crate::support::browser::{Browser, location, query};
use crate::support::clock::TestClock;
use crate::support::fixtures::REDIRECT_URI;
use crate::support::sms_mock::SmsMock;
use crate::support::smtp::SmtpServer;
use crate::support::{Options, Stack, TestServer, rp};

/// Alice's phone in the tests that text her.
pub const ALICE_PHONE: &str = "+15551230001";

/// A server with real email and SMS delivery, a client, and Alice: one
/// passkey (on another device than the one she signs in on) and a
/// verified email.
pub struct World {
    pub s: TestServer,
    pub clock: Arc<TestClock>,
    pub smtp: SmtpServer,
    pub sms: SmsMock,
    pub client: String,
    pub secret: String,
    pub alice: User,
}

pub async fn start(stack: Stack, test: &str) -> Option<World> {
    let smtp = SmtpServer::start().await;
    let sms = SmsMock::start("AC0123", "sms-Token-1").await;
    let clock = TestClock::new();
    let mut env = smtp.env("Latchkey <login@example.test>");
    env.extend(sms.env("+15550001111"));
    let options = Options {
        clock: Some(clock.clone()),
        env,
        ..Options::default()
    };
    let s = TestServer::start_with(stack, test, options).await?;
    let (client, secret) = s.confidential_client().await;
    let alice = s.user("alice").await;
    s.verify_email(&alice).await;
    Authenticator::new(&s).register(&s, &alice).await;
    Some(World {
        s,
        clock,
        smtp,
        sms,
        client: client.id.0,
        secret,
        alice,
    })
}

macro_rules! world {
    ($stack:expr, $test:expr) => {
        match $crate::fallback::start($stack, $test).await {
            Some(w) => w,
            None => return,
        }
    };
}
pub(crate) use world;

/// What a laptop without Alice's passkey reports after `get()` failed:
/// the prompt found nothing and was closed after a few seconds.
pub fn not_on_this_device() -> Value {
    json!({
        "dom_exception": "NotAllowedError",
        "elapsed_ms": 4200,
        "platform_authenticator_available": true,
        "conditional_mediation_available": true,
        "hybrid_available": true,
    })
}

/// `POST` a fallback-API route of `flow`: status and JSON body.
pub async fn call(
    s: &TestServer,
    b: &mut Browser,
    flow: &Flow,
    route: &str,
    body: Value,
) -> (u16, Value) {
    answer(post(s, b, flow, route, &body).await).await
}

/// Start a flow (with `extra` authorization parameters), identify as
/// `who`, ask for passkey options (which this device cannot answer) and
/// report the failure `report`: the flow and the failure answer.
pub async fn failed_passkey(
    w: &World,
    b: &mut Browser,
    extra: &[(&str, &str)],
    who: &str,
    report: Value,
) -> (Flow, Value) {
    let flow = start_flow(&w.s, b, &w.client, extra).await;
    identify(&w.s, b, &flow, who).await;
    let (status, opts) = call(
        &w.s,
        b,
        &flow,
        "passkey/options",
        json!({"mediation": "modal"}),
    )
    .await;
    assert_eq!(status, 200, "{opts}");
    let mut elsewhere = Authenticator::new(&w.s);
    assert!(
        !elsewhere.can_answer(&opts["public_key"]),
        "this device holds no passkey"
    );
    let (status, failure) = call(&w.s, b, &flow, "passkey/failure", report).await;
    assert_eq!(status, 200, "{failure}");
    (flow, failure)
}

/// Choose `steps`; asserts success and returns the first step.
pub async fn choose(w: &World, b: &mut Browser, flow: &Flow, steps: &[&str]) -> String {
    let (status, body) = call(&w.s, b, flow, "fallback/choose", json!({ "steps": steps })).await;
    assert_eq!(status, 200, "{body}");
    body["next_step"].as_str().unwrap().to_owned()
}

/// `fallback/send`.
pub async fn send(w: &World, b: &mut Browser, flow: &Flow, method: &str) -> (u16, Value) {
    call(&w.s, b, flow, "fallback/send", json!({ "method": method })).await
}

/// `fallback/verify`.
pub async fn verify(
    w: &World,
    b: &mut Browser,
    flow: &Flow,
    method: &str,
    code: &str,
) -> (u16, Value) {
    let body = json!({ "method": method, "code": code });
    call(&w.s, b, flow, "fallback/verify", body).await
}

/// The `n`th message (0-based) to `to` on the SMTP server, waiting for it.
pub async fn nth_mail(w: &World, to: &str, n: usize) -> crate::support::smtp::ReceivedMail {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let mails: Vec<_> = w
            .smtp
            .messages()
            .into_iter()
            .filter(|m| m.rcpt_to.iter().any(|r| r.eq_ignore_ascii_case(to)))
            .collect();
        if let Some(m) = mails.get(n) {
            return m.clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no mail #{n} to {to}: {mails:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The `n`th text message (0-based) to `to`, waiting for it.
pub async fn nth_sms(w: &World, to: &str, n: usize) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let sent: Vec<_> = w.sms.sent().into_iter().filter(|m| m.to == to).collect();
        if let Some(m) = sent.get(n) {
            return m.body.clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no SMS #{n} to {to}: {sent:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The first run of six digits in `text`: the code.
pub fn code_in(text: &str) -> String {
    let digits: Vec<char> = text.chars().collect();
    digits
        .windows(6)
        .enumerate()
        .find(|(i, w)| {
            w.iter().all(char::is_ascii_digit)
                && !(*i > 0 && digits[i - 1].is_ascii_digit())
                && digits.get(i + 6).is_none_or(|c| !c.is_ascii_digit())
        })
        .map(|(_, w)| w.iter().collect())
        .unwrap_or_else(|| panic!("no code in {text:?}"))
}

/// The code of the `n`th email to Alice.
pub async fn alice_code(w: &World, n: usize) -> String {
    code_in(&nth_mail(w, "alice@example.com", n).await.text_body())
}

/// A code that is not `code`.
pub fn other_than(code: &str) -> String {
    let n: u32 = code.parse().unwrap();
    format!("{:06}", (n + 1) % 1_000_000)
}

/// From a completed `verify` to the client: through the passkey
/// invitation when `redirect_to` is one (answered "not now"), then
/// `/authorize/resume`, then `/token`. The ID token's claims.
pub async fn redeem(w: &World, b: &mut Browser, flow: &Flow, redirect_to: &str) -> Value {
    let mut next = redirect_to.to_owned();
    if next.starts_with("/login/nudge?") {
        let page = b.get(&w.s, &next).await;
        assert_eq!(page.status(), 200, "the invitation page");
        let res = b
            .post_form(
                &w.s,
                "/login/nudge",
                &[
                    ("flow", &flow.id),
                    ("csrf_token", &flow.csrf),
                    ("action", "not_now"),
                ],
            )
            .await;
        next = location(&res);
    }
    assert_eq!(next, format!("/authorize/resume?flow={}", flow.id));
    let back = location(&b.get(&w.s, &next).await);
    assert!(back.starts_with(REDIRECT_URI), "{back}");
    let params = query(&back);
    let code = params
        .get("code")
        .unwrap_or_else(|| panic!("no code: {back}"));
    let res = rp::exchange(&w.s, &w.client, &w.secret, code, &flow.verifier).await;
    assert_eq!(res.status(), 200);
    let tokens: Value = res.json().await.unwrap();
    claims(tokens["id_token"].as_str().unwrap())
}

/// The steps of each option of a decision or a `next` list.
pub fn steps_of(options: &Value) -> Vec<Vec<String>> {
    options
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            o["steps"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().to_owned())
                .collect()
        })
        .collect()
}

/// The flow's state as `GET /api/login/flows/{id}` shows it.
pub async fn flow_state(w: &World, b: &Browser, flow: &Flow) -> String {
    let (_, view) = answer(get_flow(&w.s, b, &flow.id).await).await;
    view["state"].as_str().unwrap_or_default().to_owned()
}

/// An email-code flow for Alice up to a sent code: `(flow, code)`.
pub async fn email_code_sent(w: &World, b: &mut Browser, n: usize) -> (Flow, String) {
    let (flow, _) = failed_passkey(w, b, &[], "alice", not_on_this_device()).await;
    choose(w, b, &flow, &["email_code"]).await;
    let (status, sent) = send(w, b, &flow, "email_code").await;
    assert_eq!(status, 200, "{sent}");
    (flow, alice_code(w, n).await)
}

//! Log lines written off the request (email delivery runs in the
//! background) still carry the request's id, so an operator can follow a
//! sign-in from the request to the mail server's answer.

use std::io;
use std::sync::{Mutex, Once};
use std::time::Duration;

use super::*;

/// Delivery log lines (those with a `channel` field) of this test process,
/// as JSON like `log.format = "json"` writes them.
static DELIVERY_LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let line = String::from_utf8_lossy(buf);
        if line.contains("\"channel\"") {
            DELIVERY_LINES
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(line.into_owned());
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The server's JSON log format (`telemetry.rs`), into [`DELIVERY_LINES`]:
/// the request span and delivery events only, so the other tests of this
/// process (the subscriber is global) format nothing.
fn capture_logs() {
    use tracing_subscriber::layer::SubscriberExt as _;
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let only = tracing_subscriber::filter::Targets::new()
            .with_target(
                "latchkey_server::middleware::request_id",
                tracing::Level::INFO,
            )
            .with_target("latchkey_server::delivery", tracing::Level::INFO);
        let json = tracing_subscriber::fmt::layer()
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .flatten_event(true)
            .with_writer(|| Capture);
        let subscriber = tracing_subscriber::registry().with(json).with(only);
        tracing::subscriber::set_global_default(subscriber).unwrap();
    });
}

/// The delivery lines logged in the request `request_id`.
fn lines_of(request_id: &str) -> Vec<Value> {
    let lines = DELIVERY_LINES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    lines
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l["span"]["request_id"] == request_id)
        .collect()
}

async fn email_delivery_is_logged_with_the_request_id(stack: Stack, test: &str) {
    capture_logs();
    let w = world!(stack, test);
    let mut b = Browser::default();
    let (flow, _) = failed_passkey(&w, &mut b, &[], "alice", not_on_this_device()).await;
    choose(&w, &mut b, &flow, &["email_code"]).await;
    let res = post(
        &w.s,
        &mut b,
        &flow,
        "fallback/send",
        &json!({"method": "email_code"}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let request_id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    nth_mail(&w, "alice@example.com", 0).await;

    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let line = loop {
        if let Some(line) = lines_of(&request_id).into_iter().next() {
            break line;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no delivery line carries request id {request_id}: {:?}",
            DELIVERY_LINES
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(line["message"], "email handed to the SMTP server", "{line}");
    assert_eq!(line["channel"], "email", "{line}");
    let path = line["span"]["path"].as_str().unwrap_or_default();
    assert!(path.ends_with("/fallback/send"), "{line}");
}

crate::stack_tests!(email_delivery_is_logged_with_the_request_id);

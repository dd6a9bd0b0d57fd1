//! Recording sign-in events (the `auth_events` table).
//!
//! An event that cannot be written is logged and dropped: analytics must
//! never turn a working sign-in into a failed one. Every event is also a
//! structured log line (`event=…`), so a node's log tells the same story
//! while the database is away. Handlers count and log an event at once and
//! hand it to the [`EventWriter`], which writes events in batches.

mod writer;

pub use writer::{EventWriter, LINGER, MAX_BATCH};

use actix_web::HttpRequest;
use actix_web::http::header::USER_AGENT;
use latchkey_fallback::repo::{EventKind, NewEvent, Outcome};
use latchkey_oidc::flow::LoginFlow;

use crate::state::AppState;

/// Start an event of `kind` at the current time.
#[must_use]
pub fn new(state: &AppState, kind: EventKind, outcome: Outcome) -> NewEvent {
    NewEvent::new(state.clock.now(), kind, outcome)
}

/// Start an event about a login flow: its client, user (if identified)
/// and the requesting device's class.
#[must_use]
pub fn for_flow(
    state: &AppState,
    req: &HttpRequest,
    flow: &LoginFlow,
    kind: EventKind,
    outcome: Outcome,
) -> NewEvent {
    let mut e = new(state, kind, outcome)
        .client(flow.request.client_id.0.clone())
        .flow(flow.id.clone())
        .device_class(device_class(req));
    if let Some(user) = &flow.identified_user {
        e = e.user(user);
    }
    e
}

/// Write `event`, logging instead of failing, and count it (the metrics'
/// sign-in series are fed here, so they tell the same story as the table).
pub async fn record(state: &AppState, event: NewEvent) {
    record_all(state, vec![event]).await;
}

/// Count and log each of `events` now and queue them to be written
/// together, in order (see [`EventWriter`]); never fails.
pub async fn record_all(state: &AppState, events: Vec<NewEvent>) {
    for event in &events {
        state.metrics.event(event);
        tracing::info!(
            event = event.kind.as_str(),
            outcome = event.outcome.as_str(),
            method = event.method.as_deref().unwrap_or("-"),
            reason = event.reason.as_deref().unwrap_or("-"),
            flow_id = event.flow_id.as_deref().unwrap_or("-"),
            "sign-in event"
        );
    }
    state.events.submit(events).await;
}

/// A coarse device class from the User-Agent (`mobile`, `tablet`,
/// `desktop`, or `unknown`): enough to see where fallbacks happen, without
/// storing a fingerprint.
#[must_use]
pub fn device_class(req: &HttpRequest) -> &'static str {
    let Some(ua) = req.headers().get(USER_AGENT).and_then(|v| v.to_str().ok()) else {
        return "unknown";
    };
    let ua = ua.to_ascii_lowercase();
    if ua.contains("ipad") || ua.contains("tablet") {
        "tablet"
    } else if ua.contains("mobile") || ua.contains("iphone") || ua.contains("android") {
        "mobile"
    } else if ua.contains("windows")
        || ua.contains("macintosh")
        || ua.contains("x11")
        || ua.contains("linux")
    {
        "desktop"
    } else {
        "unknown"
    }
}

//! Prometheus metrics: one registry per server (in [`crate::AppState`]),
//! served at `/metrics` (see `docs/observability.md` for every series).
//!
//! Recording never fails and never blocks on I/O: counters are atomics,
//! label values come from fixed sets ([`labels`]), and the pool gauges are
//! read only when Prometheus scrapes.

pub mod labels;
mod pool;
pub mod store_errors;

use std::time::Duration;

use latchkey_fallback::repo::{EventKind, NewEvent};
use latchkey_store::Db;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

pub use store_errors::StoreError;

/// The prefix of every series.
pub const PREFIX: &str = "latchkey";

/// The `Content-Type` of `/metrics` (Prometheus text format 0.0.4).
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// Request latency buckets, in seconds: 1 ms to 10 s. A passkey
/// verification or an argon2 check takes tens of milliseconds; seconds
/// mean a store is struggling.
const LATENCY_BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    route: String,
    method: &'static str,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EventLabels {
    kind: &'static str,
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SignInLabels {
    method: String,
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FallbackLabels {
    reason: &'static str,
    method: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct NudgeLabels {
    action: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct GrantLabels {
    grant_type: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StoreLabels {
    store: &'static str,
    kind: &'static str,
}

fn latency_histogram() -> Histogram {
    Histogram::new(LATENCY_BUCKETS)
}

/// The registry and the series recorded into it.
#[derive(Debug)]
pub struct Metrics {
    /// `metrics.enabled`: when off, recording does nothing.
    enabled: bool,
    registry: Registry,
    http_requests: Family<HttpLabels, Counter>,
    http_duration: Family<HttpLabels, Histogram, fn() -> Histogram>,
    events: Family<EventLabels, Counter>,
    sign_ins: Family<SignInLabels, Counter>,
    fallbacks: Family<FallbackLabels, Counter>,
    nudges: Family<NudgeLabels, Counter>,
    tokens: Family<GrantLabels, Counter>,
    store_errors: Family<StoreLabels, Counter>,
}

impl Metrics {
    /// A registry with every series, the pool gauges reading `db`;
    /// recording does nothing unless `enabled`.
    #[must_use]
    pub fn new(enabled: bool, db: Option<Db>) -> Self {
        let mut registry = Registry::with_prefix(PREFIX);
        let http_requests = Family::<HttpLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route pattern, method and status",
            http_requests.clone(),
        );
        let http_duration =
            Family::<HttpLabels, Histogram, fn() -> Histogram>::new_with_constructor(
                latency_histogram,
            );
        registry.register(
            "http_request_duration_seconds",
            "Time from receiving a request to its response head, by route pattern, method and status",
            http_duration.clone(),
        );
        let events = Family::<EventLabels, Counter>::default();
        registry.register(
            "sign_in_events",
            "Sign-in events recorded (the auth_events table), by kind and outcome",
            events.clone(),
        );
        let sign_ins = Family::<SignInLabels, Counter>::default();
        registry.register(
            "sign_ins",
            "Sign-in attempts that ended, by method (passkey or the fallback used) and outcome (success, failure)",
            sign_ins.clone(),
        );
        let fallbacks = Family::<FallbackLabels, Counter>::default();
        registry.register(
            "fallbacks",
            "Sign-ins completed by a fallback method, by the passkey failure that led there and the method",
            fallbacks.clone(),
        );
        let nudges = Family::<NudgeLabels, Counter>::default();
        registry.register(
            "passkey_nudges",
            "Invitations to create a passkey after a fallback, by action (shown, accepted, declined)",
            nudges.clone(),
        );
        let tokens = Family::<GrantLabels, Counter>::default();
        registry.register(
            "tokens_issued",
            "Successful token responses, by grant type",
            tokens.clone(),
        );
        let store_errors = Family::<StoreLabels, Counter>::default();
        registry.register(
            "store_errors",
            "Store failures met while handling requests or recording events, by store (database, ephemeral) and kind",
            store_errors.clone(),
        );
        if let Some(db) = db.filter(|_| enabled) {
            registry.register_collector(Box::new(pool::PoolCollector::new(db)));
        }
        Self {
            enabled,
            registry,
            http_requests,
            http_duration,
            events,
            sign_ins,
            fallbacks,
            nudges,
            tokens,
            store_errors,
        }
    }

    /// One answered request. `route` is the matched pattern (see
    /// [`labels::route`]), `method` the request's method.
    pub fn http_request(&self, route: String, method: &str, status: u16, elapsed: Duration) {
        if !self.enabled {
            return;
        }
        let labels = HttpLabels {
            route,
            method: labels::http_method(method),
            status,
        };
        self.http_requests.get_or_create(&labels).inc();
        self.http_duration
            .get_or_create(&labels)
            .observe(elapsed.as_secs_f64());
    }

    /// A sign-in event on its way to the events table
    /// ([`crate::events::record`], the one place every event passes).
    pub fn event(&self, event: &NewEvent) {
        if !self.enabled {
            return;
        }
        self.events
            .get_or_create(&EventLabels {
                kind: event.kind.as_str(),
                outcome: event.outcome.as_str(),
            })
            .inc();
        let method = || labels::method(event.method.as_deref());
        let reason = labels::reason(event.reason.as_deref());
        let sign_in = |outcome| SignInLabels {
            method: method(),
            outcome,
        };
        match event.kind {
            EventKind::PasskeySucceeded => {
                self.sign_ins.get_or_create(&sign_in("success")).inc();
            }
            EventKind::PasskeyFailed => {
                let labels = SignInLabels {
                    method: "passkey".to_owned(),
                    outcome: "failure",
                };
                self.sign_ins.get_or_create(&labels).inc();
            }
            EventKind::FallbackSucceeded => {
                self.sign_ins.get_or_create(&sign_in("success")).inc();
                self.fallbacks
                    .get_or_create(&FallbackLabels {
                        reason,
                        method: method(),
                    })
                    .inc();
            }
            EventKind::FallbackFailed => {
                self.sign_ins.get_or_create(&sign_in("failure")).inc();
            }
            EventKind::NudgeShown | EventKind::NudgeAccepted | EventKind::NudgeDeclined => {
                let action = match event.kind {
                    EventKind::NudgeShown => "shown",
                    EventKind::NudgeAccepted => "accepted",
                    _ => "declined",
                };
                self.nudges.get_or_create(&NudgeLabels { action }).inc();
            }
            _ => {}
        }
    }

    /// A token response sent for `grant_type` (`GrantType::as_str`).
    pub fn token_issued(&self, grant_type: &'static str) {
        if !self.enabled {
            return;
        }
        self.tokens.get_or_create(&GrantLabels { grant_type }).inc();
    }

    /// `n` store failures of one kind.
    pub fn store_errors(&self, error: StoreError, n: u32) {
        if !self.enabled {
            return;
        }
        self.store_errors
            .get_or_create(&StoreLabels {
                store: error.store(),
                kind: error.kind(),
            })
            .inc_by(u64::from(n));
    }

    /// Every series in the Prometheus text format.
    ///
    /// # Errors
    /// Only if formatting fails, which writing to a `String` does not.
    pub fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut text = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use latchkey_core::UnixTime;
    use latchkey_fallback::repo::Outcome;

    use super::*;

    fn event(kind: EventKind, outcome: Outcome) -> NewEvent {
        NewEvent::new(UnixTime(1), kind, outcome)
    }

    #[test]
    fn events_feed_their_series_with_clamped_labels() {
        let m = Metrics::new(true, None);
        m.event(&event(EventKind::PasskeySucceeded, Outcome::Ok).method("passkey_synced"));
        m.event(
            &event(EventKind::FallbackSucceeded, Outcome::Ok)
                .method("email_code")
                .reason("no_passkey_on_this_device"),
        );
        m.event(
            &event(EventKind::FallbackFailed, Outcome::Failed)
                .method("refused:\"}\nfake 1")
                .reason("anything at all"),
        );
        m.event(&event(EventKind::NudgeShown, Outcome::Info));
        m.token_issued("authorization_code");
        m.store_errors(StoreError::EphemeralUnavailable, 2);
        m.http_request("/token".into(), "BREW", 200, Duration::from_millis(3));
        let text = m.encode().unwrap_or_default();
        for line in [
            "latchkey_sign_ins_total{method=\"passkey\",outcome=\"success\"} 1",
            "latchkey_sign_ins_total{method=\"email_code\",outcome=\"success\"} 1",
            "latchkey_sign_ins_total{method=\"other\",outcome=\"failure\"} 1",
            "latchkey_fallbacks_total{reason=\"no_passkey_on_this_device\",method=\"email_code\"} 1",
            "latchkey_passkey_nudges_total{action=\"shown\"} 1",
            "latchkey_sign_in_events_total{kind=\"nudge_shown\",outcome=\"info\"} 1",
            "latchkey_tokens_issued_total{grant_type=\"authorization_code\"} 1",
            "latchkey_store_errors_total{store=\"ephemeral\",kind=\"unavailable\"} 2",
            "latchkey_http_requests_total{route=\"/token\",method=\"other\",status=\"200\"} 1",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing in\n{text}");
        }
        assert!(!text.contains("fake"), "{text}");

        let off = Metrics::new(false, None);
        off.event(&event(EventKind::PasskeySucceeded, Outcome::Ok));
        off.token_issued("refresh_token");
        let text = off.encode().unwrap_or_default();
        assert!(text.lines().all(|l| l.starts_with('#')), "{text}");
    }
}

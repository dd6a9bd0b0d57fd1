//! `/metrics` on a running server: the series a passkey sign-in, a token
//! request and an email-code fallback leave, the scrape token, and that
//! the output is valid Prometheus text. Trace export is in `otlp`.

mod otlp;

use std::collections::BTreeMap;

use crate::passkey::{self, answer, options, start_flow};
use crate::support::browser::Browser;
use crate::support::{Options, Stack, TestServer};

/// One sample of the text format.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// `k="v",…` with the format's escapes (`\\`, `\"`, `\n`).
fn parse_labels(mut rest: &str, line: &str) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    while !rest.is_empty() {
        let (key, after) = rest.split_once("=\"").unwrap_or_else(|| panic!("{line}"));
        assert!(is_name(key), "label name {key:?} in {line}");
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next() {
                Some((_, '\\')) => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, c @ ('\\' | '"'))) => value.push(c),
                    other => panic!("bad escape {other:?} in {line}"),
                },
                Some((i, '"')) => break i,
                Some((_, c)) => value.push(c),
                None => panic!("unterminated label value in {line}"),
            }
        };
        assert!(labels.insert(key.to_owned(), value).is_none(), "{line}");
        rest = &after[end + 1..];
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
    labels
}

/// Parse the Prometheus text format (0.0.4) strictly enough to catch a
/// broken exposition: `# HELP`/`# TYPE` before their samples, valid names,
/// labels and values, no sample twice.
fn parse(text: &str) -> Vec<Sample> {
    let mut types: BTreeMap<String, String> = BTreeMap::new();
    let mut samples: Vec<Sample> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            assert!(is_name(name), "{line}");
            assert!(
                ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                "{line}"
            );
            assert!(
                types.insert(name.to_owned(), kind.to_owned()).is_none(),
                "{line}"
            );
            continue;
        }
        if line.starts_with("# HELP ") || line.starts_with('#') {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{line}"));
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("value in {line}")),
        };
        let (name, labels) = match series.split_once('{') {
            Some((name, rest)) => (name, parse_labels(rest.strip_suffix('}').unwrap(), line)),
            None => (series, BTreeMap::new()),
        };
        assert!(is_name(name), "{line}");
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| {
                name.strip_suffix(s)
                    .filter(|f| types.get(*f).map(String::as_str) == Some("histogram"))
            })
            .unwrap_or(name);
        assert!(types.contains_key(family), "no # TYPE before {line}");
        assert!(seen.insert(series.to_owned()), "sample twice: {line}");
        samples.push(Sample {
            name: name.to_owned(),
            labels,
            value,
        });
    }
    samples
}

/// The sum of the samples of `name` whose labels include `labels`.
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    samples
        .iter()
        .filter(|s| s.name == name)
        .filter(|s| {
            labels
                .iter()
                .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|s| s.value)
        .sum()
}

async fn scrape(s: &TestServer) -> (String, Vec<Sample>) {
    let res = s.get("/metrics").await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let text = res.text().await.unwrap();
    let samples = parse(&text);
    (text, samples)
}

async fn passkey_sign_in_and_token_are_counted(stack: Stack, test: &str) {
    let Some(mut w) = passkey::world(stack, test).await else {
        return;
    };
    let mut b = Browser::default();
    let flow = start_flow(&w.s, &mut b, &w.client, &[]).await;
    let (ceremony, public_key) = options(&w.s, &mut b, &flow, "modal").await;
    let assertion = w.device.answer(&public_key, &w.key);
    let (status, body) =
        answer(passkey::verify(&w.s, &mut b, &flow, &ceremony, &assertion).await).await;
    assert_eq!(status, 200, "{body}");
    let id_token = passkey::redeem(&w, &mut b, &flow, body["redirect_to"].as_str().unwrap()).await;
    assert_eq!(id_token["sub"], w.alice.id.0.as_str());

    let (text, m) = scrape(&w.s).await;
    let requests = "latchkey_http_requests_total";
    assert!(
        value(&m, requests, &[("route", "/authorize"), ("method", "GET")]) >= 1.0,
        "{text}"
    );
    assert_eq!(
        value(
            &m,
            requests,
            &[("route", "/token"), ("method", "POST"), ("status", "200")]
        ),
        1.0,
        "{text}"
    );
    assert!(
        value(
            &m,
            requests,
            &[
                ("route", "/api/login/flows/{id}/passkey/verify"),
                ("status", "200")
            ]
        ) >= 1.0,
        "route patterns, not paths: {text}"
    );
    assert!(
        !text.contains(&flow.id),
        "no raw path (with its flow id) is a label"
    );
    assert_eq!(
        value(
            &m,
            "latchkey_http_request_duration_seconds_count",
            &[("route", "/token"), ("status", "200")]
        ),
        1.0
    );
    assert_eq!(
        value(
            &m,
            "latchkey_sign_ins_total",
            &[("method", "passkey"), ("outcome", "success")]
        ),
        1.0,
        "{text}"
    );
    assert_eq!(
        value(
            &m,
            "latchkey_tokens_issued_total",
            &[("grant_type", "authorization_code")]
        ),
        1.0
    );
    assert_eq!(
        value(
            &m,
            "latchkey_sign_in_events_total",
            &[("kind", "passkey_succeeded")]
        ),
        1.0
    );
    assert!(
        value(&m, "latchkey_db_pool_max_connections", &[]) >= 1.0,
        "{text}"
    );
    let open = value(&m, "latchkey_db_pool_connections", &[]);
    assert!(open >= 1.0, "{text}");

    // A failed token request is no token issued.
    let res =
        crate::support::rp::exchange(&w.s, &w.client, &w.secret, "nope", &flow.verifier).await;
    assert_eq!(res.status(), 400);
    let (_, m) = scrape(&w.s).await;
    assert_eq!(value(&m, "latchkey_tokens_issued_total", &[]), 1.0);
    assert_eq!(
        value(&m, requests, &[("route", "/token"), ("status", "400")]),
        1.0
    );
}

async fn email_code_fallback_is_counted_by_reason_and_method(stack: Stack, test: &str) {
    let w = crate::fallback::world!(stack, test);
    let mut b = Browser::default();
    let (flow, code) = crate::fallback::email_code_sent(&w, &mut b, 0).await;
    let (status, done) = crate::fallback::verify(&w, &mut b, &flow, "email_code", &code).await;
    assert_eq!(status, 200, "{done}");
    let redirect_to = done["redirect_to"].as_str().unwrap();
    crate::fallback::redeem(&w, &mut b, &flow, redirect_to).await;

    let (text, m) = scrape(&w.s).await;
    assert_eq!(
        value(
            &m,
            "latchkey_fallbacks_total",
            &[
                ("reason", "no_passkey_on_this_device"),
                ("method", "email_code")
            ]
        ),
        1.0,
        "{text}"
    );
    assert_eq!(
        value(
            &m,
            "latchkey_sign_ins_total",
            &[("method", "email_code"), ("outcome", "success")]
        ),
        1.0
    );
    assert_eq!(
        value(
            &m,
            "latchkey_sign_ins_total",
            &[("method", "passkey"), ("outcome", "success")]
        ),
        0.0
    );
    assert_eq!(
        value(&m, "latchkey_passkey_nudges_total", &[("action", "shown")]),
        1.0,
        "{text}"
    );
    assert_eq!(
        value(
            &m,
            "latchkey_passkey_nudges_total",
            &[("action", "declined")]
        ),
        1.0
    );
    assert_eq!(
        value(
            &m,
            "latchkey_sign_in_events_total",
            &[("kind", "fallback_succeeded"), ("outcome", "ok")]
        ),
        1.0
    );
    assert_eq!(
        value(
            &m,
            "latchkey_tokens_issued_total",
            &[("grant_type", "authorization_code")]
        ),
        1.0
    );
}

async fn scrapes_need_the_bearer_token_when_one_is_set(stack: Stack, test: &str) {
    const TOKEN: &str = "scrape-token-0123456789abcdef";
    let options = Options {
        env: vec![("LATCHKEY_METRICS__BEARER_TOKEN", TOKEN.to_owned())],
        ..Options::default()
    };
    let Some(s) = TestServer::start_with(stack, test, options).await else {
        return;
    };
    let url = format!("{}/metrics", s.base);
    let res = s.get("/metrics").await;
    assert_eq!(res.status(), 401);
    assert!(
        res.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer ")
    );
    for wrong in [
        "Bearer nope",
        "Basic c2NyYXBlOnRva2Vu",
        "Bearer ",
        "Bearer scrape-token-0123456789abcdeF",
    ] {
        let res = s
            .http
            .get(&url)
            .header("authorization", wrong)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{wrong}");
    }
    let res = s.http.get(&url).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    let m = parse(&text);
    // The refused scrapes were counted like any request.
    assert_eq!(
        value(
            &m,
            "latchkey_http_requests_total",
            &[("route", "/metrics"), ("status", "401")]
        ),
        5.0,
        "{text}"
    );

    // Every server keeps its own counts, and off means 404.
    let options = Options {
        env: vec![("LATCHKEY_METRICS__ENABLED", "false".to_owned())],
        ..Options::default()
    };
    let Some(off) = TestServer::start_with(stack, &format!("{test}_off"), options).await else {
        return;
    };
    assert_eq!(off.get("/metrics").await.status(), 404);
    assert_eq!(off.get("/healthz").await.status(), 200);
    let m = parse(&off.state.metrics.encode().unwrap());
    assert_eq!(value(&m, "latchkey_http_requests_total", &[]), 0.0);
}

async fn unmatched_paths_and_methods_stay_bounded(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    for i in 0..5 {
        assert_eq!(s.get(&format!("/no/such/{i}")).await.status(), 404);
    }
    let odd = reqwest::Method::from_bytes(b"BREW").unwrap();
    let res = s
        .http
        .request(odd, format!("{}/healthz", s.base))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error());
    let (text, m) = scrape(&s).await;
    assert_eq!(
        value(
            &m,
            "latchkey_http_requests_total",
            &[("route", "unmatched"), ("status", "404")]
        ),
        5.0,
        "{text}"
    );
    assert!(!text.contains("/no/such"), "{text}");
    assert!(!text.contains("BREW"), "{text}");
    assert_eq!(
        value(
            &m,
            "latchkey_http_requests_total",
            &[("route", "/healthz"), ("method", "other")]
        ),
        1.0,
        "{text}"
    );
}

/// Redis away: the requests that needed it answer 503, and the store
/// errors are counted by store and kind.
#[actix_web::test]
async fn store_errors_are_counted() {
    let redis = reqwest::Url::parse(&latchkey_store::testing::redis_url())
        .unwrap()
        .socket_addrs(|| Some(6379))
        .unwrap()[0];
    let proxy = crate::support::proxy::Proxy::start(redis).await;
    let options = Options {
        redis_via: Some(proxy.addr),
        ..Options::default()
    };
    let Some(s) = TestServer::start_with(Stack::Shared, "metrics_store_errors", options).await
    else {
        return;
    };
    let (client, _) = s.confidential_client().await;
    let (_, challenge) = crate::support::rp::pkce();
    let authorize = crate::support::rp::authorize_url(&s, &client.id.0, &challenge, &[]);
    proxy.cut().await;
    // A new login flow goes into the ephemeral store.
    let res = s
        .get(authorize.strip_prefix(&s.base).unwrap_or(&authorize))
        .await;
    assert_eq!(res.status(), 503);
    proxy.restore();
    let (text, m) = scrape(&s).await;
    assert!(
        value(
            &m,
            "latchkey_store_errors_total",
            &[("store", "ephemeral"), ("kind", "unavailable")]
        ) >= 1.0,
        "{text}"
    );
    assert_eq!(
        value(&m, "latchkey_store_errors_total", &[("store", "database")]),
        0.0
    );
    assert_eq!(
        value(
            &m,
            "latchkey_http_requests_total",
            &[("route", "/authorize"), ("status", "503")]
        ),
        1.0,
        "{text}"
    );
}

#[test]
fn the_parser_rejects_broken_text() {
    let ok = "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"1\\\"2\"} 3\n";
    assert_eq!(parse(ok)[0].labels["x"], "1\"2");
    for broken in [
        "a_total 1\n",
        "# TYPE a counter\na{x=\"1} 1\n",
        "# TYPE a counter\na one\n",
        "# TYPE a counter\na 1\na 2\n",
    ] {
        assert!(
            std::panic::catch_unwind(|| parse(broken)).is_err(),
            "{broken}"
        );
    }
}

crate::stack_tests!(
    passkey_sign_in_and_token_are_counted,
    email_code_fallback_is_counted_by_reason_and_method,
    scrapes_need_the_bearer_token_when_one_is_set,
    unmatched_paths_and_methods_stay_bounded,
);

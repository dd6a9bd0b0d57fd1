//! Trace export: a tiny OTLP/HTTP collector on a loopback port receives
//! the request spans, as protobuf, when `telemetry.otlp_endpoint` names it.
//!
//! The exporter is the server's own (`Telemetry::from_config`), installed
//! for this thread only and the application driven on this thread, since
//! the process-wide subscriber is shared by every test. Shutting the
//! exporter down flushes its batch, so the test waits for one export, not
//! for a batch timer.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;

use actix_web::test::{TestRequest, call_service, init_service};
use latchkey_server::telemetry::Telemetry;

use crate::support::{Options, Stack, TestServer};

/// One POST the collector received.
#[derive(Debug)]
struct Export {
    path: String,
    content_type: String,
    body: Vec<u8>,
}

/// A collector on its own thread (the exporter blocks while it sends, so
/// it cannot share the test's runtime thread).
fn collector() -> (String, mpsc::Receiver<Export>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let path = line.split(' ').nth(1).unwrap_or_default().to_owned();
            let (mut length, mut content_type) = (0usize, String::new());
            loop {
                let mut header = String::new();
                reader.read_line(&mut header).unwrap();
                let header = header.trim_end();
                if header.is_empty() {
                    break;
                }
                let (name, value) = header.split_once(':').unwrap();
                match name.to_ascii_lowercase().as_str() {
                    "content-length" => length = value.trim().parse().unwrap(),
                    "content-type" => value.trim().clone_into(&mut content_type),
                    _ => {}
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            );
            if tx
                .send(Export {
                    path,
                    content_type,
                    body,
                })
                .is_err()
            {
                return;
            }
        }
    });
    (base, rx)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

async fn request_spans_reach_the_collector(stack: Stack, test: &str) {
    let (base, exports) = collector();
    let options = Options {
        env: vec![
            ("LATCHKEY_TELEMETRY__OTLP_ENDPOINT", base),
            (
                "LATCHKEY_TELEMETRY__SERVICE_NAME",
                "latchkey-e2e".to_owned(),
            ),
        ],
        ..Options::default()
    };
    let Some(s) = TestServer::start_with(stack, test, options).await else {
        return;
    };
    let telemetry = Telemetry::from_config(&s.state.config.telemetry).unwrap();
    assert!(telemetry.is_enabled());
    // The caller's trace, continued by the server's span.
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    {
        let _exporting = telemetry.set_thread_default();
        let app = init_service(latchkey_server::app(s.state.clone())).await;
        let req = TestRequest::get()
            .uri("/healthz")
            .insert_header(("traceparent", format!("00-{trace_id}-00f067aa0ba902b7-01")))
            .to_request();
        assert_eq!(call_service(&app, req).await.status(), 200);
        let req = TestRequest::post().uri("/token").to_request();
        assert!(call_service(&app, req).await.status().is_client_error());
    }
    // Flushes the batch; blocks until the collector answered.
    telemetry.shutdown();

    let mut body = Vec::new();
    while let Ok(export) = exports.recv_timeout(Duration::from_secs(10)) {
        assert_eq!(export.path, "/v1/traces");
        assert_eq!(export.content_type, "application/x-protobuf");
        assert!(!export.body.is_empty());
        body.extend(export.body);
        if contains(&body, b"POST /token") && contains(&body, b"GET /healthz") {
            break;
        }
    }
    assert!(
        contains(&body, b"GET /healthz"),
        "the span is named after the route"
    );
    assert!(contains(&body, b"POST /token"));
    assert!(contains(&body, b"latchkey-e2e"), "service.name");
    assert!(contains(&body, b"http.route"));
    assert!(contains(&body, b"http.response.status_code"));
    let trace_bytes: Vec<u8> = (0..trace_id.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&trace_id[i..i + 2], 16).unwrap())
        .collect();
    assert!(
        contains(&body, &trace_bytes),
        "the incoming traceparent's trace id"
    );
}

async fn no_endpoint_no_exporter(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    assert!(s.state.config.telemetry.otlp_endpoint.is_none());
    let telemetry = Telemetry::from_config(&s.state.config.telemetry).unwrap();
    assert!(!telemetry.is_enabled());
    telemetry.shutdown();
}

crate::stack_tests!(request_spans_reach_the_collector, no_endpoint_no_exporter);

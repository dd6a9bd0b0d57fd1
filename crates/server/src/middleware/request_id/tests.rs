//! The access line: one per request at `info`, `debug` for successful
//! answers on the quiet paths, and a failed quiet path still at `info`
//! with its request id.

use std::io;
use std::sync::{Arc, Mutex};

use actix_web::middleware::from_fn;
use actix_web::{App, HttpResponse, test, web};
use tracing_subscriber::layer::SubscriberExt as _;

use super::*;

#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<u8>>>);

impl io::Write for Lines {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Lines {
    fn text(&self) -> String {
        let bytes = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

/// Requests `paths` (with request ids `r0`, `r1`, …) through the middleware
/// with the log filtered at `level`; returns the log text.
async fn log_of(level: tracing::Level, paths: &[&str]) -> String {
    let lines = Lines::default();
    let writer = lines.clone();
    let subscriber = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(move || writer.clone()),
        )
        .with(tracing_subscriber::filter::LevelFilter::from_level(level));
    let _guard = tracing::subscriber::set_default(subscriber);
    let app = test::init_service(
        App::new()
            .wrap(from_fn(request_id))
            .route(
                "/.well-known/openid-configuration",
                web::get().to(|| async { HttpResponse::Ok().finish() }),
            )
            .route(
                "/jwks",
                web::get().to(|| async { HttpResponse::ServiceUnavailable().finish() }),
            )
            .route(
                "/api/thing",
                web::get().to(|| async { HttpResponse::Ok().finish() }),
            ),
    )
    .await;
    for (i, path) in paths.iter().enumerate() {
        let req = test::TestRequest::get()
            .uri(path)
            .insert_header((X_REQUEST_ID, format!("r{i}")))
            .to_request();
        let res = test::call_service(&app, req).await;
        assert_eq!(
            res.headers()
                .get(X_REQUEST_ID)
                .and_then(|v| v.to_str().ok()),
            Some(format!("r{i}").as_str())
        );
    }
    lines.text()
}

fn handled_lines(log: &str) -> Vec<&str> {
    log.lines().filter(|l| l.contains("handled")).collect()
}

#[actix_web::test]
async fn successful_quiet_paths_log_at_debug_only() {
    let paths = ["/.well-known/openid-configuration", "/api/thing", "/nope"];
    let info = log_of(tracing::Level::INFO, &paths).await;
    let lines = handled_lines(&info);
    assert_eq!(lines.len(), 2, "{info}");
    assert!(lines[0].contains("request_id=r1") && lines[0].contains("path=/api/thing"));
    assert!(lines[1].contains("request_id=r2") && lines[1].contains("status=404"));
    assert!(!info.contains("openid-configuration"), "{info}");

    let debug = log_of(tracing::Level::DEBUG, &paths).await;
    let lines = handled_lines(&debug);
    assert_eq!(lines.len(), 3, "{debug}");
    assert!(lines[0].contains("DEBUG") && lines[0].contains("request_id=r0"));
    assert!(lines[0].contains("path=/.well-known/openid-configuration"));
    assert!(lines[0].contains("status=200"));
}

#[actix_web::test]
async fn a_failed_quiet_path_logs_at_info_with_its_request_id() {
    let info = log_of(tracing::Level::INFO, &["/jwks"]).await;
    let lines = handled_lines(&info);
    assert_eq!(lines.len(), 1, "{info}");
    assert!(lines[0].contains("INFO"), "{info}");
    for field in ["request_id=r0", "method=GET", "path=/jwks", "status=503"] {
        assert!(lines[0].contains(field), "{field} missing: {info}");
    }

    // With `debug` on, the span is there and carries the fields once.
    let debug = log_of(tracing::Level::DEBUG, &["/jwks"]).await;
    let lines = handled_lines(&debug);
    assert_eq!(lines.len(), 1, "{debug}");
    assert!(lines[0].contains("INFO") && lines[0].contains("request_id=r0"));
    assert_eq!(lines[0].matches("request_id=").count(), 1, "{debug}");
}

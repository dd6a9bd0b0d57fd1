//! Probes, headers, request ids and error format on a running server.

use crate::support::{Options, Stack, TestServer};

async fn healthz_and_readyz_answer(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let res = s.get("/healthz").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let res = s.get("/readyz").await;
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(
        body,
        serde_json::json!({"status": "ok", "database": "ok", "ephemeral": "ok"})
    );
}

async fn every_response_has_security_headers(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    for path in ["/healthz", "/readyz", "/no/such/page"] {
        let res = s.get(path).await;
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "no-referrer");
        assert_eq!(h["x-frame-options"], "DENY");
        // The issuer is http (loopback), so no HSTS.
        assert!(h.get("strict-transport-security").is_none());
    }
}

/// An https issuer (TLS ends at the load balancer) adds HSTS to every
/// response, pages and API alike.
async fn https_issuer_adds_hsts(stack: Stack, test: &str) {
    let options = Options {
        env: vec![("LATCHKEY_ISSUER", "https://id.example.test".to_owned())],
        ..Options::default()
    };
    let Some(s) = TestServer::start_with(stack, test, options).await else {
        return;
    };
    for path in [
        "/healthz",
        "/.well-known/openid-configuration",
        "/no/such/page",
    ] {
        let res = s.get(path).await;
        assert_eq!(
            res.headers()["strict-transport-security"],
            "max-age=63072000; includeSubDomains",
            "{path}"
        );
    }
    let discovery: serde_json::Value = s
        .get("/.well-known/openid-configuration")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(discovery["issuer"], "https://id.example.test");
}

async fn request_ids_are_generated_or_kept_when_plain(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let a = s.get("/healthz").await;
    let b = s.get("/healthz").await;
    let id_a = a.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id_a.len(), 16);
    assert_ne!(id_a, b.headers()["x-request-id"].to_str().unwrap());

    let url = format!("{}/healthz", s.base);
    let kept = s
        .http
        .get(&url)
        .header("x-request-id", "lb-abc.123")
        .send()
        .await
        .unwrap();
    assert_eq!(kept.headers()["x-request-id"], "lb-abc.123");
    // An id that could forge log lines is replaced, not echoed.
    let evil = s
        .http
        .get(&url)
        .header("x-request-id", "a b\tc")
        .send()
        .await
        .unwrap();
    let replaced = evil.headers()["x-request-id"].to_str().unwrap();
    assert_ne!(replaced, "a b\tc");
    assert_eq!(replaced.len(), 16);
}

async fn unknown_routes_and_methods_get_json_errors(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let res = s.get("/nothing-here").await;
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"], "not_found");

    let res = s
        .http
        .post(format!("{}/healthz", s.base))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error(), "{}", res.status());
    let res = s
        .http
        .delete(format!("{}/readyz", s.base))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error(), "{}", res.status());
}

async fn hostile_paths_never_500(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let long = format!("/{}", "a".repeat(16 * 1024));
    for path in [
        "/%ff%fe",
        "/..%2f..%2fetc/passwd",
        "/healthz?%zz",
        long.as_str(),
        "/readyz?x=%00",
    ] {
        let res = s.get(path).await;
        assert!(res.status().as_u16() < 500, "{path}: {}", res.status());
    }
}

async fn error_pages_show_the_request_id(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let res = s
        .get("/authorize?client_id=nobody&redirect_uri=https%3A%2F%2Fa.example%2Fcb")
        .await;
    assert_eq!(res.status(), 400);
    let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    let html = res.text().await.unwrap();
    assert!(
        html.contains(&id),
        "the page shows the id support will search the logs for"
    );
}

crate::stack_tests!(
    error_pages_show_the_request_id,
    healthz_and_readyz_answer,
    every_response_has_security_headers,
    https_issuer_adds_hsts,
    request_ids_are_generated_or_kept_when_plain,
    unknown_routes_and_methods_get_json_errors,
    hostile_paths_never_500,
);

//! A running server whose PostgreSQL or Redis goes away: `/readyz` says 503
//! (never a 500 or a hang), and service resumes by itself when it returns.

use std::time::{Duration, Instant};

use crate::support::proxy::Proxy;
use crate::support::{Options, Stack, TestServer};

async fn wait_for_status(s: &TestServer, want: u16, within: Duration) -> serde_json::Value {
    let deadline = Instant::now() + within;
    loop {
        let res = s.get("/readyz").await;
        let status = res.status().as_u16();
        assert!(status == 200 || status == 503, "readyz answered {status}");
        let body: serde_json::Value = res.json().await.unwrap();
        if status == want {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "readyz did not reach {want} within {within:?}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn addr_of(url: &str, default_port: u16) -> std::net::SocketAddr {
    reqwest::Url::parse(url)
        .unwrap()
        .socket_addrs(|| Some(default_port))
        .unwrap()[0]
}

#[actix_web::test]
async fn redis_outage_gives_503_then_recovers() {
    let proxy = Proxy::start(addr_of(&latchkey_store::testing::redis_url(), 6379)).await;
    let options = Options {
        redis_via: Some(proxy.addr),
        ..Options::default()
    };
    let Some(s) = TestServer::start_with(Stack::Shared, "redis_outage", options).await else {
        return;
    };
    wait_for_status(&s, 200, Duration::from_secs(5)).await;

    proxy.cut().await;
    let body = wait_for_status(&s, 503, Duration::from_secs(5)).await;
    assert_eq!(body["ephemeral"], "unavailable");
    assert_eq!(body["database"], "ok");
    // Other routes keep answering while Redis is away.
    assert_eq!(s.get("/healthz").await.status(), 200);

    proxy.restore();
    wait_for_status(&s, 200, Duration::from_secs(10)).await;
}

#[actix_web::test]
async fn postgres_outage_gives_503_then_recovers() {
    let proxy = Proxy::start(addr_of(&latchkey_store::testing::postgres_url(), 5432)).await;
    let options = Options {
        db_via: Some(proxy.addr),
        ..Options::default()
    };
    let Some(s) = TestServer::start_with(Stack::Shared, "postgres_outage", options).await else {
        return;
    };
    wait_for_status(&s, 200, Duration::from_secs(5)).await;

    proxy.cut().await;
    let body = wait_for_status(&s, 503, Duration::from_secs(8)).await;
    assert_eq!(body["database"], "unavailable");
    assert_eq!(body["ephemeral"], "ok");

    proxy.restore();
    wait_for_status(&s, 200, Duration::from_secs(15)).await;
}

//! The harness must not rot: `--smoke` (one second per scenario at
//! concurrency 2, three users) against the debug server on each stack,
//! every scenario completing work without a single error. Not a
//! measurement; `docs/performance.md` has the numbers.

use std::path::PathBuf;

use latchkey_bench::{Options, Scenario, Stack};

fn server() -> Option<PathBuf> {
    Some(PathBuf::from(env!("CARGO_BIN_EXE_latchkey-bench-server")))
}

fn assert_clean(report: &latchkey_bench::Report) {
    assert_eq!(report.results.len(), 6, "{}", report.table());
    for r in &report.results {
        assert!(
            r.iterations > 0,
            "{} did nothing:\n{}",
            r.name,
            report.table()
        );
        assert_eq!(r.errors, 0, "{} had errors:\n{}", r.name, report.table());
        assert!(
            r.server_cpu_secs >= 0.0 && r.peak_rss_mib > 0.0,
            "{}",
            report.table()
        );
    }
    assert!(report.idle_rss_mib > 0.0);
    assert!(report.idle_anon_rss_mib > 0.0 && report.idle_anon_rss_mib <= report.idle_rss_mib);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smoke_embedded() {
    let report = latchkey_bench::run(Options::smoke(Stack::Embedded, server()))
        .await
        .unwrap();
    assert_clean(&report);
}

fn required() -> bool {
    ["CI", "LATCHKEY_REQUIRE_BACKENDS"]
        .iter()
        .any(|v| std::env::var(v).is_ok_and(|v| v == "true" || v == "1"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smoke_shared() {
    let options = Options::smoke(Stack::Shared, server());
    let reachable = |url: &str| {
        let hostport = url.rsplit('@').next().unwrap_or(url);
        let hostport = hostport
            .trim_start_matches("postgres://")
            .trim_start_matches("redis://");
        let hostport = hostport.split('/').next().unwrap_or(hostport);
        std::net::TcpStream::connect(hostport).is_ok()
    };
    if !(reachable(&options.postgres_url) && reachable(&options.redis_url)) {
        assert!(
            !required(),
            "PostgreSQL or Redis unreachable and CI requires them"
        );
        eprintln!(
            "SKIPPED smoke_shared: PostgreSQL ({}) or Redis ({}) unreachable",
            options.postgres_url, options.redis_url
        );
        return;
    }
    let report = latchkey_bench::run(options).await.unwrap();
    assert_clean(&report);
}

/// The reference server answers the token and the discovery scenarios
/// without an error (the discovery client checks each answer is a JSON
/// object of the announced length), and nothing else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smoke_reference() {
    let options = Options::smoke(Stack::Embedded, server());
    let bare = PathBuf::from(env!("CARGO_BIN_EXE_latchkey-bench-bare"));
    for scenario in [Scenario::ClientCredentials, Scenario::Discovery] {
        let r = latchkey_bench::reference::run(&options, Some(bare.clone()), scenario)
            .await
            .unwrap();
        assert!(r.iterations > 0, "{}", r.summary());
        assert_eq!(r.errors, 0, "{}", r.summary());
        assert!(r.server_cpu_secs > 0.0, "{}", r.summary());
    }
    let refused = latchkey_bench::reference::run(&options, Some(bare), Scenario::Introspection);
    assert!(refused.await.is_err());
}

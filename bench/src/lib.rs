//! Latchkey's load generator: start a release server on loopback (SQLite +
//! memory, or PostgreSQL + Redis), seed it through the real CLI and API,
//! run each scenario for a fixed time at a fixed concurrency, and report
//! requests/s, p50/p99 latency, the server's own CPU time per 1,000
//! iterations and its memory. See `docs/performance.md`.
//!
//! This is harness code: a broken precondition (a seed step that fails, an
//! unexpected answer while setting up) ends the run with an error that says
//! which step failed; errors while measuring are counted, not fatal.

pub mod http;
pub mod options;
pub mod procstat;
pub mod rawhttp;
pub mod reference;
pub mod report;
pub mod runner;
pub mod scenarios;
pub mod seed;
pub mod server;
pub mod smtp;

pub use options::{Options, Scenario, Stack};
pub use report::Report;

/// Run everything `options` asks for and return the report (also printed
/// as a table, and written as JSON when `options.json` is set).
pub async fn run(options: Options) -> anyhow::Result<Report> {
    let sink = std::sync::Arc::new(smtp::Sink::start().await?);
    let server = server::Server::start(&options, &sink).await?;
    let result = measure(&options, &server, &sink).await;
    server.stop().await;
    let report = result?;
    println!("{}", report.table());
    if let Some(path) = &options.json {
        std::fs::write(path, serde_json::to_string_pretty(&report)?)?;
        println!("JSON written to {}", path.display());
    }
    Ok(report)
}

async fn measure(
    options: &Options,
    server: &server::Server,
    sink: &std::sync::Arc<smtp::Sink>,
) -> anyhow::Result<Report> {
    let idle = procstat::sample(server.pid())?;
    eprintln!(
        "seeding {} users through the CLI and the enrollment API…",
        options.users
    );
    let world = seed::seed(options, server, sink).await?;
    let seeded = procstat::sample(server.pid())?;
    let ctx = scenarios::Ctx::new(server.base.clone(), server.port, sink, world).await?;
    let ctx = std::sync::Arc::new(ctx);
    let mut results = Vec::new();
    for scenario in &options.scenarios {
        eprintln!(
            "running {} for {:?} at concurrency {}…",
            scenario.name(),
            options.duration,
            options.concurrency
        );
        let r = runner::run(&ctx, *scenario, options, server.pid()).await?;
        eprintln!("  {}", r.summary());
        results.push(r);
    }
    Ok(Report::new(options, idle, seeded, results))
}

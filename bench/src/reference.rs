//! `--reference`: issue 8's yardstick on this machine. Its token target
//! (15,000 per server CPU-second) was set where "a bare actix-web + ES256
//! token server measures ~23,000"; CPUs differ, so the harness measures
//! that bare server (`latchkey-bench-bare`) with the same client, the same
//! `client_credentials` scenario and the same CPU accounting, and reports
//! Latchkey's figure against it.
//!
//! The same bare server also serves prebuilt discovery and JWKS documents
//! of Latchkey's lengths, so `--reference` measures the discovery
//! scenario's ceiling on this machine: what actix-web reaches with nothing
//! between the socket and the bytes.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};

use crate::options::{Options, Scenario};
use crate::runner::{self, ScenarioResult};
use crate::scenarios::Ctx;
use crate::seed::{Creds, World};
use crate::server::{free_port, sibling};
use crate::smtp::Sink;

/// Start the bare server (`bin`, default: `latchkey-bench-bare` beside
/// the harness), run `scenario` (`ClientCredentials` or `Discovery`)
/// against it as against Latchkey, stop it.
pub async fn run(
    options: &Options,
    bin: Option<PathBuf>,
    scenario: Scenario,
) -> anyhow::Result<ScenarioResult> {
    if !matches!(scenario, Scenario::ClientCredentials | Scenario::Discovery) {
        bail!("the bare server answers only client_credentials and discovery");
    }
    let bin = match bin {
        Some(bin) => bin,
        None => sibling("latchkey-bench-bare")?,
    };
    let port = free_port()?;
    let service = Creds {
        id: "bench-service".to_owned(),
        secret: latchkey_core::id::random_hex(32),
    };
    let mut child = tokio::process::Command::new(bin)
        .env_clear()
        .env("BARE_PORT", port.to_string())
        .env("BARE_CLIENT_ID", &service.id)
        .env("BARE_CLIENT_SECRET", &service.secret)
        .kill_on_drop(true)
        .spawn()
        .context("starting latchkey-bench-bare")?;
    let pid = child.id().context("latchkey-bench-bare has no pid")?;
    let result = async {
        wait_until_listening(port).await?;
        let world = World {
            rp: service.clone(),
            service,
            users: Vec::new(),
        };
        let sink = Arc::new(Sink::start().await?);
        let base = format!("http://localhost:{port}");
        let ctx = Arc::new(Ctx::new(base, port, &sink, world).await?);
        runner::run(&ctx, scenario, options, pid).await
    }
    .await;
    let _ = child.kill().await;
    result
}

async fn wait_until_listening(port: u16) -> anyhow::Result<()> {
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bail!("latchkey-bench-bare did not listen on port {port} within 5 s")
}

/// Run the reference (tokens, then discovery) and print it (and write JSON
/// with `--json`: the two results, in that order).
pub async fn report(options: &Options) -> anyhow::Result<()> {
    eprintln!(
        "running the bare reference server (client_credentials, then discovery+jwks) for {:?} each at concurrency {}…",
        options.duration, options.concurrency
    );
    let tokens = run(options, None, Scenario::ClientCredentials).await?;
    println!("bare actix-web + ES256 reference: {}", tokens.summary());
    println!(
        "server CPU-s per 1,000 tokens {:.4}; the issue's target is 65 % of this server's rate (15,000 of 23,000): {:.0} per CPU-s here",
        tokens.cpu_secs_per_1000,
        tokens.per_cpu_sec * 15.0 / 23.0
    );
    let documents = run(options, None, Scenario::Discovery).await?;
    println!(
        "bare actix-web, prebuilt discovery and JWKS: {}",
        documents.summary()
    );
    let results = [tokens, documents];
    if let Some(path) = &options.json {
        std::fs::write(path, serde_json::to_string_pretty(&results)?)?;
        println!("JSON written to {}", path.display());
    }
    for r in &results {
        if r.errors > 0 {
            bail!("the reference run ({}) had {} errors", r.name, r.errors);
        }
    }
    Ok(())
}

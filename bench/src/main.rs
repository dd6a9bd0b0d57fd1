//! `latchkey-bench`: see `docs/performance.md`.
//!
//! ```sh
//! cargo run --release -p latchkey-bench -- --stack embedded --json bench.json
//! ```

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use latchkey_bench::{Options, Scenario, Stack};

/// Load-test a release Latchkey on loopback and report requests/s,
/// p50/p99 latency, server CPU per 1,000 requests and server memory.
#[derive(Debug, Parser)]
#[command(name = "latchkey-bench")]
struct Args {
    /// embedded (SQLite + memory) or shared (PostgreSQL + Redis).
    #[arg(long, value_enum, default_value = "embedded")]
    stack: Stack,
    /// Seconds each scenario runs.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Requests (or sign-ins) in flight at once.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Users to seed, each with a passkey and a verified email. The
    /// email-code scenario signs each in at most once (the per-account
    /// send limits), so it ends early when they are used up.
    #[arg(long, default_value_t = 300)]
    users: usize,
    /// Scenarios to run (repeatable); default: all six.
    #[arg(long = "scenario", value_enum)]
    scenarios: Vec<Scenario>,
    /// Server binary (default: `latchkey-bench-server` beside this binary,
    /// the `latchkey` entry point built with the same profile).
    #[arg(long)]
    server: Option<PathBuf>,
    /// Write the report as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Server worker threads (default: the server's, one per core).
    #[arg(long)]
    workers: Option<usize>,
    /// The server's log level (its default, `info`, logs every request).
    #[arg(long, default_value = "info")]
    log_level: String,
    /// PostgreSQL for `--stack shared` (a fresh database is created there).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432")]
    postgres_url: String,
    /// Redis for `--stack shared` (a fresh key prefix is used).
    #[arg(long, default_value = "redis://127.0.0.1:6379")]
    redis_url: String,
    /// One second per scenario at concurrency 2 on 3 users: a check that
    /// everything still works, not a measurement.
    #[arg(long)]
    smoke: bool,
    /// Instead of Latchkey, load issue 8's reference point, a bare
    /// actix-web + ES256 token server, with the client_credentials
    /// scenario: the yardstick for the token target on this CPU.
    #[arg(long)]
    reference: bool,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let options = if args.smoke {
        Options {
            json: args.json,
            postgres_url: args.postgres_url,
            redis_url: args.redis_url,
            ..Options::smoke(args.stack, args.server)
        }
    } else {
        Options {
            stack: args.stack,
            duration: Duration::from_secs(args.duration.max(1)),
            concurrency: args.concurrency.max(1),
            users: args.users.max(1),
            scenarios: if args.scenarios.is_empty() {
                Scenario::ALL.to_vec()
            } else {
                args.scenarios
            },
            server: args.server,
            json: args.json,
            workers: args.workers,
            log_level: args.log_level,
            postgres_url: args.postgres_url,
            redis_url: args.redis_url,
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("latchkey-bench: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    if args.reference {
        return match runtime.block_on(latchkey_bench::reference::report(&options)) {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("latchkey-bench: {e:#}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    match runtime.block_on(latchkey_bench::run(options)) {
        Ok(report) if report.clean() => std::process::ExitCode::SUCCESS,
        Ok(_) => {
            eprintln!("latchkey-bench: some scenario had errors (see the table)");
            std::process::ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("latchkey-bench: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

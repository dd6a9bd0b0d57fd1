//! Run one scenario: `concurrency` workers loop until the deadline; the
//! server's CPU time is read before and after, its RSS sampled meanwhile.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde::Serialize;

use crate::options::{Options, Scenario};
use crate::procstat;
use crate::scenarios::{self, Ctx, Outcome};

/// What one scenario measured.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioResult {
    pub scenario: Scenario,
    pub name: &'static str,
    /// Completed iterations (requests, or whole sign-ins).
    pub iterations: u64,
    /// HTTP requests those iterations made.
    pub requests: u64,
    pub errors: u64,
    pub first_error: Option<String>,
    pub elapsed_secs: f64,
    /// Iterations per second of wall time.
    pub per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// The server's user + system CPU seconds during the run.
    pub server_cpu_secs: f64,
    /// Server CPU seconds per 1,000 iterations.
    pub cpu_secs_per_1000: f64,
    /// Iterations per server CPU-second (1000 / `cpu_secs_per_1000`).
    pub per_cpu_sec: f64,
    /// The server's peak RSS during the run (VmHWM, reset before the run
    /// when the kernel allows, and the highest sampled VmRSS).
    pub peak_rss_mib: f64,
    /// Why the run ended before its duration, if it did.
    pub ended_early: Option<String>,
}

impl ScenarioResult {
    #[must_use]
    pub fn summary(&self) -> String {
        format!(
            "{} iterations, {} errors, {:.0}/s, p50 {:.2} ms, p99 {:.2} ms, {:.0} per server CPU-s, peak RSS {:.1} MiB{}",
            self.iterations,
            self.errors,
            self.per_sec,
            self.p50_ms,
            self.p99_ms,
            self.per_cpu_sec,
            self.peak_rss_mib,
            self.first_error
                .as_deref()
                .map(|e| format!("; first error: {e}"))
                .unwrap_or_default()
        )
    }
}

#[derive(Debug)]
struct Tally {
    hist: Histogram<u64>,
    iterations: u64,
    requests: u64,
    errors: u64,
    first_error: Option<String>,
    exhausted: bool,
    last: Instant,
}

pub async fn run(
    ctx: &Arc<Ctx>,
    scenario: Scenario,
    options: &Options,
    pid: u32,
) -> anyhow::Result<ScenarioResult> {
    let mut workers = Vec::with_capacity(options.concurrency);
    for i in 0..options.concurrency {
        workers.push(scenarios::prepare(ctx, scenario, i).await?);
    }
    let peak_reset = procstat::reset_peak(pid);
    let before = procstat::sample(pid)?;
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let stop = Arc::clone(&stop);
        tokio::spawn(async move {
            let mut max = 0.0f64;
            while !stop.load(Ordering::Relaxed) {
                if let Ok(s) = procstat::sample(pid) {
                    max = max.max(s.rss_mib);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            max
        })
    };
    let start = Instant::now();
    let deadline = start + options.duration;
    let mut tasks = tokio::task::JoinSet::new();
    for mut w in workers {
        let ctx = Arc::clone(ctx);
        tasks.spawn(async move {
            let mut t = Tally {
                hist: Histogram::new_with_bounds(1, 120_000_000, 3)?,
                iterations: 0,
                requests: 0,
                errors: 0,
                first_error: None,
                exhausted: false,
                last: Instant::now(),
            };
            while Instant::now() < deadline {
                let t0 = Instant::now();
                match scenarios::iterate(&ctx, scenario, &mut w).await {
                    Ok(Outcome::Done(n)) => {
                        let us = u64::try_from(t0.elapsed().as_micros()).unwrap_or(u64::MAX);
                        t.hist.saturating_record(us.max(1));
                        t.iterations += 1;
                        t.requests += u64::from(n);
                    }
                    Ok(Outcome::Exhausted) => {
                        t.exhausted = true;
                        break;
                    }
                    Err(e) => {
                        t.errors += 1;
                        t.first_error.get_or_insert_with(|| format!("{e:#}"));
                        // A refresh chain broken by an error cannot go on.
                        if w.refresh_token.is_none() && scenario == Scenario::Refresh {
                            break;
                        }
                    }
                }
                t.last = Instant::now();
            }
            Ok::<_, anyhow::Error>(t)
        });
    }
    let mut total = Tally {
        hist: Histogram::new_with_bounds(1, 120_000_000, 3)?,
        iterations: 0,
        requests: 0,
        errors: 0,
        first_error: None,
        exhausted: false,
        last: start,
    };
    while let Some(done) = tasks.join_next().await {
        let t = done??;
        total.hist.add(&t.hist)?;
        total.iterations += t.iterations;
        total.requests += t.requests;
        total.errors += t.errors;
        total.exhausted |= t.exhausted;
        total.last = total.last.max(t.last);
        if total.first_error.is_none() {
            total.first_error = t.first_error;
        }
    }
    let after = procstat::sample(pid)?;
    stop.store(true, Ordering::Relaxed);
    let sampled_max = sampler.await.unwrap_or(0.0);
    let elapsed = total.last.duration_since(start).as_secs_f64().max(1e-3);
    let cpu = (after.cpu_secs - before.cpu_secs).max(0.0);
    let iterations = total.iterations.max(1) as f64;
    let q = |p: f64| total.hist.value_at_quantile(p) as f64 / 1000.0;
    let peak = if peak_reset {
        after.peak_rss_mib.max(sampled_max)
    } else {
        sampled_max.max(after.rss_mib)
    };
    Ok(ScenarioResult {
        scenario,
        name: scenario.name(),
        iterations: total.iterations,
        requests: total.requests,
        errors: total.errors,
        first_error: total.first_error,
        elapsed_secs: elapsed,
        per_sec: total.iterations as f64 / elapsed,
        p50_ms: q(0.5),
        p99_ms: q(0.99),
        max_ms: total.hist.max() as f64 / 1000.0,
        server_cpu_secs: cpu,
        cpu_secs_per_1000: cpu * 1000.0 / iterations,
        per_cpu_sec: if cpu > 0.0 {
            total.iterations as f64 / cpu
        } else {
            0.0
        },
        peak_rss_mib: peak,
        ended_early: total.exhausted.then(|| {
            "every seeded user signed in by email once (per-account send limits)".to_owned()
        }),
    })
}

//! The report: the machine, the run's settings, and one row per scenario.

use serde::Serialize;

use crate::options::{Options, Stack};
use crate::procstat::Sample;
use crate::runner::ScenarioResult;

/// Where the numbers came from.
#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    pub nproc: usize,
    pub cpu_model: String,
    pub mem_total_mib: u64,
}

impl Machine {
    #[must_use]
    pub fn this() -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
            .unwrap_or_default();
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let mem_total_mib = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
            / 1024;
        Self {
            nproc: std::thread::available_parallelism().map_or(1, usize::from),
            cpu_model,
            mem_total_mib,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub machine: Machine,
    pub stack: Stack,
    pub duration_secs: u64,
    pub concurrency: usize,
    pub users: usize,
    pub workers: Option<usize>,
    pub log_level: String,
    /// Server RSS right after start (nothing seeded), MiB.
    pub idle_rss_mib: f64,
    /// Its private, anonymous part (`RssAnon`), MiB.
    pub idle_anon_rss_mib: f64,
    /// Server RSS after seeding, MiB.
    pub seeded_rss_mib: f64,
    pub results: Vec<ScenarioResult>,
}

impl Report {
    #[must_use]
    pub fn new(
        options: &Options,
        idle: Sample,
        seeded: Sample,
        results: Vec<ScenarioResult>,
    ) -> Self {
        Self {
            machine: Machine::this(),
            stack: options.stack,
            duration_secs: options.duration.as_secs(),
            concurrency: options.concurrency,
            users: options.users,
            workers: options.workers,
            log_level: options.log_level.clone(),
            idle_rss_mib: idle.rss_mib,
            idle_anon_rss_mib: idle.anon_rss_mib,
            seeded_rss_mib: seeded.rss_mib,
            results,
        }
    }

    /// Whether every scenario completed something and nothing failed.
    #[must_use]
    pub fn clean(&self) -> bool {
        self.results
            .iter()
            .all(|r| r.errors == 0 && r.iterations > 0)
    }

    /// A Markdown table.
    #[must_use]
    pub fn table(&self) -> String {
        let mut s = format!(
            "stack {:?} · {} × {} · {} · concurrency {} · {} s per scenario · idle RSS {:.1} MiB, {:.1} MiB of it private (seeded {:.1} MiB)\n\n",
            self.stack,
            self.machine.nproc,
            self.machine.cpu_model,
            format_args!("{} MiB", self.machine.mem_total_mib),
            self.concurrency,
            self.duration_secs,
            self.idle_rss_mib,
            self.idle_anon_rss_mib,
            self.seeded_rss_mib,
        );
        s.push_str("| scenario | iterations | errors | per s | p50 ms | p99 ms | server CPU-s / 1000 | per server CPU-s | peak RSS MiB |\n");
        s.push_str("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for r in &self.results {
            s.push_str(&format!(
                "| {}{} | {} | {} | {:.0} | {:.2} | {:.2} | {:.3} | {:.0} | {:.1} |\n",
                r.name,
                if r.ended_early.is_some() { " *" } else { "" },
                r.iterations,
                r.errors,
                r.per_sec,
                r.p50_ms,
                r.p99_ms,
                r.cpu_secs_per_1000,
                r.per_cpu_sec,
                r.peak_rss_mib,
            ));
        }
        for r in &self.results {
            if let Some(e) = &r.first_error {
                s.push_str(&format!("\n{}: first error: {e}", r.name));
            }
            if let Some(e) = &r.ended_early {
                s.push_str(&format!(
                    "\n* {}: ended early after {:.1} s: {e}",
                    r.name, r.elapsed_secs
                ));
            }
        }
        s
    }
}

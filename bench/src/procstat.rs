//! The server process's own CPU time and memory, from `/proc` (Linux).
//! CPU is `utime + stime` of `/proc/<pid>/stat` (all threads), so the
//! numbers hold while the load generator shares the cores.

use std::sync::OnceLock;

use anyhow::Context as _;

/// One reading of a process.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Sample {
    /// User + system CPU seconds since the process started.
    pub cpu_secs: f64,
    /// Resident set size now, in MiB.
    pub rss_mib: f64,
    /// The private, anonymous part of it (`RssAnon`: heap, stacks), in
    /// MiB; the rest is file-backed (the executable's code and shared
    /// libraries), shared and reclaimable.
    pub anon_rss_mib: f64,
    /// Peak resident set size (`VmHWM`) since start or the last
    /// [`reset_peak`], in MiB.
    pub peak_rss_mib: f64,
}

fn clock_ticks() -> f64 {
    static TICKS: OnceLock<f64> = OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse::<f64>().ok())
            .unwrap_or(100.0)
    })
}

/// Read `pid`'s CPU time and memory.
pub fn sample(pid: u32) -> anyhow::Result<Sample> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("reading /proc/{pid}/stat"))?;
    // The command name (field 2) may contain spaces; fields after it are
    // counted from the closing parenthesis.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, r)| r)
        .context("unexpected /proc/<pid>/stat")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After ')': state is field 3, so utime (14) and stime (15) are at 11, 12.
    let tick = |i: usize| -> anyhow::Result<f64> {
        Ok(fields
            .get(i)
            .context("short /proc/<pid>/stat")?
            .parse::<f64>()?)
    };
    let cpu_secs = (tick(11)? + tick(12)?) / clock_ticks();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kib = |name: &str| -> f64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    Ok(Sample {
        cpu_secs,
        rss_mib: kib("VmRSS:") / 1024.0,
        anon_rss_mib: kib("RssAnon:") / 1024.0,
        peak_rss_mib: kib("VmHWM:") / 1024.0,
    })
}

/// Reset `VmHWM` to the current RSS (`echo 5 > /proc/<pid>/clear_refs`), so
/// the next [`sample`] shows the peak of one scenario. Returns whether the
/// kernel allowed it (otherwise the peak is since the server started).
pub fn reset_peak(pid: u32) -> bool {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_this_process() {
        let s = super::sample(std::process::id()).unwrap();
        assert!(s.rss_mib > 0.0 && s.peak_rss_mib >= s.rss_mib * 0.5);
        assert!(s.anon_rss_mib > 0.0 && s.anon_rss_mib <= s.rss_mib);
        assert!(s.cpu_secs >= 0.0);
    }
}

//! Starting and stopping one headless Chromium.
//!
//! Chromium runs in a process group of its own (browser, zygote, renderers,
//! GPU and network services), with a fresh profile in a temporary
//! directory. [`Process::shutdown`] asks it to quit and waits; dropping a
//! [`Process`] (a test that panicked) ends the whole group by its id, so no
//! test leaves a browser behind.

use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long Chromium may take to open its DevTools port.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a browser asked to quit may take before it is killed.
const QUIT_TIMEOUT: Duration = Duration::from_secs(5);

/// A running Chromium.
#[derive(Debug)]
pub struct Process {
    child: Child,
    /// The profile (`--user-data-dir`); removed after the browser ended.
    profile: tempfile::TempDir,
    /// The group was ended and the browser reaped: its id may be reused.
    ended: bool,
}

impl Process {
    /// Start `binary` headless on a fresh profile.
    pub fn spawn(binary: &Path) -> Result<Self, String> {
        let profile = tempfile::Builder::new()
            .prefix("latchkey-chromium-")
            .tempdir()
            .map_err(|e| format!("a profile directory: {e}"))?;
        let log = std::fs::File::create(profile.path().join("chromium.log"))
            .map_err(|e| format!("the browser log: {e}"))?;
        let child = Command::new(binary)
            .args([
                "--headless=new",
                // CI runs as root, where Chromium's sandbox cannot start.
                "--no-sandbox",
                "--remote-debugging-port=0",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--disable-breakpad",
                "--disable-crash-reporter",
                "--disable-dev-shm-usage",
                "--disable-features=Translate,MediaRouter,OptimizationHints",
                "--password-store=basic",
                "--use-mock-keychain",
                "--no-proxy-server",
                "--hide-scrollbars",
                "--mute-audio",
                "--lang=en-US",
                "--window-size=1280,900",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            // Its own process group, so every process it starts can be ended
            // together by the group id.
            .process_group(0)
            .spawn()
            .map_err(|e| format!("starting {}: {e}", binary.display()))?;
        Ok(Self {
            child,
            profile,
            ended: false,
        })
    }

    /// The browser's DevTools WebSocket URL, from the `DevToolsActivePort`
    /// file Chromium writes into the profile once it listens.
    pub async fn devtools_url(&mut self) -> Result<String, String> {
        let file = self.profile.path().join("DevToolsActivePort");
        let started = Instant::now();
        loop {
            if let Ok(text) = std::fs::read_to_string(&file) {
                let mut lines = text.lines();
                if let (Some(port), Some(path)) = (lines.next(), lines.next()) {
                    return Ok(format!("ws://127.0.0.1:{port}{path}"));
                }
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "Chromium exited ({status}) before it listened:\n{}",
                    self.log()
                ));
            }
            if started.elapsed() > START_TIMEOUT {
                return Err(format!(
                    "Chromium did not open its DevTools port within {START_TIMEOUT:?}:\n{}",
                    self.log()
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// What Chromium wrote to stderr (its last 4 KB).
    pub fn log(&self) -> String {
        let text = std::fs::read_to_string(self.log_path()).unwrap_or_default();
        let start = text.len().saturating_sub(4096);
        let start = (start..text.len())
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(text.len());
        text[start..].to_owned()
    }

    fn log_path(&self) -> PathBuf {
        self.profile.path().join("chromium.log")
    }

    /// Wait for the browser to exit after `Browser.close`; whatever is left
    /// of its group is ended after [`QUIT_TIMEOUT`].
    pub async fn shutdown(&mut self) {
        let started = Instant::now();
        while started.elapsed() < QUIT_TIMEOUT {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.kill_group();
    }

    /// End every process of the browser's group (by the group id, which is
    /// the browser's pid) and reap the browser.
    fn kill_group(&mut self) {
        if self.ended {
            return;
        }
        self.ended = true;
        let group = format!("-{}", self.child.id());
        for signal in ["-TERM", "-KILL"] {
            let _ = Command::new("kill")
                .args([signal, "--", &group])
                .stderr(Stdio::null())
                .status();
            if signal == "-TERM" {
                let started = Instant::now();
                while started.elapsed() < QUIT_TIMEOUT {
                    if let Ok(Some(_)) = self.child.try_wait() {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill_group();
    }
}

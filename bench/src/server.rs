//! The server under test: a child process on loopback with its own data
//! directory (and, on the shared stack, its own PostgreSQL database and
//! Redis key prefix), configured through `LATCHKEY_…` variables.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use base64::Engine as _;
use serde_json::Value;

use crate::options::{Options, Stack};
use crate::smtp::Sink;

/// A running server.
#[derive(Debug)]
pub struct Server {
    child: tokio::process::Child,
    pid: u32,
    bin: PathBuf,
    env: Vec<(String, String)>,
    /// `http://localhost:PORT`: the issuer (WebAuthn needs a host name).
    pub base: String,
    pub port: u16,
    /// PostgreSQL database to drop afterwards (shared stack).
    database: Option<(String, String)>,
    _data_dir: tempfile::TempDir,
}

/// Under `cargo run` (which builds only the harness binary), build the
/// server binary beside it first, with the same profile, so that the one
/// documented command always measures the current code and never a stale
/// `latchkey-bench-server` left from an earlier build.
fn build_under_cargo(bin: &str) -> anyhow::Result<()> {
    let Some(cargo) = std::env::var_os("CARGO") else {
        return Ok(());
    };
    let mut cmd = std::process::Command::new(cargo);
    cmd.args(["build", "-p", "latchkey-bench", "--bin", bin]);
    if !cfg!(debug_assertions) {
        cmd.arg("--release");
    }
    let status = cmd
        .status()
        .with_context(|| format!("running cargo build for {bin}"))?;
    if !status.success() {
        bail!("building {bin} failed ({status})");
    }
    Ok(())
}

/// The binary `bin` of this package beside the harness (built first when
/// the harness runs under `cargo run`).
pub(crate) fn sibling(bin: &str) -> anyhow::Result<PathBuf> {
    build_under_cargo(bin)?;
    let exe = std::env::current_exe()?;
    let dir = exe
        .parent()
        .context("the harness binary has no directory")?;
    for candidate in [dir.join(bin), dir.join("..").join(bin)] {
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    bail!(
        "no {bin} beside {}: build it with `cargo build --release -p latchkey-bench`",
        exe.display()
    )
}

pub(crate) fn free_port() -> anyhow::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

fn psql(admin_url: &str, sql: &str) -> anyhow::Result<()> {
    let out = std::process::Command::new("psql")
        .args([admin_url, "-v", "ON_ERROR_STOP=1", "-qc", sql])
        .output()
        .context("running psql (needed for --stack shared)")?;
    if !out.status.success() {
        bail!("psql {sql:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(())
}

impl Server {
    /// Start the server and wait until `/readyz` answers.
    pub async fn start(options: &Options, sink: &Sink) -> anyhow::Result<Server> {
        let bin = match &options.server {
            Some(p) => p.clone(),
            None => sibling("latchkey-bench-server")?,
        };
        let data_dir = tempfile::Builder::new()
            .prefix("latchkey-bench-")
            .tempdir()?;
        let port = free_port()?;
        let base = format!("http://localhost:{port}");
        let tag = format!("{:08x}", rand::random::<u32>());
        let (db_url, ephemeral, database) = match options.stack {
            Stack::Embedded => (
                format!("sqlite://{}/latchkey.db", data_dir.path().display()),
                "memory://".to_owned(),
                None,
            ),
            Stack::Shared => {
                let admin = format!("{}/postgres", options.postgres_url.trim_end_matches('/'));
                let name = format!("latchkey_bench_{tag}");
                psql(&admin, &format!("CREATE DATABASE {name}"))?;
                (
                    format!("{}/{name}", options.postgres_url.trim_end_matches('/')),
                    options.redis_url.clone(),
                    Some((admin, name)),
                )
            }
        };
        let key = base64::engine::general_purpose::STANDARD.encode(rand::random::<[u8; 32]>());
        let mut env: Vec<(String, String)> = vec![
            ("LATCHKEY_DATA_DIR", data_dir.path().display().to_string()),
            ("LATCHKEY_ISSUER", base.clone()),
            // An http issuer needs dev mode; nothing on the measured paths
            // differs (the demo client is switched off, mail goes to SMTP).
            ("LATCHKEY_DEV_MODE", "true".into()),
            ("LATCHKEY_DEMO__ENABLED", "false".into()),
            ("LATCHKEY_SERVER__LISTEN", format!("127.0.0.1:{port}")),
            // Every simulated browser sends its own X-Forwarded-For, as
            // users behind a load balancer do, so per-IP limits apply per
            // simulated user rather than to the whole benchmark.
            ("LATCHKEY_SERVER__TRUSTED_PROXIES", "127.0.0.1".into()),
            ("LATCHKEY_DATABASE__URL", db_url),
            ("LATCHKEY_EPHEMERAL__URL", ephemeral),
            (
                "LATCHKEY_EPHEMERAL__KEY_PREFIX",
                format!("latchkey-bench:{tag}:"),
            ),
            ("LATCHKEY_KEYS__ENCRYPTION_KEY", key),
            ("LATCHKEY_EMAIL__SMTP_URL", sink.url()),
            ("LATCHKEY_EMAIL__FROM", "Latchkey <login@bench.test>".into()),
            ("LATCHKEY_LOG__LEVEL", options.log_level.clone()),
            ("LATCHKEY_SERVER__SHUTDOWN_TIMEOUT_SECS", "2".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        if let Some(w) = options.workers {
            env.push(("LATCHKEY_SERVER__WORKERS".into(), w.to_string()));
        }
        let log = std::fs::File::create(data_dir.path().join("server.log"))?;
        let child = tokio::process::Command::new(&bin)
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let pid = child.id().context("the server exited at once")?;
        let server = Server {
            child,
            pid,
            bin,
            env,
            base,
            port,
            database,
            _data_dir: data_dir,
        };
        let mut server = server;
        server.wait_ready().await?;
        Ok(server)
    }

    async fn wait_ready(&mut self) -> anyhow::Result<()> {
        let http = reqwest::Client::new();
        let url = format!("http://127.0.0.1:{}/readyz", self.port);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = http.get(&url).send().await
                && r.status().is_success()
            {
                return Ok(());
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                bail!("the server exited ({status}); log: {}", self.log_tail());
            }
            if Instant::now() > deadline {
                bail!("the server did not become ready; log: {}", self.log_tail());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The last lines of the server's log.
    #[must_use]
    pub fn log_tail(&self) -> String {
        let text =
            std::fs::read_to_string(self._data_dir.path().join("server.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    #[must_use]
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The operator CLI on this server's configuration.
    #[must_use]
    pub fn cli(&self) -> Cli {
        Cli {
            bin: self.bin.clone(),
            env: self.env.clone(),
        }
    }

    /// Stop the server (SIGTERM, then SIGKILL) and drop its database.
    pub async fn stop(mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status();
        if tokio::time::timeout(Duration::from_secs(5), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
        if let Some((admin, name)) = &self.database
            && let Err(e) = psql(
                admin,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            )
        {
            eprintln!("could not drop {name}: {e}");
        }
    }
}

/// `latchkey --json …` against a server's configuration, exactly as an
/// operator runs it. Cheap to clone into tasks.
#[derive(Debug, Clone)]
pub struct Cli {
    bin: PathBuf,
    env: Vec<(String, String)>,
}

impl Cli {
    /// Run `latchkey --json ARGS` and parse what it prints.
    pub async fn run(&self, args: &[&str]) -> anyhow::Result<Value> {
        let out = tokio::process::Command::new(&self.bin)
            .arg("--json")
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("LATCHKEY_LOG__LEVEL", "warn")
            // One connection, opened before the command runs: with the
            // default pool r2d2 may still be opening connections on its
            // own threads when a short command exits, and on PostgreSQL
            // that exit can crash in libpq (SIGSEGV after the JSON was
            // printed; seen under load, see docs/performance.md).
            .env("LATCHKEY_DATABASE__POOL_SIZE", "1")
            .stdin(Stdio::null())
            .output()
            .await?;
        if !out.status.success() {
            bail!(
                "latchkey {} ({}): {}{}",
                args.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        serde_json::from_slice(&out.stdout).with_context(|| {
            format!(
                "latchkey {} printed no JSON: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }
}

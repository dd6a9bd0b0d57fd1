//! Three `latchkey` processes (the binary cargo built, not in-process
//! servers) on their own loopback ports, sharing one private PostgreSQL and
//! one private Redis, the issuer, the key-encryption secret and the
//! ephemeral key prefix, as nodes behind one load balancer do.
//!
//! Everything is configured by `LATCHKEY_…` environment variables; each node
//! runs in its own directory, so no `latchkey.toml` is picked up. Dropping
//! the [`Cluster`] (also while a test panics) kills the nodes, then Redis
//! and PostgreSQL; a panicking test also prints the tail of every log.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::Value;

use crate::services::{Postgres, Redis, free_port, tail, wait_exit};

/// How long a node may take from spawn to a `200` from `/readyz` (it
/// migrates the database and creates the signing keys first). Generous: the
/// machine is a loaded 2-core builder.
const READY_TIMEOUT: Duration = Duration::from_secs(90);

/// The key prefix all nodes share in Redis.
const KEY_PREFIX: &str = "lk-multinode:";

/// The `latchkey` binary: `LATCHKEY_TEST_BINARY`, or the one next to this
/// test's executable (`target/<profile>/latchkey`, which `cargo test
/// --workspace` builds because the server crate has integration tests),
/// built with cargo when it is absent or older than a source file
/// (`cargo test -p latchkey-e2e --test multinode` alone does not build it).
pub fn latchkey_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        if let Ok(path) = std::env::var("LATCHKEY_TEST_BINARY") {
            return PathBuf::from(path);
        }
        let exe = std::env::current_exe().expect("the test executable's path");
        // target/<profile>/deps/multinode-HASH → target/<profile>
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("the test runs from target/<profile>/deps");
        let binary = profile_dir.join("latchkey");
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("tests/ is inside the workspace");
        let built = std::fs::metadata(&binary).and_then(|m| m.modified()).ok();
        let why = match built {
            None => "is missing",
            Some(built) if newest_source(workspace) > Some(built) => "is older than the sources",
            Some(_) => return binary,
        };
        let profile = profile_dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("debug");
        eprintln!(
            "multinode: {} {why}; building it with `cargo build -p latchkey-server --bin \
             latchkey` (profile {profile})",
            binary.display()
        );
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let mut build = Command::new(cargo);
        build
            .current_dir(workspace)
            .args(["build", "-p", "latchkey-server", "--bin", "latchkey"]);
        match profile {
            "debug" => {}
            "release" => {
                build.arg("--release");
            }
            other => {
                build.args(["--profile", other]);
            }
        }
        let status = build.status().expect("run cargo build");
        if !status.success() && built.is_some() {
            eprintln!(
                "\n!!! multinode: cargo build of the latchkey binary failed; testing the older \
                 {} instead\n",
                binary.display()
            );
            return binary;
        }
        assert!(
            status.success(),
            "cargo build of the latchkey binary failed"
        );
        assert!(binary.exists(), "cargo built no {}", binary.display());
        binary
    })
}

/// The newest modification time of what the binary is built from.
fn newest_source(workspace: &Path) -> Option<std::time::SystemTime> {
    fn walk(dir: &Path, newest: &mut Option<std::time::SystemTime>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                // A crate's own tests are not part of the binary.
                if entry.file_name() != "tests" {
                    walk(&path, newest);
                }
            } else if let Ok(t) = meta.modified() {
                *newest = (*newest).max(Some(t));
            }
        }
    }
    let mut newest = None;
    for part in ["crates", "migrations", "templates", "Cargo.lock"] {
        let path = workspace.join(part);
        match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() => walk(&path, &mut newest),
            Ok(m) => newest = newest.max(m.modified().ok()),
            Err(_) => {}
        }
    }
    newest
}

/// One `latchkey serve` process.
#[derive(Debug)]
pub struct Node {
    /// `http://127.0.0.1:PORT`: where this node listens (not the issuer).
    pub base: String,
    pub name: String,
    dir: PathBuf,
    child: Option<Child>,
}

impl Node {
    fn log(&self) -> PathBuf {
        self.dir.join("latchkey.log")
    }

    /// SIGKILL: the node dies without finishing anything it was doing.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    pub fn log_tail(&self) -> String {
        tail(&self.log(), 40)
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = wait_exit(&mut child, Duration::from_secs(5));
        }
    }
}

/// Three nodes and their shared stores. Field order is drop order: the
/// nodes go first, then the stores.
#[derive(Debug)]
pub struct Cluster {
    pub nodes: Vec<Node>,
    /// `http://localhost:PORT`, the address of the (absent) load balancer:
    /// every node signs and validates for this issuer, and the browser's
    /// WebAuthn origin is this. Tests call the nodes directly.
    pub issuer: String,
    pub redis: Redis,
    pub pg: Postgres,
    env: Vec<(String, String)>,
    dir: tempfile::TempDir,
    test: String,
}

impl Cluster {
    /// Start the stores and three nodes, or `None` after a loud SKIPPED
    /// outside CI when a private PostgreSQL or Redis cannot be started.
    pub async fn start(test: &str) -> Option<Self> {
        let binary = latchkey_binary();
        let pg = match Postgres::start().await {
            Ok(pg) => pg,
            Err(e) => {
                latchkey_store::testing::unreachable("a private PostgreSQL", test, &e);
                return None;
            }
        };
        let redis = match Redis::start().await {
            Ok(r) => r,
            Err(e) => {
                latchkey_store::testing::unreachable("a private Redis", test, &e);
                return None;
            }
        };
        let issuer = format!("http://localhost:{}", free_port());
        let key = base64::engine::general_purpose::STANDARD.encode(rand_bytes());
        let (db_url, redis_url) = (pg.url(), redis.url());
        let env: Vec<(String, String)> = [
            ("LATCHKEY_ISSUER", issuer.as_str()),
            ("LATCHKEY_DATABASE__URL", db_url.as_str()),
            ("LATCHKEY_DATABASE__POOL_SIZE", "4"),
            ("LATCHKEY_DATABASE__CONNECT_TIMEOUT_SECS", "2"),
            ("LATCHKEY_EPHEMERAL__URL", redis_url.as_str()),
            ("LATCHKEY_EPHEMERAL__KEY_PREFIX", KEY_PREFIX),
            ("LATCHKEY_EPHEMERAL__TIMEOUT_MS", "1000"),
            ("LATCHKEY_KEYS__ENCRYPTION_KEY", key.as_str()),
            ("LATCHKEY_SERVER__WORKERS", "2"),
            ("LATCHKEY_SERVER__SHUTDOWN_TIMEOUT_SECS", "1"),
            ("LATCHKEY_LOG__FORMAT", "text"),
            ("LATCHKEY_LOG__LEVEL", "info"),
            ("LATCHKEY_DEMO__ENABLED", "false"),
            // Codes live their longest, 60 s (the bound of
            // tokens.code_ttl_secs): a code must outlive the PostgreSQL
            // restart. Three "concurrent" refreshes stay within the reuse
            // grace even when one of them is scheduled late (docs/oidc.md).
            ("LATCHKEY_TOKENS__CODE_TTL_SECS", "60"),
            ("LATCHKEY_TOKENS__REFRESH_REUSE_GRACE_SECS", "10"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let dir = tempfile::Builder::new()
            .prefix("latchkey-multinode-")
            .tempdir()
            .expect("a temporary directory");
        let mut cluster = Self {
            nodes: Vec::new(),
            issuer,
            redis,
            pg,
            env,
            dir,
            test: test.to_owned(),
        };
        // All three start at once on the empty database: migrations and the
        // first signing keys must come out the same for every node.
        for i in 0..3 {
            let node = cluster.spawn(binary, &format!("node{i}"));
            cluster.nodes.push(node);
        }
        for i in 0..3 {
            cluster.wait_ready(i).await;
        }
        Some(cluster)
    }

    fn command(&self, binary: &Path, dir: &Path) -> Command {
        let mut cmd = Command::new(binary);
        // Only this cluster's configuration: none from the shell running
        // the tests (a developer's LATCHKEY_CONFIG, say).
        for (k, _) in std::env::vars_os() {
            if k.to_str().is_some_and(|k| k.starts_with("LATCHKEY_")) {
                cmd.env_remove(k);
            }
        }
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)))
            .env("LATCHKEY_DATA_DIR", dir)
            .current_dir(dir)
            .stdin(Stdio::null());
        cmd
    }

    fn spawn(&self, binary: &Path, name: &str) -> Node {
        let port = free_port();
        let dir = self.dir.path().join(name);
        std::fs::create_dir_all(&dir).expect("node directory");
        let log = std::fs::File::options()
            .create(true)
            .append(true)
            .open(dir.join("latchkey.log"))
            .expect("node log");
        let child = self
            .command(binary, &dir)
            .env("LATCHKEY_SERVER__LISTEN", format!("127.0.0.1:{port}"))
            .args(["--dev", "serve"])
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {}: {e}", binary.display()));
        Node {
            base: format!("http://127.0.0.1:{port}"),
            name: name.to_owned(),
            dir,
            child: Some(child),
        }
    }

    /// Poll `/readyz` of node `i` until it answers 200.
    pub async fn wait_ready(&mut self, i: usize) {
        let http = reqwest::Client::new();
        let deadline = Instant::now() + READY_TIMEOUT;
        let url = format!("{}/readyz", self.nodes[i].base);
        let mut last: String;
        loop {
            match http.get(&url).timeout(Duration::from_secs(5)).send().await {
                Ok(res) if res.status() == 200 => return,
                Ok(res) => {
                    last = format!("{} {}", res.status(), res.text().await.unwrap_or_default())
                }
                Err(e) => last = e.to_string(),
            }
            let node = &mut self.nodes[i];
            assert!(
                node.is_running(),
                "{} exited before it was ready:\n{}",
                node.name,
                node.log_tail()
            );
            assert!(
                Instant::now() < deadline,
                "{} not ready within {READY_TIMEOUT:?} (last: {last}):\n{}",
                node.name,
                node.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The base URL of node `i`.
    pub fn node(&self, i: usize) -> &str {
        &self.nodes[i].base
    }

    /// Run the operator CLI (`latchkey --dev --json ARGS…`) on the shared
    /// database; its JSON output.
    pub fn cli(&self, args: &[&str]) -> Value {
        let dir = self.dir.path().join("cli");
        std::fs::create_dir_all(&dir).expect("cli directory");
        let out = self
            .command(latchkey_binary(), &dir)
            .args(["--dev", "--json"])
            .args(args)
            .output()
            .expect("run the latchkey CLI");
        assert!(
            out.status.success(),
            "latchkey {args:?}: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "latchkey {args:?} printed no JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }

    /// Every log's tail, for a failure message.
    pub fn logs(&self) -> String {
        let mut s = String::new();
        for n in &self.nodes {
            s.push_str(&format!(
                "\n----- {} ({}) -----\n{}\n",
                n.name,
                n.base,
                n.log_tail()
            ));
        }
        s.push_str(&format!("\n----- redis -----\n{}\n", self.redis.log_tail()));
        s.push_str(&format!("\n----- postgres -----\n{}\n", self.pg.log_tail()));
        s
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "\n===== multinode logs of {} =====\n{}",
                self.test,
                self.logs()
            );
        }
    }
}

/// 32 random bytes for the key-encryption secret.
fn rand_bytes() -> [u8; 32] {
    let hex = latchkey_core::id::random_hex(32);
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex");
    }
    out
}

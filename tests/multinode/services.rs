//! A private PostgreSQL cluster and a private Redis for one test, on free
//! loopback ports in a temporary directory, which the test may stop and
//! start again on the same port and data. The machine's shared services
//! (127.0.0.1:5432 and :6379, used by the rest of the suite in parallel)
//! are never touched.
//!
//! PostgreSQL refuses to run as root, so as root (CI, these machines) its
//! programs run as the `postgres` OS user (`CommandExt::uid`).

use std::fs::File;
use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a service may take to answer after it was started.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A free loopback port (bound and released at once).
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    l.local_addr().expect("local addr").port()
}

/// The last `lines` lines of a log file, for failure messages.
pub fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| format!("({e})"));
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

fn run(cmd: &mut Command, what: &str) -> Result<String, String> {
    let out = cmd
        .output()
        .map_err(|e| format!("{what}: cannot run: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{what}: {}\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Wait for `child` to exit, up to `within`; `false` if it is still running.
pub fn wait_exit(child: &mut Child, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if matches!(child.try_wait(), Ok(Some(_)) | Err(_)) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    false
}

/// Send `signal` (a `kill -s` name) to `pid`; std has only SIGKILL.
fn signal(pid: u32, signal: &str) {
    let _ = Command::new("kill")
        .args(["-s", signal, &pid.to_string()])
        .stderr(Stdio::null())
        .status();
}

/// The effective user id of this process, from `/proc/self/status`.
fn euid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

/// `(uid, gid)` of an OS user, from `/etc/passwd`.
fn os_user(name: &str) -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        if f.len() < 4 || f[0] != name {
            return None;
        }
        Some((f[2].parse().ok()?, f[3].parse().ok()?))
    })
}

/// The directory holding `initdb`, `postgres` and `psql`: the newest
/// `/usr/lib/postgresql/*/bin` (Debian), else `PATH`.
fn pg_bin_dir() -> Result<PathBuf, String> {
    if let Ok(dir) = std::env::var("LATCHKEY_TEST_PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Ok(bin);
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .find(|d| d.join("initdb").exists() && d.join("postgres").exists())
        .ok_or_else(|| "initdb/postgres not found (apt-get install -y postgresql)".to_owned())
}

/// A private PostgreSQL cluster with trust authentication.
#[derive(Debug)]
pub struct Postgres {
    bin: PathBuf,
    /// Owns the data directory, socket directory and log.
    dir: tempfile::TempDir,
    pub port: u16,
    run_as: Option<(u32, u32)>,
    child: Option<Child>,
}

impl Postgres {
    /// `initdb`, start, and create the database `latchkey`.
    pub async fn start() -> Result<Self, String> {
        let bin = pg_bin_dir()?;
        let run_as = match euid() {
            Some(0) => Some(os_user("postgres").ok_or(
                "running as root, and PostgreSQL refuses root, but there is no `postgres` user",
            )?),
            _ => None,
        };
        let dir = tempfile::Builder::new()
            .prefix("latchkey-multinode-pg-")
            .tempdir()
            .map_err(|e| e.to_string())?;
        std::fs::create_dir(dir.path().join("sock")).map_err(|e| e.to_string())?;
        if let Some((uid, gid)) = run_as {
            for p in [dir.path().to_owned(), dir.path().join("sock")] {
                std::os::unix::fs::chown(&p, Some(uid), Some(gid))
                    .map_err(|e| format!("chown {}: {e}", p.display()))?;
            }
        }
        let mut pg = Self {
            bin,
            dir,
            port: free_port(),
            run_as,
            child: None,
        };
        let data = pg.dir.path().join("data");
        let mut initdb = pg.as_owner(pg.bin.join("initdb"));
        initdb
            .arg("-D")
            .arg(&data)
            .args(["-A", "trust", "-U", "postgres", "-E", "UTF8"])
            .args(["--no-locale", "--no-sync"]);
        run(&mut initdb, "initdb")?;
        pg.start_again().await?;
        pg.psql("postgres", "CREATE DATABASE latchkey")?;
        Ok(pg)
    }

    fn as_owner(&self, program: PathBuf) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(self.dir.path());
        if let Some((uid, gid)) = self.run_as {
            cmd.uid(uid).gid(gid);
        }
        cmd
    }

    fn log(&self) -> PathBuf {
        self.dir.path().join("postgres.log")
    }

    /// The URL of the test database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/latchkey", self.port)
    }

    /// Start the server (again) on the same port and data directory, and
    /// wait until it answers.
    pub async fn start_again(&mut self) -> Result<(), String> {
        assert!(self.child.is_none(), "PostgreSQL is running already");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log())
            .map_err(|e| e.to_string())?;
        let mut cmd = self.as_owner(self.bin.join("postgres"));
        cmd.arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-p", &self.port.to_string(), "-h", "127.0.0.1", "-k"])
            .arg(self.dir.path().join("sock"))
            // A throwaway cluster: durability buys nothing here.
            .args(["-c", "fsync=off", "-c", "synchronous_commit=off"])
            .args(["-c", "full_page_writes=off", "-c", "max_connections=60"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log);
        self.child = Some(cmd.spawn().map_err(|e| format!("postgres: {e}"))?);
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if self.psql("postgres", "SELECT 1").is_ok() {
                return Ok(());
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                self.child = None;
                return Err(format!(
                    "postgres exited ({status}):\n{}",
                    tail(&self.log(), 20)
                ));
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "postgres did not answer within {START_TIMEOUT:?}:\n{}",
                    tail(&self.log(), 20)
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Stop the server: a fast shutdown (SIGINT: clients are disconnected,
    /// the data is consistent), escalating to SIGKILL after 20 s.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            signal(child.id(), "INT");
            if !wait_exit(&mut child, Duration::from_secs(20)) {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }

    /// Run one SQL statement in `db`; its output unaligned, tuples only.
    pub fn psql(&self, db: &str, sql: &str) -> Result<String, String> {
        let mut cmd = Command::new(self.bin.join("psql"));
        cmd.args(["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1"])
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(["-U", "postgres", "-d", db, "-c", sql])
            .env("PGCONNECT_TIMEOUT", "2")
            .stdin(Stdio::null());
        run(&mut cmd, "psql").map(|s| s.trim().to_owned())
    }

    /// The single number a `SELECT count(*) …` returns, in `latchkey`.
    pub fn count(&self, sql: &str) -> i64 {
        let out = self
            .psql("latchkey", sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        out.parse()
            .unwrap_or_else(|_| panic!("{sql}: not a number: {out}"))
    }

    /// The last lines of the server log.
    pub fn log_tail(&self) -> String {
        tail(&self.log(), 30)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A private Redis without persistence.
#[derive(Debug)]
pub struct Redis {
    dir: tempfile::TempDir,
    pub port: u16,
    child: Option<Child>,
}

impl Redis {
    pub async fn start() -> Result<Self, String> {
        let dir = tempfile::Builder::new()
            .prefix("latchkey-multinode-redis-")
            .tempdir()
            .map_err(|e| e.to_string())?;
        let mut redis = Self {
            dir,
            port: free_port(),
            child: None,
        };
        redis.start_again().await?;
        Ok(redis)
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn log(&self) -> PathBuf {
        self.dir.path().join("redis.log")
    }

    /// Start (again) on the same port, empty, and wait for `PONG`.
    pub async fn start_again(&mut self) -> Result<(), String> {
        assert!(self.child.is_none(), "Redis is running already");
        let program = std::env::var("LATCHKEY_TEST_REDIS_SERVER")
            .unwrap_or_else(|_| "redis-server".to_owned());
        let log = File::options()
            .create(true)
            .append(true)
            .open(self.log())
            .map_err(|e| e.to_string())?;
        let child = Command::new(&program)
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .arg("--dir")
            .arg(self.dir.path())
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("{program}: {e} (apt-get install -y redis-server)"))?;
        self.child = Some(child);
        let deadline = Instant::now() + START_TIMEOUT;
        while !self.pong() {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                self.child = None;
                return Err(format!(
                    "redis-server exited ({status}):\n{}",
                    tail(&self.log(), 20)
                ));
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "redis-server did not answer within {START_TIMEOUT:?}"
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(())
    }

    fn pong(&self) -> bool {
        let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(1)));
        let mut buf = [0u8; 7];
        s.write_all(b"PING\r\n").is_ok() && s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
    }

    /// Kill the server (SIGKILL: a crash; without persistence every key is
    /// gone when it comes back).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn log_tail(&self) -> String {
        tail(&self.log(), 20)
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.kill();
    }
}

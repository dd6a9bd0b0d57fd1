//! `latchkey user invite` through the binary: the link is printed once, the
//! database keeps only the token's hash, bad arguments are refused, and a
//! running server accepts the link.

use std::io::{Read as _, Write as _};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use sha2::{Digest as _, Sha256};

struct Env {
    inner: crate::support::Env,
    port: u16,
}

impl Env {
    /// A working directory with a config whose issuer is a free loopback port.
    fn new() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let inner = crate::support::Env::with_config(&format!(
            "issuer = \"http://localhost:{port}\"\n[server]\nlisten = \"127.0.0.1:{port}\"\n\
             workers = 1\nshutdown_timeout_secs = 1\n"
        ));
        Self { inner, port }
    }

    fn cmd(&self, args: &[&str]) -> Command {
        self.inner.cmd(&[&["--dev"], args].concat())
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    fn json(&self, args: &[&str]) -> serde_json::Value {
        self.inner.json(&[&["--dev", "--json"], args].concat())
    }

    /// Every byte of the database files (the main file and the WAL).
    fn database_bytes(&self) -> Vec<u8> {
        let mut all = Vec::new();
        for entry in std::fs::read_dir(self.inner.dir.path().join("data")).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.starts_with("latchkey.db") {
                all.extend(std::fs::read(&path).unwrap());
            }
        }
        all
    }
}

/// Kills the server it holds when dropped, so a failing test leaves no
/// process behind.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One HTTP/1.1 request over a plain socket; returns status and body.
fn http(port: u16, method: &str, path: &str) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: localhost:{port}\r\nContent-Length: 0\r\n\
         Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut buf = String::new();
    s.read_to_string(&mut buf).unwrap();
    let status = buf[9..12].parse().unwrap();
    let body = buf.split_once("\r\n\r\n").unwrap().1.to_owned();
    (status, body)
}

fn serve(env: &Env) -> Server {
    let mut child = Server(
        env.cmd(&["serve"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if std::net::TcpStream::connect(("127.0.0.1", env.port)).is_ok()
            && http(env.port, "GET", "/readyz").0 == 200
        {
            return child;
        }
        assert!(child.0.try_wait().unwrap().is_none(), "server exited early");
        assert!(Instant::now() < deadline, "server not ready");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn hex_sha256(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn token_of(url: &str, env: &Env) -> String {
    let prefix = format!("http://localhost:{}/enroll?token=", env.port);
    let token = url.strip_prefix(&prefix).unwrap_or_else(|| panic!("{url}"));
    assert_eq!(token.len(), 64, "256-bit hex token");
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
    token.to_owned()
}

#[test]
fn invite_prints_a_link_once_and_stores_only_its_hash() {
    let env = Env::new();
    let alice = env.json(&[
        "user",
        "create",
        "--username",
        "alice",
        "--email",
        "alice@example.com",
    ]);
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let invited = env.json(&["user", "invite", "alice"]);
    assert_eq!(invited["user_id"], alice["id"]);
    assert_eq!(invited["username"], "alice");
    let expires = invited["expires_at"].as_i64().unwrap();
    assert!((before + 72 * 3600..=before + 72 * 3600 + 60).contains(&expires));
    let json_token = token_of(invited["url"].as_str().unwrap(), &env);

    // Text mode: the link alone on stdout, advice on stderr; by email.
    let out = env.run(&["user", "invite", "alice@example.com", "--ttl-hours", "1"]);
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    let text_token = token_of(stdout.trim(), &env);
    assert_ne!(text_token, json_token);
    assert!(String::from_utf8_lossy(&out.stderr).contains("works once"));

    let db = env.database_bytes();
    let contains = |needle: &str| db.windows(needle.len()).any(|w| w == needle.as_bytes());
    for token in [&json_token, &text_token] {
        assert!(!contains(token), "the token itself must not be stored");
        assert!(contains(&hex_sha256(token)), "its SHA-256 is stored");
    }

    // A running server accepts the link without using it up, and refuses
    // tokens it never issued.
    let server = serve(&env);
    for _ in 0..2 {
        let (status, body) = http(
            env.port,
            "POST",
            &format!("/api/enroll/{json_token}/options"),
        );
        assert_eq!(status, 200, "{body}");
        let body: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["registration_id"].as_str().unwrap().len(), 32);
        assert_eq!(body["public_key"]["publicKey"]["rp"]["id"], "localhost");
        assert_eq!(body["public_key"]["publicKey"]["user"]["name"], "alice");
    }
    let unknown = "0".repeat(64);
    let (status, body) = http(env.port, "POST", &format!("/api/enroll/{unknown}/options"));
    assert_eq!(status, 404);
    assert!(body.contains("invitation_invalid"), "{body}");
    drop(server);
}

#[test]
fn invite_refuses_bad_arguments_and_unusable_users() {
    let env = Env::new();
    env.json(&["user", "create", "--username", "bob"]);
    for ttl in ["0", "721", "-1", "soon"] {
        let out = env.run(&["user", "invite", "bob", "--ttl-hours", ttl]);
        assert_eq!(out.status.code(), Some(2), "--ttl-hours {ttl}");
        assert!(out.stdout.is_empty());
    }
    let out = env.run(&["user", "invite", "nobody"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no user"));

    env.json(&["user", "disable", "bob"]);
    let out = env.run(&["--json", "user", "invite", "bob"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "no link for a disabled user");
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert!(err["error"].as_str().unwrap().contains("disabled"));

    env.json(&["user", "enable", "bob"]);
    let ok = env.json(&["user", "invite", "bob", "--ttl-hours", "720"]);
    assert!(ok["url"].as_str().unwrap().contains("/enroll?token="));
}

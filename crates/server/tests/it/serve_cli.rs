//! `latchkey serve` as an operator runs it: start-up failures, the start-up
//! message (text and JSON), a bare `latchkey`, graceful shutdown.

use std::io::{BufRead as _, BufReader, Read as _};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Env, stderr};

fn serve_fails_fast(env: &Env, want: &str) {
    let started = Instant::now();
    let out = env.run(&["--dev", "serve"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains(want), "{}", stderr(&out));
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn unreachable_database_fails_at_start_with_a_clear_message() {
    let env = Env::with_config(
        "[database]\nurl = \"postgres://postgres@127.0.0.1:1/latchkey\"\nconnect_timeout_secs = 2\n",
    );
    serve_fails_fast(&env, "cannot connect to the database");
}

#[test]
fn unreachable_redis_fails_at_start_with_a_clear_message() {
    let env = Env::with_config("[ephemeral]\nurl = \"redis://127.0.0.1:1\"\ntimeout_ms = 500\n");
    serve_fails_fast(&env, "ephemeral store unavailable");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_ready(port: u16, child: &mut std::process::Child) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read, Write};
            let _ = s
                .write_all(b"GET /readyz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            let mut buf = String::new();
            let _ = s.read_to_string(&mut buf);
            if buf.starts_with("HTTP/1.1 200") {
                return;
            }
        }
        assert!(child.try_wait().unwrap().is_none(), "server exited early");
        assert!(Instant::now() < deadline, "server not ready");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// SIGTERM, then wait (at most 15 s) for a clean exit.
fn stop(child: &mut Child) {
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "did not stop after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status:?}");
}

/// A server on `port` with the issuer it implies.
fn env_on(port: u16) -> Env {
    Env::with_config(&format!(
        "issuer = \"http://localhost:{port}\"\n[server]\nlisten = \"127.0.0.1:{port}\"\nworkers = 1\nshutdown_timeout_secs = 2\n"
    ))
}

/// `latchkey` without a command, as `cargo run` starts it: a debug build
/// serves in development mode and says what to do next.
#[cfg(debug_assertions)]
#[test]
fn bare_latchkey_serves_in_development_mode() {
    let port = free_port();
    let env = env_on(port);
    let mut child = env.cmd(&[]).stderr(Stdio::piped()).spawn().unwrap();
    wait_ready(port, &mut child);
    assert!(
        env.dir.path().join("data/secret.key").exists(),
        "development mode: key generated under data/"
    );
    stop(&mut child);
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(
        err.contains(&format!(
            "Latchkey is running at http://localhost:{port} (development mode: sqlite + memory)"
        )),
        "{err}"
    );
    assert!(
        err.contains("Next steps:") && err.contains("user invite alice"),
        "{err}"
    );
}

/// A release build's bare `latchkey` is `serve` in production mode, which
/// refuses this http issuer and the missing encryption key.
#[cfg(not(debug_assertions))]
#[test]
fn bare_release_latchkey_serves_in_production_mode() {
    let port = free_port();
    let out = env_on(port).run(&[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("issuer"), "{}", stderr(&out));
}

/// `serve --json` announces itself in one JSON line on stdout.
#[test]
fn serve_json_announces_itself_in_one_line() {
    let port = free_port();
    let env = env_on(port);
    let mut child = env
        .cmd(&["--dev", "--json", "serve"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    stdout.read_line(&mut line).unwrap();
    let announced: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(
        announced["listening"],
        format!("127.0.0.1:{port}"),
        "{line}"
    );
    assert_eq!(
        announced["issuer"],
        format!("http://localhost:{port}"),
        "{line}"
    );
    assert_eq!(announced["database"], "sqlite", "{line}");
    assert_eq!(announced["ephemeral"], "memory", "{line}");
    assert_eq!(announced["dev_mode"], true, "{line}");
    assert_eq!(
        announced["next_steps"].as_array().unwrap().len(),
        3,
        "{line}"
    );
    wait_ready(port, &mut child);
    stop(&mut child);
}

#[test]
fn serve_answers_readyz_and_stops_gracefully_on_sigterm() {
    let port = free_port();
    let env = env_on(port);
    let mut child = env
        .cmd(&["--dev", "serve"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_ready(port, &mut child);
    assert!(Path::new(&env.dir.path().join("data/latchkey.db")).exists());
    assert!(
        env.dir.path().join("data/secret.key").exists(),
        "dev key generated under data/"
    );

    stop(&mut child);
}

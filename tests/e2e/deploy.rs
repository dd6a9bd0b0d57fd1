//! `deploy/` cannot drift from the code: the compose file, the nginx
//! configuration, the Kubernetes manifests and the Dockerfile are parsed and
//! checked against Latchkey's real configuration loader and command line.
//! No container engine is needed (none runs on CI).

mod compose;
mod kubernetes;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Parser as _;
use latchkey_server::cli::{Cli, Command};
use latchkey_server::config::Config;
use serde_json::Value;

/// A test value for the file each `_FILE` variable names.
const ENCRYPTION_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// One YAML document (merge keys applied) as JSON.
fn yaml(rel: &str) -> Value {
    let mut v: serde_norway::Value =
        serde_norway::from_str(&read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    v.apply_merge().unwrap_or_else(|e| panic!("{rel}: {e}"));
    serde_json::to_value(v).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected a list: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => panic!("not a scalar: {other}"),
    }
}

/// Parses `args` with the real `latchkey` command line. Deployments name
/// their command: a bare `latchkey` means different things in debug and
/// release builds.
fn command(args: &[String]) -> Command {
    let argv = std::iter::once("latchkey".to_owned()).chain(args.iter().cloned());
    Cli::try_parse_from(argv)
        .unwrap_or_else(|e| panic!("`latchkey {}` does not parse: {e}", args.join(" ")))
        .command
        .unwrap_or_else(|| panic!("`latchkey {}` names no command", args.join(" ")))
}

/// Runs Latchkey's configuration loader (production mode, no file) on the
/// `LATCHKEY_` variables of `env`. Each `_FILE` variable is pointed at a
/// temporary file holding a test value of the right kind.
fn load(env: &BTreeMap<String, String>) -> Result<Config, String> {
    let dir = tempfile::tempdir().unwrap();
    let mut vars: Vec<(String, String)> = Vec::new();
    for (name, value) in env.iter().filter(|(k, _)| k.starts_with("LATCHKEY_")) {
        if let Some(key) = name.strip_suffix("_FILE") {
            let content = match key {
                "LATCHKEY_DATABASE__URL" => "postgres://latchkey:pw@postgres:5432/latchkey",
                "LATCHKEY_EPHEMERAL__URL" => "redis://:pw@redis:6379/0",
                "LATCHKEY_KEYS__ENCRYPTION_KEY" => ENCRYPTION_KEY,
                // An unknown `_FILE` key still reaches the loader, which
                // must name it.
                _ => "x",
            };
            let path = dir.path().join(name);
            std::fs::write(&path, format!("{content}\n")).unwrap();
            vars.push((name.clone(), path.to_str().unwrap().to_owned()));
        } else {
            vars.push((name.clone(), value.clone()));
        }
    }
    let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    Config::from_sources(None, &pairs, None).map_err(|e| e.to_string())
}

/// The Dockerfile's instructions, continuation lines joined, comments
/// dropped, each as (INSTRUCTION, arguments).
fn dockerfile() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in read("deploy/Dockerfile").lines() {
        let t = line.trim();
        if t.starts_with('#') || (t.is_empty() && current.is_empty()) {
            continue;
        }
        if let Some(head) = t.strip_suffix('\\') {
            current.push_str(head);
            current.push(' ');
            continue;
        }
        current.push_str(t);
        let (ins, args) = current.split_once(' ').unwrap_or((current.as_str(), ""));
        out.push((ins.to_ascii_uppercase(), args.trim().to_owned()));
        current.clear();
    }
    out
}

/// The Dockerfile's final stage: the runtime image.
fn runtime_stage() -> Vec<(String, String)> {
    let all = dockerfile();
    let last = all.iter().rposition(|(i, _)| i == "FROM").unwrap();
    all[last..].to_vec()
}

/// `LATCHKEY_` variables the image itself sets (`ENV K=V`).
fn image_env() -> BTreeMap<String, String> {
    runtime_stage()
        .iter()
        .filter(|(i, _)| i == "ENV")
        .flat_map(|(_, a)| a.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap();
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

#[test]
fn dockerfile_builds_the_server_and_runs_it_unprivileged_with_a_health_check() {
    let all = dockerfile();
    assert!(all.iter().any(
        |(i, a)| i == "RUN" && a.contains("cargo build --release --locked -p latchkey-server")
    ));
    let runtime = runtime_stage();
    assert!(
        runtime[0].1.starts_with("debian:bookworm-slim"),
        "{:?}",
        runtime[0]
    );
    let arg = |ins: &str| -> Vec<String> {
        let found: Vec<String> = runtime
            .iter()
            .filter(|(i, _)| i == ins)
            .map(|(_, a)| a.clone())
            .collect();
        assert_eq!(found.len(), 1, "one {ins} in the runtime stage");
        found
    };
    let user = arg("USER").remove(0);
    let uid = user.split(':').next().unwrap();
    assert!(!["root", "0", ""].contains(&uid), "USER {user}");

    let health = arg("HEALTHCHECK").remove(0);
    let exec = health.split_once("CMD ").expect("HEALTHCHECK … CMD").1;
    let exec: Vec<String> = serde_json::from_str(exec).expect("exec form");
    assert_eq!(exec[0], "latchkey");
    assert!(matches!(command(&exec[1..]), Command::Health(_)));

    let entry: Vec<String> = serde_json::from_str(&arg("ENTRYPOINT")[0]).unwrap();
    assert_eq!(entry, ["latchkey"]);
    let cmd: Vec<String> = serde_json::from_str(&arg("CMD")[0]).unwrap();
    assert!(matches!(command(&cmd), Command::Serve));

    // The image's own variables load (with the two settings production
    // adds), and it exposes the port it listens on.
    let mut env = image_env();
    env.insert("LATCHKEY_ISSUER".into(), "https://id.example.com".into());
    env.insert(
        "LATCHKEY_KEYS__ENCRYPTION_KEY_FILE".into(),
        "/run/secrets/key".into(),
    );
    let listen = load(&env).unwrap().server.listen;
    assert_eq!(arg("EXPOSE")[0], listen.port().to_string());
    assert_eq!(arg("VOLUME")[0], r#"["/data"]"#);

    let ignore = read(".dockerignore");
    for entry in ["target/", "data/", ".git"] {
        assert!(
            ignore.lines().any(|l| l.trim() == entry),
            ".dockerignore: {entry}"
        );
    }
}

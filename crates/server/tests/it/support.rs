//! Running the `latchkey` binary the way an operator does, in a clean
//! environment and a temporary working directory, so nothing from the
//! developer's shell or checkout leaks into a test.

use std::process::{Command, Output, Stdio};

/// A temporary working directory for one test's `latchkey` invocations.
pub struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// With `./latchkey.toml` holding `toml`.
    pub fn with_config(toml: &str) -> Self {
        let env = Self::new();
        std::fs::write(env.dir.path().join("latchkey.toml"), toml).unwrap();
        env
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_latchkey"));
        c.env_clear()
            .current_dir(self.dir.path())
            .args(args)
            .stdin(Stdio::null());
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    /// Run, assert success, and parse stdout as JSON.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = self.run(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

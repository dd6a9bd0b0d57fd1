//! Text or JSON output for the CLI.

use serde::Serialize;

/// Where and how the CLI prints.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub json: bool,
}

impl Output {
    /// Print `value` as pretty JSON.
    pub fn json_value<T: Serialize>(&self, value: &T) {
        match serde_json::to_string_pretty(value) {
            Ok(s) => println!("{s}"),
            Err(e) => eprintln!("error: cannot encode output: {e}"),
        }
    }

    /// Print `value` as one line of JSON and flush, for a reader that
    /// follows a long-running command's output.
    pub fn json_line<T: Serialize>(&self, value: &T) {
        use std::io::Write as _;
        match serde_json::to_string(value) {
            Ok(s) => {
                let mut stdout = std::io::stdout().lock();
                let _ = writeln!(stdout, "{s}").and_then(|()| stdout.flush());
            }
            Err(e) => eprintln!("error: cannot encode output: {e}"),
        }
    }

    /// Print `value` as JSON in JSON mode, else the text `human` builds.
    pub fn emit<T: Serialize>(&self, value: &T, human: impl FnOnce() -> String) {
        if self.json {
            self.json_value(value);
        } else {
            println!("{}", human());
        }
    }

    /// Report an error on stderr (as `{"error": …}` in JSON mode).
    pub fn error(&self, message: &str) {
        if self.json {
            eprintln!("{}", serde_json::json!({ "error": message }));
        } else {
            eprintln!("error: {message}");
        }
    }
}

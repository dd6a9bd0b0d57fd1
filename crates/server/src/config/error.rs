//! Configuration errors that name the key, where its value came from and what
//! was expected, so an operator can fix a typo without reading the source.

use std::fmt;
use std::path::PathBuf;

use figment::error::Kind;

use super::keys::{self, is_secret};
use super::sources::{EnvSource, Origin};

/// Why the configuration could not be loaded or used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `--config PATH` names a file that does not exist.
    #[error("configuration file {} does not exist", path.display())]
    NotFound {
        /// The path given on the command line.
        path: PathBuf,
    },
    /// A file could not be read or written.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done: "read", "create", "write".
        action: &'static str,
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// One or more settings are wrong. Every problem is reported, not just the
    /// first, so a deployment needs one round of fixes rather than many.
    #[error("{}", Problems(.0))]
    Invalid(Vec<Problem>),
}

impl ConfigError {
    /// The individual problems of an [`ConfigError::Invalid`]; empty otherwise.
    #[must_use]
    pub fn problems(&self) -> &[Problem] {
        match self {
            Self::Invalid(problems) => problems,
            _ => &[],
        }
    }
}

/// One wrong setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The dotted key concerned (`server.listen`), when there is one.
    pub key: Option<String>,
    /// A complete sentence naming the key, its source and what is expected.
    /// It never contains the value of a secret.
    pub message: String,
}

impl Problem {
    pub(super) fn new(key: Option<&str>, message: String) -> Self {
        Self {
            key: key.map(str::to_owned),
            message,
        }
    }

    /// `invalid value for "key" <origin>: expected <what the key takes><detail>`.
    pub(super) fn invalid(key: &str, origin: &Origin, detail: &str) -> Self {
        let expected = keys::spec(key).map_or("a different value", |k| k.expected);
        Self::new(
            Some(key),
            format!("invalid value for \"{key}\" {origin}: expected {expected}{detail}"),
        )
    }

    /// `unknown key "key" <origin>`, with the nearest known key if one is close.
    pub(super) fn unknown(key: &str, origin: &Origin) -> Self {
        let mut message = format!("unknown key \"{key}\" {origin}");
        if let Some(near) = keys::suggest(key) {
            match origin {
                Origin::Env(_) => {
                    message += &format!("; did you mean {}?", keys::env_var(near));
                }
                _ => message += &format!("; did you mean \"{near}\"?"),
            }
        }
        Self::new(Some(key), message)
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

struct Problems<'a>(&'a [Problem]);

impl fmt::Display for Problems<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            [one] => write!(f, "{one}"),
            many => {
                write!(f, "{} configuration errors:", many.len())?;
                for p in many {
                    write!(f, "\n  - {p}")?;
                }
                Ok(())
            }
        }
    }
}

/// Turns every error figment collected into our problems.
///
/// figment's own `Display` says `for key "default.database.urll" in
/// environment`, which names neither the variable nor what would be valid,
/// and it echoes values, secrets included.
pub(super) fn from_figment(error: figment::Error, env: &EnvSource) -> Vec<Problem> {
    let mut problems = Vec::new();
    for e in error {
        let key = e.path.join(".");
        let origin = Origin::from_metadata(e.metadata.as_ref(), &e.path);
        if key.is_empty() {
            // A provider failed as a whole: in practice, TOML syntax.
            problems.push(Problem::new(
                None,
                format!(
                    "invalid configuration {origin}: {}",
                    without_snippet(&e.kind.to_string())
                ),
            ));
            continue;
        }
        // A table-level error caused by environment variables is reported once
        // per variable, with the variable's full name and key.
        let origins: Vec<(String, Origin)> = match &origin {
            Origin::Env(_) => {
                let vars: Vec<_> = env
                    .vars_under(&key)
                    .map(|v| (v.key.clone(), Origin::Env(v.name.clone())))
                    .collect();
                if vars.is_empty() {
                    vec![(key.clone(), origin)]
                } else {
                    vars
                }
            }
            _ => vec![(key.clone(), origin)],
        };
        for (leaf, origin) in origins {
            problems.push(match &e.kind {
                Kind::UnknownField(..) => Problem::unknown(&leaf, &origin),
                kind => Problem::invalid(&key, &origin, &found(&key, kind)),
            });
        }
    }
    problems
}

/// The TOML parser quotes the offending line, which may be the line holding a
/// password; keep its position and explanation, drop the quoted source (every
/// line of it is drawn with `|`).
fn without_snippet(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.contains('|'))
        .collect::<Vec<_>>()
        .join("; ")
}

/// What was found instead, for the message; nothing for secrets, whose value
/// must not reach a log.
fn found(key: &str, kind: &Kind) -> String {
    if is_secret(key) {
        return String::new();
    }
    match kind {
        Kind::InvalidType(actual, _) | Kind::InvalidValue(actual, _) => {
            format!(" (found {actual})")
        }
        other => format!(" ({other})"),
    }
}

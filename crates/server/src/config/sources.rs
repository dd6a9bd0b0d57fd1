//! The figment providers for the two outside layers: the TOML file and the
//! `LATCHKEY_*` environment.
//!
//! Both are our own small providers rather than figment's `Toml::file` and
//! `Env::prefixed("LATCHKEY_").split("__")`:
//! - the environment comes from an explicit list, so tests never touch (or
//!   race on) the process environment;
//! - environment values stay the exact strings they were. figment's `Env`
//!   parses `[a,b]` as an array and `"x"` as `x`, which would silently change a
//!   password; numbers and booleans are converted per key instead, by the
//!   resolver, which knows each key's type;
//! - the metadata names the file path and the exact variable, which is what
//!   the error messages quote.

use std::path::{Path, PathBuf};

use figment::value::{Dict, Map, Value};
use figment::{Error, Metadata, Profile, Provider, Source};

use super::keys::{ENV_PREFIX, is_reserved_env};

/// The TOML configuration file, already read into memory.
pub(super) struct TomlSource<'a> {
    pub text: &'a str,
    pub path: &'a Path,
}

impl Provider for TomlSource<'_> {
    fn metadata(&self) -> Metadata {
        Metadata::from("TOML file", Source::File(self.path.to_path_buf()))
    }

    fn data(&self) -> Result<Map<Profile, Dict>, Error> {
        use figment::providers::{Format, Toml};
        Toml::string(self.text).data()
    }
}

/// Marks metadata as coming from [`EnvSource`], so an error can be traced back
/// to the variable that caused it.
pub(super) const ENV_SOURCE_NAME: &str = "environment";

/// One configuration variable: `LATCHKEY_DATABASE__URL` → `database.url`.
#[derive(Debug, Clone)]
pub(super) struct EnvVar {
    pub name: String,
    pub key: String,
    pub value: String,
}

/// The `LATCHKEY_*` variables that configure the server.
#[derive(Debug, Clone, Default)]
pub(super) struct EnvSource {
    vars: Vec<EnvVar>,
}

impl EnvSource {
    /// Selects and maps the configuration variables. Returns the names of
    /// variables that carry our prefix but cannot name a key (`LATCHKEY_A____B`,
    /// `LATCHKEY_SERVER__`), so they are reported instead of silently ignored.
    ///
    /// Empty values are skipped: an empty variable is almost always an unfilled
    /// template (`${SECRET:-}` in a compose file), not a wish for an empty
    /// string.
    pub fn new<'a>(env: impl IntoIterator<Item = (&'a str, &'a str)>) -> (Self, Vec<String>) {
        let mut vars = Vec::new();
        let mut malformed = Vec::new();
        for (name, value) in env {
            let name = name.trim();
            let Some(rest) = strip_prefix_ignore_case(name, ENV_PREFIX) else {
                continue;
            };
            if is_reserved_env(&rest.to_ascii_uppercase()) || value.is_empty() {
                continue;
            }
            let segments: Vec<String> = rest.split("__").map(str::to_ascii_lowercase).collect();
            if segments.iter().any(|s| s.is_empty() || s.contains('.')) {
                malformed.push(name.to_owned());
                continue;
            }
            vars.push(EnvVar {
                name: name.to_owned(),
                key: segments.join("."),
                value: value.to_owned(),
            });
        }
        // Deterministic results whatever order the OS lists variables in.
        vars.sort_by(|a, b| a.name.cmp(&b.name));
        (Self { vars }, malformed)
    }

    /// The variables that set `key` or anything below it, for naming the
    /// culprit of an error reported on a table (`LATCHKEY_DATABSE__URL` makes
    /// an error about the key `databse`).
    pub fn vars_under(&self, key: &str) -> impl Iterator<Item = &EnvVar> {
        self.vars.iter().filter(move |v| {
            v.key == key
                || v.key
                    .strip_prefix(key)
                    .is_some_and(|rest| rest.starts_with('.'))
        })
    }
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

impl Provider for EnvSource {
    fn metadata(&self) -> Metadata {
        Metadata::named(ENV_SOURCE_NAME)
            .interpolater(|_: &Profile, keys: &[&str]| super::keys::env_var(&keys.join(".")))
    }

    fn data(&self) -> Result<Map<Profile, Dict>, Error> {
        let mut dict = Dict::new();
        for var in &self.vars {
            let path: Vec<&str> = var.key.split('.').collect();
            insert(&mut dict, &path, Value::from(var.value.clone()));
        }
        let mut map = Map::new();
        map.insert(Profile::Default, dict);
        Ok(map)
    }
}

/// Places `value` at `path`, creating tables on the way. A table wins over a
/// scalar set for the same name (`LATCHKEY_SERVER=x` and
/// `LATCHKEY_SERVER__LISTEN=…`), so the specific setting is the one kept.
fn insert(dict: &mut Dict, path: &[&str], value: Value) {
    match path {
        [] => {}
        [last] => {
            let keep_table = matches!(dict.get(*last), Some(Value::Dict(..)));
            if !keep_table {
                dict.insert((*last).to_owned(), value);
            }
        }
        [first, rest @ ..] => {
            let entry = dict
                .entry((*first).to_owned())
                .or_insert_with(|| Value::from(Dict::new()));
            if !matches!(entry, Value::Dict(..)) {
                *entry = Value::from(Dict::new());
            }
            if let Value::Dict(_, inner) = entry {
                insert(inner, rest, value);
            }
        }
    }
}

/// Where a configuration value came from, as error messages name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Origin {
    /// A value Latchkey chose because nothing else set the key.
    Default,
    /// The TOML file at this path.
    File(PathBuf),
    /// This environment variable.
    Env(String),
    /// Something else figment knows by name.
    Other(String),
}

impl Origin {
    /// Reads the origin of the value at `path` out of figment's metadata.
    pub fn from_metadata(md: Option<&Metadata>, path: &[String]) -> Self {
        let Some(md) = md else {
            return Self::Default;
        };
        if let Some(Source::File(p)) = &md.source {
            return Self::File(p.clone());
        }
        if md.name == ENV_SOURCE_NAME {
            return Self::Env(super::keys::env_var(&path.join(".")));
        }
        Self::Other(md.name.to_string())
    }

    /// Layer rank for "later wins" between a secret and its `_file` twin.
    pub fn layer(&self) -> u8 {
        match self {
            Self::Default => 0,
            Self::File(_) | Self::Other(_) => 1,
            Self::Env(_) => 2,
        }
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Default => f.write_str("from the built-in default"),
            Self::File(p) => write!(f, "in {}", p.display()),
            Self::Env(var) => write!(f, "from environment variable {var}"),
            Self::Other(name) => write!(f, "in {name}"),
        }
    }
}

//! What a run measures and how.

use std::path::PathBuf;
use std::time::Duration;

/// Which storage the server runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Stack {
    /// SQLite file + in-memory ephemeral store (the embedded default).
    Embedded,
    /// PostgreSQL + Redis (a fresh database and a fresh key prefix).
    Shared,
}

/// One load scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Scenario {
    /// `GET /.well-known/openid-configuration` and `GET /jwks`, alternating.
    Discovery,
    /// `client_credentials` → an ES256 access token.
    ClientCredentials,
    /// `POST /introspect` of an access token.
    Introspection,
    /// `refresh_token` grant, each answer's token presented next.
    Refresh,
    /// A whole passkey sign-in of one of many users, ID token validated.
    PasskeySignin,
    /// A whole email-code sign-in, the code read from the SMTP sink.
    FallbackSignin,
}

impl Scenario {
    pub const ALL: [Scenario; 6] = [
        Scenario::Discovery,
        Scenario::ClientCredentials,
        Scenario::Introspection,
        Scenario::Refresh,
        Scenario::PasskeySignin,
        Scenario::FallbackSignin,
    ];

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Discovery => "discovery+jwks",
            Scenario::ClientCredentials => "client_credentials",
            Scenario::Introspection => "introspection",
            Scenario::Refresh => "refresh rotation",
            Scenario::PasskeySignin => "passkey sign-in",
            Scenario::FallbackSignin => "email-code sign-in",
        }
    }
}

/// Everything a run needs.
#[derive(Debug, Clone)]
pub struct Options {
    pub stack: Stack,
    pub duration: Duration,
    pub concurrency: usize,
    /// Users seeded (each with a passkey and a verified email).
    pub users: usize,
    pub scenarios: Vec<Scenario>,
    /// The server binary; default: `latchkey-bench-server` beside this one.
    pub server: Option<PathBuf>,
    pub json: Option<PathBuf>,
    /// `server.workers`; default: the server's own (one per core).
    pub workers: Option<usize>,
    /// `log.level` of the server (its default is `info`).
    pub log_level: String,
    pub postgres_url: String,
    pub redis_url: String,
}

impl Options {
    /// The smoke configuration: every scenario for a second at concurrency
    /// 2 on a few users, for a test that keeps the harness from rotting.
    #[must_use]
    pub fn smoke(stack: Stack, server: Option<PathBuf>) -> Self {
        Self {
            stack,
            duration: Duration::from_secs(1),
            concurrency: 2,
            users: 3,
            scenarios: Scenario::ALL.to_vec(),
            server,
            json: None,
            workers: Some(1),
            log_level: "warn".into(),
            postgres_url: "postgres://postgres@127.0.0.1:5432".into(),
            redis_url: "redis://127.0.0.1:6379".into(),
        }
    }
}

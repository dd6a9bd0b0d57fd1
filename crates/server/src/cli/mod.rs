//! The `latchkey` command line. Every command uses the same domain and store
//! code as the server.

mod client;
mod health;
mod keys;
mod output;
mod policy;
mod serve;
mod user;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::Config;
pub use output::Output;

/// Latchkey: a passkey-first OpenID Connect identity provider.
#[derive(Debug, Parser)]
#[command(name = "latchkey", version, about)]
pub struct Cli {
    /// Configuration file (default: ./latchkey.toml when it exists).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Development mode: http issuer on loopback allowed, encryption key
    /// generated under the data directory. Never in production.
    #[arg(long, global = true)]
    pub dev: bool,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Without a command: `serve`, in development mode when this is a debug
    /// build (what `cargo run` makes).
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the identity provider (migrates the database first).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Inspect the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Manage relying-party clients.
    #[command(subcommand)]
    Client(client::ClientCommand),
    /// Manage users.
    #[command(subcommand)]
    User(user::UserCommand),
    /// Inspect and rotate the token-signing keys.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Check the fallback policy, and show what a user would be offered
    /// when a passkey does not work.
    #[command(subcommand)]
    Policy(policy::PolicyCommand),
    /// Probe a running server's /healthz (exit 0 on 200 OK, 1 otherwise),
    /// for container health checks.
    Health(health::HealthArgs),
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate the configuration and print the effective values, secrets
    /// redacted.
    Check,
}

/// A command's failure: the message for stderr and the exit code.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub code: u8,
}

impl Failure {
    /// A usage or configuration problem (exit 2).
    pub fn usage(message: impl std::fmt::Display) -> Self {
        Self {
            message: message.to_string(),
            code: 2,
        }
    }
    /// A runtime problem (exit 1).
    pub fn runtime(message: impl std::fmt::Display) -> Self {
        Self {
            message: message.to_string(),
            code: 1,
        }
    }
}

/// Parse arguments, run the command, and map the outcome to an exit code.
#[must_use]
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let out = Output { json: cli.json };
    let result = actix_web::rt::System::new().block_on(run(cli, out));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            out.error(&f.message);
            ExitCode::from(f.code)
        }
    }
}

/// Whether a bare `latchkey` (no command) runs in development mode: in a
/// debug build only, which is what `cargo run` builds. A release build
/// (the container image, `cargo build --release`) never turns development
/// mode on by itself.
const BARE_MEANS_DEV: bool = cfg!(debug_assertions);

async fn run(cli: Cli, out: Output) -> Result<(), Failure> {
    let bare = cli.command.is_none();
    let dev = (cli.dev || (bare && BARE_MEANS_DEV)).then_some(true);
    let config = Config::load(cli.config.as_deref(), dev).map_err(Failure::usage)?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve::serve(config, out).await,
        Command::Migrate => serve::migrate(config, out).await,
        Command::Config(ConfigCommand::Check) => {
            config.check_encryption_key().map_err(Failure::usage)?;
            if out.json {
                let value: toml::Value =
                    toml::from_str(&config.redacted_toml()).map_err(Failure::runtime)?;
                out.json_value(&value);
            } else {
                println!(
                    "# configuration is valid; secrets are redacted\n{}",
                    config.redacted_toml()
                );
            }
            Ok(())
        }
        Command::Client(cmd) => client::run(cmd, &config, out).await,
        Command::User(cmd) => user::run(cmd, &config, out).await,
        Command::Keys(cmd) => keys::run(cmd, &config, out).await,
        Command::Policy(cmd) => policy::run(cmd, &config, out).await,
        Command::Health(args) => health::run(args, &config, out).await,
    }
}

/// Open the database for an administrative command (migrated, so a fresh
/// install works without a separate step).
///
/// One connection: a command runs its queries one after another, and a
/// larger pool went on opening connections on r2d2's threads while a
/// short command exited, which crashed libpq's teardown under load
/// (docs/performance.md, known issues).
async fn admin_db(config: &Config) -> Result<latchkey_store::Db, Failure> {
    let mut config = config.clone();
    config.database.pool_size = 1;
    let db = crate::state::connect_db(&config)
        .await
        .map_err(Failure::runtime)?;
    db.migrate().await.map_err(Failure::runtime)?;
    Ok(db)
}

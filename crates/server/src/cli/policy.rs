//! `latchkey policy …`: validate the `[fallback]` policy, and dry-run the
//! fallback engine for a client and a user (`docs/fallback-policy.md`).
//!
//! `explain` builds its situation with the same code as a login flow
//! (`fallback::situation::for_client`) and asks the same pure
//! `engine::decide`, so what it prints is what the login page would offer.

use std::collections::BTreeMap;

use clap::{Args, Subcommand};
use latchkey_core::{User, UserId, UserRepo as _, UserStatus};
use latchkey_fallback::engine::{self, OVERRIDE_KEYS, Requirement, SituationOverrides};
use latchkey_fallback::policy::ClientPolicy;
use latchkey_oidc::{ClientId, ClientRepo as _};
use serde::Serialize;

use super::{Failure, Output};
use crate::config::Config;
use crate::fallback::situation;
use crate::state::AppState;

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Validate `[fallback]` and print every client's effective policy,
    /// resolved (the global default, then each override).
    Check,
    /// Show what the fallback engine would offer a user of a client, and
    /// why, without signing anyone in.
    Explain(ExplainArgs),
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The registered client whose policy applies.
    #[arg(long, value_name = "ID")]
    client: String,
    /// The account (id, username or email) whose real enrollment and locks
    /// to use. Without it: an unidentified visitor.
    #[arg(long, value_name = "USER")]
    user: Option<String>,
    /// The request's acr_values, space-separated (e.g. "phr"); the weakest
    /// known value is the requirement. Default: no requirement.
    #[arg(long, value_name = "VALUES")]
    acr_values: Option<String>,
    /// Override parts of the situation: key=value,… (repeatable).
    #[arg(long, value_name = "KEY=VALUE,…", long_help = situation_help())]
    situation: Vec<String>,
}

/// `--situation`'s long help: every key and its values, from the parser's
/// own table so the two cannot drift.
fn situation_help() -> String {
    let width = OVERRIDE_KEYS
        .iter()
        .map(|(k, _)| k.len())
        .max()
        .unwrap_or(0);
    let keys: Vec<String> = OVERRIDE_KEYS
        .iter()
        .map(|(k, v)| format!("  {k:width$}  {v}"))
        .collect();
    format!(
        "Override parts of the situation, applied last: key=value,… (repeatable; \
         acr, passkey and locked may repeat and replace the base value).\n\n{}",
        keys.join("\n")
    )
}

pub(super) async fn run(cmd: PolicyCommand, config: &Config, out: Output) -> Result<(), Failure> {
    match cmd {
        PolicyCommand::Check => check(config, out),
        PolicyCommand::Explain(args) => explain(args, config, out).await,
    }
}

/// The resolved policies as a `[fallback]` section: every key written out,
/// so the text is itself a valid configuration with the same meaning.
#[derive(Serialize)]
struct Effective<'a> {
    fallback: Section<'a>,
}

#[derive(Serialize)]
struct Section<'a> {
    #[serde(flatten)]
    default: &'a ClientPolicy,
    /// Settings that exist only globally, as the policy serialises them.
    #[serde(flatten)]
    globals: toml::Table,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    clients: BTreeMap<&'a str, ClientPolicy>,
}

fn check(config: &Config, out: Output) -> Result<(), Failure> {
    let policy = config.fallback_policy().map_err(Failure::usage)?;
    if out.json {
        out.json_value(&policy);
        return Ok(());
    }
    let mut globals = toml::Table::try_from(&policy).map_err(Failure::runtime)?;
    globals.remove("default");
    globals.remove("clients");
    let effective = Effective {
        fallback: Section {
            default: policy.default_policy(),
            globals,
            clients: policy
                .client_ids()
                .map(|id| (id, policy.for_client(id)))
                .collect(),
        },
    };
    let text = toml::to_string(&effective).map_err(Failure::runtime)?;
    println!(
        "# [fallback] is valid. Every client's effective policy, resolved;\n\
         # clients without an override get [fallback].\n{text}"
    );
    Ok(())
}

async fn explain(args: ExplainArgs, config: &Config, out: Output) -> Result<(), Failure> {
    // Arguments first: a typo should not wait for a database.
    let overrides = SituationOverrides::parse(&args.situation.join(","))
        .map_err(|e| Failure::usage(format!("--situation: {e}")))?;
    let requirement = match &args.acr_values {
        Some(values) => {
            Requirement::from_acr_values(&values.split_whitespace().collect::<Vec<_>>())
        }
        None => Requirement::None,
    };
    let state = AppState::connect(config.clone())
        .await
        .map_err(Failure::runtime)?;
    state
        .db
        .client_by_id(&ClientId(args.client.clone()))
        .await
        .map_err(Failure::runtime)?
        .ok_or_else(|| Failure::runtime(format!("no client {:?}", args.client)))?;
    let user = match &args.user {
        Some(who) => Some(find_user(&state, who).await?),
        None => None,
    };
    let situation = situation::for_client(
        &state,
        &args.client,
        user.as_ref().map(|u| &u.id),
        requirement,
        &overrides,
    )
    .await
    .map_err(Failure::runtime)?;
    let decision = engine::decide(&situation);
    if out.json {
        out.json_value(&decision);
        return Ok(());
    }
    print!("{decision}");
    if let Some(user) = &user {
        if user.status != UserStatus::Active {
            eprintln!(
                "note: user {} is disabled: any sign-in ends in a refusal, whatever the options",
                user.username
            );
        }
        if config.ephemeral.url.expose().starts_with("memory:") {
            // The in-memory store lives in the server's process, not this one.
            eprintln!(
                "note: ephemeral.url is memory://, so locks held by a running server are not \
                 visible here; simulate them with --situation locked=METHOD:SECONDS or \
                 account_locked=SECONDS"
            );
        }
    }
    Ok(())
}

/// A user by id, username or email.
async fn find_user(state: &AppState, who: &str) -> Result<User, Failure> {
    if let Some(u) = state
        .db
        .user_by_id(&UserId(who.to_owned()))
        .await
        .map_err(Failure::runtime)?
    {
        return Ok(u);
    }
    state
        .db
        .user_by_identifier(who)
        .await
        .map_err(Failure::runtime)?
        .ok_or_else(|| Failure::runtime(format!("no user {who:?}")))
}

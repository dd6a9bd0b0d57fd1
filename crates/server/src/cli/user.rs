//! `latchkey user …`: create and manage users.

use clap::Subcommand;
use latchkey_core::{
    Clock as _, NewUser, RepoError, SystemClock, User, UserId, UserRepo, UserStatus,
};
use latchkey_passkey::invitation::{self, InvitationRepo as _};
use serde::Serialize;

use super::{Failure, Output, admin_db};
use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        email: Option<String>,
        /// The email is known to be the user's (verified by the system the
        /// user comes from), so it can be used to sign in at once.
        #[arg(long, requires = "email")]
        email_verified: bool,
        #[arg(long)]
        display_name: Option<String>,
    },
    /// List users, oldest first.
    List {
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Show a user by id, username or email.
    Show { user: String },
    /// Stop a user from signing in.
    Disable { user: String },
    /// Allow a disabled user to sign in again.
    Enable { user: String },
    /// Create a single-use, expiring link with which the user creates a
    /// passkey. The link is printed once; only a hash of its token is kept.
    Invite {
        /// The user's id, username or email.
        user: String,
        /// How long the link works, in hours (1 to 720).
        #[arg(
            long,
            default_value_t = invitation::DEFAULT_TTL_HOURS,
            value_parser = clap::value_parser!(u32).range(1..=i64::from(invitation::MAX_TTL_HOURS)),
        )]
        ttl_hours: u32,
    },
}

fn describe(u: &User) -> String {
    format!(
        "id:             {}\nusername:       {}\nemail:          {}\nemail_verified: {}\n\
         display_name:   {}\nstatus:         {}\ncreated_at:     {}",
        u.id,
        u.username,
        u.email.as_deref().unwrap_or("-"),
        u.email_verified,
        u.display_name,
        u.status.as_str(),
        u.created_at.0,
    )
}

pub(super) async fn run(cmd: UserCommand, config: &Config, out: Output) -> Result<(), Failure> {
    let db = admin_db(config).await?;
    match cmd {
        UserCommand::Create {
            username,
            email,
            email_verified,
            display_name,
        } => {
            let mut new = NewUser::normalised(&username, email.as_deref(), display_name.as_deref())
                .map_err(Failure::usage)?;
            if email_verified {
                new = new.with_verified_email();
            }
            let user = db.create_user(new).await.map_err(|e| match e {
                RepoError::Conflict(field) => {
                    Failure::runtime(format!("a user with this {field} exists"))
                }
                other => Failure::runtime(other),
            })?;
            out.emit(&user, || describe(&user));
        }
        UserCommand::List { limit } => {
            let users = db.list_users(limit).await.map_err(Failure::runtime)?;
            out.emit(&users, || {
                if users.is_empty() {
                    return "no users".into();
                }
                users
                    .iter()
                    .map(|u| {
                        format!(
                            "{}\t{}\t{}\t{}",
                            u.id,
                            u.username,
                            u.email.as_deref().unwrap_or("-"),
                            u.status.as_str()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        UserCommand::Show { user } => {
            let user = find(&db, &user).await?;
            out.emit(&user, || describe(&user));
        }
        UserCommand::Disable { user } => set_status(&db, &user, UserStatus::Disabled, out).await?,
        UserCommand::Enable { user } => set_status(&db, &user, UserStatus::Active, out).await?,
        UserCommand::Invite { user, ttl_hours } => {
            invite(&db, config, &user, ttl_hours, out).await?;
        }
    }
    Ok(())
}

/// What `user invite` prints; `url` holds the only copy of the token.
#[derive(Serialize)]
struct Invited<'a> {
    url: String,
    user_id: &'a UserId,
    username: &'a str,
    expires_at: i64,
}

/// Issue an enrollment link for an active user. The token goes into the
/// printed URL and nowhere else; the database keeps its SHA-256.
async fn invite(
    db: &latchkey_store::Db,
    config: &Config,
    who: &str,
    ttl_hours: u32,
    out: Output,
) -> Result<(), Failure> {
    let user = find(db, who).await?;
    if user.status != UserStatus::Active {
        return Err(Failure::runtime(format!(
            "user {} is disabled; enable them before inviting",
            user.username
        )));
    }
    let issued =
        invitation::issue(&user.id, ttl_hours, SystemClock.now()).map_err(Failure::usage)?;
    db.create_invitation(&issued.invitation)
        .await
        .map_err(Failure::runtime)?;
    let shown = Invited {
        url: format!("{}/enroll?token={}", config.issuer_str(), issued.token),
        user_id: &user.id,
        username: &user.username,
        expires_at: issued.invitation.expires_at.0,
    };
    if out.json {
        out.json_value(&shown);
    } else {
        // The link alone on stdout, so scripts can capture it; the advice
        // goes to stderr.
        println!("{}", shown.url);
        eprintln!(
            "Send this link to {} over a channel you trust. It works once, for {ttl_hours} \
             hours (until Unix time {}), and cannot be shown again.",
            user.username, shown.expires_at
        );
    }
    Ok(())
}

async fn set_status(
    db: &latchkey_store::Db,
    who: &str,
    status: UserStatus,
    out: Output,
) -> Result<(), Failure> {
    let user = find(db, who).await?;
    db.set_user_status(&user.id, status)
        .await
        .map_err(Failure::runtime)?;
    let user = User { status, ..user };
    out.emit(&user, || {
        format!("user {} is now {}", user.username, status.as_str())
    });
    Ok(())
}

async fn find(db: &latchkey_store::Db, who: &str) -> Result<User, Failure> {
    if let Some(u) = db
        .user_by_id(&UserId(who.to_owned()))
        .await
        .map_err(Failure::runtime)?
    {
        return Ok(u);
    }
    db.user_by_identifier(who)
        .await
        .map_err(Failure::runtime)?
        .ok_or_else(|| Failure::runtime(format!("no user {who:?}")))
}

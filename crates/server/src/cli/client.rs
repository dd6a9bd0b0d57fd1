//! `latchkey client …`: register and manage relying parties.

use clap::{Args, Subcommand};
use latchkey_core::{Clock as _, SystemClock};
use latchkey_oidc::{
    Client, ClientId, ClientRepo, ClientType, ClientUpdate, NewClient, RegistrationMode,
    client_secret,
};
use serde::Serialize;

use super::{Failure, Output, admin_db};
use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Register a client. Confidential clients get a generated secret,
    /// printed once and stored only as a hash.
    Create(CreateArgs),
    /// List registered clients.
    List,
    /// Show one client.
    Show { id: String },
    /// Change a client; options given replace the stored values.
    Update(UpdateArgs),
    /// Delete a client.
    Delete { id: String },
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Display name shown to users.
    #[arg(long)]
    name: String,
    /// Client id (default: random).
    #[arg(long)]
    id: Option<String>,
    /// public (SPA, native app: PKCE, no secret) or confidential (server-side).
    #[arg(long = "type", value_name = "TYPE", default_value = "confidential", value_parser = parse_type)]
    client_type: ClientType,
    /// Redirect URI (repeatable): exact and absolute; https, or for a public
    /// (native) client also http on 127.0.0.1, [::1] or localhost (any port
    /// at request time, RFC 8252) or a private-use scheme like
    /// com.example.app:/cb. Confidential clients may use loopback http only
    /// with --dev (dev_mode), and only with the port registered.
    #[arg(long = "redirect-uri", value_name = "URI")]
    redirect_uris: Vec<String>,
    /// Post-logout redirect URI (repeatable).
    #[arg(long = "post-logout-redirect-uri", value_name = "URI")]
    post_logout_redirect_uris: Vec<String>,
    /// Grant type (repeatable): authorization_code (default), refresh_token, client_credentials.
    #[arg(long = "grant-type", value_name = "GRANT")]
    grant_types: Vec<String>,
    /// Allowed scope (repeatable or space-separated; default "openid profile email").
    #[arg(long = "scope", value_name = "SCOPE")]
    scopes: Vec<String>,
    /// client_secret_basic (default for confidential), client_secret_post,
    /// private_key_jwt (needs --jwks-file), or none (public).
    #[arg(long = "token-auth-method", value_name = "METHOD")]
    token_auth_method: Option<String>,
    /// ID token signing algorithm: ES256 (default), RS256 or EdDSA.
    #[arg(long = "id-token-alg", value_name = "ALG")]
    id_token_alg: Option<String>,
    /// File with the client's public JWK Set, for private_key_jwt.
    #[arg(long = "jwks-file", value_name = "PATH")]
    jwks_file: Option<std::path::PathBuf>,
    /// Return a lower acr than requested (truthfully) instead of
    /// unmet_authentication_requirements.
    #[arg(long)]
    allow_acr_downgrade: bool,
    /// Ask each user to agree before the client receives their identity
    /// (for third-party applications; see docs/oidc.md, Consent).
    #[arg(long)]
    require_consent: bool,
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    id: String,
    #[arg(long)]
    name: Option<String>,
    /// Replace the redirect URIs (repeatable); the rules of `client create
    /// --redirect-uri` apply.
    #[arg(long = "redirect-uri", value_name = "URI")]
    redirect_uris: Option<Vec<String>>,
    #[arg(long = "post-logout-redirect-uri", value_name = "URI")]
    post_logout_redirect_uris: Option<Vec<String>>,
    #[arg(long = "grant-type", value_name = "GRANT")]
    grant_types: Option<Vec<String>>,
    #[arg(long = "scope", value_name = "SCOPE")]
    scopes: Option<Vec<String>>,
    #[arg(long = "id-token-alg", value_name = "ALG")]
    id_token_alg: Option<String>,
    #[arg(long = "jwks-file", value_name = "PATH")]
    jwks_file: Option<std::path::PathBuf>,
    #[arg(long, value_name = "BOOL")]
    allow_acr_downgrade: Option<bool>,
    #[arg(long, value_name = "BOOL")]
    require_consent: Option<bool>,
    /// Generate a new secret (confidential clients); the old one stops working.
    #[arg(long)]
    rotate_secret: bool,
}

fn parse_type(s: &str) -> Result<ClientType, String> {
    ClientType::parse(s).ok_or_else(|| format!("expected one of {}", ClientType::all().join(", ")))
}

fn split_scopes(raw: Vec<String>) -> Vec<String> {
    raw.iter()
        .flat_map(|s| s.split_whitespace())
        .map(str::to_owned)
        .collect()
}

/// A client as printed, with the secret only right after it was generated.
#[derive(Serialize)]
struct Shown<'a> {
    #[serde(flatten)]
    client: &'a Client,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret: Option<&'a str>,
}

fn describe(c: &Client, secret: Option<&str>) -> String {
    let list = |v: &[latchkey_oidc::RedirectUri]| {
        v.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" ")
    };
    let grants: Vec<&str> = c.grant_types.iter().map(|g| g.as_str()).collect();
    let jwks_keys = c
        .jwks
        .as_ref()
        .and_then(|j| j["keys"].as_array())
        .map_or(0, Vec::len);
    let mut s = format!(
        "client_id:                  {}\nname:                       {}\ntype:                       {}\n\
         token_endpoint_auth_method: {}\ngrant_types:                {}\nscopes:                     {}\n\
         redirect_uris:              {}\npost_logout_redirect_uris:  {}\n\
         id_token_alg:               {}\njwks keys:                  {}\nallow_acr_downgrade:        {}\nrequire_consent:            {}",
        c.id,
        c.name,
        c.client_type,
        c.token_endpoint_auth_method,
        grants.join(" "),
        c.scopes.join(" "),
        list(&c.redirect_uris),
        list(&c.post_logout_redirect_uris),
        c.id_token_signed_response_alg,
        jwks_keys,
        c.allow_acr_downgrade,
        c.require_consent,
    );
    if let Some(secret) = secret {
        s.push_str(&format!(
            "\nclient_secret:              {secret}\n\nStore the secret now: Latchkey keeps only a hash of it and cannot show it again."
        ));
    }
    s
}

pub(super) async fn run(cmd: ClientCommand, config: &Config, out: Output) -> Result<(), Failure> {
    let db = admin_db(config).await?;
    let now = SystemClock.now();
    let mode = RegistrationMode::from_dev_mode(config.dev_mode);
    match cmd {
        ClientCommand::Create(a) => {
            let uses_secret = a.client_type == ClientType::Confidential
                && a.token_auth_method.as_deref() != Some("private_key_jwt");
            let secret = uses_secret.then(client_secret::generate);
            let new = NewClient {
                id: a.id,
                name: a.name,
                client_type: Some(a.client_type),
                redirect_uris: a.redirect_uris,
                post_logout_redirect_uris: a.post_logout_redirect_uris,
                grant_types: a.grant_types,
                scopes: split_scopes(a.scopes),
                token_endpoint_auth_method: a.token_auth_method,
                id_token_signed_response_alg: a.id_token_alg,
                jwks: read_jwks(a.jwks_file.as_deref())?,
                allow_acr_downgrade: a.allow_acr_downgrade,
                require_consent: a.require_consent,
            };
            let hash = secret.as_ref().map(|s| s.hash.clone());
            let client = new
                .into_client_in(mode, latchkey_core::id::random_hex(12), hash, now)
                .map_err(Failure::usage)?;
            db.create_client(&client).await.map_err(Failure::runtime)?;
            let plain = secret.as_ref().map(|s| s.plaintext.as_str());
            out.emit(
                &Shown {
                    client: &client,
                    client_secret: plain,
                },
                || describe(&client, plain),
            );
        }
        ClientCommand::List => {
            let clients = db.list_clients().await.map_err(Failure::runtime)?;
            out.emit(&clients, || {
                if clients.is_empty() {
                    return "no clients registered".into();
                }
                clients
                    .iter()
                    .map(|c| format!("{}\t{}\t{}", c.id, c.client_type, c.name))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        ClientCommand::Show { id } => {
            let client = find(&db, &id).await?;
            out.emit(
                &Shown {
                    client: &client,
                    client_secret: None,
                },
                || describe(&client, None),
            );
        }
        ClientCommand::Update(a) => {
            let client = find(&db, &a.id).await?;
            let update = ClientUpdate {
                name: a.name,
                redirect_uris: a.redirect_uris,
                post_logout_redirect_uris: a.post_logout_redirect_uris,
                grant_types: a.grant_types,
                scopes: a.scopes.map(split_scopes),
                id_token_signed_response_alg: a.id_token_alg,
                jwks: read_jwks(a.jwks_file.as_deref())?,
                allow_acr_downgrade: a.allow_acr_downgrade,
                require_consent: a.require_consent,
            };
            let mut client = client
                .updated_in(mode, update, now)
                .map_err(Failure::usage)?;
            let secret = if a.rotate_secret {
                if client.secret_hash.is_none() {
                    return Err(Failure::usage("this client authenticates without a secret"));
                }
                let s = client_secret::generate();
                client.secret_hash = Some(s.hash.clone());
                Some(s)
            } else {
                None
            };
            db.update_client(&client).await.map_err(Failure::runtime)?;
            let plain = secret.as_ref().map(|s| s.plaintext.as_str());
            out.emit(
                &Shown {
                    client: &client,
                    client_secret: plain,
                },
                || describe(&client, plain),
            );
        }
        ClientCommand::Delete { id } => {
            db.delete_client(&ClientId(id.clone()))
                .await
                .map_err(|e| match e {
                    latchkey_core::RepoError::NotFound => {
                        Failure::runtime(format!("no client {id:?}"))
                    }
                    other => Failure::runtime(other),
                })?;
            out.emit(&serde_json::json!({ "deleted": id }), || {
                format!("deleted client {id}")
            });
        }
    }
    Ok(())
}

fn read_jwks(path: Option<&std::path::Path>) -> Result<Option<String>, Failure> {
    path.map(|p| {
        std::fs::read_to_string(p)
            .map_err(|e| Failure::usage(format!("cannot read {}: {e}", p.display())))
    })
    .transpose()
}

async fn find(db: &latchkey_store::Db, id: &str) -> Result<Client, Failure> {
    db.client_by_id(&ClientId(id.to_owned()))
        .await
        .map_err(Failure::runtime)?
        .ok_or_else(|| Failure::runtime(format!("no client {id:?}")))
}

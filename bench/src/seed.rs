//! Seeding through the real operator CLI and the real enrollment API:
//! two clients (`latchkey client create`), then per user `latchkey user
//! create`, `latchkey user invite`, a passkey created through the
//! invitation link by a software authenticator, and the email address
//! verified through the account API with the code from the SMTP sink.

use std::sync::Arc;

use anyhow::{Context as _, bail};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::{Mutex, Semaphore};
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_rs_proto::CreationChallengeResponse;

use crate::http::{self, Browser};
use crate::options::Options;
use crate::server::{Cli, Server};
use crate::smtp::Sink;

/// The redirect URI of the relying party the sign-in scenarios play.
pub const REDIRECT_URI: &str = "http://127.0.0.1:8765/cb";

/// A client id and its secret.
#[derive(Debug, Clone)]
pub struct Creds {
    pub id: String,
    pub secret: String,
}

/// One user and the device holding their passkey.
pub struct User {
    pub username: String,
    pub email: String,
    /// Held for a whole sign-in, so a user's signature counter only grows.
    pub device: Mutex<WebauthnAuthenticator<SoftPasskey>>,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// What the scenarios use.
#[derive(Debug)]
pub struct World {
    /// A confidential client with `client_credentials`.
    pub service: Creds,
    /// A confidential web client: authorization code, refresh, openid.
    pub rp: Creds,
    pub users: Vec<Arc<User>>,
}

fn creds(v: &Value) -> anyhow::Result<Creds> {
    Ok(Creds {
        id: v["client_id"].as_str().context("no client_id")?.to_owned(),
        secret: v["client_secret"]
            .as_str()
            .context("no client_secret")?
            .to_owned(),
    })
}

pub async fn seed(options: &Options, server: &Server, sink: &Arc<Sink>) -> anyhow::Result<World> {
    let cli = server.cli();
    let service = creds(
        &cli.run(&[
            "client",
            "create",
            "--name",
            "Bench service",
            "--grant-type",
            "client_credentials",
            "--scope",
            "api:read",
            "--scope",
            "api:write",
        ])
        .await?,
    )?;
    let rp = creds(
        &cli.run(&[
            "client",
            "create",
            "--name",
            "Bench RP",
            "--redirect-uri",
            REDIRECT_URI,
            "--grant-type",
            "authorization_code",
            "--grant-type",
            "refresh_token",
            "--scope",
            "openid",
            "--scope",
            "profile",
            "--scope",
            "email",
            "--scope",
            "offline_access",
        ])
        .await?,
    )?;
    let http = http::client(server.port)?;
    // Each CLI call is a process start; a few at a time keep both cores busy.
    let gate = Arc::new(Semaphore::new(4));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..options.users {
        let (gate, cli, http, sink) = (
            Arc::clone(&gate),
            cli.clone(),
            http.clone(),
            Arc::clone(sink),
        );
        let base = server.base.clone();
        tasks.spawn(async move {
            let _permit = gate.acquire_owned().await?;
            let user = enrolled_user(&cli, &http, &base, &sink, i).await;
            user.with_context(|| format!("seeding user {i}"))
        });
    }
    let mut users = Vec::with_capacity(options.users);
    while let Some(done) = tasks.join_next().await {
        users.push(Arc::new(done??));
    }
    users.sort_by(|a, b| a.username.cmp(&b.username));
    Ok(World { service, rp, users })
}

async fn enrolled_user(
    cli: &Cli,
    http: &reqwest::Client,
    base: &str,
    sink: &Sink,
    i: usize,
) -> anyhow::Result<User> {
    let username = format!("bench-{i:05}");
    let email = format!("{username}@bench.test");
    cli.run(&["user", "create", "--username", &username, "--email", &email])
        .await?;
    let invited = cli.run(&["user", "invite", &username]).await?;
    let url = invited["url"]
        .as_str()
        .context("user invite printed no url")?;
    let token = http::query(url)
        .remove("token")
        .context("the invitation url has no token")?;

    let mut b = Browser::default();
    let started = b
        .post_json(
            http,
            &format!("{base}/api/enroll/{token}/options"),
            &Value::Null,
            StatusCode::OK,
        )
        .await?;
    let mut device = WebauthnAuthenticator::new(SoftPasskey::new(true));
    // SoftPasskey keeps no discoverable credentials: it sees
    // `residentKey: "discouraged"` (covered by no signature, so every
    // server-side check runs unchanged), as in the e2e tests.
    let mut options = started["public_key"].clone();
    let selection = &mut options["publicKey"]["authenticatorSelection"];
    selection["residentKey"] = json!("discouraged");
    selection["requireResidentKey"] = json!(false);
    let options: CreationChallengeResponse = serde_json::from_value(options)?;
    let credential = device
        .do_registration(url::Url::parse(base)?, options)
        .map_err(|e| anyhow::anyhow!("the authenticator refused to register: {e:?}"))?;
    let body = json!({
        "registration_id": started["registration_id"],
        "credential": credential,
    });
    let finished = b
        .post_json(
            http,
            &format!("{base}/api/enroll/{token}/finish"),
            &body,
            StatusCode::CREATED,
        )
        .await?;
    b.csrf = finished["csrf_token"].as_str().map(str::to_owned);
    if b.csrf.is_none() {
        bail!("enrollment answered without a csrf_token: {finished}");
    }
    b.post_json(
        http,
        &format!("{base}/api/account/email/verify/send"),
        &Value::Null,
        StatusCode::OK,
    )
    .await?;
    let code = sink.take_code(&email).await?;
    b.post_json(
        http,
        &format!("{base}/api/account/email/verify"),
        &json!({ "code": code }),
        StatusCode::OK,
    )
    .await?;
    Ok(User {
        username,
        email,
        device: Mutex::new(device),
    })
}

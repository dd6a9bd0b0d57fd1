//! The six scenarios. Each iteration is one unit of work (a request, or a
//! whole sign-in) and reports how many HTTP requests it made.

mod signin;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context as _, bail};
use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::JwkSet;
use reqwest::StatusCode;
use serde_json::Value;

pub use signin::{Method, sign_in};

use crate::http::{self, expect};
use crate::options::Scenario;
use crate::seed::World;
use crate::smtp::Sink;

/// What every worker shares.
pub struct Ctx {
    pub http: reqwest::Client,
    /// `http://localhost:PORT`, also the issuer.
    pub base: String,
    pub port: u16,
    pub sink: Arc<Sink>,
    pub world: World,
    /// The published keys, by kid, for validating ID tokens as an RP does.
    pub keys: HashMap<String, DecodingKey>,
    /// An access token of the service client, for introspection.
    pub access_token: String,
    next_user: AtomicUsize,
    next_fallback_user: AtomicUsize,
}

impl std::fmt::Debug for Ctx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ctx")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

/// How one iteration ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done, with this many HTTP requests.
    Done(u32),
    /// Nothing left to do (every seeded user signed in by email once).
    Exhausted,
}

/// A worker's own state (the refresh token it rotates, its discovery
/// connection).
#[derive(Debug, Default)]
pub struct Worker {
    pub index: usize,
    pub iteration: u64,
    pub refresh_token: Option<String>,
    pub raw: Option<crate::rawhttp::Conn>,
}

impl Ctx {
    /// Everything the workers share, for the server at `base`
    /// (`http://localhost:PORT`).
    pub async fn new(
        base: String,
        port: u16,
        sink: &Arc<Sink>,
        world: World,
    ) -> anyhow::Result<Ctx> {
        let http = http::client(port)?;
        let jwks: JwkSet = http
            .get(format!("{base}/jwks"))
            .send()
            .await?
            .json()
            .await?;
        let mut keys = HashMap::new();
        for jwk in &jwks.keys {
            if let (Some(kid), Ok(key)) = (&jwk.common.key_id, DecodingKey::from_jwk(jwk)) {
                keys.insert(kid.clone(), key);
            }
        }
        let mut ctx = Ctx {
            http,
            base,
            port,
            sink: Arc::clone(sink),
            world,
            keys,
            access_token: String::new(),
            next_user: AtomicUsize::new(0),
            next_fallback_user: AtomicUsize::new(0),
        };
        let token = client_credentials_token(&ctx).await?;
        ctx.access_token = token["access_token"]
            .as_str()
            .context("no access_token")?
            .to_owned();
        Ok(ctx)
    }

    /// The next user, round robin.
    pub fn next_user(&self) -> Arc<crate::seed::User> {
        let n = self.next_user.fetch_add(1, Ordering::Relaxed);
        Arc::clone(&self.world.users[n % self.world.users.len()])
    }

    /// A user not yet signed in by email in this run, if any is left.
    pub fn next_fallback_user(&self) -> Option<Arc<crate::seed::User>> {
        let n = self.next_fallback_user.fetch_add(1, Ordering::Relaxed);
        self.world.users.get(n).cloned()
    }
}

/// Prepare a worker before the clock starts (untimed).
pub async fn prepare(ctx: &Ctx, scenario: Scenario, index: usize) -> anyhow::Result<Worker> {
    let mut w = Worker {
        index,
        ..Worker::default()
    };
    if scenario == Scenario::Refresh {
        let user = ctx.next_user();
        let mut device = user.device.lock().await;
        let (tokens, _) = sign_in(ctx, &user, &mut device, Method::Passkey).await?;
        w.refresh_token = tokens["refresh_token"].as_str().map(str::to_owned);
        if w.refresh_token.is_none() {
            bail!("a sign-in with offline_access issued no refresh token: {tokens}");
        }
    }
    Ok(w)
}

/// One iteration of `scenario`.
pub async fn iterate(ctx: &Ctx, scenario: Scenario, w: &mut Worker) -> anyhow::Result<Outcome> {
    w.iteration += 1;
    match scenario {
        Scenario::Discovery => {
            let path = if (w.iteration + w.index as u64).is_multiple_of(2) {
                "/.well-known/openid-configuration"
            } else {
                "/jwks"
            };
            let conn = match &mut w.raw {
                Some(conn) => conn,
                None => w.raw.insert(crate::rawhttp::Conn::connect(ctx.port).await?),
            };
            if let Err(e) = conn.get_json(path).await {
                w.raw = None;
                return Err(e);
            }
            Ok(Outcome::Done(1))
        }
        Scenario::ClientCredentials => {
            client_credentials_token(ctx).await?;
            Ok(Outcome::Done(1))
        }
        Scenario::Introspection => {
            let res = ctx
                .http
                .post(format!("{}/introspect", ctx.base))
                .basic_auth(&ctx.world.service.id, Some(&ctx.world.service.secret))
                .form(&[("token", ctx.access_token.as_str())])
                .send()
                .await?;
            let body = expect(res, StatusCode::OK, "/introspect").await?;
            if body["active"] != Value::Bool(true) {
                bail!("introspection: {body}");
            }
            Ok(Outcome::Done(1))
        }
        Scenario::Refresh => {
            let current = w.refresh_token.take().context("no refresh token left")?;
            let rp = &ctx.world.rp;
            let res = ctx
                .http
                .post(format!("{}/token", ctx.base))
                .basic_auth(&rp.id, Some(&rp.secret))
                .form(&[("grant_type", "refresh_token"), ("refresh_token", &current)])
                .send()
                .await?;
            let body = expect(res, StatusCode::OK, "/token (refresh)").await?;
            w.refresh_token = body["refresh_token"].as_str().map(str::to_owned);
            signin::validate_id_token(ctx, &body, None)?;
            Ok(Outcome::Done(1))
        }
        Scenario::PasskeySignin => {
            let user = ctx.next_user();
            let mut device = user.device.lock().await;
            let (_, requests) = sign_in(ctx, &user, &mut device, Method::Passkey).await?;
            Ok(Outcome::Done(requests))
        }
        Scenario::FallbackSignin => {
            let Some(user) = ctx.next_fallback_user() else {
                return Ok(Outcome::Exhausted);
            };
            let mut device = user.device.lock().await;
            let (_, requests) = sign_in(ctx, &user, &mut device, Method::EmailCode).await?;
            Ok(Outcome::Done(requests))
        }
    }
}

async fn client_credentials_token(ctx: &Ctx) -> anyhow::Result<Value> {
    let s = &ctx.world.service;
    let res = ctx
        .http
        .post(format!("{}/token", ctx.base))
        .basic_auth(&s.id, Some(&s.secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await?;
    let body = expect(res, StatusCode::OK, "/token (client_credentials)").await?;
    if !body["access_token"].is_string() {
        bail!("no access_token: {body}");
    }
    Ok(body)
}

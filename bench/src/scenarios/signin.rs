//! A whole sign-in as a browser and a relying party do it: `/authorize` →
//! `/login?flow=ID` → the login-flow API (identify; a passkey ceremony
//! answered by a software authenticator, or an email code read from the
//! SMTP sink) → `/authorize/resume` → the code at `/token` → the ID token
//! validated (signature against the JWKS, `iss`, `aud`, `exp`, `nonce`).

use anyhow::{Context as _, bail};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_rs_proto::RequestChallengeResponse;

use super::Ctx;
use crate::http::{Browser, expect, query};
use crate::seed::{REDIRECT_URI, User};

/// How the user proves who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Passkey,
    EmailCode,
}

fn random_hex(bytes: usize) -> String {
    (0..bytes)
        .map(|_| format!("{:02x}", rand::random::<u8>()))
        .collect()
}

/// Sign `user` in with `method` in a new browser; the token response and
/// the number of HTTP requests made.
pub async fn sign_in(
    ctx: &Ctx,
    user: &User,
    device: &mut WebauthnAuthenticator<SoftPasskey>,
    method: Method,
) -> anyhow::Result<(Value, u32)> {
    let base = &ctx.base;
    let http = &ctx.http;
    let mut b = Browser::default();
    let verifier = random_hex(32);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let nonce = random_hex(8);
    let state = random_hex(8);
    let q = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", &ctx.world.rp.id)
        .append_pair("redirect_uri", REDIRECT_URI)
        .append_pair("scope", "openid profile email offline_access")
        .append_pair("state", &state)
        .append_pair("nonce", &nonce)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256")
        .finish();
    let login = b.redirect(http, &format!("{base}/authorize?{q}")).await?;
    let flow = query(&login)
        .remove("flow")
        .with_context(|| format!("/authorize led to {login}"))?;
    let api = format!("{base}/api/login/flows/{flow}");
    let view = b.get_json(http, &api).await?;
    b.csrf = Some(
        view["csrf_token"]
            .as_str()
            .context("flow without csrf_token")?
            .to_owned(),
    );
    let id = json!({ "identifier": user.username });
    b.post_json(http, &format!("{api}/identify"), &id, StatusCode::OK)
        .await?;
    let mut requests = 3;
    let done = match method {
        Method::Passkey => {
            let body = json!({ "mediation": "modal" });
            let opts = b
                .post_json(
                    http,
                    &format!("{api}/passkey/options"),
                    &body,
                    StatusCode::OK,
                )
                .await?;
            let options: RequestChallengeResponse =
                serde_json::from_value(opts["public_key"].clone())?;
            let credential = device
                .do_authentication(url::Url::parse(base)?, options)
                .map_err(|e| anyhow::anyhow!("the authenticator could not answer: {e:?}"))?;
            let body = json!({ "ceremony_id": opts["ceremony_id"], "credential": credential });
            requests += 2;
            b.post_json(
                http,
                &format!("{api}/passkey/verify"),
                &body,
                StatusCode::OK,
            )
            .await?
        }
        Method::EmailCode => {
            // A browser that cannot make a passkey here: no invitation step.
            let device_report = json!({
                "platform_authenticator_available": false,
                "conditional_mediation_available": false,
                "hybrid_available": false,
            });
            b.post_json(
                http,
                &format!("{api}/fallback/options"),
                &device_report,
                StatusCode::OK,
            )
            .await?;
            let choose = json!({ "steps": ["email_code"] });
            b.post_json(
                http,
                &format!("{api}/fallback/choose"),
                &choose,
                StatusCode::OK,
            )
            .await?;
            let send = json!({ "method": "email_code" });
            b.post_json(http, &format!("{api}/fallback/send"), &send, StatusCode::OK)
                .await?;
            let code = ctx.sink.take_code(&user.email).await?;
            let verify = json!({ "method": "email_code", "code": code });
            requests += 4;
            b.post_json(
                http,
                &format!("{api}/fallback/verify"),
                &verify,
                StatusCode::OK,
            )
            .await?
        }
    };
    let resume = done["redirect_to"].as_str().context("no redirect_to")?;
    let back = b.redirect(http, &format!("{base}{resume}")).await?;
    if !back.starts_with(REDIRECT_URI) {
        bail!("resume led to {back}");
    }
    let params = query(&back);
    if params.get("state") != Some(&state) {
        bail!("the state came back wrong: {back}");
    }
    let code = params
        .get("code")
        .with_context(|| format!("no code: {back}"))?;
    let rp = &ctx.world.rp;
    let res = http
        .post(format!("{base}/token"))
        .basic_auth(&rp.id, Some(&rp.secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", &verifier),
        ])
        .send()
        .await?;
    let tokens = expect(res, StatusCode::OK, "/token (code)").await?;
    validate_id_token(ctx, &tokens, Some(&nonce))?;
    Ok((tokens, requests + 2))
}

/// Validate the ID token of a token response as a relying party does.
pub fn validate_id_token(ctx: &Ctx, tokens: &Value, nonce: Option<&str>) -> anyhow::Result<()> {
    let jwt = tokens["id_token"].as_str().context("no id_token")?;
    let header = jsonwebtoken::decode_header(jwt)?;
    let kid = header.kid.context("an ID token without kid")?;
    let key = ctx
        .keys
        .get(&kid)
        .with_context(|| format!("kid {kid} is not in the JWKS"))?;
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
    v.set_audience(&[&ctx.world.rp.id]);
    v.set_issuer(&[&ctx.base]);
    v.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
    let claims = jsonwebtoken::decode::<Value>(jwt, key, &v)?.claims;
    if let Some(nonce) = nonce
        && claims["nonce"].as_str() != Some(nonce)
    {
        bail!("the ID token's nonce differs: {claims}");
    }
    if claims["amr"].as_array().is_none_or(Vec::is_empty) {
        bail!("the ID token has no amr: {claims}");
    }
    Ok(())
}

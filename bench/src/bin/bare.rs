//! `latchkey-bench-bare`: the reference point issue 8 states its token
//! target against, "a bare actix-web + ES256 token server", so the target
//! can be checked on whatever CPU the benchmark runs on
//! (`latchkey-bench --reference`).
//!
//! It does what a minimal, well-written token endpoint must and no more:
//! `POST /token` with `client_secret_basic` (one fixed client, compared in
//! constant time) and `grant_type=client_credentials`, an ES256 access
//! token (ring, key parsed once) with a fresh `jti`, `Cache-Control:
//! no-store`. No database, middleware, logging or metrics. Configuration by
//! environment: `BARE_PORT`, `BARE_CLIENT_ID`, `BARE_CLIENT_SECRET`.
//!
//! It also answers `GET /.well-known/openid-configuration` and `GET /jwks`
//! with prebuilt JSON of the length of Latchkey's own documents (a
//! one-key set and padding; [`DISCOVERY_LEN`], [`JWKS_LEN`]): the ceiling
//! of the discovery scenario for actix-web on the machine at hand.

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use actix_web::http::header::{AUTHORIZATION, CACHE_CONTROL};
use actix_web::web::Bytes;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use anyhow::Context as _;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
use serde_json::json;

/// The byte lengths of Latchkey's discovery document and two-key JWKS
/// (session 8, dev-mode issuer `http://localhost:18080`).
const DISCOVERY_LEN: usize = 2108;
const JWKS_LEN: usize = 825;

struct Bare {
    key: EcdsaKeyPair,
    rng: SystemRandom,
    client_id: String,
    secret: String,
    issuer: String,
    discovery: Bytes,
    jwks: Bytes,
}

fn authenticated(req: &HttpRequest, bare: &Bare) -> bool {
    let Some(credentials) = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b).ok())
    else {
        return false;
    };
    let expected = format!("{}:{}", bare.client_id, bare.secret);
    subtle::ConstantTimeEq::ct_eq(credentials.as_slice(), expected.as_bytes()).into()
}

async fn token(
    req: HttpRequest,
    form: web::Form<HashMap<String, String>>,
    bare: web::Data<Bare>,
) -> HttpResponse {
    if !authenticated(&req, &bare) {
        return HttpResponse::Unauthorized().json(json!({"error": "invalid_client"}));
    }
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return HttpResponse::BadRequest().json(json!({"error": "unsupported_grant_type"}));
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let claims = json!({
        "iss": bare.issuer,
        "sub": bare.client_id,
        "aud": bare.issuer,
        "client_id": bare.client_id,
        "iat": now,
        "exp": now + 300,
        "jti": hex::encode(rand::random::<[u8; 16]>()),
    });
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"ES256","typ":"at+jwt","kid":"bare"}"#);
    let input = format!("{header}.{}", URL_SAFE_NO_PAD.encode(claims.to_string()));
    let Ok(signature) = bare.key.sign(&bare.rng, input.as_bytes()) else {
        return HttpResponse::InternalServerError().finish();
    };
    let token = format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()));
    HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "no-store"))
        .json(json!({"access_token": token, "token_type": "Bearer", "expires_in": 300}))
}

fn cacheable_json(body: &Bytes) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "public, max-age=3600"))
        .content_type("application/json")
        .body(body.clone())
}

async fn discovery(bare: web::Data<Bare>) -> HttpResponse {
    cacheable_json(&bare.discovery)
}

async fn jwks(bare: web::Data<Bare>) -> HttpResponse {
    cacheable_json(&bare.jwks)
}

/// `document` serialised and padded (with a `padding` member) to `len`
/// bytes, or as it is if already that long.
fn padded(mut document: serde_json::Value, len: usize) -> anyhow::Result<Bytes> {
    let bare = serde_json::to_vec(&document)?.len() + r#","padding":"""#.len();
    if let Some(object) = document.as_object_mut() {
        object.insert(
            "padding".into(),
            "x".repeat(len.saturating_sub(bare)).into(),
        );
    }
    Ok(Bytes::from(serde_json::to_vec(&document)?))
}

fn documents(issuer: &str, key: &EcdsaKeyPair) -> anyhow::Result<(Bytes, Bytes)> {
    let point = key.public_key().as_ref();
    let (x, y) = point
        .get(1..33)
        .zip(point.get(33..65))
        .context("unexpected P-256 public key encoding")?;
    let jwk = json!({
        "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": "bare",
        "x": URL_SAFE_NO_PAD.encode(x), "y": URL_SAFE_NO_PAD.encode(y),
    });
    let discovery = json!({
        "issuer": issuer,
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks"),
        "id_token_signing_alg_values_supported": ["ES256"],
    });
    Ok((
        padded(discovery, DISCOVERY_LEN)?,
        padded(json!({ "keys": [jwk] }), JWKS_LEN)?,
    ))
}

fn env(name: &str) -> anyhow::Result<String> {
    std::env::var(name).with_context(|| format!("{name} is not set"))
}

fn main() -> anyhow::Result<()> {
    let port: u16 = env("BARE_PORT")?.parse().context("BARE_PORT")?;
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
        .map_err(|_| anyhow::anyhow!("cannot generate a P-256 key"))?;
    let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
        .map_err(|_| anyhow::anyhow!("cannot parse the generated key"))?;
    let issuer = format!("http://localhost:{port}");
    let (discovery_json, jwks_json) = documents(&issuer, &key)?;
    let bare = web::Data::new(Bare {
        key,
        rng,
        client_id: env("BARE_CLIENT_ID")?,
        secret: env("BARE_CLIENT_SECRET")?,
        issuer,
        discovery: discovery_json,
        jwks: jwks_json,
    });
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(move || {
            App::new()
                .app_data(bare.clone())
                .route("/token", web::post().to(token))
                .route(
                    "/.well-known/openid-configuration",
                    web::get().to(discovery),
                )
                .route("/jwks", web::get().to(jwks))
        })
        .bind(("127.0.0.1", port))?
        .run()
        .await
    })?;
    Ok(())
}

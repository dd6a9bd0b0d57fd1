//! The built-in demo relying application (`demo.enabled`; on in dev mode):
//! `GET /demo`, `GET /demo/start`, `GET /demo/callback`.
//!
//! It is an ordinary public client, `latchkey-demo`, going through the
//! ordinary protocol: an authorization request with `state`, `nonce` and
//! PKCE S256, the browser signs in on the hosted pages, and the callback
//! checks `state` and `iss` (RFC 9207), redeems the code at the server's own
//! `/token` over HTTP (the issuer URL, so the issuer's host must resolve
//! from the server), verifies the ID token and shows its claims. Nothing
//! here reaches into the OIDC layer past what any relying party could do,
//! except that the ID token's signature is checked with the key ring
//! (`state.keys.current()`): the very key set `/jwks` publishes, so the
//! check is the one an RP would make after fetching `/jwks`.
//!
//! The client is registered (or brought up to date) idempotently when the
//! demo is first used on a node (`GET /demo` or `/demo/start`), so every node
//! agrees on it without a start-up step.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, LOCATION};
use actix_web::{HttpRequest, HttpResponse, get, web};
use latchkey_core::{Ephemeral as _, RepoError};
use latchkey_oidc::{Client, ClientId, ClientRepo as _, ClientType, NewClient};
use latchkey_pages::{
    DemoClaim, DemoMethod, DemoPage, DemoProblem, DemoResult, DemoStart, DemoSummary, DemoView,
    ErrorKind,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use subtle::ConstantTimeEq as _;

use crate::error::ApiError;
use crate::state::AppState;
use crate::{html, session};

/// The demo's client id.
pub const DEMO_CLIENT_ID: &str = "latchkey-demo";

/// Binds a demo sign-in to the browser that started it; the value is the
/// `state`, under which the nonce and PKCE verifier wait in the ephemeral
/// store (never in the cookie).
pub const DEMO_COOKIE: &str = "__Host-latchkey-demo";

/// The scopes the demo asks for: `latchkey_fallback` so the ID token says
/// why a fallback was used.
pub const DEMO_SCOPES: &str = "openid profile email latchkey_fallback";

/// How long a started demo sign-in may take.
const PENDING_TTL_SECS: u64 = 600;

/// How long the token request to ourselves may take.
const TOKEN_TIMEOUT: Duration = Duration::from_secs(10);

/// The `acr_values` the start page may ask for.
const ACR_OPTIONS: [&str; 2] = ["phr", "phrh"];

/// Claims that say how the user signed in, shown first and highlighted.
const HOW_CLAIMS: [&str; 4] = ["amr", "acr", "auth_time", "latchkey_fallback"];

/// The routes (nothing when the demo is off: each answers 404 itself, so
/// the switch is read per request and a test can flip it).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(home).service(start).service(callback);
}

/// What a started sign-in keeps server-side, under its `state`.
#[derive(Debug, Serialize, Deserialize)]
struct Pending {
    nonce: String,
    verifier: String,
}

fn pending_key(state_id: &str) -> String {
    format!("demo:{state_id}")
}

fn enabled(state: &AppState) -> Result<(), ApiError> {
    if state.config.demo_enabled() {
        Ok(())
    } else {
        Err(ApiError::NotFound)
    }
}

fn redirect_uri(issuer: &str) -> String {
    format!("{issuer}/demo/callback")
}

/// The demo client's registration for `issuer`.
#[must_use]
pub fn registration(issuer: &str) -> NewClient {
    NewClient {
        id: Some(DEMO_CLIENT_ID.to_owned()),
        name: "Latchkey demo".to_owned(),
        client_type: Some(ClientType::Public),
        redirect_uris: vec![redirect_uri(issuer)],
        post_logout_redirect_uris: vec![format!("{issuer}/demo")],
        grant_types: vec!["authorization_code".to_owned()],
        scopes: DEMO_SCOPES.split(' ').map(str::to_owned).collect(),
        token_endpoint_auth_method: Some("none".to_owned()),
        ..NewClient::default()
    }
}

/// Make sure the demo client exists with the registration for the
/// configured issuer: create it, or correct a stale one (an old issuer, a
/// hand edit). Idempotent and safe on several nodes at once: a node that
/// loses the creation race reads the winner's record, which is the same.
/// A confidential client that happens to use the demo's id is left alone
/// and the demo refuses to run.
pub async fn ensure_client(state: &AppState) -> Result<Client, ApiError> {
    let now = state.clock.now();
    let wanted = registration(state.config.issuer_str())
        .into_client(DEMO_CLIENT_ID.to_owned(), None, now)
        .map_err(|e| ApiError::Internal(format!("the demo client cannot be registered: {e}")))?;
    let id = ClientId(DEMO_CLIENT_ID.to_owned());
    match state.db.client_by_id(&id).await? {
        Some(c) if same_registration(&c, &wanted) => Ok(c),
        Some(c) if c.client_type == ClientType::Public => {
            let fixed = Client {
                created_at: c.created_at,
                ..wanted
            };
            state.db.update_client(&fixed).await?;
            tracing::info!(client_id = DEMO_CLIENT_ID, "updated the demo client");
            Ok(fixed)
        }
        Some(_) => Err(ApiError::Internal(format!(
            "a confidential client {DEMO_CLIENT_ID:?} exists; the demo does not change it"
        ))),
        None => match state.db.create_client(&wanted).await {
            Ok(()) => {
                tracing::info!(client_id = DEMO_CLIENT_ID, "registered the demo client");
                Ok(wanted)
            }
            Err(RepoError::Conflict(_)) => state
                .db
                .client_by_id(&id)
                .await?
                .ok_or_else(|| ApiError::Internal("the demo client vanished".into())),
            Err(e) => Err(e.into()),
        },
    }
}

fn same_registration(have: &Client, want: &Client) -> bool {
    let have = Client {
        created_at: want.created_at,
        updated_at: want.updated_at,
        ..have.clone()
    };
    &have == want
}

fn render(req: &HttpRequest, status: StatusCode, view: DemoView) -> HttpResponse {
    let page = DemoPage {
        lang: html::lang(req),
        view,
    };
    let mut res = html::page(page.render());
    if res.status() == StatusCode::OK {
        *res.status_mut() = status;
    }
    res
}

fn problem(req: &HttpRequest, status: StatusCode, problem: DemoProblem) -> HttpResponse {
    render(
        req,
        status,
        DemoView::Problem {
            problem,
            error_code: None,
        },
    )
}

/// `GET /demo`: what this is and the ways to start.
#[get("/demo")]
pub async fn home(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    enabled(&state)?;
    ensure_client(&state).await?;
    let issuer = state.config.issuer_str();
    // Absolute on the issuer: the demo cookie must be set for the host the
    // callback (the registered redirect URI) returns to.
    let links = DemoStart {
        start_url: format!("{issuer}/demo/start"),
        start_phr_url: format!("{issuer}/demo/start?acr=phr"),
        account_url: format!("{issuer}/account"),
        outbox_url: state
            .config
            .dev_mode
            .then(|| format!("{issuer}/dev/outbox")),
    };
    Ok(render(&req, StatusCode::OK, DemoView::Start(links)))
}

/// `GET /demo/start[?acr=phr]`: a fresh `state`, `nonce` and PKCE verifier,
/// kept server-side for ten minutes under the `state` the cookie holds,
/// then `303` to the authorization endpoint.
#[get("/demo/start")]
pub async fn start(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    enabled(&state)?;
    let mut acr = None;
    for (k, v) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
        if k == "acr" {
            match ACR_OPTIONS.iter().find(|a| **a == v) {
                Some(a) if acr.is_none() => acr = Some(*a),
                _ => {
                    return Ok(html::error_page(
                        &req,
                        ErrorKind::InvalidRequest,
                        "invalid_request",
                        "the demo's acr must be phr or phrh, given once",
                    ));
                }
            }
        }
    }
    ensure_client(&state).await?;
    let state_id = latchkey_core::id::random_hex(32);
    let pending = Pending {
        nonce: latchkey_core::id::random_hex(16),
        // 64 characters of [0-9a-f]: within RFC 7636 §4.1's alphabet and
        // length, with 256 bits of entropy.
        verifier: latchkey_core::id::random_hex(32),
    };
    let value =
        serde_json::to_vec(&pending).map_err(|e| ApiError::Internal(format!("demo state: {e}")))?;
    state
        .ephemeral
        .put(
            &pending_key(&state_id),
            &value,
            Duration::from_secs(PENDING_TTL_SECS),
        )
        .await?;
    let issuer = state.config.issuer_str();
    let challenge = latchkey_oidc::pkce::s256_challenge(&pending.verifier);
    let redirect = redirect_uri(issuer);
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("response_type", "code")
        .append_pair("client_id", DEMO_CLIENT_ID)
        .append_pair("redirect_uri", &redirect)
        .append_pair("scope", DEMO_SCOPES)
        .append_pair("state", &state_id)
        .append_pair("nonce", &pending.nonce)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    if let Some(a) = acr {
        query.append_pair("acr_values", a);
    }
    let cookie = session::secure_cookie(
        DEMO_COOKIE,
        state_id,
        i64::try_from(PENDING_TTL_SECS).unwrap_or(600),
    );
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, format!("{issuer}/authorize?{}", query.finish())))
        .insert_header((CACHE_CONTROL, "no-store"))
        .cookie(cookie)
        .finish())
}

/// The first value of each query parameter.
fn query_map(req: &HttpRequest) -> std::collections::HashMap<String, String> {
    let mut map = std::collections::HashMap::new();
    for (k, v) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
        map.entry(k.into_owned()).or_insert_with(|| v.into_owned());
    }
    map
}

/// A protocol error code fit to show: the RFC 6749 §4.1.2.1 alphabet, short.
fn shown_code(code: &str) -> String {
    let ok = !code.is_empty()
        && code.len() <= 64
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if ok {
        code.to_owned()
    } else {
        "invalid_error_code".to_owned()
    }
}

/// `GET /demo/callback`: the authorization response.
#[get("/demo/callback")]
pub async fn callback(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    enabled(&state)?;
    let q = query_map(&req);
    // The state must be the one this browser started with (CSRF, RFC 6749
    // §10.12). A mismatch leaves the pending sign-in alone: a forged
    // response must not break the real one.
    let cookie = req.cookie(DEMO_COOKIE).map(|c| c.value().to_owned());
    let matches = match (q.get("state"), &cookie) {
        (Some(s), Some(c)) => bool::from(s.as_bytes().ct_eq(c.as_bytes())),
        _ => false,
    };
    let Some(state_id) = q.get("state").filter(|_| matches) else {
        tracing::info!("demo callback with a state that is not this browser's");
        return Ok(problem(
            &req,
            StatusCode::BAD_REQUEST,
            DemoProblem::StateMismatch,
        ));
    };
    // Taken once: a replayed callback finds nothing.
    let pending = state.ephemeral.take(&pending_key(state_id)).await?;
    let forget = session::removal_cookie(DEMO_COOKIE);
    let with_forget = |mut res: HttpResponse| {
        // The attempt is spent whatever the outcome.
        if let Err(e) = res.add_cookie(&forget) {
            tracing::warn!(error = %e, "demo: the cookie could not be removed");
        }
        res
    };
    let Some(pending) = pending.and_then(|p| serde_json::from_slice::<Pending>(&p).ok()) else {
        return Ok(with_forget(problem(
            &req,
            StatusCode::BAD_REQUEST,
            DemoProblem::AlreadyUsed,
        )));
    };
    let issuer = state.config.issuer_str();
    // RFC 9207 §2.4: a response that does not name our issuer is refused
    // (mix-up defence), errors included.
    if q.get("iss").map(String::as_str) != Some(issuer) {
        tracing::info!("demo callback without this issuer's iss");
        return Ok(with_forget(problem(
            &req,
            StatusCode::BAD_REQUEST,
            DemoProblem::IssuerMismatch,
        )));
    }
    if let Some(error) = q.get("error") {
        let kind = match error.as_str() {
            "unmet_authentication_requirements" => DemoProblem::Unmet,
            "access_denied" => DemoProblem::Denied,
            _ => DemoProblem::Returned,
        };
        let view = DemoView::Problem {
            problem: kind,
            error_code: Some(shown_code(error)),
        };
        return Ok(with_forget(render(&req, StatusCode::OK, view)));
    }
    let Some(code) = q.get("code") else {
        return Ok(with_forget(problem(
            &req,
            StatusCode::BAD_REQUEST,
            DemoProblem::TokenRequest,
        )));
    };
    let id_token = match redeem(issuer, code, &pending.verifier).await {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!(error = %e.detail, "demo: the token request failed");
            let view = DemoView::Problem {
                problem: DemoProblem::TokenRequest,
                error_code: e.code.as_deref().map(shown_code),
            };
            return Ok(with_forget(render(&req, StatusCode::BAD_GATEWAY, view)));
        }
    };
    let claims = match verify_id_token(&state, &id_token, &pending.nonce) {
        Ok(c) => c,
        Err(why) => {
            tracing::warn!(why, "demo: the ID token failed a check");
            return Ok(with_forget(problem(
                &req,
                StatusCode::BAD_GATEWAY,
                DemoProblem::IdToken,
            )));
        }
    };
    let result = result(issuer, &claims);
    Ok(with_forget(render(
        &req,
        StatusCode::OK,
        DemoView::SignedIn(result),
    )))
}

/// Why the token request failed: the OAuth error code when the endpoint
/// answered with one, and a detail for the log.
struct TokenFailure {
    code: Option<String>,
    detail: String,
}

impl TokenFailure {
    fn detail(detail: impl std::fmt::Display) -> Self {
        Self {
            code: None,
            detail: detail.to_string(),
        }
    }
}

/// Redeem `code` at `{issuer}/token` over HTTP, as a public client
/// (`client_id` and `code_verifier`, no secret); the ID token.
async fn redeem(issuer: &str, code: &str, verifier: &str) -> Result<String, TokenFailure> {
    let http = reqwest::Client::builder()
        .timeout(TOKEN_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(TokenFailure::detail)?;
    let redirect = redirect_uri(issuer);
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "authorization_code")
        .append_pair("code", code)
        .append_pair("redirect_uri", &redirect)
        .append_pair("client_id", DEMO_CLIENT_ID)
        .append_pair("code_verifier", verifier)
        .finish();
    let res = http
        .post(format!("{issuer}/token"))
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(body)
        .send()
        .await
        .map_err(TokenFailure::detail)?;
    let status = res.status();
    let bytes = res.bytes().await.map_err(TokenFailure::detail)?;
    let json: Value = serde_json::from_slice(&bytes)
        .map_err(|e| TokenFailure::detail(format!("{status}: not JSON: {e}")))?;
    if !status.is_success() {
        return Err(TokenFailure {
            code: json["error"].as_str().map(str::to_owned),
            detail: format!("{status}: {json}"),
        });
    }
    json["id_token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| TokenFailure::detail("the token response has no id_token"))
}

/// The ID token's claims after the checks of OpenID Connect Core
/// §3.1.3.7: signature (the key set `/jwks` publishes), `iss`, `aud`,
/// `exp` and `nonce`.
fn verify_id_token(
    state: &AppState,
    token: &str,
    nonce: &str,
) -> Result<Map<String, Value>, &'static str> {
    let now = state.clock.now();
    let claims: Map<String, Value> = state
        .keys
        .current()
        .verify(token, None, now, false)
        .map_err(|_| "signature, key or expiry")?;
    if claims.get("iss").and_then(Value::as_str) != Some(state.config.issuer_str()) {
        return Err("iss");
    }
    let aud_ok = match claims.get("aud") {
        Some(Value::String(a)) => a == DEMO_CLIENT_ID,
        Some(Value::Array(a)) => {
            a.iter().any(|v| v == DEMO_CLIENT_ID)
                && (a.len() == 1
                    || claims.get("azp").and_then(Value::as_str) == Some(DEMO_CLIENT_ID))
        }
        _ => false,
    };
    if !aud_ok {
        return Err("aud");
    }
    match claims.get("exp").and_then(Value::as_i64) {
        Some(exp) if exp > now.0 => {}
        _ => return Err("exp"),
    }
    let nonce_ok = claims
        .get("nonce")
        .and_then(Value::as_str)
        .is_some_and(|n| bool::from(n.as_bytes().ct_eq(nonce.as_bytes())));
    if !nonce_ok {
        return Err("nonce");
    }
    Ok(claims)
}

/// The page's view of verified claims.
fn result(issuer: &str, claims: &Map<String, Value>) -> DemoResult {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut shown: Vec<DemoClaim> = HOW_CLAIMS
        .iter()
        .filter_map(|name| {
            claims.get(*name).map(|v| DemoClaim {
                name: (*name).to_owned(),
                value: text(v),
                highlighted: true,
            })
        })
        .collect();
    // serde_json's map is ordered by name: the rest alphabetically.
    shown.extend(
        claims
            .iter()
            .filter(|(k, _)| !HOW_CLAIMS.contains(&k.as_str()))
            .map(|(k, v)| DemoClaim {
                name: k.clone(),
                value: text(v),
                highlighted: false,
            }),
    );
    let mut logout = url::form_urlencoded::Serializer::new(String::new());
    logout
        .append_pair("client_id", DEMO_CLIENT_ID)
        .append_pair("post_logout_redirect_uri", &format!("{issuer}/demo"));
    DemoResult {
        subject: claims
            .get("sub")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        summary: summary(claims),
        claims: shown,
        sign_out_url: format!("{issuer}/logout?{}", logout.finish()),
    }
}

/// How the user signed in, read from `amr` (RFC 8176 values and
/// Latchkey's, see docs/oidc.md) and the `latchkey_fallback` reason, as an
/// RP would.
fn summary(claims: &Map<String, Value>) -> DemoSummary {
    let amr: Vec<&str> = claims
        .get("amr")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let has = |v: &str| amr.contains(&v);
    if has("pop") {
        return DemoSummary::Passkey;
    }
    let mut methods = Vec::new();
    if has("urn:latchkey:amr:email") {
        methods.push(DemoMethod::EmailCode);
    }
    if has("sms") {
        methods.push(DemoMethod::SmsCode);
    }
    if has("kba") {
        methods.push(DemoMethod::RecoveryCode);
    }
    if has("pwd") {
        methods.push(DemoMethod::Password);
    }
    // `otp` comes with email and SMS codes too; on its own, or as the
    // second factor of an `mfa` sign-in, it is the authenticator app.
    let otp_explained = has("urn:latchkey:amr:email") || has("sms");
    if has("otp") && (!otp_explained || (has("mfa") && methods.len() < 2)) {
        methods.push(DemoMethod::Totp);
    }
    if methods.is_empty() {
        return DemoSummary::Unknown;
    }
    let reason = claims
        .get("latchkey_fallback")
        .and_then(|f| f.get("reason"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    DemoSummary::Fallback { methods, reason }
}

#[cfg(test)]
mod tests {
    use super::*;
    use latchkey_oidc::AuthMethod::{self, *};

    fn claims_for(methods: &[AuthMethod], reason: Option<&str>) -> Map<String, Value> {
        let mut amr: Vec<&str> = Vec::new();
        for m in methods {
            for v in m.amr() {
                if !amr.contains(v) {
                    amr.push(v);
                }
            }
        }
        if methods.len() > 1 {
            amr.push("mfa");
        }
        let mut c = Map::new();
        c.insert("amr".into(), serde_json::json!(amr));
        if let Some(r) = reason {
            c.insert(
                "latchkey_fallback".into(),
                serde_json::json!({ "reason": r }),
            );
        }
        c
    }

    #[test]
    fn summary_reads_amr_as_an_rp_would() {
        use DemoMethod as D;
        let fallback = |m: Vec<D>| DemoSummary::Fallback {
            methods: m,
            reason: None,
        };
        let cases: Vec<(Vec<AuthMethod>, DemoSummary)> = vec![
            (vec![PasskeySynced], DemoSummary::Passkey),
            (vec![PasskeyHardwareAttested], DemoSummary::Passkey),
            (vec![EmailCode], fallback(vec![D::EmailCode])),
            (vec![SmsCode], fallback(vec![D::SmsCode])),
            (vec![Totp], fallback(vec![D::Totp])),
            (vec![RecoveryCode], fallback(vec![D::RecoveryCode])),
            (vec![Password], fallback(vec![D::Password])),
            (vec![EmailCode, Totp], fallback(vec![D::EmailCode, D::Totp])),
            (vec![SmsCode, Totp], fallback(vec![D::SmsCode, D::Totp])),
            (
                vec![EmailCode, SmsCode],
                fallback(vec![D::EmailCode, D::SmsCode]),
            ),
            (
                vec![RecoveryCode, Totp],
                fallback(vec![D::RecoveryCode, D::Totp]),
            ),
            (vec![], DemoSummary::Unknown),
        ];
        for (methods, want) in cases {
            assert_eq!(summary(&claims_for(&methods, None)), want, "{methods:?}");
        }
        let with_reason = summary(&claims_for(&[EmailCode], Some("no_passkey_on_this_device")));
        assert_eq!(
            with_reason,
            DemoSummary::Fallback {
                methods: vec![D::EmailCode],
                reason: Some("no_passkey_on_this_device".into()),
            }
        );
    }

    #[test]
    fn registration_is_a_valid_public_pkce_client() {
        let c = registration("http://localhost:8080")
            .into_client("x".into(), None, latchkey_core::UnixTime(1))
            .unwrap();
        assert_eq!(c.id.0, DEMO_CLIENT_ID);
        assert_eq!(c.client_type, ClientType::Public);
        assert_eq!(
            c.token_endpoint_auth_method,
            latchkey_oidc::TokenAuthMethod::None
        );
        assert_eq!(
            c.redirect_uris[0].as_str(),
            "http://localhost:8080/demo/callback"
        );
        assert_eq!(c.scopes.join(" "), DEMO_SCOPES);
        assert!(same_registration(&c, &c.clone()));
    }

    #[test]
    fn only_error_codes_are_shown() {
        assert_eq!(shown_code("access_denied"), "access_denied");
        assert_eq!(shown_code("<b>x</b>"), "invalid_error_code");
        assert_eq!(shown_code(&"a".repeat(65)), "invalid_error_code");
    }

    #[test]
    fn how_claims_come_first_and_highlighted() {
        let mut c = claims_for(&[EmailCode], Some("user_choice"));
        c.insert("sub".into(), "u1".into());
        c.insert("acr".into(), "urn:latchkey:acr:sfa".into());
        c.insert("aud".into(), DEMO_CLIENT_ID.into());
        let r = result("http://localhost:8080", &c);
        assert_eq!(r.subject, "u1");
        let names: Vec<(&str, bool)> = r
            .claims
            .iter()
            .map(|c| (c.name.as_str(), c.highlighted))
            .collect();
        assert_eq!(
            names,
            vec![
                ("amr", true),
                ("acr", true),
                ("latchkey_fallback", true),
                ("aud", false),
                ("sub", false)
            ]
        );
        assert_eq!(r.claims[1].value, "urn:latchkey:acr:sfa");
        assert!(r.sign_out_url.contains("post_logout_redirect_uri="));
    }
}

//! The token endpoint (RFC 6749 §3.2, OpenID Connect Core §3.1.3).

use actix_web::http::header::{AUTHORIZATION, CACHE_CONTROL, PRAGMA};
use actix_web::{HttpRequest, HttpResponse, post, web};
use latchkey_core::{Ephemeral as _, UnixTime};
use latchkey_oidc::authorize::Params;
use latchkey_oidc::claims::{ACCESS_TOKEN_TYP, AccessTokenClaims};
use latchkey_oidc::client_auth::{self, ClientAuthError};
use latchkey_oidc::grant::RedeemedCode;
use latchkey_oidc::refresh::{RefreshTokenRepo as _, Rotation};
use latchkey_oidc::{Client, ClientRepo as _, GrantType, SigningAlg, pkce};

use crate::error::ApiError;
use crate::session::digest;
use crate::state::AppState;
use crate::tokens::{self, RefreshPlan, TokenResponse};

/// Parse a form body (RFC 6749 §3.2) as `invalid_request` on failure.
pub fn form_params(req: &HttpRequest, body: &[u8]) -> Result<Params, ApiError> {
    crate::params::form(req, body).map_err(ApiError::invalid_request)
}

/// Authenticate the calling client at `endpoint` (token, revocation,
/// introspection): the method it registered and nothing else.
pub async fn authenticate_client(
    state: &AppState,
    req: &HttpRequest,
    params: &Params,
    endpoint: &str,
) -> Result<Client, ApiError> {
    let authorization = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    // The mapping is the table in docs/oidc.md (RFC 6749 §5.2). No
    // authentication at all gets the Basic challenge too: a 401 names the
    // scheme it accepts (RFC 7235 §3.1), and Basic is the one HTTP scheme.
    let presented = client_auth::presented(authorization, |k| params.get(k)).map_err(|e| {
        tracing::info!(reason = %e, "client authentication refused");
        match e {
            ClientAuthError::Malformed(m) => ApiError::invalid_request(m),
            ClientAuthError::BadHeader(m) => ApiError::invalid_client_described(true, m),
            ClientAuthError::Missing => ApiError::invalid_client_described(true, e.to_string()),
            ClientAuthError::Failed(_) => ApiError::invalid_client(false),
        }
    })?;
    let basic = presented.is_basic();
    let id = latchkey_oidc::ClientId(presented.client_id().to_owned());
    let Some(client) = state.db.client_by_id(&id).await? else {
        tracing::info!(client_id = %id, "token request from unknown client");
        return Err(ApiError::invalid_client(basic));
    };
    let issuer = state.config.issuer_str();
    let url = format!("{issuer}{endpoint}");
    let now = state.clock.now();
    let assertion = client_auth::authenticate(&presented, &client, &[url.as_str(), issuer], now)
        .map_err(|e| {
            tracing::info!(client_id = %client.id, reason = %e, "client authentication failed");
            ApiError::invalid_client(basic)
        })?;
    if let Some(a) = assertion {
        // A client assertion is single-use (RFC 7523 §3, item 7).
        let ttl = std::time::Duration::from_secs(
            u64::try_from(a.exp.0 - now.0 + 60).unwrap_or(60).max(1),
        );
        let fresh = state
            .ephemeral
            .put_if_absent(&format!("assertion-jti:{}:{}", client.id, a.jti), b"1", ttl)
            .await?;
        if !fresh {
            tracing::warn!(client_id = %client.id, "client assertion replayed");
            return Err(ApiError::invalid_client(false));
        }
    }
    Ok(client)
}

fn ok(body: &TokenResponse) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "no-store"))
        .insert_header((PRAGMA, "no-cache"))
        .json(body)
}

fn invalid_grant(description: &str) -> ApiError {
    ApiError::oauth("invalid_grant", description)
}

/// `POST /token`.
#[post("/token")]
pub async fn token(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let params = form_params(&req, &body)?;
    let client = authenticate_client(&state, &req, &params, "/token").await?;
    let grant_type = params
        .get("grant_type")
        .ok_or_else(|| ApiError::invalid_request("grant_type is required"))?;
    let grant = GrantType::parse(grant_type).ok_or_else(|| {
        ApiError::oauth(
            "unsupported_grant_type",
            format!("{grant_type:?} is not supported"),
        )
    })?;
    if !client.allows_grant(grant) {
        return Err(ApiError::oauth(
            "unauthorized_client",
            format!("this client may not use {grant_type}"),
        ));
    }
    match grant {
        GrantType::AuthorizationCode => authorization_code(&state, &client, &params).await,
        GrantType::RefreshToken => refresh_token(&state, &client, &params).await,
        GrantType::ClientCredentials => client_credentials(&state, &client, &params),
    }
    .inspect(|_| state.metrics.token_issued(grant.as_str()))
}

async fn authorization_code(
    state: &AppState,
    client: &Client,
    params: &Params,
) -> Result<HttpResponse, ApiError> {
    let code = params
        .get("code")
        .ok_or_else(|| ApiError::invalid_request("code is required"))?;
    let redirect_uri = params
        .get("redirect_uri")
        .ok_or_else(|| ApiError::invalid_request("redirect_uri is required"))?;
    // Every presentation is counted first, so a replay is recognised even
    // while the first redemption is still minting (on any node).
    if tokens::count_presentation(state, code).await? > 1 {
        if tokens::revoke_replayed(state, code).await? {
            return Err(invalid_grant(
                "the authorization code was already used; tokens issued with it are revoked",
            ));
        }
        // Nothing to revoke yet: the first redemption is still under way
        // (and revokes its own tokens when it sees this replay), or the
        // code was never valid.
        return Err(invalid_grant(
            "the authorization code is unknown, expired or already used",
        ));
    }
    let Some(data) = tokens::take_code(state, code).await? else {
        return Err(invalid_grant(
            "the authorization code is unknown or expired",
        ));
    };
    // The code is consumed whatever happens next: a code presented by the
    // wrong client or with the wrong verifier is burnt, not left to retry.
    if data.grant.client_id != client.id {
        return Err(invalid_grant(
            "the authorization code was issued to another client",
        ));
    }
    if data.redirect_uri != redirect_uri {
        return Err(invalid_grant(
            "redirect_uri differs from the authorization request",
        ));
    }
    let now = state.clock.now();
    if now.0 - data.issued_at.0 > state.lifetimes.code {
        return Err(invalid_grant("the authorization code has expired"));
    }
    pkce::verify(data.code_challenge.as_deref(), params.get("code_verifier"))
        .map_err(|e| invalid_grant(&e.to_string()))?;
    let refresh =
        if client.allows_grant(GrantType::RefreshToken) && data.grant.has_scope("offline_access") {
            RefreshPlan::NewFamily
        } else {
            RefreshPlan::None
        };
    let minted =
        match tokens::mint_for_user(state, client, &data.grant, data.nonce.as_deref(), refresh)
            .await
        {
            Ok(minted) => minted.map_err(invalid_grant)?,
            // The database went away before anything was issued (the user
            // read, or the refresh token's insert, failed): the code was
            // presented correctly, so it is given back for a retry.
            Err(e @ ApiError::Unavailable(_)) => {
                tokens::give_back(state, code, &data).await;
                return Err(e);
            }
            Err(e) => return Err(e),
        };
    let redeemed = RedeemedCode {
        access_token_jti: minted.access_jti.clone(),
        access_token_exp: minted.access_exp,
        refresh_family: minted.refresh_family.clone(),
    };
    tokens::remember_redeemed(state, code, &redeemed).await?;
    if tokens::replayed_meanwhile(state, code).await? {
        // A replay arrived while these tokens were minted: they are
        // answered, but dead, as if the replay had come just after.
        tokens::revoke_redeemed(state, &redeemed).await?;
        tracing::warn!("authorization code replayed during its redemption; its tokens are revoked");
    }
    Ok(ok(&minted.response))
}

fn requested_subset(params: &Params, granted: &[String]) -> Result<Option<Vec<String>>, ApiError> {
    let Some(scope) = params.get("scope") else {
        return Ok(None);
    };
    let requested: Vec<String> = scope
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if let Some(extra) = requested.iter().find(|s| !granted.contains(s)) {
        return Err(ApiError::oauth(
            "invalid_scope",
            format!("scope {extra:?} was not granted"),
        ));
    }
    Ok(Some(requested))
}

async fn refresh_token(
    state: &AppState,
    client: &Client,
    params: &Params,
) -> Result<HttpResponse, ApiError> {
    let presented = params
        .get("refresh_token")
        .ok_or_else(|| ApiError::invalid_request("refresh_token is required"))?;
    let now = state.clock.now();
    // A refused request must change nothing: check a narrowed scope against
    // the stored grant before the token is rotated.
    let narrower = match state.db.refresh_by_hash(&digest(presented)).await? {
        Some(r) if r.grant.client_id == client.id => requested_subset(params, &r.grant.scopes)?,
        _ => None,
    };
    let next = latchkey_core::id::random_hex(32);
    let rotation = state
        .db
        .rotate_refresh(
            &digest(presented),
            &client.id.0,
            &digest(&next),
            now,
            state.lifetimes.refresh_token,
        )
        .await?;
    let record = match rotation {
        Rotation::Rotated(record) => record,
        Rotation::Invalid => {
            return Err(invalid_grant(
                "the refresh token is invalid, expired or revoked",
            ));
        }
        Rotation::Reused {
            family_id,
            rotated_at,
        } => {
            if now.0 - rotated_at.0 > state.lifetimes.refresh_reuse_grace {
                let n = state.db.revoke_family(&family_id, now).await?;
                tracing::warn!(client_id = %client.id, revoked = n, "refresh token reused; family revoked");
            }
            return Err(invalid_grant("the refresh token was already used"));
        }
    };
    let mut grant = record.grant.clone();
    if let Some(narrower) = narrower {
        grant.scopes = narrower;
    }
    let minted = tokens::mint_for_user(state, client, &grant, None, RefreshPlan::Rotated(next))
        .await?
        .map_err(invalid_grant)?;
    Ok(ok(&minted.response))
}

/// Scopes that only make sense for a user, never for a client acting as
/// itself.
const USER_ONLY_SCOPES: &[&str] = &[
    "openid",
    "offline_access",
    "profile",
    "email",
    "phone",
    latchkey_oidc::claims::FALLBACK_SCOPE,
];

fn client_credentials(
    state: &AppState,
    client: &Client,
    params: &Params,
) -> Result<HttpResponse, ApiError> {
    let allowed: Vec<String> = client
        .scopes
        .iter()
        .filter(|s| !USER_ONLY_SCOPES.contains(&s.as_str()))
        .cloned()
        .collect();
    let scopes = match requested_subset(params, &allowed) {
        Ok(Some(s)) => s,
        Ok(None) => allowed,
        Err(e) => return Err(e),
    };
    let now = state.clock.now();
    let claims = client_claims(state, client, &scopes, now);
    let access = state
        .keys
        .current()
        .sign(SigningAlg::ES256, ACCESS_TOKEN_TYP, &claims, now)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(ok(&TokenResponse {
        access_token: access,
        token_type: "Bearer",
        expires_in: state.lifetimes.access_token,
        id_token: None,
        refresh_token: None,
        scope: scopes.join(" "),
    }))
}

fn client_claims(
    state: &AppState,
    client: &Client,
    scopes: &[String],
    now: UnixTime,
) -> AccessTokenClaims {
    AccessTokenClaims {
        iss: state.config.issuer_str().to_owned(),
        sub: client.id.0.clone(),
        aud: state.config.issuer_str().to_owned(),
        exp: now.0 + state.lifetimes.access_token,
        iat: now.0,
        jti: latchkey_core::id::random_hex(16),
        client_id: client.id.0.clone(),
        scope: scopes.join(" "),
        auth_time: None,
        acr: None,
        amr: None,
        sid: None,
    }
}

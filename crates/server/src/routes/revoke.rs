//! Token revocation (RFC 7009) and introspection (RFC 7662).

use actix_web::http::header::CACHE_CONTROL;
use actix_web::{HttpRequest, HttpResponse, post, web};
use latchkey_core::UnixTime;
use latchkey_oidc::refresh::RefreshTokenRepo as _;
use serde_json::json;

use super::bearer::verify_access_token;
use super::token::{authenticate_client, form_params};
use crate::error::ApiError;
use crate::session::digest;
use crate::state::AppState;
use crate::tokens;

fn looks_like_jwt(token: &str) -> bool {
    token.bytes().filter(|b| *b == b'.').count() == 2
}

/// `POST /revoke`: always 200 for a token the client may not see or that
/// does not exist (RFC 7009 §2.2), so the endpoint reveals nothing.
#[post("/revoke")]
pub async fn revoke(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let params = form_params(&req, &body)?;
    let client = authenticate_client(&state, &req, &params, "/revoke").await?;
    let token = params
        .get("token")
        .ok_or_else(|| ApiError::invalid_request("token is required"))?;
    let now = state.clock.now();
    if looks_like_jwt(token) {
        if let Some(claims) = verify_access_token(&state, token).await?
            && claims.client_id == client.id.0
        {
            tokens::revoke_access_token(&state, &claims.jti, UnixTime(claims.exp)).await?;
        }
    } else if let Some(record) = state.db.refresh_by_hash(&digest(token)).await?
        && record.grant.client_id == client.id
    {
        // Revoking a refresh token ends its whole family (RFC 7009 §2.1).
        state.db.revoke_family(&record.family_id, now).await?;
    }
    Ok(HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "no-store"))
        .finish())
}

/// `POST /introspect`: a client may introspect the tokens issued to it;
/// anything else is `{"active": false}` (RFC 7662 §2.2).
#[post("/introspect")]
pub async fn introspect(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let params = form_params(&req, &body)?;
    let client = authenticate_client(&state, &req, &params, "/introspect").await?;
    if client.client_type != latchkey_oidc::ClientType::Confidential {
        return Err(ApiError::invalid_client(false));
    }
    let token = params
        .get("token")
        .ok_or_else(|| ApiError::invalid_request("token is required"))?;
    let now = state.clock.now();
    let inactive = json!({ "active": false });
    let body = if looks_like_jwt(token) {
        match verify_access_token(&state, token).await? {
            Some(c) if c.client_id == client.id.0 => {
                let mut v =
                    serde_json::to_value(&c).map_err(|e| ApiError::Internal(e.to_string()))?;
                if let Some(o) = v.as_object_mut() {
                    o.insert("active".into(), json!(true));
                    o.insert("token_type".into(), json!("Bearer"));
                }
                v
            }
            _ => inactive,
        }
    } else {
        match state.db.refresh_by_hash(&digest(token)).await? {
            Some(r) if r.grant.client_id == client.id && r.live(now) => json!({
                "active": true,
                "token_type": "refresh_token",
                "client_id": r.grant.client_id.0,
                "sub": r.grant.subject.0,
                "scope": r.grant.scopes.join(" "),
                "iat": r.created_at.0,
                "exp": r.expires_at.0.min(r.family_expires_at.0),
                "iss": state.config.issuer_str(),
            }),
            _ => inactive,
        }
    };
    Ok(HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "no-store"))
        .json(body))
}

//! The UserInfo endpoint (OpenID Connect Core §5.3) with Bearer tokens
//! (RFC 6750).

use actix_web::http::StatusCode;
use actix_web::http::header::{AUTHORIZATION, CACHE_CONTROL, WWW_AUTHENTICATE};
use actix_web::{HttpRequest, HttpResponse, route, web};
use latchkey_core::{UserId, UserRepo as _, UserStatus};
use latchkey_oidc::claims::user_claims;

use latchkey_fallback::repo::UserPhone;

use super::bearer::verify_access_token;
use crate::error::ApiError;
use crate::state::AppState;
use crate::tokens::phone_for_claims;

/// A Bearer error with its challenge (RFC 6750 §3).
fn challenge(status: StatusCode, error: &'static str, description: &str) -> ApiError {
    ApiError::OAuth {
        status,
        error,
        description: description.to_owned(),
        www_authenticate: Some(format!(
            "Bearer realm=\"latchkey\", error=\"{error}\", error_description=\"{description}\""
        )),
    }
}

/// `GET` or `POST /userinfo` with `Authorization: Bearer …`.
#[route("/userinfo", method = "GET", method = "POST")]
pub async fn userinfo(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let header = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let token = match header {
        Some(h) if h.len() > 7 && h[..7].eq_ignore_ascii_case("bearer ") => h[7..].trim(),
        // RFC 6750 §3.1: no authentication information → a challenge
        // without any error information.
        _ => {
            return Ok(HttpResponse::Unauthorized()
                .insert_header((WWW_AUTHENTICATE, "Bearer realm=\"latchkey\""))
                .insert_header((CACHE_CONTROL, "no-store"))
                .finish());
        }
    };
    let invalid = || {
        challenge(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "The access token is invalid or expired.",
        )
    };
    let Some(claims) = verify_access_token(&state, token).await? else {
        return Err(invalid());
    };
    let scopes: Vec<String> = claims.scope.split(' ').map(str::to_owned).collect();
    if claims.auth_time.is_none() || !scopes.iter().any(|s| s == "openid") {
        return Err(challenge(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            "The token was not granted the openid scope.",
        ));
    }
    let user = state.db.user_by_id(&UserId(claims.sub.clone())).await?;
    let Some(user) = user.filter(|u| u.status == UserStatus::Active) else {
        return Err(invalid());
    };
    let phone = phone_for_claims(&state, &user.id, &scopes).await?;
    let mut body = user_claims(&user, phone.as_ref().map(UserPhone::claim), &scopes);
    body.insert("sub".into(), serde_json::Value::String(user.id.0));
    Ok(HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "no-store"))
        .json(body))
}

//! Issuing what the protocol hands out: authorization codes, ID tokens,
//! access tokens and refresh tokens. The OIDC layer never learns how the
//! user authenticated beyond the `amr`/`acr`/`auth_time` it is given.

use std::time::Duration;

use latchkey_core::{Ephemeral as _, UnixTime, UserId, UserRepo as _, UserStatus};
use latchkey_fallback::repo::{FactorRepo as _, UserPhone};
use latchkey_oidc::authorize::AuthorizationRequest;
use latchkey_oidc::claims::{
    ACCESS_TOKEN_TYP, AccessTokenClaims, FALLBACK_SCOPE, FallbackClaim, IdTokenClaims, at_hash,
    user_claims,
};
use latchkey_oidc::grant::{CodeData, Grant, RedeemedCode};
use latchkey_oidc::refresh::{RefreshRecord, RefreshTokenRepo as _};
use latchkey_oidc::session::BrowserSession;
use latchkey_oidc::{Client, SigningAlg};
use serde::Serialize;

use crate::error::ApiError;
use crate::session::digest;
use crate::state::AppState;

fn secs(n: i64) -> Duration {
    Duration::from_secs(u64::try_from(n).unwrap_or(1).max(1))
}

/// Issue an authorization code for a request answered by `session`.
pub async fn issue_code(
    state: &AppState,
    request: &AuthorizationRequest,
    session: &BrowserSession,
) -> Result<String, ApiError> {
    let now = state.clock.now();
    let data = CodeData {
        grant: Grant {
            client_id: request.client_id.clone(),
            subject: session.subject.clone(),
            scopes: request.scopes.clone(),
            auth_time: session.auth_time,
            amr: session.amr.clone(),
            acr: session.acr,
            sid: Some(session.sid.clone()),
            fallback_reason: session.fallback_reason.clone(),
        },
        redirect_uri: request.redirect_uri.clone(),
        code_challenge: request.code_challenge.clone(),
        nonce: request.nonce.clone(),
        issued_at: now,
    };
    let code = latchkey_core::id::random_hex(32);
    let bytes = serde_json::to_vec(&data).map_err(|e| ApiError::Internal(e.to_string()))?;
    state
        .ephemeral
        .put(
            &format!("code:{}", digest(&code)),
            &bytes,
            secs(state.lifetimes.code),
        )
        .await?;
    Ok(code)
}

/// Take a code's data (once). `None` for unknown, expired or used codes.
pub async fn take_code(state: &AppState, code: &str) -> Result<Option<CodeData>, ApiError> {
    let Some(bytes) = state
        .ephemeral
        .take(&format!("code:{}", digest(code)))
        .await?
    else {
        return Ok(None);
    };
    Ok(serde_json::from_slice(&bytes).ok())
}

/// Put a code back after a redemption that issued nothing because a store
/// was unavailable (a 503), so the relying party can simply retry it: the
/// code for what is left of its life, then its presentation count. A
/// replay counted meanwhile was refused and had nothing to revoke, so
/// nothing is lost; with the code back first, a replay racing this sees
/// the old count and is refused. Best effort: if the store is away too,
/// the code stays used, as before.
pub async fn give_back(state: &AppState, code: &str, data: &CodeData) {
    let left = state.lifetimes.code - (state.clock.now().0 - data.issued_at.0);
    if left <= 0 {
        return;
    }
    let Ok(bytes) = serde_json::to_vec(data) else {
        return;
    };
    let key = format!("code:{}", digest(code));
    if state.ephemeral.put(&key, &bytes, secs(left)).await.is_ok() {
        let _ = state
            .ephemeral
            .delete(&format!("code-uses:{}", digest(code)))
            .await;
    }
}

/// Remember what a redeemed code issued, for replay revocation.
pub async fn remember_redeemed(
    state: &AppState,
    code: &str,
    redeemed: &RedeemedCode,
) -> Result<(), ApiError> {
    let bytes = serde_json::to_vec(redeemed).map_err(|e| ApiError::Internal(e.to_string()))?;
    state
        .ephemeral
        .put(
            &format!("code-used:{}", digest(code)),
            &bytes,
            redeemed_ttl(state),
        )
        .await?;
    Ok(())
}

/// How long a code's presentations are counted and what it issued is
/// remembered: as long as the access token lives (and at least the code).
fn redeemed_ttl(state: &AppState) -> Duration {
    secs(state.lifetimes.access_token.max(state.lifetimes.code))
}

/// Count a presentation of `code` at the token endpoint, across nodes. Only
/// the first (1) may redeem it; any later one is a replay, even while the
/// first is still minting its tokens.
pub async fn count_presentation(state: &AppState, code: &str) -> Result<u64, ApiError> {
    Ok(state
        .ephemeral
        .increment(&format!("code-uses:{}", digest(code)), redeemed_ttl(state))
        .await?)
}

/// After the first redemption stored what it issued
/// ([`remember_redeemed`]): whether a replay was counted meanwhile. A
/// replay counted before this probe may have found nothing to revoke yet,
/// so the first redemption then revokes its own tokens; one counted after
/// it finds the record and revokes them itself.
pub async fn replayed_meanwhile(state: &AppState, code: &str) -> Result<bool, ApiError> {
    // The first presentation counted 1, this probe 2; more is a replay.
    Ok(count_presentation(state, code).await? > 2)
}

/// Revoke what one redemption of a code issued.
pub async fn revoke_redeemed(state: &AppState, redeemed: &RedeemedCode) -> Result<(), ApiError> {
    revoke_access_token(state, &redeemed.access_token_jti, redeemed.access_token_exp).await?;
    if let Some(family) = &redeemed.refresh_family {
        state.db.revoke_family(family, state.clock.now()).await?;
    }
    Ok(())
}

/// A replayed code: revoke what its first redemption issued (RFC 6749
/// §4.1.2). Returns whether the code had been redeemed before.
pub async fn revoke_replayed(state: &AppState, code: &str) -> Result<bool, ApiError> {
    let Some(bytes) = state
        .ephemeral
        .take(&format!("code-used:{}", digest(code)))
        .await?
    else {
        return Ok(false);
    };
    let Ok(redeemed) = serde_json::from_slice::<RedeemedCode>(&bytes) else {
        return Ok(true);
    };
    revoke_redeemed(state, &redeemed).await?;
    tracing::warn!("authorization code replayed; tokens it issued were revoked");
    Ok(true)
}

/// Mark an access token revoked until it would have expired anyway.
pub async fn revoke_access_token(
    state: &AppState,
    jti: &str,
    exp: UnixTime,
) -> Result<(), ApiError> {
    let left = exp.0.saturating_sub(state.clock.now().0);
    if left > 0 {
        state
            .ephemeral
            .put(&format!("revoked-jti:{jti}"), b"1", secs(left))
            .await?;
    }
    Ok(())
}

/// Whether an access token was revoked.
pub async fn access_token_revoked(state: &AppState, jti: &str) -> Result<bool, ApiError> {
    Ok(state
        .ephemeral
        .get(&format!("revoked-jti:{jti}"))
        .await?
        .is_some())
}

/// The token endpoint's success response (RFC 6749 §5.1).
#[derive(Debug, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    pub scope: String,
}

/// What minting produced besides the response, for replay bookkeeping.
#[derive(Debug)]
pub struct Minted {
    pub response: TokenResponse,
    pub refresh_family: Option<String>,
    pub access_jti: String,
    pub access_exp: UnixTime,
}

/// How the refresh token of a response is obtained.
#[derive(Debug)]
pub enum RefreshPlan {
    /// No refresh token.
    None,
    /// Start a new family (authorization code with `offline_access`).
    NewFamily,
    /// A rotation already produced this token.
    Rotated(String),
}

/// Sign an access token for `grant`.
pub fn access_token(
    state: &AppState,
    grant: &Grant,
    now: UnixTime,
) -> Result<(String, String, UnixTime), ApiError> {
    let jti = latchkey_core::id::random_hex(16);
    let claims = AccessTokenClaims::for_grant(
        state.config.issuer_str(),
        grant,
        jti.clone(),
        now,
        state.lifetimes.access_token,
    );
    let exp = UnixTime(claims.exp);
    let token = state
        .keys
        .current()
        .sign(SigningAlg::ES256, ACCESS_TOKEN_TYP, &claims, now)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((token, jti, exp))
}

/// Mint the tokens for a user grant: access token, ID token (when `openid`
/// was granted) and, per `refresh`, a refresh token.
/// The user's phone for the `phone` scope's claims; read only when that
/// scope was granted.
pub async fn phone_for_claims(
    state: &AppState,
    user: &UserId,
    scopes: &[String],
) -> Result<Option<UserPhone>, ApiError> {
    if !scopes.iter().any(|s| s == "phone") {
        return Ok(None);
    }
    Ok(state.db.phone(user).await?)
}

pub async fn mint_for_user(
    state: &AppState,
    client: &Client,
    grant: &Grant,
    nonce: Option<&str>,
    refresh: RefreshPlan,
) -> Result<Result<Minted, &'static str>, ApiError> {
    let now = state.clock.now();
    let Some(user) = state.db.user_by_id(&grant.subject).await? else {
        return Ok(Err("the user no longer exists"));
    };
    if user.status != UserStatus::Active {
        return Ok(Err("the user is disabled"));
    }
    let (access, jti, exp) = access_token(state, grant, now)?;
    let id_token = if grant.has_scope("openid") {
        let phone = phone_for_claims(state, &user.id, &grant.scopes).await?;
        let alg = client.id_token_signed_response_alg;
        let claims = IdTokenClaims {
            iss: state.config.issuer_str().to_owned(),
            sub: grant.subject.0.clone(),
            aud: client.id.0.clone(),
            exp: now.0 + state.lifetimes.id_token,
            iat: now.0,
            auth_time: grant.auth_time.0,
            nonce: nonce.map(str::to_owned),
            acr: grant.acr.as_str().to_owned(),
            amr: grant.amr.clone(),
            azp: client.id.0.clone(),
            sid: grant.sid.clone(),
            at_hash: Some(at_hash(&access, alg)),
            latchkey_fallback: grant
                .fallback_reason
                .as_ref()
                .filter(|_| grant.has_scope(FALLBACK_SCOPE))
                .map(|reason| FallbackClaim {
                    reason: reason.clone(),
                }),
            user: user_claims(&user, phone.as_ref().map(UserPhone::claim), &grant.scopes),
        };
        let signed = state.keys.current().sign(alg, "JWT", &claims, now);
        Some(signed.map_err(|e| ApiError::Internal(e.to_string()))?)
    } else {
        None
    };
    let mut refresh_family = None;
    let refresh_token = match refresh {
        RefreshPlan::None => None,
        RefreshPlan::Rotated(t) => Some(t),
        RefreshPlan::NewFamily => {
            let token = latchkey_core::id::random_hex(32);
            let record = RefreshRecord {
                token_hash: digest(&token),
                family_id: latchkey_core::id::random_hex(16),
                grant: grant.clone(),
                created_at: now,
                expires_at: now.plus_secs(state.lifetimes.refresh_token),
                family_expires_at: now.plus_secs(state.lifetimes.refresh_family),
                rotated_at: None,
                revoked_at: None,
            };
            state.db.insert_refresh(&record).await?;
            refresh_family = Some(record.family_id);
            Some(token)
        }
    };
    let response = TokenResponse {
        access_token: access,
        token_type: "Bearer",
        expires_in: state.lifetimes.access_token,
        id_token,
        refresh_token,
        scope: grant.scopes.join(" "),
    };
    Ok(Ok(Minted {
        response,
        refresh_family,
        access_jti: jti,
        access_exp: exp,
    }))
}

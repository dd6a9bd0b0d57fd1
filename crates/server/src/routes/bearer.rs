//! Access tokens presented back to Latchkey (userinfo, introspection,
//! revocation): verification in one place.

use latchkey_oidc::claims::{ACCESS_TOKEN_TYP, AccessTokenClaims};

use crate::error::ApiError;
use crate::state::AppState;
use crate::tokens;

/// Verify an access token we issued: signature and `typ: at+jwt` (RFC 9068
/// §4), expiry, our `iss` and `aud`, and not revoked.
pub async fn verify_access_token(
    state: &AppState,
    token: &str,
) -> Result<Option<AccessTokenClaims>, ApiError> {
    let now = state.clock.now();
    let Ok(claims) =
        state
            .keys
            .current()
            .verify::<AccessTokenClaims>(token, Some(ACCESS_TOKEN_TYP), now, false)
    else {
        return Ok(None);
    };
    let issuer = state.config.issuer_str();
    if claims.iss != issuer || claims.aud != issuer {
        return Ok(None);
    }
    if tokens::access_token_revoked(state, &claims.jti).await? {
        return Ok(None);
    }
    Ok(Some(claims))
}

//! The demo client's registration, kept up to date on first use.

use latchkey_core::RepoError;
use latchkey_oidc::{Client, ClientId, ClientRepo as _, ClientType, NewClient};

use super::{DEMO_CLIENT_ID, DEMO_SCOPES, redirect_uri};
use crate::error::ApiError;
use crate::state::AppState;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}

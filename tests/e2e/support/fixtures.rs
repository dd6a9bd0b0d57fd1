//! Users and clients created directly in a test server's database, the way
//! the CLI does it.

use latchkey_core::{NewUser, UnixTime, User, UserRepo as _};
use latchkey_oidc::{Client, ClientRepo as _, ClientType, NewClient, client_secret};

use super::TestServer;

/// The redirect URI test clients register.
pub const REDIRECT_URI: &str = "https://rp.example.com/callback";
/// The post-logout redirect URI test clients register.
pub const POST_LOGOUT_URI: &str = "https://rp.example.com/signed-out";

impl TestServer {
    /// Create an active user.
    pub async fn user(&self, username: &str) -> User {
        let new =
            NewUser::normalised(username, Some(&format!("{username}@example.com")), None).unwrap();
        self.state.db.create_user(new).await.unwrap()
    }

    /// Register a client; returns it and its secret (confidential clients).
    pub async fn client_with(&self, new: NewClient) -> (Client, Option<String>) {
        let uses_secret = new.client_type != Some(ClientType::Public)
            && new.token_endpoint_auth_method.as_deref() != Some("private_key_jwt");
        let secret = uses_secret.then(client_secret::generate);
        let client = new
            .into_client(
                latchkey_core::id::random_hex(8),
                secret.as_ref().map(|s| s.hash.clone()),
                UnixTime(0),
            )
            .unwrap();
        self.state.db.create_client(&client).await.unwrap();
        (client, secret.map(|s| s.plaintext))
    }

    /// A confidential web client with refresh tokens and every user scope.
    pub async fn confidential_client(&self) -> (Client, String) {
        let (c, s) = self.client_with(confidential()).await;
        (c, s.unwrap())
    }

    /// A public client (PKCE, no secret).
    pub async fn public_client(&self) -> Client {
        self.client_with(NewClient {
            client_type: Some(ClientType::Public),
            ..confidential()
        })
        .await
        .0
    }
}

/// The registration of the standard confidential test client.
pub fn confidential() -> NewClient {
    NewClient {
        name: "Relying Party".into(),
        redirect_uris: vec![REDIRECT_URI.into(), "http://127.0.0.1:8765/cb".into()],
        post_logout_redirect_uris: vec![POST_LOGOUT_URI.into()],
        grant_types: vec!["authorization_code".into(), "refresh_token".into()],
        scopes: vec![
            "openid".into(),
            "profile".into(),
            "email".into(),
            "offline_access".into(),
        ],
        ..NewClient::default()
    }
}

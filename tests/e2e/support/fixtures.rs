//! Users and clients created directly in a test server's database, the way
//! the CLI does it.

use latchkey_core::{NewUser, UnixTime, User, UserRepo as _};
use latchkey_oidc::{
    Client, ClientRepo as _, ClientType, NewClient, RegistrationMode, client_secret,
};

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

    /// Register a client under the rules of this server's mode (test
    /// servers run in dev mode, which lets a confidential client have an
    /// http loopback URI); returns it and its secret (confidential clients).
    pub async fn client_with(&self, new: NewClient) -> (Client, Option<String>) {
        let uses_secret = new.client_type != Some(ClientType::Public)
            && new.token_endpoint_auth_method.as_deref() != Some("private_key_jwt");
        let secret = uses_secret.then(client_secret::generate);
        let mode = RegistrationMode::from_dev_mode(self.state.config.dev_mode);
        let client = new
            .into_client_in(
                mode,
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

/// The registration of the standard confidential test client. Its http
/// loopback URI is one a dev instance accepts for a confidential client;
/// it matches exactly, port included (the port may vary only for public
/// clients, which register the same URIs through [`TestServer::public_client`]).
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

/// Fallback factors seeded straight into the database, the way an account
/// API would leave them (none of these go through HTTP).
impl TestServer {
    /// Mark the user's email verified.
    pub async fn verify_email(&self, user: &User) {
        use latchkey_fallback::repo::FactorRepo as _;
        let email = user.email.as_deref().expect("the user has an email");
        let db = &self.state.db;
        assert!(db.mark_email_verified(&user.id, email).await.unwrap());
    }

    /// Give the user a verified phone number (E.164).
    pub async fn verified_phone(&self, user: &User, phone: &str) {
        use latchkey_fallback::repo::FactorRepo as _;
        let now = self.state.clock.now();
        self.state.db.set_phone(&user.id, phone, now).await.unwrap();
        let db = &self.state.db;
        assert!(db.verify_phone(&user.id, phone, now).await.unwrap());
    }

    /// Give the user a confirmed authenticator app; returns its secret.
    pub async fn confirmed_totp(
        &self,
        user: &User,
    ) -> latchkey_fallback::factors::totp::TotpSecret {
        use latchkey_fallback::repo::FactorRepo as _;
        use latchkey_server::fallback::check::{totp_seal_id, totp_seal_key};
        let secret = latchkey_fallback::factors::totp::TotpSecret::generate();
        let sealed = latchkey_oidc::keys::seal(
            &totp_seal_key(&self.state),
            &totp_seal_id(&user.id),
            secret.as_bytes(),
        )
        .unwrap();
        let now = self.state.clock.now();
        self.state
            .db
            .put_totp(&user.id, &sealed, now)
            .await
            .unwrap();
        // Confirmed with a step long past, so every current code is fresh.
        let db = &self.state.db;
        assert!(db.confirm_totp(&user.id, &sealed, 1, now).await.unwrap());
        secret
    }

    /// Give the user a fresh set of recovery codes; returns them as shown.
    pub async fn recovery_codes(&self, user: &User) -> Vec<String> {
        use latchkey_fallback::repo::FactorRepo as _;
        let codes = latchkey_fallback::factors::recovery::RecoveryCodes::generate();
        let hashes = codes.hash_all().unwrap();
        let now = self.state.clock.now();
        let db = &self.state.db;
        db.replace_recovery_codes(&user.id, hashes, now)
            .await
            .unwrap();
        codes
            .codes()
            .iter()
            .map(|c| c.display().to_string())
            .collect()
    }

    /// Give the user a password (argon2id).
    pub async fn password(&self, user: &User, password: &str) {
        use latchkey_fallback::repo::FactorRepo as _;
        let hash = latchkey_fallback::factors::password::hash_password(password).unwrap();
        let now = self.state.clock.now();
        self.state
            .db
            .set_password(&user.id, &hash, now)
            .await
            .unwrap();
    }

    /// Another node on this server's stores (as [`super::Options::share_with`])
    /// that runs with the fallback policy `policy`: the harness configures
    /// servers through environment variables, which cannot spell the
    /// policy's lists. The first server must outlive it.
    pub fn node_with_policy(&self, policy: latchkey_fallback::policy::PolicyConfig) -> TestServer {
        let mut state = self.state.clone();
        let mut config = (*state.config).clone();
        config.fallback = policy;
        state.policy = std::sync::Arc::new(config.fallback_policy().unwrap());
        state.config = std::sync::Arc::new(config);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://localhost:{}", listener.local_addr().unwrap().port());
        let bound = latchkey_server::serve::bind(state.clone(), listener).unwrap();
        let handle = bound.handle.clone();
        actix_web::rt::spawn(bound.server);
        TestServer {
            base,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            state,
            handle,
            shared: self.sharing(),
            _db: None,
            _data_dir: tempfile::tempdir().unwrap(),
        }
    }
}

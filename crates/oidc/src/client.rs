//! Registered relying parties (OAuth 2.0 clients) and their registration
//! rules (RFC 6749 §2, OpenID Connect Dynamic Client Registration §2 for the
//! metadata names).

use latchkey_core::{RepoError, UnixTime};
use serde::{Deserialize, Serialize};

use crate::alg::SigningAlg;
use crate::redirect_uri::{RedirectUri, RedirectUriError};

mod rules;

pub use rules::RegistrationMode;
use rules::{is_scope_token, loopback_only_for_native_apps, parse_jwks, parse_uris, validate_id};

/// A client identifier (RFC 6749 §2.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ClientId(pub String);

impl std::fmt::Display for ClientId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether a client can keep a secret (RFC 6749 §2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientType {
    Public,
    Confidential,
}

/// How a client authenticates at the token endpoint
/// (`token_endpoint_auth_method`, OpenID Connect Core §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenAuthMethod {
    ClientSecretBasic,
    ClientSecretPost,
    PrivateKeyJwt,
    None,
}

/// An OAuth 2.0 grant type a client may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    AuthorizationCode,
    RefreshToken,
    ClientCredentials,
}

macro_rules! str_enum {
    ($ty:ty { $($variant:ident => $s:literal),+ $(,)? }) => {
        impl $ty {
            /// The protocol / stored spelling.
            #[must_use]
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $s),+ }
            }
            /// Parse the protocol / stored spelling.
            #[must_use]
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some(Self::$variant),)+ _ => None }
            }
            /// Every accepted spelling, for error messages.
            #[must_use]
            pub fn all() -> &'static [&'static str] {
                &[$($s),+]
            }
        }
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

str_enum!(ClientType { Public => "public", Confidential => "confidential" });
str_enum!(TokenAuthMethod {
    ClientSecretBasic => "client_secret_basic",
    ClientSecretPost => "client_secret_post",
    PrivateKeyJwt => "private_key_jwt",
    None => "none",
});
str_enum!(GrantType {
    AuthorizationCode => "authorization_code",
    RefreshToken => "refresh_token",
    ClientCredentials => "client_credentials",
});

/// A registered client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Client {
    #[serde(rename = "client_id")]
    pub id: ClientId,
    pub name: String,
    pub client_type: ClientType,
    /// Hash of the client secret (see `client_secret`); `None` for public
    /// clients. Never the secret itself.
    #[serde(skip_serializing)]
    pub secret_hash: Option<String>,
    pub redirect_uris: Vec<RedirectUri>,
    pub post_logout_redirect_uris: Vec<RedirectUri>,
    pub grant_types: Vec<GrantType>,
    pub scopes: Vec<String>,
    pub token_endpoint_auth_method: TokenAuthMethod,
    /// Algorithm for this client's ID tokens (`id_token_signed_response_alg`,
    /// OpenID Connect Dynamic Client Registration §2).
    pub id_token_signed_response_alg: SigningAlg,
    /// The client's public keys for `private_key_jwt` (a JWK Set, RFC 7517 §5).
    pub jwks: Option<serde_json::Value>,
    /// Whether a lower `acr` than requested may be returned (truthfully)
    /// instead of `unmet_authentication_requirements`.
    pub allow_acr_downgrade: bool,
    /// Whether users must agree (once, and again when the client asks for
    /// more scopes or sends `prompt=consent`) before the client receives
    /// their identity. Off for first-party clients an operator registered.
    pub require_consent: bool,
    pub created_at: UnixTime,
    pub updated_at: UnixTime,
}

/// Registration input, as given by an operator (CLI or admin API).
#[derive(Debug, Clone, Default)]
pub struct NewClient {
    /// Requested client id; a random one is assigned when absent.
    pub id: Option<String>,
    pub name: String,
    pub client_type: Option<ClientType>,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub grant_types: Vec<String>,
    pub scopes: Vec<String>,
    pub token_endpoint_auth_method: Option<String>,
    pub id_token_signed_response_alg: Option<String>,
    /// A JWK Set (JSON) for `private_key_jwt`.
    pub jwks: Option<String>,
    pub allow_acr_downgrade: bool,
    pub require_consent: bool,
}

/// Changes to an existing client; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ClientUpdate {
    pub name: Option<String>,
    pub redirect_uris: Option<Vec<String>>,
    pub post_logout_redirect_uris: Option<Vec<String>>,
    pub grant_types: Option<Vec<String>>,
    pub scopes: Option<Vec<String>>,
    pub id_token_signed_response_alg: Option<String>,
    pub jwks: Option<String>,
    pub allow_acr_downgrade: Option<bool>,
    pub require_consent: Option<bool>,
}

/// Why a client registration or update was refused. Each message names the
/// field and what is expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    #[error("client id must be 1 to 64 characters of letters, digits, '.', '_' or '-'")]
    Id,
    #[error("name must be 1 to 100 characters")]
    Name,
    #[error("redirect_uris: {0}")]
    RedirectUri(RedirectUriError),
    #[error(
        "redirect_uris: {0:?} uses http on a loopback host, which only native apps (public clients) \
         may register (RFC 8252 §7.3); a confidential client needs an https redirect URI \
         (http loopback is accepted for confidential clients in dev mode only)"
    )]
    LoopbackForConfidential(String),
    #[error("post_logout_redirect_uris: {0}")]
    PostLogoutRedirectUri(RedirectUriError),
    #[error("unknown grant type {0:?}; expected one of {1}")]
    GrantType(String, String),
    #[error("unknown token_endpoint_auth_method {0:?}; expected one of {1}")]
    AuthMethod(String, String),
    #[error("scope {0:?} is not a valid scope token (RFC 6749 §3.3)")]
    Scope(String),
    #[error("unknown id_token_signed_response_alg {0:?}; expected one of ES256, RS256, EdDSA")]
    Alg(String),
    #[error("jwks must be a JWK Set with public signing keys only: {0}")]
    Jwks(String),
    #[error("{0}")]
    Inconsistent(&'static str),
}

const DEFAULT_SCOPES: [&str; 3] = ["openid", "profile", "email"];

impl NewClient {
    /// Validate and build the client record under production rules.
    /// `secret_hash` is the hash of a generated secret for confidential
    /// clients, `None` for public ones.
    pub fn into_client(
        self,
        generated_id: String,
        secret_hash: Option<String>,
        now: UnixTime,
    ) -> Result<Client, ClientError> {
        self.into_client_in(RegistrationMode::Production, generated_id, secret_hash, now)
    }

    /// [`NewClient::into_client`] under the rules of `mode`.
    pub fn into_client_in(
        self,
        mode: RegistrationMode,
        generated_id: String,
        secret_hash: Option<String>,
        now: UnixTime,
    ) -> Result<Client, ClientError> {
        let id = match self.id {
            Some(id) => validate_id(&id)?,
            None => generated_id,
        };
        let client_type = self.client_type.unwrap_or(ClientType::Confidential);
        let method = match self.token_endpoint_auth_method.as_deref() {
            Some(m) => TokenAuthMethod::parse(m).ok_or_else(|| {
                ClientError::AuthMethod(m.to_owned(), TokenAuthMethod::all().join(", "))
            })?,
            None => match client_type {
                ClientType::Public => TokenAuthMethod::None,
                ClientType::Confidential => TokenAuthMethod::ClientSecretBasic,
            },
        };
        let grant_types = if self.grant_types.is_empty() {
            vec!["authorization_code".to_owned()]
        } else {
            self.grant_types
        };
        let scopes = if self.scopes.is_empty() {
            DEFAULT_SCOPES.iter().map(|s| (*s).to_owned()).collect()
        } else {
            self.scopes
        };
        let client = Client {
            id: ClientId(id),
            name: String::new(),
            client_type,
            secret_hash,
            redirect_uris: Vec::new(),
            post_logout_redirect_uris: Vec::new(),
            grant_types: Vec::new(),
            scopes: Vec::new(),
            token_endpoint_auth_method: method,
            id_token_signed_response_alg: SigningAlg::ES256,
            jwks: None,
            allow_acr_downgrade: self.allow_acr_downgrade,
            require_consent: self.require_consent,
            created_at: now,
            updated_at: now,
        };
        let update = ClientUpdate {
            name: Some(self.name),
            redirect_uris: Some(self.redirect_uris),
            post_logout_redirect_uris: Some(self.post_logout_redirect_uris),
            grant_types: Some(grant_types),
            scopes: Some(scopes),
            id_token_signed_response_alg: self.id_token_signed_response_alg,
            jwks: self.jwks,
            allow_acr_downgrade: None,
            require_consent: None,
        };
        client.updated_in(mode, update, now)
    }
}

impl Client {
    /// Apply an update under production rules and re-validate the whole
    /// record.
    pub fn updated(self, update: ClientUpdate, now: UnixTime) -> Result<Client, ClientError> {
        self.updated_in(RegistrationMode::Production, update, now)
    }

    /// [`Client::updated`] under the rules of `mode`. The rules for
    /// redirect URIs apply to the URIs being registered: an update that
    /// leaves them alone does not re-judge them, so a client registered in
    /// dev mode can still be renamed.
    pub fn updated_in(
        mut self,
        mode: RegistrationMode,
        update: ClientUpdate,
        now: UnixTime,
    ) -> Result<Client, ClientError> {
        if let Some(name) = update.name {
            let name = name.trim().to_owned();
            if name.is_empty() || name.chars().count() > 100 {
                return Err(ClientError::Name);
            }
            self.name = name;
        }
        if let Some(uris) = update.redirect_uris {
            let uris = parse_uris(&uris).map_err(ClientError::RedirectUri)?;
            loopback_only_for_native_apps(self.client_type, mode, &uris)?;
            self.redirect_uris = uris;
        }
        if let Some(uris) = update.post_logout_redirect_uris {
            self.post_logout_redirect_uris =
                parse_uris(&uris).map_err(ClientError::PostLogoutRedirectUri)?;
        }
        if let Some(grants) = update.grant_types {
            let mut parsed = Vec::new();
            for g in grants {
                let grant = GrantType::parse(&g).ok_or_else(|| {
                    ClientError::GrantType(g.clone(), GrantType::all().join(", "))
                })?;
                if !parsed.contains(&grant) {
                    parsed.push(grant);
                }
            }
            self.grant_types = parsed;
        }
        if let Some(scopes) = update.scopes {
            let mut parsed: Vec<String> = Vec::new();
            for s in scopes {
                if !is_scope_token(&s) {
                    return Err(ClientError::Scope(s));
                }
                if !parsed.contains(&s) {
                    parsed.push(s);
                }
            }
            self.scopes = parsed;
        }
        if let Some(alg) = update.id_token_signed_response_alg {
            self.id_token_signed_response_alg =
                SigningAlg::parse(&alg).ok_or(ClientError::Alg(alg))?;
        }
        if let Some(jwks) = update.jwks {
            self.jwks = Some(parse_jwks(&jwks)?);
        }
        if let Some(allow) = update.allow_acr_downgrade {
            self.allow_acr_downgrade = allow;
        }
        if let Some(require) = update.require_consent {
            self.require_consent = require;
        }
        self.updated_at = now;
        self.check_consistency()?;
        Ok(self)
    }

    /// Whether the client may use `grant`.
    #[must_use]
    pub fn allows_grant(&self, grant: GrantType) -> bool {
        self.grant_types.contains(&grant)
    }

    fn check_consistency(&self) -> Result<(), ClientError> {
        use ClientError::Inconsistent;
        let public = self.client_type == ClientType::Public;
        match (public, self.token_endpoint_auth_method) {
            (true, TokenAuthMethod::None)
            | (false, TokenAuthMethod::ClientSecretBasic)
            | (false, TokenAuthMethod::ClientSecretPost) => {}
            (false, TokenAuthMethod::PrivateKeyJwt) if self.jwks.is_some() => {}
            (true, _) => {
                return Err(Inconsistent(
                    "a public client authenticates with token_endpoint_auth_method none",
                ));
            }
            (false, TokenAuthMethod::None) => {
                return Err(Inconsistent(
                    "a confidential client cannot use token_endpoint_auth_method none",
                ));
            }
            (false, TokenAuthMethod::PrivateKeyJwt) => {
                return Err(Inconsistent(
                    "private_key_jwt needs the client's public keys (jwks)",
                ));
            }
        }
        let needs_secret = matches!(
            self.token_endpoint_auth_method,
            TokenAuthMethod::ClientSecretBasic | TokenAuthMethod::ClientSecretPost
        );
        if needs_secret != self.secret_hash.is_some() {
            return Err(Inconsistent(
                "client_secret_basic and client_secret_post clients have a secret; other clients have none",
            ));
        }
        if self.grant_types.is_empty() {
            return Err(Inconsistent("grant_types must not be empty"));
        }
        let code = self.allows_grant(GrantType::AuthorizationCode);
        if code && self.redirect_uris.is_empty() {
            return Err(Inconsistent(
                "authorization_code needs at least one redirect URI",
            ));
        }
        if !code && !self.redirect_uris.is_empty() {
            return Err(Inconsistent(
                "redirect URIs are only used with the authorization_code grant",
            ));
        }
        if self.allows_grant(GrantType::RefreshToken) && !code {
            return Err(Inconsistent(
                "refresh_token is only issued with the authorization_code grant",
            ));
        }
        if public && self.allows_grant(GrantType::ClientCredentials) {
            return Err(Inconsistent(
                "client_credentials needs a confidential client (RFC 6749 §4.4)",
            ));
        }
        if code && !self.scopes.iter().any(|s| s == "openid") {
            return Err(Inconsistent(
                "an OpenID Connect client must be allowed the openid scope",
            ));
        }
        let private_use = self
            .redirect_uris
            .iter()
            .any(|u| !u.as_str().starts_with("http"));
        if private_use && !public {
            return Err(Inconsistent(
                "private-use URI schemes are for native (public) clients only (RFC 8252 §7.1)",
            ));
        }
        Ok(())
    }
}

/// Durable client storage, implemented by `latchkey-store`.
#[allow(async_fn_in_trait)]
pub trait ClientRepo {
    /// Insert; `Conflict("client id")` when the id is taken.
    async fn create_client(&self, client: &Client) -> Result<(), RepoError>;
    /// A client by id.
    async fn client_by_id(&self, id: &ClientId) -> Result<Option<Client>, RepoError>;
    /// All clients, oldest first.
    async fn list_clients(&self) -> Result<Vec<Client>, RepoError>;
    /// Replace a client's record; `NotFound` when it does not exist.
    async fn update_client(&self, client: &Client) -> Result<(), RepoError>;
    /// Delete; `NotFound` when it does not exist.
    async fn delete_client(&self, id: &ClientId) -> Result<(), RepoError>;
}

#[cfg(test)]
mod tests;

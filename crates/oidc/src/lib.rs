//! The OpenID Connect protocol half of Latchkey: clients and their
//! registration rules, and (as it is built) request validation, claims,
//! tokens, keys and discovery.
//!
//! This crate never knows how a user authenticated and never touches HTTP,
//! SQL or Redis: it declares the repository traits it needs and
//! `latchkey-store` implements them.

pub mod alg;
pub mod authn;
pub mod authorize;
pub mod claims;
pub mod client;
pub mod client_auth;
pub mod client_secret;
pub mod consent;
pub mod flow;
pub mod grant;
pub mod keys;
pub mod pkce;
pub mod redirect_uri;
pub mod refresh;
pub mod session;

pub use alg::SigningAlg;
pub use authn::{Acr, AuthMethod, AuthnResult};
pub use client::{
    Client, ClientError, ClientId, ClientRepo, ClientType, ClientUpdate, GrantType, NewClient,
    RegistrationMode, TokenAuthMethod,
};
pub use consent::{Consent, ConsentRepo};
pub use redirect_uri::{RedirectUri, RedirectUriError};

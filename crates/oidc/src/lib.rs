//! The OpenID Connect protocol half of Latchkey: clients and their
//! registration rules, and (as it is built) request validation, claims,
//! tokens, keys and discovery.
//!
//! This crate never knows how a user authenticated and never touches HTTP,
//! SQL or Redis: it declares the repository traits it needs and
//! `latchkey-store` implements them.

pub mod client;
pub mod client_secret;
pub mod redirect_uri;

pub use client::{
    Client, ClientError, ClientId, ClientRepo, ClientType, ClientUpdate, GrantType, NewClient,
    TokenAuthMethod,
};
pub use redirect_uri::{RedirectUri, RedirectUriError};

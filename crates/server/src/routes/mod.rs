//! HTTP routes, one module per concern.

pub mod account;
pub mod assets;
pub mod authorize;
mod bearer;
pub mod discovery;
pub mod enroll;
pub mod health;
pub mod jwks;
pub mod login_api;
pub mod logout;
pub mod openapi;
pub mod revoke;
pub mod token;
pub mod userinfo;

//! HTTP routes, one module per concern.

pub mod assets;
pub mod authorize;
mod bearer;
pub mod discovery;
pub mod health;
pub mod jwks;
pub mod logout;
pub mod revoke;
pub mod token;
pub mod userinfo;

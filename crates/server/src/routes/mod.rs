//! HTTP routes, one module per concern.

pub mod account;
pub mod account_apps;
pub mod account_factors;
pub mod account_page;
pub mod account_profile;
pub mod assets;
pub mod authorize;
mod bearer;
pub mod consent;
pub mod demo;
pub mod dev_outbox;
pub mod discovery;
pub mod enroll;
pub mod fallback_pages;
pub mod health;
pub mod jwks;
pub mod login_api;
pub mod login_page;
pub mod logout;
pub mod metrics;
pub mod openapi;
pub mod revoke;
pub mod token;
pub mod userinfo;

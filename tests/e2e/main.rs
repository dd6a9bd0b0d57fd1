//! End-to-end tests: a real server on a loopback port, real HTTP, real
//! PostgreSQL and Redis where the stack says so.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod account_apps;
mod account_profile;
mod delivery;
mod demo;
mod deploy;
mod enroll;
mod events_writer;
mod fallback;
mod faults;
mod health;
mod jwks;
mod locks;
mod login_page;
mod metrics;
mod oidc;
mod openapi;
mod pages;
mod pages_account;
mod passkey;

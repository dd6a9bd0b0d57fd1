#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli;
mod config;
mod delivery_config;
mod invite_cli;
mod keys_cli;
mod policy_cli;
mod serve_cli;
mod support;

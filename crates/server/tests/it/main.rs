#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli;
mod config;
mod keys_cli;

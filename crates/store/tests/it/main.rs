#![allow(clippy::unwrap_used, clippy::expect_used)]

mod clients;
mod ephemeral;
mod parity;
mod users;

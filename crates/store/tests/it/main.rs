#![allow(clippy::unwrap_used, clippy::expect_used)]

mod clients;
mod ephemeral;
mod invitations;
mod keys;
mod parity;
mod passkeys;
mod refresh;
mod users;

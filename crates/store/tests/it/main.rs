#![allow(clippy::unwrap_used, clippy::expect_used)]

mod clients;
mod consents;
mod devices;
mod ephemeral;
mod events;
mod factors;
mod inline;
mod invitations;
mod keys;
mod liveness;
mod parity;
mod passkeys;
mod refresh;
mod users;

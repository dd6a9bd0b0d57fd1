//! Several Latchkey nodes on one PostgreSQL and one Redis, and the faults
//! of such a deployment: three real `latchkey` processes, a software passkey
//! and a standard relying party (`openidconnect`). See
//! `docs/testing-multinode.md`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cluster;
mod flow;
mod passkey;
mod services;
mod web;

mod happy;
mod node_kill;
mod postgres_restart;
mod races;
mod redis_restart;

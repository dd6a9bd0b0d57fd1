//! Latchkey's storage: the durable database (SQLite or PostgreSQL through one
//! diesel code path) and the ephemeral store (memory or Redis).
//!
//! This is the only crate with SQL in it. It implements the repository traits
//! that the domain crates declare (`latchkey_core::UserRepo`,
//! `latchkey_oidc::ClientRepo`, `latchkey_core::Ephemeral`).

pub mod db;
pub mod ephemeral;
#[cfg(feature = "testing")]
pub mod testing;

pub use db::{Backend, Db, DbError, DbOptions, PoolState};
pub use ephemeral::{EphemeralOptions, EphemeralStore};

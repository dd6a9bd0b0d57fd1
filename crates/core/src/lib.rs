//! Seams shared by Latchkey's domain crates: the clock, the ephemeral store
//! contract, random identifiers and the user model.
//!
//! Nothing here knows about HTTP, SQL or Redis. `latchkey-store` implements the
//! traits; `latchkey-server` wires them together.

pub mod clock;
pub mod ephemeral;
pub mod id;
pub mod passkey_failure;
pub mod user;

pub use clock::{Clock, SystemClock, UnixTime};
pub use ephemeral::{Ephemeral, EphemeralError};
pub use passkey_failure::PasskeyFailure;
pub use user::{NewUser, User, UserId, UserRepo, UserStatus};

/// Errors a repository reports to the domain. Backend details are kept in the
/// message for logs; callers branch on the variant only.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    /// A unique constraint was violated; the field names which one.
    #[error("{0} is already taken")]
    Conflict(&'static str),
    /// The record to update or delete does not exist.
    #[error("not found")]
    NotFound,
    /// The database could not be reached in time (pool exhausted, server down).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Anything else the backend reported (logged, never shown to users).
    #[error("database error: {0}")]
    Backend(String),
}

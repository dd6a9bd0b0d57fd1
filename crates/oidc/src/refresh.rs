//! Refresh tokens: opaque, stored only as a hash, rotated on every use, and
//! grouped in families so that reuse of a rotated token revokes every token
//! descended from the same authorization (RFC 9700 §4.14.2).

use latchkey_core::{RepoError, UnixTime};

use crate::grant::Grant;

/// A stored refresh token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshRecord {
    /// SHA-256 of the token (hex); the token itself is never stored.
    pub token_hash: String,
    pub family_id: String,
    pub grant: Grant,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
    pub family_expires_at: UnixTime,
    pub rotated_at: Option<UnixTime>,
    pub revoked_at: Option<UnixTime>,
}

impl RefreshRecord {
    /// Whether the token can still be exchanged.
    #[must_use]
    pub fn live(&self, now: UnixTime) -> bool {
        self.rotated_at.is_none()
            && self.revoked_at.is_none()
            && now < self.expires_at
            && now < self.family_expires_at
    }
}

/// The outcome of presenting a refresh token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// The token was live and is now replaced by the new record.
    Rotated(Box<RefreshRecord>),
    /// Unknown, expired, revoked, or issued to another client.
    Invalid,
    /// The token was already rotated: a concurrent request of the client
    /// (within the grace period) or a replay by someone else.
    Reused {
        family_id: String,
        rotated_at: UnixTime,
    },
}

/// Durable refresh-token storage, implemented by `latchkey-store`.
#[allow(async_fn_in_trait)]
pub trait RefreshTokenRepo {
    /// Store a new token (the first of its family).
    async fn insert_refresh(&self, record: &RefreshRecord) -> Result<(), RepoError>;

    /// Atomically retire the token with `old_hash` (if it is live and was
    /// issued to `client_id`) and store its successor `new_hash`, in one
    /// transaction: of concurrent rotations of one token exactly one wins.
    async fn rotate_refresh(
        &self,
        old_hash: &str,
        client_id: &str,
        new_hash: &str,
        now: UnixTime,
        ttl_secs: i64,
    ) -> Result<Rotation, RepoError>;

    /// Revoke every live token of a family; returns how many were revoked.
    async fn revoke_family(&self, family_id: &str, now: UnixTime) -> Result<u64, RepoError>;

    /// Revoke every live token `client_id` holds for `subject` (the user
    /// withdrew the client's consent); returns how many were revoked.
    async fn revoke_for_client(
        &self,
        subject: &str,
        client_id: &str,
        now: UnixTime,
    ) -> Result<u64, RepoError>;

    /// A token by hash, whatever its state.
    async fn refresh_by_hash(&self, token_hash: &str) -> Result<Option<RefreshRecord>, RepoError>;
}

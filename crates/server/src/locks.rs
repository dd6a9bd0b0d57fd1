//! Short locks shared by every node, kept in the ephemeral store.
//!
//! A lock's value is a random token, and only the holder of that token
//! releases it (`Ephemeral::delete_if`). A holder that outlived the lock's
//! TTL (a stalled request) therefore cannot release the lock another
//! request took after it lapsed.

use std::time::Duration;

use latchkey_core::{Ephemeral as _, EphemeralError};

use crate::state::AppState;

/// A held lock; release it when done (it also lapses after its TTL).
#[derive(Debug)]
#[must_use = "release the lock when done"]
pub struct Lock {
    key: String,
    token: String,
}

impl Lock {
    /// Take the lock `key` for at most `ttl`, or `None` if someone holds it.
    pub async fn try_acquire(
        state: &AppState,
        key: String,
        ttl: Duration,
    ) -> Result<Option<Self>, EphemeralError> {
        let token = latchkey_core::id::random_hex(16);
        let won = state
            .ephemeral
            .put_if_absent(&key, token.as_bytes(), ttl)
            .await?;
        Ok(won.then_some(Self { key, token }))
    }

    /// Release the lock if it is still ours.
    pub async fn release(self, state: &AppState) {
        match state
            .ephemeral
            .delete_if(&self.key, self.token.as_bytes())
            .await
        {
            Ok(true) => {}
            Ok(false) => tracing::warn!(
                lock = %self.key,
                "lock had lapsed before its release (held longer than its TTL)"
            ),
            Err(e) => {
                tracing::warn!(error = %e, lock = %self.key, "lock not released; it lapses by itself")
            }
        }
    }
}

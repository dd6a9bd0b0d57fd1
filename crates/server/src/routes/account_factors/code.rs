//! The one-time code that proves a user receives mail at their address or
//! texts on their number, in the ephemeral store.
//!
//! One pending code per user and purpose: a new send replaces the old one
//! (and, with a new id, starts a new attempt count). The store keeps the
//! code's HMAC digest (`latchkey_fallback::factors::otp`) and where it was
//! sent; the attempt counter is incremented atomically *before* a guess is
//! compared, so concurrent guesses compare at most [`MAX_ATTEMPTS`]; a
//! correct guess takes the code atomically, so it works once, on one node.

use std::time::Duration;

use latchkey_core::{Ephemeral as _, UnixTime, UserId};
use latchkey_fallback::factors::otp::{self, OneTimeCode};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::fallback::challenge::{CODE_DIGITS, CODE_TTL_SECS, MAX_ATTEMPTS};
use crate::state::AppState;

/// What the code proves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Email,
    Phone,
}

impl Purpose {
    /// Also the HMAC purpose, so a digest of one kind never matches another
    /// (sign-in codes use `email-code` and `sms-code`).
    fn name(self) -> &'static str {
        match self {
            Self::Email => "verify-email",
            Self::Phone => "verify-phone",
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Pending {
    id: String,
    /// The address or number the code was sent to.
    target: String,
    digest: String,
    expires_at: UnixTime,
}

fn key(purpose: Purpose, user: &UserId) -> String {
    format!("account-code:{}:{user}", purpose.name())
}

fn attempts_key(id: &str) -> String {
    format!("account-code-attempts:{id}")
}

fn ttl() -> Duration {
    Duration::from_secs(CODE_TTL_SECS.unsigned_abs())
}

/// Create a code sent to `target`, replacing any pending one; the code is
/// for delivery only and is never stored.
pub async fn issue(
    state: &AppState,
    purpose: Purpose,
    user: &UserId,
    target: &str,
) -> Result<OneTimeCode, ApiError> {
    let id = latchkey_core::id::random_hex(16);
    let code = OneTimeCode::generate(CODE_DIGITS).map_err(|e| ApiError::Internal(e.to_string()))?;
    let pending = Pending {
        digest: otp::digest(&state.privacy_key, purpose.name(), &id, code.as_str()),
        id,
        target: target.to_owned(),
        expires_at: state.clock.now().plus_secs(CODE_TTL_SECS),
    };
    let bytes = serde_json::to_vec(&pending).map_err(|e| ApiError::Internal(e.to_string()))?;
    state
        .ephemeral
        .put(&key(purpose, user), &bytes, ttl())
        .await?;
    Ok(code)
}

/// Forget the pending code (the number it was sent to is gone).
pub async fn void(state: &AppState, purpose: Purpose, user: &UserId) -> Result<(), ApiError> {
    state.ephemeral.delete(&key(purpose, user)).await?;
    Ok(())
}

/// The outcome of a guess.
#[derive(Debug, PartialEq, Eq)]
pub enum Guess {
    /// Right; the code is used up. Where it had been sent.
    Correct { target: String },
    /// Wrong; this many more guesses will be compared.
    Wrong { attempts_left: u64 },
    /// No pending code, or it expired or ran out of guesses.
    Gone,
}

async fn pending(
    state: &AppState,
    purpose: Purpose,
    user: &UserId,
) -> Result<Option<Pending>, ApiError> {
    let Some(bytes) = state.ephemeral.get(&key(purpose, user)).await? else {
        return Ok(None);
    };
    let pending: Option<Pending> = serde_json::from_slice(&bytes).ok();
    Ok(pending.filter(|p| p.expires_at > state.clock.now()))
}

/// Check `presented` (six digits) against the user's pending code.
pub async fn guess(
    state: &AppState,
    purpose: Purpose,
    user: &UserId,
    presented: &str,
) -> Result<Guess, ApiError> {
    let Some(p) = pending(state, purpose, user).await? else {
        return Ok(Guess::Gone);
    };
    let attempt = state
        .ephemeral
        .increment(&attempts_key(&p.id), ttl())
        .await?;
    if attempt > MAX_ATTEMPTS {
        // The counter outlives the code, so it stays void until a new send.
        return Ok(Guess::Gone);
    }
    if !otp::verify_code(
        &state.privacy_key,
        purpose.name(),
        &p.id,
        presented,
        &p.digest,
    ) {
        return Ok(Guess::Wrong {
            attempts_left: MAX_ATTEMPTS - attempt,
        });
    }
    let Some(bytes) = state.ephemeral.take(&key(purpose, user)).await? else {
        // A concurrent correct guess won.
        return Ok(Guess::Gone);
    };
    let taken: Option<Pending> = serde_json::from_slice(&bytes).ok();
    match taken {
        Some(t) if t.id == p.id => {
            state.ephemeral.delete(&attempts_key(&p.id)).await?;
            Ok(Guess::Correct { target: p.target })
        }
        Some(newer) => {
            // A new code was sent meanwhile: put it back, and this one is
            // void (its target may be stale).
            let left = newer.expires_at.0 - state.clock.now().0;
            if left > 0 {
                state
                    .ephemeral
                    .put(
                        &key(purpose, user),
                        &bytes,
                        Duration::from_secs(left.unsigned_abs()),
                    )
                    .await?;
            }
            Ok(Guess::Gone)
        }
        None => Ok(Guess::Gone),
    }
}

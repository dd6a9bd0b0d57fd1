//! One-time-code challenges (email code and link, SMS code) in the
//! ephemeral store.
//!
//! A challenge holds only digests of its secrets (HMAC under the server's
//! privacy key, see `latchkey_fallback::factors::otp`), lives 10 minutes,
//! is bound to one flow and one browser, and checks at most
//! [`MAX_ATTEMPTS`] guesses: the attempt counter is incremented atomically
//! *before* a guess is compared, so 50 concurrent guesses compare at most 5.
//! A correct guess takes the challenge atomically, so a code or link works
//! once, on one node.
//!
//! A challenge for an identifier that names no account is created the same
//! way (with a code nobody receives), so every answer and its timing are
//! the same whether the account exists.

use std::time::Duration;

use latchkey_core::{Ephemeral as _, UnixTime, UserId};
use latchkey_fallback::factors::otp::{self, LinkToken, OneTimeCode};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::state::AppState;

/// How long a code or link is valid.
pub const CODE_TTL_SECS: i64 = 10 * 60;
/// Wrong guesses a code allows before it is void.
pub const MAX_ATTEMPTS: u64 = 5;
/// Digits in a code.
pub const CODE_DIGITS: u8 = 6;

/// Where a code was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    fn purpose(self) -> &'static str {
        match self {
            Self::Email => "email-code",
            Self::Sms => "sms-code",
        }
    }
}

const LINK_PURPOSE: &str = "email-link";

/// A pending challenge, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Challenge {
    pub id: String,
    pub flow_id: String,
    pub channel: Channel,
    /// The account the code was sent for; `None` for an identifier that
    /// names no account (the code was never sent, and nothing matches).
    pub user: Option<UserId>,
    pub code_digest: String,
    /// Email only: the digest of the magic-link token.
    pub link_digest: Option<String>,
    /// The browser that asked for the code (its cookie's digest).
    pub browser_hash: String,
    pub expires_at: UnixTime,
}

/// A new challenge and the secrets to deliver (never stored).
#[derive(Debug)]
pub struct Issued {
    pub challenge: Challenge,
    pub code: OneTimeCode,
    pub link: Option<LinkToken>,
}

fn key(id: &str) -> String {
    format!("otp:{id}")
}

fn attempts_key(id: &str) -> String {
    format!("otp-attempts:{id}")
}

fn link_key(digest: &str) -> String {
    format!("otp-link:{digest}")
}

fn ttl() -> Duration {
    Duration::from_secs(CODE_TTL_SECS.unsigned_abs())
}

/// Create and store a challenge for `flow_id`. Email challenges also get a
/// link token.
pub async fn issue(
    state: &AppState,
    flow_id: &str,
    channel: Channel,
    user: Option<UserId>,
    browser_hash: &str,
) -> Result<Issued, ApiError> {
    let id = latchkey_core::id::random_hex(16);
    let code = OneTimeCode::generate(CODE_DIGITS).map_err(|e| ApiError::Internal(e.to_string()))?;
    let code_digest = otp::digest(&state.privacy_key, channel.purpose(), &id, code.as_str());
    let (link, link_digest) = if channel == Channel::Email {
        let token = LinkToken::generate();
        let d = otp::digest(&state.privacy_key, LINK_PURPOSE, "", token.as_str());
        (Some(token), Some(d))
    } else {
        (None, None)
    };
    let challenge = Challenge {
        id: id.clone(),
        flow_id: flow_id.to_owned(),
        channel,
        user,
        code_digest,
        link_digest: link_digest.clone(),
        browser_hash: browser_hash.to_owned(),
        expires_at: state.clock.now().plus_secs(CODE_TTL_SECS),
    };
    let bytes = serde_json::to_vec(&challenge).map_err(|e| ApiError::Internal(e.to_string()))?;
    state.ephemeral.put(&key(&id), &bytes, ttl()).await?;
    if let Some(d) = &link_digest {
        state
            .ephemeral
            .put(&link_key(d), id.as_bytes(), ttl())
            .await?;
    }
    Ok(Issued {
        challenge,
        code,
        link,
    })
}

/// The stored challenge, if it is live.
pub async fn get(state: &AppState, id: &str) -> Result<Option<Challenge>, ApiError> {
    if !is_id(id) {
        return Ok(None);
    }
    let Some(bytes) = state.ephemeral.get(&key(id)).await? else {
        return Ok(None);
    };
    let challenge: Option<Challenge> = serde_json::from_slice(&bytes).ok();
    Ok(challenge.filter(|c| c.expires_at > state.clock.now()))
}

/// Remove a challenge (a new code was requested, or the flow moved on).
pub async fn void(state: &AppState, challenge: &Challenge) -> Result<(), ApiError> {
    state.ephemeral.delete(&key(&challenge.id)).await?;
    if let Some(d) = &challenge.link_digest {
        state.ephemeral.delete(&link_key(d)).await?;
    }
    Ok(())
}

fn is_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The outcome of a guess.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Guess {
    /// Correct: the challenge was consumed by this guess (and no other).
    Correct(Challenge),
    /// Wrong; `attempts_left` more guesses will be checked (`0`: the code
    /// is void now).
    Wrong { attempts_left: u64 },
    /// No more guesses: the code was void before this guess, which was not
    /// checked. A new one must be requested.
    Exhausted,
    /// No such live challenge (expired, used, or never issued).
    Gone,
}

/// Check a typed code against challenge `id`.
pub async fn guess_code(state: &AppState, id: &str, presented: &str) -> Result<Guess, ApiError> {
    let Some(challenge) = get(state, id).await? else {
        return Ok(Guess::Gone);
    };
    let attempt = state.ephemeral.increment(&attempts_key(id), ttl()).await?;
    if attempt > MAX_ATTEMPTS {
        void(state, &challenge).await?;
        return Ok(Guess::Exhausted);
    }
    let matches = otp::verify_code(
        &state.privacy_key,
        challenge.channel.purpose(),
        &challenge.id,
        presented,
        &challenge.code_digest,
    ) && challenge.user.is_some();
    if !matches {
        // The last guess the code allows was checked and wrong: the code is
        // void now, but this was a real wrong guess, and the caller counts
        // it towards the lockout like the four before it.
        if attempt == MAX_ATTEMPTS {
            void(state, &challenge).await?;
        }
        return Ok(Guess::Wrong {
            attempts_left: MAX_ATTEMPTS - attempt,
        });
    }
    consume(state, challenge).await
}

/// Find the challenge a magic-link token belongs to, without consuming it
/// (a mail scanner's GET must not use the link up).
pub async fn by_link(state: &AppState, token: &str) -> Result<Option<Challenge>, ApiError> {
    if token.len() > 64
        || !token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Ok(None);
    }
    let digest = otp::digest(&state.privacy_key, LINK_PURPOSE, "", token);
    let Some(id) = state.ephemeral.get(&link_key(&digest)).await? else {
        return Ok(None);
    };
    let id = String::from_utf8(id).unwrap_or_default();
    let challenge = get(state, &id).await?;
    Ok(challenge.filter(|c| {
        c.link_digest.as_deref().is_some_and(|stored| {
            otp::verify_link_token(&state.privacy_key, LINK_PURPOSE, "", token, stored)
        })
    }))
}

/// Use a magic link: consumes its challenge (one winner).
pub async fn use_link(state: &AppState, token: &str) -> Result<Guess, ApiError> {
    match by_link(state, token).await? {
        Some(c) if c.user.is_some() => consume(state, c).await,
        _ => Ok(Guess::Gone),
    }
}

async fn consume(state: &AppState, challenge: Challenge) -> Result<Guess, ApiError> {
    let taken = state.ephemeral.take(&key(&challenge.id)).await?;
    if let Some(d) = &challenge.link_digest {
        state.ephemeral.delete(&link_key(d)).await?;
    }
    state.ephemeral.delete(&attempts_key(&challenge.id)).await?;
    Ok(if taken.is_some() {
        Guess::Correct(challenge)
    } else {
        Guess::Gone
    })
}

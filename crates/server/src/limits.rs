//! Rate limits and lockouts, counted in the ephemeral store so every node
//! sees the same counters.
//!
//! Two tools:
//! - [`check`]: a fixed-window counter (`limit` events per `window`) for
//!   sends, attempts per IP, and the account-wide failure budget;
//! - [`Lockout`]: consecutive failures of one method by one account lock
//!   that method for a back-off that doubles with each lockout in a day.
//!
//! Subjects (accounts, addresses, phone numbers, IPs) are keyed by an HMAC
//! under the server's privacy key, so the store never holds them in clear and
//! the keys cannot be enumerated from a dump.

use std::time::Duration;

use hmac::{Hmac, Mac};
use latchkey_core::{Ephemeral as _, UnixTime};
use sha2::Sha256;

use crate::error::ApiError;
use crate::state::AppState;

/// One rate limit: at most `max` events per `window_secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Names the counter in the store and in logs.
    pub name: &'static str,
    pub max: u64,
    pub window_secs: i64,
}

/// Failed sign-in attempts of one account across all methods.
pub const ACCOUNT_FAILURES: Limit = Limit {
    name: "account-failures",
    max: 100,
    window_secs: 3600,
};
/// Verification attempts (codes, TOTP, recovery codes, passwords) per IP.
pub const IP_ATTEMPTS: Limit = Limit {
    name: "ip-attempts",
    max: 60,
    window_secs: 900,
};
/// Codes or links sent to one account over one channel.
pub const SENDS_PER_ACCOUNT: Limit = Limit {
    name: "sends-account",
    max: 5,
    window_secs: 900,
};
/// Sends requested from one IP, whatever the account.
pub const SENDS_PER_IP: Limit = Limit {
    name: "sends-ip",
    max: 20,
    window_secs: 900,
};
/// Text messages to one phone number per day (SMS costs money).
pub const SMS_PER_NUMBER: Limit = Limit {
    name: "sms-number",
    max: 5,
    window_secs: 86_400,
};
/// Text messages for one account per day.
pub const SMS_PER_ACCOUNT: Limit = Limit {
    name: "sms-account",
    max: 10,
    window_secs: 86_400,
};
/// Login-flow API calls (identify, passkey options/verify/failure) per IP:
/// generous for people behind one NAT, a wall for scripted enumeration.
pub const IP_FLOW_CALLS: Limit = Limit {
    name: "ip-flow-calls",
    max: 300,
    window_secs: 300,
};

/// Minimum seconds between two sends to the same account and channel.
pub const RESEND_COOLDOWN_SECS: i64 = 30;

/// Whether an event was within its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Over the limit; try again after this many seconds.
    Limited {
        retry_after_secs: i64,
    },
}

impl Verdict {
    #[must_use]
    pub fn is_allowed(self) -> bool {
        self == Self::Allowed
    }
}

/// The opaque key of a subject (account id, address, IP…) for `purpose`.
#[must_use]
pub fn subject_key(state: &AppState, purpose: &str, subject: &str) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&state.privacy_key) else {
        // HMAC accepts keys of any length; this branch cannot be taken.
        return format!("{purpose}:unkeyed");
    };
    mac.update(purpose.as_bytes());
    mac.update(&[0]);
    mac.update(subject.as_bytes());
    let tag = mac.finalize().into_bytes();
    format!("{purpose}:{}", hex::encode(&tag[..16]))
}

/// Count one event against `limit` for `subject` and say whether it was
/// within the limit. Fixed windows aligned to the clock, so the retry time
/// is exact and every node agrees on it.
pub async fn check(state: &AppState, limit: Limit, subject: &str) -> Result<Verdict, ApiError> {
    let now = state.clock.now().0;
    let window = limit.window_secs.max(1);
    let index = now.div_euclid(window);
    let ends = (index + 1) * window;
    let key = format!("rl:{}:{index}", subject_key(state, limit.name, subject));
    let ttl = Duration::from_secs(u64::try_from(ends - now).unwrap_or(1).max(1));
    let count = state.ephemeral.increment(&key, ttl).await?;
    if count > limit.max {
        Ok(Verdict::Limited {
            retry_after_secs: (ends - now).max(1),
        })
    } else {
        Ok(Verdict::Allowed)
    }
}

/// Whether `subject` is already over `limit` in the current window, without
/// counting an event.
pub async fn exceeded(state: &AppState, limit: Limit, subject: &str) -> Result<Verdict, ApiError> {
    let now = state.clock.now().0;
    let window = limit.window_secs.max(1);
    let index = now.div_euclid(window);
    let ends = (index + 1) * window;
    let key = format!("rl:{}:{index}", subject_key(state, limit.name, subject));
    let count = read_counter(state, &key).await?;
    if count >= limit.max {
        Ok(Verdict::Limited {
            retry_after_secs: (ends - now).max(1),
        })
    } else {
        Ok(Verdict::Allowed)
    }
}

async fn read_counter(state: &AppState, key: &str) -> Result<u64, ApiError> {
    let bytes = state.ephemeral.get(key).await?;
    Ok(bytes
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0))
}

/// A resend cooldown: `true` if a send for `subject` may go now (and starts
/// the cooldown), `false` while a previous send's cooldown runs.
pub async fn cooldown(state: &AppState, name: &str, subject: &str) -> Result<bool, ApiError> {
    Ok(start_cooldown(state, name, subject).await?.is_allowed())
}

/// [`cooldown`] with the seconds left when refused, for `Retry-After`.
///
/// The cooldown ends at an instant of the server's clock, stored as the
/// value (the store's TTL only cleans up), like the windows of [`check`]
/// and the locks of [`Lockout`]: so the retry time is exact, and every
/// limit follows the same clock.
pub async fn start_cooldown(
    state: &AppState,
    name: &str,
    subject: &str,
) -> Result<Verdict, ApiError> {
    let key = format!("cd:{}", subject_key(state, name, subject));
    let ttl = Duration::from_secs(RESEND_COOLDOWN_SECS.unsigned_abs());
    let now = state.clock.now().0;
    let ends = now + RESEND_COOLDOWN_SECS;
    for _ in 0..2 {
        if state
            .ephemeral
            .put_if_absent(&key, ends.to_string().as_bytes(), ttl)
            .await?
        {
            return Ok(Verdict::Allowed);
        }
        let until = state
            .ephemeral
            .get(&key)
            .await?
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| s.parse::<i64>().ok());
        match until {
            Some(until) if until > now => {
                return Ok(Verdict::Limited {
                    retry_after_secs: until - now,
                });
            }
            // Over by the clock, not yet dropped by the store: clear it
            // and try once more.
            Some(_) => {
                state.ephemeral.delete(&key).await?;
            }
            None => {}
        }
    }
    // Another request started a cooldown in between.
    Ok(Verdict::Limited {
        retry_after_secs: RESEND_COOLDOWN_SECS,
    })
}

/// Consecutive-failure lockout of one method for one account.
#[derive(Debug, Clone, Copy)]
pub struct Lockout {
    /// Failures in a row that lock the method.
    pub threshold: u64,
    /// The first lock's length; each further lockout that day doubles it.
    pub base_secs: i64,
    /// The longest lock.
    pub max_secs: i64,
}

/// The lockout every fallback method uses.
pub const METHOD_LOCKOUT: Lockout = Lockout {
    threshold: 5,
    base_secs: 60,
    max_secs: 3600,
};

impl Lockout {
    fn keys(state: &AppState, method: &str, account: &str) -> (String, String, String) {
        let k = subject_key(state, &format!("lock-{method}"), account);
        (
            format!("lk:{k}:fails"),
            format!("lk:{k}:until"),
            format!("lk:{k}:count"),
        )
    }

    /// Seconds until `method` unlocks for `account`, if it is locked.
    pub async fn locked_for(
        &self,
        state: &AppState,
        method: &str,
        account: &str,
    ) -> Result<Option<i64>, ApiError> {
        let (_, until, _) = Self::keys(state, method, account);
        let Some(bytes) = state.ephemeral.get(&until).await? else {
            return Ok(None);
        };
        let now = state.clock.now().0;
        let ends = String::from_utf8(bytes)
            .ok()
            .and_then(|s| s.parse::<i64>().ok())
            .unwrap_or(now + 1);
        Ok((ends > now).then_some(ends - now))
    }

    /// Record a failure; returns the lock's length if this failure locked
    /// the method.
    pub async fn fail(
        &self,
        state: &AppState,
        method: &str,
        account: &str,
    ) -> Result<Option<i64>, ApiError> {
        let (fails, until, count) = Self::keys(state, method, account);
        let window = Duration::from_secs(self.max_secs.unsigned_abs().max(1));
        let n = state.ephemeral.increment(&fails, window).await?;
        if n < self.threshold {
            return Ok(None);
        }
        state.ephemeral.delete(&fails).await?;
        let lockouts = state
            .ephemeral
            .increment(&count, Duration::from_secs(86_400))
            .await?;
        let exp = u32::try_from(lockouts.saturating_sub(1).min(16)).unwrap_or(16);
        let secs = self
            .base_secs
            .saturating_mul(1_i64 << exp)
            .min(self.max_secs);
        let ends = UnixTime(state.clock.now().0 + secs);
        state
            .ephemeral
            .put(
                &until,
                ends.0.to_string().as_bytes(),
                Duration::from_secs(secs.unsigned_abs().max(1)),
            )
            .await?;
        Ok(Some(secs))
    }

    /// A success clears the run of failures (not an active lock's history).
    pub async fn succeed(
        &self,
        state: &AppState,
        method: &str,
        account: &str,
    ) -> Result<(), ApiError> {
        let (fails, _, _) = Self::keys(state, method, account);
        state.ephemeral.delete(&fails).await?;
        Ok(())
    }
}

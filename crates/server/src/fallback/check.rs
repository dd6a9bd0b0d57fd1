//! Checking what the user typed for a step: an emailed or texted code, an
//! authenticator-app code, a recovery code, a password.
//!
//! Before any comparison: the per-IP attempt limit and the method's lock.
//! After a wrong guess: the method's consecutive-failure lockout and the
//! account-wide failure budget (100 an hour) count it. An identifier that
//! names no account goes through the same steps, including a dummy hash of
//! the same cost, so neither the answer nor its timing tells it apart.

use std::sync::OnceLock;

use actix_web::HttpRequest;
use latchkey_core::UserId;
use latchkey_fallback::factors::{password, recovery, totp};
use latchkey_fallback::policy::FallbackMethod;
use latchkey_fallback::repo::{EventKind, FactorRepo as _, Outcome};
use sha2::{Digest as _, Sha256};
use tokio::sync::Semaphore;

use super::challenge::{self, Guess};
use super::situation::{Subject, lock_name};
use super::{FallbackError, StepDone, expects, pending, progress, step_passed};
use crate::error::ApiError;
use crate::events;
use crate::limits::{self, ACCOUNT_FAILURES, IP_ATTEMPTS, METHOD_LOCKOUT, Verdict};
use crate::state::AppState;

/// Check `code` for `method`, the chosen option's next step.
pub async fn check(
    state: &AppState,
    req: &HttpRequest,
    flow_id: &str,
    method: FallbackMethod,
    code: &str,
) -> Result<StepDone, FallbackError> {
    let flow = pending(state, req, flow_id).await?;
    let progress = progress::load(state, &flow).await?;
    if !expects(&progress, method) || method.is_passkey() || method == FallbackMethod::EmailLink {
        return Err(FallbackError::NotOffered);
    }
    let subject = Subject::of(&flow);
    let Some(account) = subject.limit_key() else {
        return Err(FallbackError::NotOffered);
    };
    if let Verdict::Limited { retry_after_secs } =
        limits::check(state, IP_ATTEMPTS, &super::send::client_ip(req)).await?
    {
        return Err(FallbackError::RateLimited { retry_after_secs });
    }
    if let Some(secs) = METHOD_LOCKOUT
        .locked_for(state, lock_name(method), &account)
        .await?
    {
        return Err(FallbackError::Locked {
            retry_after_secs: secs,
        });
    }
    if let Verdict::Limited { retry_after_secs } =
        limits::exceeded(state, ACCOUNT_FAILURES, &account).await?
    {
        return Err(FallbackError::Locked { retry_after_secs });
    }
    let verdict = match method {
        FallbackMethod::EmailCode | FallbackMethod::SmsCode => {
            let Some(active) = progress.challenge.as_ref() else {
                return Err(FallbackError::CodeExpired);
            };
            match challenge::guess_code(state, &active.id, code).await? {
                // The code proves the account it was sent for, and only in
                // its own flow.
                Guess::Correct(c) if c.flow_id == flow.id && c.user.as_ref() == subject.user() => {
                    Ok(())
                }
                Guess::Correct(_) | Guess::Gone | Guess::Exhausted => {
                    Err(FallbackError::CodeExpired)
                }
                Guess::Wrong { attempts_left } => Err(FallbackError::InvalidCode {
                    attempts_left: Some(attempts_left),
                }),
            }
        }
        FallbackMethod::Totp => check_totp(state, subject.user(), code).await?,
        FallbackMethod::RecoveryCode => check_recovery(state, subject.user(), code).await?,
        FallbackMethod::Password => check_password(state, subject.user(), code).await?,
        _ => return Err(FallbackError::NotOffered),
    };
    match verdict {
        Ok(()) => {
            METHOD_LOCKOUT
                .succeed(state, lock_name(method), &account)
                .await?;
            step_passed(state, req, flow_id, method).await
        }
        Err(e) => {
            let mut event = events::for_flow(
                state,
                req,
                &flow,
                EventKind::FallbackFailed,
                Outcome::Failed,
            )
            .method(method.as_str());
            event = event.reason(match &e {
                FallbackError::CodeExpired => "code_expired",
                _ => "wrong_code",
            });
            events::record(state, event).await;
            if matches!(e, FallbackError::CodeExpired) {
                return Err(e);
            }
            let _ = limits::check(state, ACCOUNT_FAILURES, &account).await?;
            if let Some(secs) = METHOD_LOCKOUT
                .fail(state, lock_name(method), &account)
                .await?
            {
                let lock = events::for_flow(state, req, &flow, EventKind::Lockout, Outcome::Info)
                    .method(method.as_str())
                    .detail(format!("{secs}s"));
                events::record(state, lock).await;
                return Err(FallbackError::Locked {
                    retry_after_secs: secs,
                });
            }
            Err(e)
        }
    }
}

fn wrong() -> Result<(), FallbackError> {
    Err(FallbackError::InvalidCode {
        attempts_left: None,
    })
}

/// The key TOTP secrets are sealed under: derived from the server's key
/// material for this one purpose, so a sealed secret can never be opened
/// as anything else.
#[must_use]
pub fn totp_seal_key(state: &AppState) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"latchkey/totp-seal/v1/");
    h.update(state.privacy_key);
    h.finalize().into()
}

/// The seal's binding to its owner: a sealed secret copied to another
/// user's row does not open there.
#[must_use]
pub fn totp_seal_id(user: &UserId) -> String {
    format!("totp:{user}")
}

async fn check_totp(
    state: &AppState,
    user: Option<&UserId>,
    code: &str,
) -> Result<Result<(), FallbackError>, ApiError> {
    let Some(user) = user else {
        return Ok(wrong());
    };
    let Some(cred) = state.db.totp(user).await?.filter(|c| c.is_confirmed()) else {
        return Ok(wrong());
    };
    let bytes = latchkey_oidc::keys::open(
        &totp_seal_key(state),
        &totp_seal_id(user),
        &cred.secret_sealed,
    )
    .map_err(|e| ApiError::Internal(format!("TOTP secret does not open: {e}")))?;
    let secret = totp::TotpSecret::from_bytes(&bytes)
        .map_err(|e| ApiError::Internal(format!("TOTP secret unreadable: {e}")))?;
    let now = u64::try_from(state.clock.now().0).unwrap_or(0);
    match totp::verify(&secret, code, now, cred.last_used_step) {
        // One conditional update: of two concurrent uses of one code, one wins.
        Ok(step) if state.db.advance_totp_step(user, step).await? => Ok(Ok(())),
        Ok(_) | Err(_) => Ok(wrong()),
    }
}

/// At most this many argon2id computations run at once (each ~20 ms and
/// 19 MiB); further requests wait their turn instead of exhausting memory.
fn hash_permits() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| {
        Semaphore::new(std::thread::available_parallelism().map_or(2, std::num::NonZero::get))
    })
}

/// Run an argon2id computation on the blocking pool under the cap.
async fn hashing<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
    let _permit = hash_permits()
        .acquire()
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    actix_web::rt::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))
}

async fn check_recovery(
    state: &AppState,
    user: Option<&UserId>,
    code: &str,
) -> Result<Result<(), FallbackError>, ApiError> {
    let stored = match user {
        Some(u) => state.db.unused_recovery_codes(u).await?,
        None => Vec::new(),
    };
    let presented = code.to_owned();
    let hashes: Vec<String> = stored.iter().map(|r| r.code_hash.clone()).collect();
    let found = hashing(move || {
        if hashes.is_empty() {
            // Same cost as checking one stored code.
            let _ = password::verify_against_dummy(&presented);
            None
        } else {
            recovery::find_match(&presented, &hashes)
        }
    })
    .await?;
    match (user, found.and_then(|i| stored.get(i))) {
        (Some(u), Some(row))
            if state
                .db
                .use_recovery_code(u, &row.id, state.clock.now())
                .await? =>
        {
            Ok(Ok(()))
        }
        _ => Ok(wrong()),
    }
}

async fn check_password(
    state: &AppState,
    user: Option<&UserId>,
    code: &str,
) -> Result<Result<(), FallbackError>, ApiError> {
    let stored = match user {
        Some(u) => state.db.password(u).await?.map(|p| p.hash),
        None => None,
    };
    let presented = code.to_owned();
    let ok = hashing(move || match stored {
        Some(phc) => password::verify_password(&presented, &phc),
        None => password::verify_against_dummy(&presented),
    })
    .await?;
    Ok(if ok { Ok(()) } else { wrong() })
}

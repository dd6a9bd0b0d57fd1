//! Gathering what the fallback engine decides from: the client's
//! requirement and policy, what the identified account has enrolled, the
//! device, and the locks in force.

use actix_web::HttpRequest;
use latchkey_core::{UnixTime, UserId, UserRepo as _};
use latchkey_fallback::engine::{Attempts, Enrollment, PasskeySummary, Requirement, Situation};
use latchkey_fallback::policy::FallbackMethod;
use latchkey_fallback::repo::FactorRepo as _;
use latchkey_oidc::flow::LoginFlow;
use latchkey_passkey::CredentialRepo as _;

use super::nudge;
use super::progress::Progress;
use crate::error::ApiError;
use crate::limits::{self, ACCOUNT_FAILURES, METHOD_LOCKOUT};
use crate::state::AppState;

/// Who the flow is about, for limits and lookups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// Nobody identified yet.
    Anonymous,
    /// An identifier that names no account. Limits are counted on the
    /// identifier, exactly as on an account, so they behave the same.
    Unknown(String),
    /// An account.
    User(UserId),
}

impl Subject {
    /// The flow's subject.
    #[must_use]
    pub fn of(flow: &LoginFlow) -> Self {
        match (&flow.identified_user, &flow.identifier) {
            (Some(u), _) => Self::User(u.clone()),
            (None, Some(i)) => Self::Unknown(i.to_lowercase()),
            (None, None) => Self::Anonymous,
        }
    }

    /// The key limits and lockouts are counted under.
    #[must_use]
    pub fn limit_key(&self) -> Option<String> {
        match self {
            Self::Anonymous => None,
            Self::Unknown(i) => Some(format!("identifier:{i}")),
            Self::User(u) => Some(format!("user:{u}")),
        }
    }

    #[must_use]
    pub fn user(&self) -> Option<&UserId> {
        match self {
            Self::User(u) => Some(u),
            _ => None,
        }
    }
}

/// Build the engine's input for `flow` in its current `progress`.
pub async fn gather(
    state: &AppState,
    req: &HttpRequest,
    flow: &LoginFlow,
    progress: &Progress,
) -> Result<Situation, ApiError> {
    let now = state.clock.now();
    let subject = Subject::of(flow);
    let enrolled = enrollment(state, &subject).await?;
    let device = match &subject {
        Subject::Anonymous => None,
        // The same query for an identifier that names no account (see
        // `enrollment`), its answer unused.
        Subject::Unknown(_) => {
            nudge::known_device(state, req, &nobody()).await?;
            None
        }
        Subject::User(u) => nudge::known_device(state, req, u).await?,
    };
    Ok(Situation {
        requirement: Requirement::from_acr_values(&flow.request.acr_values),
        max_age: flow.request.max_age,
        policy: state.policy_for(&flow.request.client_id.0),
        identified: flow.identifier.is_some(),
        enrolled,
        failure: progress.failure,
        device: progress.device.signals(device.is_some()),
        attempts: attempts(state, &subject, now).await?,
        now,
        nudge_suppressed: nudge::suppressed(
            device.as_ref(),
            now,
            state.policy.nudge_interval_secs(),
        ),
    })
}

/// The engine's input without a login flow or a browser, for `latchkey
/// policy explain`: `client_id`'s policy, `requirement`, and `user`'s real
/// enrollment and locks (identified), or an unidentified visitor when
/// `None`; no failure and nothing known about the device until
/// `overrides` say so (applied last).
pub async fn for_client(
    state: &AppState,
    client_id: &str,
    user: Option<&UserId>,
    requirement: Requirement,
    overrides: &latchkey_fallback::engine::SituationOverrides,
) -> Result<Situation, ApiError> {
    let now = state.clock.now();
    let subject = user.map_or(Subject::Anonymous, |u| Subject::User(u.clone()));
    let mut situation = Situation {
        requirement,
        policy: state.policy_for(client_id),
        identified: user.is_some(),
        enrolled: enrollment(state, &subject).await?,
        attempts: attempts(state, &subject, now).await?,
        now,
        ..Situation::default()
    };
    overrides.apply_to(&mut situation);
    Ok(situation)
}

/// Looked up in place of an account that does not exist. No user has the
/// nil UUID (ids are random v4 UUIDs).
fn nobody() -> UserId {
    UserId("00000000-0000-0000-0000-000000000000".to_owned())
}

async fn enrollment(state: &AppState, subject: &Subject) -> Result<Enrollment, ApiError> {
    // An identifier that names no account costs the same queries as an
    // account (for an id no account has), so that how long the answer takes
    // does not tell them apart either; its answer is the stand-in.
    let nil = nobody();
    let user_id = match subject {
        Subject::Anonymous => return Ok(Enrollment::default()),
        Subject::Unknown(_) => &nil,
        Subject::User(u) => u,
    };
    let user = state.db.user_by_id(user_id).await?;
    let enrolled = enrollment_of(state, user_id, user).await?;
    Ok(match subject {
        Subject::User(_) => enrolled.unwrap_or_else(Enrollment::stand_in),
        _ => Enrollment::stand_in(),
    })
}

/// The account's enrollment (every query runs, found or not).
async fn enrollment_of(
    state: &AppState,
    user_id: &UserId,
    user: Option<latchkey_core::User>,
) -> Result<Option<Enrollment>, ApiError> {
    let passkeys = state
        .db
        .credentials_for_user(user_id)
        .await?
        .into_iter()
        .map(|c| PasskeySummary {
            backup_eligible: c.backup_eligible,
            transports: c.transports,
            hardware_attested: c.hardware_attested,
        })
        .collect();
    let phone = state.db.phone(user_id).await?;
    let totp = state.db.totp(user_id).await?;
    let recovery = state.db.count_unused_recovery_codes(user_id).await?;
    let password = state.db.password(user_id).await?;
    let Some(user) = user else {
        return Ok(None);
    };
    Ok(Some(Enrollment {
        passkeys,
        email_verified: user.email.is_some() && user.email_verified && state.mailer.is_enabled(),
        phone_verified: phone.is_some_and(|p| p.is_verified()) && state.sms.is_enabled(),
        totp: totp.is_some_and(|t| t.is_confirmed()),
        recovery_codes_left: u32::try_from(recovery).unwrap_or(u32::MAX),
        password: password.is_some(),
    }))
}

async fn attempts(
    state: &AppState,
    subject: &Subject,
    now: UnixTime,
) -> Result<Attempts, ApiError> {
    let mut attempts = Attempts::default();
    let Some(key) = subject.limit_key() else {
        return Ok(attempts);
    };
    for method in FallbackMethod::ALL {
        if method.is_passkey() {
            continue;
        }
        if let Some(secs) = METHOD_LOCKOUT
            .locked_for(state, lock_name(method), &key)
            .await?
        {
            attempts.locked_until.insert(method, now.plus_secs(secs));
        }
    }
    if let limits::Verdict::Limited { retry_after_secs } =
        limits::exceeded(state, ACCOUNT_FAILURES, &key).await?
    {
        attempts.account_locked_until = Some(now.plus_secs(retry_after_secs));
    }
    Ok(attempts)
}

/// The lockout counter a method shares: email code and link are one
/// channel, so guessing one locks both.
#[must_use]
pub fn lock_name(method: FallbackMethod) -> &'static str {
    match method {
        FallbackMethod::EmailCode | FallbackMethod::EmailLink => "email",
        other => other.as_str(),
    }
}

//! Fallback sign-in: what to offer when a passkey cannot be used, and the
//! steps of the option the user picks (send a code, check a code), ending
//! in [`crate::flows::complete`] like every other way in.
//!
//! The decision is `latchkey_fallback::engine::decide` (pure); this module
//! gathers its input, enforces the choice, the limits and the lockouts, and
//! records every step as an event. The login-flow API
//! (`routes::login_api::fallback`) and the hosted pages call it.

pub mod challenge;
pub mod check;
pub mod nudge;
pub mod progress;
pub mod send;
pub mod situation;

use actix_web::HttpRequest;
use latchkey_fallback::engine::{self, Decision, Situation};
use latchkey_fallback::policy::FallbackMethod;
use latchkey_fallback::repo::{EventKind, Outcome};
use latchkey_oidc::AuthnResult;
use latchkey_oidc::flow::LoginFlow;

use crate::error::ApiError;
use crate::events;
use crate::flows::{self, Completed, FlowLock, FlowLookup};
use crate::state::AppState;
use progress::{DeviceReport, Progress};
use situation::Subject;

/// Why a fallback step was refused.
#[derive(Debug)]
pub enum FallbackError {
    /// The flow could not be used (unknown, another browser's, finished).
    Flow(FlowLookup),
    /// The method is not among the current options, or not the next step.
    NotOffered,
    /// The code was wrong; this many more guesses will be checked.
    InvalidCode { attempts_left: Option<u64> },
    /// The code expired, was used, or ran out of guesses: send a new one.
    CodeExpired,
    /// The method (or the account's guessable methods) is locked.
    Locked { retry_after_secs: i64 },
    /// Too many requests; try again later.
    RateLimited { retry_after_secs: i64 },
}

impl From<FlowLookup> for FallbackError {
    fn from(e: FlowLookup) -> Self {
        Self::Flow(e)
    }
}

impl From<ApiError> for FallbackError {
    fn from(e: ApiError) -> Self {
        Self::Flow(FlowLookup::Api(e))
    }
}

impl From<latchkey_core::RepoError> for FallbackError {
    fn from(e: latchkey_core::RepoError) -> Self {
        Self::Flow(FlowLookup::Api(e.into()))
    }
}

/// The engine's decision for `flow` as it stands.
pub async fn decide(
    state: &AppState,
    req: &HttpRequest,
    flow: &LoginFlow,
) -> Result<(Progress, Situation, Decision), ApiError> {
    let progress = progress::load(state, flow).await?;
    let situation = situation::gather(state, req, flow, &progress).await?;
    let decision = engine::decide(&situation);
    Ok((progress, situation, decision))
}

/// Record what the browser reported (a classified failure and its WebAuthn
/// abilities) and answer with the options. Records `fallback_offered`.
pub async fn report(
    state: &AppState,
    req: &HttpRequest,
    flow_id: &str,
    failure: Option<latchkey_core::PasskeyFailure>,
    device: DeviceReport,
) -> Result<Decision, FallbackError> {
    let lock = FlowLock::acquire(state, flow_id).await?;
    let result = async {
        let flow = flows::load(state, req, flow_id).await?;
        if !flow.is_pending() {
            return Err(FallbackError::Flow(FlowLookup::Flow(
                latchkey_oidc::flow::FlowError::NotPending,
            )));
        }
        let mut progress = progress::load(state, &flow).await?;
        if failure.is_some() {
            progress.failure = failure;
        }
        progress.device.merge(device);
        progress::save(state, &flow, &progress).await?;
        Ok(flow)
    }
    .await;
    lock.release(state).await;
    let flow = result?;
    let (progress, _, decision) = decide(state, req, &flow).await?;
    let offered: Vec<String> = decision
        .options()
        .iter()
        .map(|o| {
            o.steps
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("+")
        })
        .collect();
    let mut event = events::for_flow(state, req, &flow, EventKind::FallbackOffered, Outcome::Info)
        .detail(offered.join(","));
    if let Some(f) = progress.failure {
        event = event.reason(f.as_str());
    }
    if let Some(r) = decision.refusal() {
        event = event.method(format!("refused:{}", r.code()));
    }
    events::record(state, event).await;
    Ok(decision)
}

/// Remember what the browser says it can do (the hosted page sends it with
/// every form), without an event: the invitation to create a passkey after
/// a fallback depends on it.
pub async fn note_device(
    state: &AppState,
    req: &HttpRequest,
    flow_id: &str,
    device: DeviceReport,
) -> Result<(), FallbackError> {
    if device == DeviceReport::default() {
        return Ok(());
    }
    let lock = FlowLock::acquire(state, flow_id).await?;
    let result = async {
        let flow = pending(state, req, flow_id).await?;
        let mut progress = progress::load(state, &flow).await?;
        progress.device.merge(device);
        progress::save(state, &flow, &progress).await?;
        Ok(())
    }
    .await;
    lock.release(state).await;
    result
}

/// The user picked the option made of `steps`: it must be one the engine
/// offers now. Resets earlier progress. Records `fallback_chosen`.
pub async fn choose(
    state: &AppState,
    req: &HttpRequest,
    flow_id: &str,
    steps: &[FallbackMethod],
) -> Result<Progress, FallbackError> {
    let lock = FlowLock::acquire(state, flow_id).await?;
    let result = async {
        let flow = pending(state, req, flow_id).await?;
        let (mut progress, _, decision) = decide(state, req, &flow).await?;
        let offered = decision.options().iter().any(|o| {
            o.steps.len() == steps.len()
                && o.steps
                    .iter()
                    .zip(steps)
                    .all(|(s, m)| s.method() == Some(*m))
        });
        if steps.is_empty() || steps.iter().any(|m| m.is_passkey()) || !offered {
            return Err(FallbackError::NotOffered);
        }
        if let Some(c) = progress.challenge.take()
            && let Some(old) = challenge::get(state, &c.id).await?
        {
            challenge::void(state, &old).await?;
        }
        progress.chosen = steps.to_vec();
        progress.done.clear();
        progress::save(state, &flow, &progress).await?;
        let names: Vec<&str> = steps.iter().map(|m| m.as_str()).collect();
        let mut event =
            events::for_flow(state, req, &flow, EventKind::FallbackChosen, Outcome::Info)
                .method(names.join("+"));
        if let Some(f) = progress.failure {
            event = event.reason(f.as_str());
        }
        events::record(state, event).await;
        Ok(progress)
    }
    .await;
    lock.release(state).await;
    result
}

/// The flow, live, this browser's and pending.
async fn pending(
    state: &AppState,
    req: &HttpRequest,
    flow_id: &str,
) -> Result<LoginFlow, FallbackError> {
    let flow = flows::load(state, req, flow_id).await?;
    if !flow.is_pending() {
        return Err(FallbackError::Flow(FlowLookup::Flow(
            latchkey_oidc::flow::FlowError::NotPending,
        )));
    }
    Ok(flow)
}

/// The error the client receives when the user gives up: the client's
/// `acr_values` withheld methods the user might have used (the engine
/// refused because nothing meets them, or skipped a method as too weak),
/// so the requirement went unmet, which the client can act on (ask for
/// less, or say why); otherwise the user declined (`access_denied`).
#[must_use]
pub fn give_up_error(decision: &Decision) -> (&'static str, &'static str) {
    let withheld = decision
        .skipped()
        .iter()
        .any(|s| s.reason == engine::SkipReason::TooWeak);
    if withheld || decision.refusal() == Some(engine::RefusalReason::RequirementUnmet) {
        (
            "unmet_authentication_requirements",
            "No sign-in method available to this user meets the requested authentication level.",
        )
    } else {
        ("access_denied", "The user did not complete the sign-in.")
    }
}

/// Whether `method` is the step the chosen option expects next. An email
/// code and an email link are the same step (one email carries both).
fn expects(progress: &Progress, method: FallbackMethod) -> bool {
    let email =
        |m: FallbackMethod| matches!(m, FallbackMethod::EmailCode | FallbackMethod::EmailLink);
    progress
        .next_step()
        .is_some_and(|next| next == method || (email(next) && email(method)))
}

/// What a successful step leads to.
#[derive(Debug)]
pub enum StepDone {
    /// Another step of the chosen option is due.
    Next(FallbackMethod),
    /// Signed in (or the flow ended); go here.
    Completed(Completed),
}

/// Record a passed step; when it was the last, complete the flow.
pub async fn step_passed(
    state: &AppState,
    req: &HttpRequest,
    flow_id: &str,
    method: FallbackMethod,
) -> Result<StepDone, FallbackError> {
    let lock = FlowLock::acquire(state, flow_id).await?;
    let result = async {
        let flow = pending(state, req, flow_id).await?;
        let mut progress = progress::load(state, &flow).await?;
        if !expects(&progress, method) {
            return Err(FallbackError::NotOffered);
        }
        if let Some(next) = progress.next_step() {
            progress.done.push(next);
        }
        progress.challenge = None;
        progress::save(state, &flow, &progress).await?;
        Ok((flow, progress))
    }
    .await;
    lock.release(state).await;
    let (flow, progress) = result?;
    if let Some(next) = progress.next_step() {
        return Ok(StepDone::Next(next));
    }
    finish(state, req, &flow, progress)
        .await
        .map(StepDone::Completed)
}

/// All steps passed: sign in with the methods used, then decide whether
/// the passkey invitation comes before the way back to the client.
async fn finish(
    state: &AppState,
    req: &HttpRequest,
    flow: &LoginFlow,
    mut progress: Progress,
) -> Result<Completed, FallbackError> {
    let Some(user) = Subject::of(flow).user().cloned() else {
        return Err(FallbackError::NotOffered);
    };
    let now = state.clock.now();
    let methods = progress.done.iter().map(|m| m.auth_method()).collect();
    let situation = situation::gather(state, req, flow, &progress).await?;
    let reason = progress
        .failure
        .map_or("user_choice", latchkey_core::PasskeyFailure::as_str);
    let authn = AuthnResult::new(user.clone(), methods, now).with_fallback_reason(reason);
    let mut done = flows::complete(state, req, &flow.id, authn, None).await?;
    let names: Vec<&str> = progress.done.iter().map(|m| m.as_str()).collect();
    if done.session_cookie.is_none() {
        // Every step passed but the flow failed (account disabled, acr not
        // met): not a fallback success, and no invitation.
        let why = match flows::load(state, req, &flow.id).await {
            Ok(LoginFlow {
                state: latchkey_oidc::flow::FlowState::Failed { error, .. },
                ..
            }) => error,
            _ => "not_completed".to_owned(),
        };
        let event = events::for_flow(state, req, flow, EventKind::FallbackFailed, Outcome::Failed)
            .user(&user)
            .method(names.join("+"))
            .reason(why);
        events::record(state, event).await;
        return Ok(done);
    }
    let mut event = events::for_flow(state, req, flow, EventKind::FallbackSucceeded, Outcome::Ok)
        .user(&user)
        .method(names.join("+"));
    if let Some(f) = progress.failure {
        event = event.reason(f.as_str());
    }
    events::record(state, event).await;
    nudge::touch(state, req, &user).await?;
    if engine::offer_passkey_enrollment_after(&situation, &progress.done) {
        progress.nudge_pending = true;
        progress::save(state, flow, &progress).await?;
        done.redirect_to = nudge::path(&flow.id);
    }
    Ok(done)
}

//! Where a flow's fallback sign-in is: the classified passkey failure, what
//! the browser said about itself, the option the user chose, the steps done
//! and the code challenge in flight. Kept beside the flow in the ephemeral
//! store (`fb:{flow}`), changed only under the flow's lock.

use std::time::Duration;

use latchkey_core::{Ephemeral as _, PasskeyFailure};
use latchkey_fallback::engine::DeviceSignals;
use latchkey_fallback::policy::FallbackMethod;
use latchkey_oidc::flow::LoginFlow;
use serde::{Deserialize, Serialize};

use super::challenge;
use super::situation::Subject;
use crate::error::ApiError;
use crate::state::AppState;

/// What the browser reported about its WebAuthn abilities.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceReport {
    pub platform_authenticator_available: Option<bool>,
    pub conditional_mediation_available: Option<bool>,
    pub hybrid_available: Option<bool>,
}

impl DeviceReport {
    /// The engine's device signals (plus whether the device is known).
    #[must_use]
    pub fn signals(self, known_device: bool) -> DeviceSignals {
        DeviceSignals {
            platform_authenticator: self.platform_authenticator_available,
            conditional_mediation: self.conditional_mediation_available,
            hybrid: self.hybrid_available,
            known_device,
        }
    }

    /// Merge a newer report: what it says wins, what it leaves out stays.
    pub fn merge(&mut self, newer: DeviceReport) {
        self.platform_authenticator_available = newer
            .platform_authenticator_available
            .or(self.platform_authenticator_available);
        self.conditional_mediation_available = newer
            .conditional_mediation_available
            .or(self.conditional_mediation_available);
        self.hybrid_available = newer.hybrid_available.or(self.hybrid_available);
    }
}

/// The code challenge in flight, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveChallenge {
    pub method: FallbackMethod,
    pub id: String,
}

/// A flow's fallback progress.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// The last classified passkey failure.
    pub failure: Option<PasskeyFailure>,
    pub device: DeviceReport,
    /// The steps of the chosen option, in order.
    pub chosen: Vec<FallbackMethod>,
    /// Steps completed, in order.
    pub done: Vec<FallbackMethod>,
    pub challenge: Option<ActiveChallenge>,
    /// Set once the sign-in completed and the passkey invitation is due
    /// before the browser goes back to the client.
    pub nudge_pending: bool,
    /// Whom the chosen option, the steps done and the code in flight are
    /// for (`Subject::limit_key`; `None` before anyone is identified).
    #[serde(default)]
    pub subject: Option<String>,
}

impl Progress {
    /// The next step of the chosen option that is not done yet.
    #[must_use]
    pub fn next_step(&self) -> Option<FallbackMethod> {
        self.chosen.iter().find(|m| !self.done.contains(m)).copied()
    }
}

fn key(flow_id: &str) -> String {
    format!("fb:{flow_id}")
}

/// The flow's progress (empty if nothing was recorded yet).
///
/// The visitor may name another account in the same flow at any time
/// (identifier-first corrections). What was chosen, proven or sent for the
/// account named before must then count for nothing: otherwise a code sent
/// to an attacker's own address, or a step passed with the attacker's own
/// authenticator app, would sign the attacker in as whoever is named last.
/// So progress made for another subject is dropped here, and its code (and
/// link) voided; the passkey failure and what the browser reported stay.
pub async fn load(state: &AppState, flow: &LoginFlow) -> Result<Progress, ApiError> {
    let bytes = state.ephemeral.get(&key(&flow.id)).await?;
    let mut progress: Progress = bytes
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let subject = Subject::of(flow).limit_key();
    if progress.subject != subject {
        if let Some(active) = progress.challenge.take()
            && let Some(old) = challenge::get(state, &active.id).await?
        {
            challenge::void(state, &old).await?;
        }
        progress.chosen.clear();
        progress.done.clear();
        progress.nudge_pending = false;
        progress.subject = subject;
    }
    Ok(progress)
}

/// Store the flow's progress for as long as the flow lives.
pub async fn save(state: &AppState, flow: &LoginFlow, progress: &Progress) -> Result<(), ApiError> {
    let bytes = serde_json::to_vec(progress).map_err(|e| ApiError::Internal(e.to_string()))?;
    let ttl = Duration::from_secs(flow.remaining_secs(state.clock.now()));
    state.ephemeral.put(&key(&flow.id), &bytes, ttl).await?;
    Ok(())
}

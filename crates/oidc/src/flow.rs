//! The login flow: an authorization request that needs a sign-in, kept in
//! the ephemeral store while the user authenticates (Ory Kratos's
//! self-service flows are the model). It moves only forward:
//! `Pending → Authenticated | Failed`, and is consumed when the browser
//! returns to the authorization endpoint.

use latchkey_core::UnixTime;
use serde::{Deserialize, Serialize};

use crate::authn::AuthnResult;
use crate::authorize::AuthorizationRequest;

/// How long a user has to finish signing in.
pub const FLOW_TTL_SECS: i64 = 15 * 60;

/// One sign-in in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginFlow {
    /// Random, ≥ 128 bits; appears in the login page URL.
    pub id: String,
    /// The validated authorization request this flow answers.
    pub request: AuthorizationRequest,
    /// The client's display name, for the pages.
    pub client_name: String,
    /// SHA-256 of the browser-binding cookie of the browser that started the
    /// flow: a flow id leaked from one browser cannot be completed or resumed
    /// from another (login CSRF, session fixation).
    pub browser_hash: String,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
    pub state: FlowState,
}

/// Where a flow is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum FlowState {
    /// Waiting for the user to authenticate.
    Pending,
    /// The user authenticated; a browser session `sid` was started.
    Authenticated { authn: AuthnResult, sid: String },
    /// The flow ended without a sign-in; the client gets this error.
    Failed { error: String, description: String },
}

/// Why a flow transition was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FlowError {
    #[error("this sign-in has expired or was already completed")]
    NotFound,
    #[error("this sign-in was started in another browser")]
    OtherBrowser,
    #[error("this sign-in is already finished")]
    NotPending,
}

impl LoginFlow {
    /// Seconds this flow has left (at least 1, for the store's TTL).
    #[must_use]
    pub fn remaining_secs(&self, now: UnixTime) -> u64 {
        u64::try_from(self.expires_at.0.saturating_sub(now.0))
            .unwrap_or(0)
            .max(1)
    }

    /// Whether the flow has expired.
    #[must_use]
    pub fn expired(&self, now: UnixTime) -> bool {
        now >= self.expires_at
    }

    /// The transition every authentication layer ends in: record the result.
    pub fn authenticate(&mut self, authn: AuthnResult, sid: String) -> Result<(), FlowError> {
        if self.state != FlowState::Pending {
            return Err(FlowError::NotPending);
        }
        self.state = FlowState::Authenticated { authn, sid };
        Ok(())
    }

    /// End the flow with an error for the client.
    pub fn fail(&mut self, error: &str, description: &str) -> Result<(), FlowError> {
        if self.state != FlowState::Pending {
            return Err(FlowError::NotPending);
        }
        self.state = FlowState::Failed {
            error: error.to_owned(),
            description: description.to_owned(),
        };
        Ok(())
    }
}

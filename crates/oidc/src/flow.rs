//! The login flow: an authorization request that needs a sign-in, kept in
//! the ephemeral store while the user authenticates (Ory Kratos's
//! self-service flows are the model). It moves only forward:
//! `Pending → Authenticated | Failed`, and is consumed when the browser
//! returns to the authorization endpoint. While pending, the visitor may
//! name an account ([`LoginFlow::identify`], identifier-first sign-in) as
//! often as they like; that changes what is offered, never the state.

use latchkey_core::{UnixTime, UserId};
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
    /// The flow's CSRF token (128 random bits, hex): every state-changing
    /// call of the login-flow API must echo it in a header. It is readable
    /// only through the flow's own `GET`, which requires the browser cookie,
    /// so a cross-site page can neither read nor send it. Flows stored
    /// before this field existed read as `""`, which never matches.
    #[serde(default)]
    pub csrf_token: String,
    /// What the visitor typed to identify (identifier-first), trimmed.
    #[serde(default)]
    pub identifier: Option<String>,
    /// The account `identifier` names, if any. Never shown to the browser:
    /// whether an identifier matches an account is not the visitor's to know.
    #[serde(default)]
    pub identified_user: Option<UserId>,
    /// Whether the user agreed on the consent page for this request (the
    /// client requires consent). Set once, after authentication.
    #[serde(default)]
    pub consented: bool,
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
    #[error("this sign-in has not been completed yet")]
    NotAuthenticated,
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

    /// Whether the flow still waits for the user.
    #[must_use]
    pub fn is_pending(&self) -> bool {
        self.state == FlowState::Pending
    }

    /// Identifier-first sign-in: remember what the visitor typed and the
    /// account it names (`None` when none does). Allowed while pending, and
    /// again to correct a typo; a later identification replaces the earlier.
    pub fn identify(&mut self, identifier: String, user: Option<UserId>) -> Result<(), FlowError> {
        if !self.is_pending() {
            return Err(FlowError::NotPending);
        }
        self.identifier = Some(identifier);
        self.identified_user = user;
        Ok(())
    }

    /// Whether `presented` is this flow's CSRF token, compared in constant
    /// time. An empty token (a flow stored before tokens existed) never
    /// matches.
    #[must_use]
    pub fn csrf_matches(&self, presented: &str) -> bool {
        !self.csrf_token.is_empty()
            && subtle::ConstantTimeEq::ct_eq(presented.as_bytes(), self.csrf_token.as_bytes())
                .into()
    }

    /// The transition every authentication layer ends in: record the result.
    pub fn authenticate(&mut self, authn: AuthnResult, sid: String) -> Result<(), FlowError> {
        if self.state != FlowState::Pending {
            return Err(FlowError::NotPending);
        }
        self.state = FlowState::Authenticated { authn, sid };
        Ok(())
    }

    /// The user agreed on the consent page: allowed only after they
    /// authenticated.
    pub fn give_consent(&mut self) -> Result<(), FlowError> {
        if !matches!(self.state, FlowState::Authenticated { .. }) {
            return Err(FlowError::NotAuthenticated);
        }
        self.consented = true;
        Ok(())
    }

    /// The user declined on the consent page: the client gets
    /// `access_denied`. The user stays signed in to Latchkey.
    pub fn decline_consent(&mut self) -> Result<(), FlowError> {
        if !matches!(self.state, FlowState::Authenticated { .. }) {
            return Err(FlowError::NotAuthenticated);
        }
        self.state = FlowState::Failed {
            error: "access_denied".to_owned(),
            description: "The user did not allow the application to sign them in.".to_owned(),
        };
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::ClientId;
    use crate::authorize::{Prompt, ResponseMode};

    fn flow() -> LoginFlow {
        LoginFlow {
            id: "f".into(),
            request: AuthorizationRequest {
                client_id: ClientId("c".into()),
                redirect_uri: "https://rp.example.com/cb".into(),
                response_mode: ResponseMode::Query,
                state: None,
                scopes: vec!["openid".into()],
                nonce: None,
                code_challenge: None,
                prompt: Prompt::default(),
                max_age: None,
                login_hint: None,
                acr_values: vec![],
                ui_locales: vec![],
                id_token_hint: None,
            },
            client_name: "RP".into(),
            browser_hash: "h".into(),
            created_at: UnixTime(1),
            expires_at: UnixTime(2),
            state: FlowState::Pending,
            csrf_token: "00112233445566778899aabbccddeeff".into(),
            identifier: None,
            identified_user: None,
            consented: false,
        }
    }

    #[test]
    fn flows_stored_before_the_new_fields_still_parse() {
        let mut value = serde_json::to_value(flow()).unwrap();
        for k in ["csrf_token", "identifier", "identified_user"] {
            value.as_object_mut().unwrap().remove(k);
        }
        let parsed: LoginFlow = serde_json::from_value(value).unwrap();
        assert_eq!(parsed.csrf_token, "");
        assert_eq!(parsed.identifier, None);
        assert_eq!(parsed.identified_user, None);
        // An empty token never matches, not even an empty header.
        assert!(!parsed.csrf_matches(""));
    }

    #[test]
    fn csrf_token_must_match_exactly() {
        let f = flow();
        assert!(f.csrf_matches("00112233445566778899aabbccddeeff"));
        assert!(!f.csrf_matches("00112233445566778899aabbccddeefe"));
        assert!(!f.csrf_matches("00112233445566778899aabbccddeeff0"));
        assert!(!f.csrf_matches(""));
    }

    #[test]
    fn identify_only_while_pending_and_may_be_corrected() {
        let mut f = flow();
        f.identify("alcie".into(), None).unwrap();
        f.identify("alice".into(), Some(UserId("u1".into())))
            .unwrap();
        assert_eq!(f.identifier.as_deref(), Some("alice"));
        assert_eq!(f.identified_user, Some(UserId("u1".into())));
        f.fail("access_denied", "no").unwrap();
        assert_eq!(f.identify("bob".into(), None), Err(FlowError::NotPending));
        assert_eq!(f.identifier.as_deref(), Some("alice"));
    }
}

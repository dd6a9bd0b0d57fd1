//! Consent between sign-in and code: a client registered with
//! `require_consent` gets a code only after the user agreed on the consent
//! page (`routes::consent`). The rules live in `latchkey_oidc::consent`;
//! this module looks up what they need.

use latchkey_core::UserId;
use latchkey_oidc::authorize::AuthorizationRequest;
use latchkey_oidc::flow::{FlowState, LoginFlow};
use latchkey_oidc::{Client, ClientRepo as _, ConsentRepo as _, consent};

use crate::error::ApiError;
use crate::state::AppState;

/// Whether `subject` must agree before `client` gets a code for `request`.
/// `given_in_flow`: the user already agreed for this very request.
pub async fn needed(
    state: &AppState,
    request: &AuthorizationRequest,
    client: &Client,
    subject: &UserId,
    given_in_flow: bool,
) -> Result<bool, ApiError> {
    // The common case (no consent required) costs no query.
    if !client.require_consent || given_in_flow {
        return Ok(false);
    }
    let stored = state.db.consent(subject, &client.id).await?;
    Ok(consent::needed(
        client,
        &request.scopes,
        stored.as_ref(),
        request.prompt.consent,
        given_in_flow,
    ))
}

/// Whether an authenticated `flow` waits for the user's consent.
pub async fn awaited(state: &AppState, flow: &LoginFlow) -> Result<bool, ApiError> {
    let FlowState::Authenticated { authn, .. } = &flow.state else {
        return Ok(false);
    };
    let Some(client) = state.db.client_by_id(&flow.request.client_id).await? else {
        return Ok(false);
    };
    needed(
        state,
        &flow.request,
        &client,
        &authn.subject,
        flow.consented,
    )
    .await
}

/// The consent page of a flow.
#[must_use]
pub fn page_path(flow_id: &str) -> String {
    format!("/consent?flow={flow_id}")
}

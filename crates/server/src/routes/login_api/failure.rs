//! Client-side passkey failures: the browser reports what
//! `navigator.credentials.get()` did, the server classifies it.

use actix_web::{HttpRequest, HttpResponse, post, web};
use latchkey_oidc::flow::LoginFlow;
use latchkey_passkey::{
    ClientReport, CredentialId, CredentialRepo as _, PasskeyFailure, ServerKnowledge, classify,
};
use serde::{Deserialize, Serialize};

use latchkey_fallback::engine::Decision;
use latchkey_fallback::repo::{EventKind, Outcome};

use super::{LoginApiError, NextOption, json_ok, nobody, pending_flow};
use crate::error::ApiError;
use crate::events;
use crate::fallback::{self, progress::DeviceReport};
use crate::state::AppState;

/// `POST /api/login/flows/{id}/passkey/failure` body: what the page saw
/// when `navigator.credentials.get()` failed. Every field is optional.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailureReport {
    /// The `DOMException` name (`NotAllowedError`, `AbortError`, …; 1 to 64
    /// ASCII letters and digits); absent when WebAuthn is unavailable.
    pub dom_exception: Option<String>,
    /// `PublicKeyCredential.isConditionalMediationAvailable()`.
    pub conditional_mediation_available: Option<bool>,
    /// `isUserVerifyingPlatformAuthenticatorAvailable()`.
    pub platform_authenticator_available: Option<bool>,
    /// `getClientCapabilities().hybridTransport` (L3 §5.1.7).
    pub hybrid_available: Option<bool>,
    /// The credential id (base64url) if the device returned an assertion
    /// that could not be used.
    pub credential_id: Option<String>,
    /// Milliseconds from starting the ceremony to the failure.
    pub elapsed_ms: Option<u64>,
}

/// `POST /api/login/flows/{id}/passkey/failure` response.
#[derive(Debug, Clone, Serialize)]
pub struct FailureResponse {
    /// Why it failed, for the page's wording (`PasskeyFailure`, snake_case).
    pub reason: PasskeyFailure,
    /// What to offer next, best first (the options of `decision`).
    pub next: Vec<NextOption>,
    /// The fallback engine's full decision (options, notices, skipped
    /// methods, or a refusal), as `POST …/fallback/options` answers.
    pub decision: Decision,
}

/// `POST /api/login/flows/{id}/passkey/failure` [`FailureReport`] → `200`
/// [`FailureResponse`].
///
/// Classifies the failure with `latchkey_passkey::classify`, adding what
/// the server knows: whether the flow is identified, whether the reported
/// credential is registered (to the identified account, when there is
/// one), and the ceremony timeout. It never reveals whether an account
/// exists: an unidentified visitor gets account-independent answers, and
/// an identified one is classified as an account with passkeys whether the
/// identifier names such an account, an account without passkeys, or none
/// at all (see [`identified_passkey_count`]). Reports are logged as
/// `passkey_client_failure` events.
///
/// Errors: `400 invalid_request`, `403 csrf`, `404 flow_not_found`, `409
/// flow_not_pending`.
#[post("/api/login/flows/{id}/passkey/failure")]
pub async fn failure(
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Json<FailureReport>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, LoginApiError> {
    let flow = pending_flow(&state, &req, &id).await?;
    let report = body.into_inner();
    if let Some(name) = &report.dom_exception
        && (name.is_empty() || name.len() > 64 || !name.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        return Err(ApiError::invalid_request("dom_exception must be a DOMException name").into());
    }
    let credential_id = report
        .credential_id
        .as_deref()
        .map(CredentialId::from_base64url)
        .transpose()
        .map_err(|e| ApiError::invalid_request(format!("credential_id: {e}")))?;
    let credential_known = match &credential_id {
        None => None,
        Some(cid) => {
            let owner = state.db.credential_by_id(cid).await?.map(|c| c.user_id);
            Some(match (&flow.identifier, owner) {
                (_, None) => false,
                (None, Some(_)) => true,
                (Some(_), Some(owner)) => flow.identified_user.as_ref() == Some(&owner),
            })
        }
    };
    let knowledge = ServerKnowledge {
        identified: flow.identifier.is_some(),
        user_passkey_count: identified_passkey_count(&state, &flow).await?,
        credential_known,
        ceremony_timeout_ms: u64::try_from(state.passkeys.ceremony_timeout().as_millis()).ok(),
    };
    let client = ClientReport {
        dom_exception: report.dom_exception.clone(),
        conditional_mediation_available: report.conditional_mediation_available,
        platform_authenticator_available: report.platform_authenticator_available,
        hybrid_available: report.hybrid_available,
        credential_id: credential_id.map(|c| c.as_bytes().to_vec()),
        elapsed_ms: report.elapsed_ms,
    };
    let reason = classify(&client, &knowledge);
    tracing::info!(
        event = "passkey_client_failure",
        flow_id = %flow.id,
        reason = reason.as_str(),
        dom_exception = report.dom_exception.as_deref().unwrap_or("-"),
        "passkey failure reported by the browser"
    );
    events::record(
        &state,
        events::for_flow(
            &state,
            &req,
            &flow,
            EventKind::PasskeyFailed,
            Outcome::Failed,
        )
        .reason(reason.as_str())
        .detail(format!(
            "client:{}",
            report.dom_exception.as_deref().unwrap_or("none")
        )),
    )
    .await;
    let device = DeviceReport {
        platform_authenticator_available: report.platform_authenticator_available,
        conditional_mediation_available: report.conditional_mediation_available,
        hybrid_available: report.hybrid_available,
    };
    let decision = fallback::report(&state, &req, &flow.id, Some(reason), device).await?;
    Ok(json_ok(&FailureResponse {
        reason,
        next: NextOption::of(&decision),
        decision,
    }))
}

/// The passkey count classification may use for an identified flow: the
/// account's real count, but at least one. An identifier that names no
/// account must read like an account with passkeys (`classify`'s contract),
/// and so must an account without passkeys: its `allowCredentials` carried
/// a stand-in precisely so that it looks like one, and answering
/// `no_passkey_at_all` here would undo that. The count is queried in every
/// case (for the nil id when there is no account) so the work is the same.
async fn identified_passkey_count(state: &AppState, flow: &LoginFlow) -> Result<usize, ApiError> {
    if flow.identifier.is_none() {
        return Ok(0);
    }
    let user = flow.identified_user.clone().unwrap_or_else(nobody);
    let count = state.db.count_credentials_for_user(&user).await?;
    Ok(usize::try_from(count).unwrap_or(usize::MAX).max(1))
}

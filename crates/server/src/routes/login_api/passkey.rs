//! Passkey sign-in over the login-flow API (WebAuthn L3 §7.2): options and
//! verification. Failures the browser reports are in `failure.rs`.

use actix_web::{HttpRequest, HttpResponse, post, web};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_core::UserStatus;
use latchkey_oidc::flow::LoginFlow;
use latchkey_passkey::webauthn::{PublicKeyCredential, RequestChallengeResponse};
use latchkey_passkey::{CeremonyError, CredentialRepo as _, Mediation, PasskeyFailure};
use serde::{Deserialize, Serialize};

use latchkey_fallback::repo::{EventKind, NewEvent, Outcome};

use super::{LoginApiError, NextOption, json_ok, nobody, pending_flow, stand_in};
use crate::ceremonies::{self, Expecting};
use crate::error::ApiError;
use crate::state::AppState;
use crate::{events, flows};

fn default_mediation() -> Mediation {
    Mediation::Modal
}

/// `POST /api/login/flows/{id}/passkey/options` body.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionsRequest {
    /// `"conditional"` (autofill, L3 §5.1.4 with conditional mediation) or
    /// `"modal"` (a button); default `"modal"`. Ignored once the flow is
    /// identified: identifier-first options are always modal.
    #[serde(default = "default_mediation")]
    pub mediation: Mediation,
}

/// `POST /api/login/flows/{id}/passkey/options` response.
#[derive(Debug, Clone, Serialize)]
pub struct OptionsResponse {
    /// Send back with the assertion; valid for one verification within the
    /// ceremony timeout (`publicKey.timeout`).
    pub ceremony_id: String,
    /// The options for `navigator.credentials.get()`: `publicKey`
    /// (`PublicKeyCredentialRequestOptionsJSON`, L3 §5.5) and, for autofill,
    /// `mediation: "conditional"`.
    pub public_key: RequestChallengeResponse,
}

/// `POST /api/login/flows/{id}/passkey/options` `{mediation}` → `200`
/// [`OptionsResponse`].
///
/// - Not identified: usernameless options (empty `allowCredentials`, L3
///   §5.4.4 discoverable credentials), for autofill or a button.
/// - Identified: `allowCredentials` lists the account's passkeys (L3 §5.5).
///   When the identifier names no account, or one without passkeys, it
///   lists one stand-in id derived from the identifier instead, identical
///   on every request (L3 §14.6.2), so the options look the same as for a
///   real account.
///
/// The ceremony state is stored under the returned `ceremony_id`, bound to
/// this flow, for the ceremony timeout. Errors: `400 invalid_request`,
/// `403 csrf`, `404 flow_not_found`, `409 flow_not_pending`.
#[post("/api/login/flows/{id}/passkey/options")]
pub async fn options(
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Json<OptionsRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, LoginApiError> {
    let flow = pending_flow(&state, &req, &id).await?;
    let (options, auth_state, expecting) = match &flow.identifier {
        None => {
            let (o, s) = state
                .passkeys
                .start_discoverable_authentication(body.mediation)
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            (o, s, Expecting::Any)
        }
        Some(identifier) => identified_options(&state, &flow, identifier).await?,
    };
    let ceremony_id = ceremonies::put(&state, &flow.id, auth_state, expecting).await?;
    Ok(json_ok(&OptionsResponse {
        ceremony_id,
        public_key: options,
    }))
}

/// Identifier-first options; the same queries and work whether or not the
/// identifier names an account with passkeys.
async fn identified_options(
    state: &AppState,
    flow: &LoginFlow,
    identifier: &str,
) -> Result<
    (
        RequestChallengeResponse,
        latchkey_passkey::AuthenticationState,
        Expecting,
    ),
    ApiError,
> {
    let user = flow.identified_user.clone().unwrap_or_else(nobody);
    let credentials = state.db.credentials_for_user(&user).await?;
    let stand_in_id = stand_in::credential_id(&state.privacy_key, identifier)?;
    match state
        .passkeys
        .start_identified_authentication(&user, &credentials)
    {
        Ok((o, s)) => Ok((o, s, Expecting::Any)),
        Err(CeremonyError::NoCredentials) => {
            let (o, s) = stand_in::options(state, &stand_in_id)?;
            Ok((o, s, Expecting::Nobody))
        }
        Err(e) => Err(ApiError::Internal(e.to_string())),
    }
}

/// `POST /api/login/flows/{id}/passkey/verify` body.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// From the options response.
    pub ceremony_id: String,
    /// The assertion: `PublicKeyCredential.toJSON()` of the result of
    /// `navigator.credentials.get()` (L3 §5.1, §5.2.2).
    pub credential: PublicKeyCredential,
}

/// `POST /api/login/flows/{id}/passkey/verify` response.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyResponse {
    /// Where the browser goes next (relative to the issuer): the
    /// authorization endpoint's resume route, which sends the code (or the
    /// client's error) to the relying party.
    pub redirect_to: String,
}

/// `POST /api/login/flows/{id}/passkey/verify` `{ceremony_id, credential}`
/// → `200` [`VerifyResponse`] with the new session cookie.
///
/// The ceremony is taken out of the store atomically first, so each
/// challenge is verified at most once on any node (L3 §13.4.3); then the
/// credential is looked up by id, the assertion verified (challenge,
/// origin, RP ID, UP/UV flags, signature, owner, counter: L3 §7.2), the
/// account checked to be active, the use recorded under the counter rule
/// (L3 §6.1.1; a concurrent use that moved the counter refuses this one),
/// and the flow completed with the passkey's `amr`/`acr`.
///
/// Who may answer is fixed when the options are made: usernameless options
/// accept any account's discoverable credential (its user handle must name
/// the owner, L3 §7.2 step 6), even if the visitor identified afterwards;
/// identifier-first options accept only that account's credentials, and
/// stand-in options nobody's.
///
/// Errors: `400 invalid_request` (unreadable body, or `id`/`type` that
/// contradict the rest of the credential), `400 ceremony_not_found`
/// (unknown, expired, used, or another flow's), `400 passkey_failed` with
/// `reason` (`unknown_credential`,
/// `verification_failed`, `security_error`) and `next`, `403 csrf`,
/// `404 flow_not_found`, `409 flow_not_pending`. Rejections are logged as
/// `passkey_rejected` events with the flow id and reason.
#[post("/api/login/flows/{id}/passkey/verify")]
pub async fn verify(
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Json<VerifyRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, LoginApiError> {
    let flow = pending_flow(&state, &req, &id).await?;
    let event = |kind, outcome| events::for_flow(&state, &req, &flow, kind, outcome);
    // The attempt is written with its outcome, in one transaction.
    let attempt = event(EventKind::PasskeyAttempt, Outcome::Info);
    match verify_assertion(&req, &flow, &body, &state).await {
        Ok((response, succeeded)) => {
            events::record_all(&state, vec![attempt, succeeded]).await;
            Ok(response)
        }
        Err(LoginApiError::PasskeyFailed(reason, _)) => {
            let failed = event(EventKind::PasskeyFailed, Outcome::Failed).reason(reason.as_str());
            events::record_all(&state, vec![attempt, failed]).await;
            let device = crate::fallback::progress::DeviceReport::default();
            let decision =
                crate::fallback::report(&state, &req, &flow.id, Some(reason), device).await?;
            Err(LoginApiError::PasskeyFailed(
                reason,
                NextOption::of(&decision),
            ))
        }
        Err(other) => {
            events::record(&state, attempt).await;
            Err(other)
        }
    }
}

async fn verify_assertion(
    req: &HttpRequest,
    flow: &LoginFlow,
    body: &VerifyRequest,
    state: &AppState,
) -> Result<(HttpResponse, NewEvent), LoginApiError> {
    let req = req.clone();
    check_envelope(&body.credential)?;
    let Some(ceremony) = ceremonies::take(state, &body.ceremony_id).await? else {
        return Err(LoginApiError::CeremonyNotFound);
    };
    if ceremony.flow_id != flow.id {
        tracing::info!(
            event = "passkey_rejected",
            flow_id = %flow.id,
            ceremony_flow = %ceremony.flow_id,
            "ceremony of another flow"
        );
        return Err(LoginApiError::CeremonyNotFound);
    }
    let reject = |reason: PasskeyFailure, detail: &dyn std::fmt::Display| {
        tracing::info!(
            event = "passkey_rejected",
            flow_id = %flow.id,
            reason = reason.as_str(),
            %detail,
            "passkey assertion rejected"
        );
        LoginApiError::PasskeyFailed(reason, Vec::new())
    };
    let response = &body.credential;
    let presented = state
        .passkeys
        .presented_credential(response)
        .map_err(|e| reject(e.failure(), &e))?;
    // The credential and its owner in one read (one round trip on
    // PostgreSQL instead of two).
    let stored = state
        .db
        .credential_with_owner(&presented.credential_id)
        .await?;
    let Some((credential, user)) = stored else {
        return Err(reject(
            PasskeyFailure::UnknownCredential,
            &"no such credential",
        ));
    };
    if ceremony.expecting == Expecting::Nobody {
        let detail = format!("stand-in ceremony answered with {}", credential.user_id);
        return Err(reject(PasskeyFailure::UnknownCredential, &detail));
    }
    let outcome = state
        .passkeys
        .finish_authentication(response, ceremony.state, &credential)
        .map_err(|e| reject(e.failure(), &e))?;
    let owner = match user {
        None => return Err(reject(PasskeyFailure::UnknownCredential, &"owner is gone")),
        Some(u) if u.status != UserStatus::Active => {
            return Err(reject(
                PasskeyFailure::VerificationFailed,
                &"account disabled",
            ));
        }
        Some(u) => u,
    };
    let now = state.clock.now();
    let recorded = state
        .db
        .record_credential_use(&outcome.credential_id, &outcome.credential_use(now))
        .await;
    match recorded {
        Ok(()) => {}
        Err(latchkey_core::RepoError::Conflict(_)) => {
            return Err(reject(
                PasskeyFailure::VerificationFailed,
                &"counter moved meanwhile",
            ));
        }
        Err(latchkey_core::RepoError::NotFound) => {
            return Err(reject(
                PasskeyFailure::UnknownCredential,
                &"deleted meanwhile",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    let subject = credential.user_id.clone();
    let authn = outcome.authn_result(now);
    let done = flows::complete(state, &req, &flow.id, authn, Some(&owner)).await?;
    if done.session_cookie.is_some() {
        crate::fallback::nudge::touch(state, &req, &subject).await?;
    }
    let succeeded = events::for_flow(state, &req, flow, EventKind::PasskeySucceeded, Outcome::Ok)
        .user(&subject)
        .method(if credential.backup_eligible {
            "passkey_synced"
        } else {
            "passkey_device_bound"
        });
    tracing::info!(
        event = "passkey_verified",
        flow_id = %flow.id,
        credential = %outcome.credential_id,
        "passkey assertion verified; flow completed"
    );
    let body = VerifyResponse {
        redirect_to: done.redirect_to.clone(),
    };
    Ok((super::completed_json(done, &body), succeeded))
}

/// The parts of an assertion no signature covers and webauthn-rs does not
/// read: `id` must be the base64url form of `rawId` (L3 §5.1 `id`) and
/// `type` must be `public-key` (L3 §5.1 `[[type]]`). A response that
/// disagrees with itself is malformed, and refused before its ceremony is
/// used up.
fn check_envelope(credential: &PublicKeyCredential) -> Result<(), ApiError> {
    let raw = URL_SAFE_NO_PAD.encode(credential.raw_id.as_ref());
    if credential.id != raw {
        return Err(ApiError::invalid_request(
            "credential.id must be the base64url encoding of credential.rawId",
        ));
    }
    if credential.type_ != "public-key" {
        return Err(ApiError::invalid_request(
            "credential.type must be \"public-key\"",
        ));
    }
    Ok(())
}

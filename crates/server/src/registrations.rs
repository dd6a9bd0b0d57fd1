//! Passkey registration over HTTP, shared by the enrollment link
//! (`routes::enroll`) and the signed-in account API (`routes::account`).
//!
//! A ceremony has two requests. `start` keeps the webauthn-rs state in the
//! ephemeral store under `registration:<random id>` for the ceremony timeout,
//! together with what it was started for ([`Purpose`]), so any node can
//! finish it and a registration started for one invitation or session
//! cannot be finished with another. `take` removes it atomically before
//! verification: a replayed or concurrent finish finds nothing.
//!
//! Errors of these APIs are JSON `{error, message, error_description}`:
//! `error` is a stable code for the page, `message` is plain words for the
//! user, and `error_description` repeats it so clients written against
//! Latchkey's other JSON errors ([`ApiError`]) read it too.

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, USER_AGENT};
use actix_web::{HttpRequest, HttpResponse};
use latchkey_core::{Ephemeral as _, User, UserId};
use latchkey_passkey::webauthn::{CreationChallengeResponse, RegisterPublicKeyCredential};
use latchkey_passkey::{
    CeremonyError, CredentialRepo as _, PasskeyCredential, RegistrationContext, RegistrationState,
};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, Detailed};
use crate::state::AppState;

/// What a registration was started for; checked again when it finishes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Purpose {
    /// An enrollment link: the invitation's token hash.
    Invitation { token_hash: String },
    /// A signed-in user adding a passkey: the session that asked.
    Account { user_id: UserId, sid: String },
}

/// A registration waiting for the browser's response.
#[derive(Debug, Serialize, Deserialize)]
pub struct Pending {
    pub purpose: Purpose,
    pub state: RegistrationState,
}

/// The body of an options response.
#[derive(Debug, Serialize)]
pub struct Started {
    /// Send back with the finish request.
    pub registration_id: String,
    /// Pass `public_key.publicKey` to `navigator.credentials.create()`.
    pub public_key: CreationChallengeResponse,
}

/// The body of a finish request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FinishRequest {
    pub registration_id: String,
    pub credential: RegisterPublicKeyCredential,
    #[serde(default)]
    pub friendly_name: Option<String>,
}

/// A passkey as the account API shows it.
#[derive(Debug, Serialize)]
pub struct PasskeyView {
    /// The credential id, base64url without padding (`PublicKeyCredential.id`).
    pub id: String,
    pub friendly_name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub backup_eligible: bool,
    pub backup_state: bool,
    pub transports: Vec<String>,
    /// The browser that created it, to help tell passkeys apart.
    pub user_agent: Option<String>,
}

impl From<&PasskeyCredential> for PasskeyView {
    fn from(c: &PasskeyCredential) -> Self {
        Self {
            id: c.credential_id.to_base64url(),
            friendly_name: c.friendly_name.clone(),
            created_at: c.created_at.0,
            last_used_at: c.last_used_at.map(|t| t.0),
            backup_eligible: c.backup_eligible,
            backup_state: c.backup_state,
            transports: c.transports.clone(),
            user_agent: c.user_agent.clone(),
        }
    }
}

/// An error of the enrollment and account APIs (see the module comment).
#[derive(Debug, thiserror::Error)]
#[error("{error}: {message}")]
pub struct JsonError {
    pub status: StatusCode,
    pub error: &'static str,
    pub message: String,
    /// Why a ceremony failed (`latchkey_passkey::PasskeyFailure`), when one did.
    pub reason: Option<&'static str>,
}

impl JsonError {
    /// An error with `status`, code and message.
    pub fn new(status: StatusCode, error: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            error,
            message: message.into(),
            reason: None,
        }
    }

    /// The registration id is unknown, expired, used, or was started for
    /// something else.
    #[must_use]
    pub fn registration_invalid() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "registration_invalid",
            "This passkey setup has expired or was already finished. Please start again.",
        )
    }

    /// A name the user typed is unacceptable.
    #[must_use]
    pub fn friendly_name(e: &latchkey_passkey::FriendlyNameError) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_friendly_name",
            e.to_string(),
        )
    }

    fn credential_exists() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "credential_exists",
            "This passkey is already registered. Use it to sign in, or create a new one.",
        )
    }

    /// The verification of the browser's response failed.
    fn ceremony(e: &CeremonyError) -> Self {
        tracing::info!(error = %e, "passkey registration refused");
        Self {
            reason: Some(e.failure().as_str()),
            ..Self::new(
                StatusCode::BAD_REQUEST,
                "registration_failed",
                "The passkey could not be verified. Please try again.",
            )
        }
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    message: &'a str,
    error_description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
}

impl JsonError {
    /// As the one error type, waiting `retry_after_secs` when given.
    pub fn into_api(self, retry_after_secs: Option<i64>) -> ApiError {
        let body = ErrorBody {
            error: self.error,
            message: &self.message,
            error_description: &self.message,
            reason: self.reason,
        };
        Detailed::error(self.status, &body, retry_after_secs)
    }
}

impl From<JsonError> for ApiError {
    fn from(e: JsonError) -> Self {
        e.into_api(None)
    }
}

impl From<JsonError> for actix_web::Error {
    fn from(e: JsonError) -> Self {
        ApiError::from(e).into()
    }
}

fn key(id: &str) -> String {
    format!("registration:{id}")
}

/// Registration ids are 128-bit hex; anything else cannot be one, and is
/// refused before it reaches the store.
fn is_registration_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Start a registration for `user`, excluding the passkeys they already
/// have (WebAuthn L3 §5.4 `excludeCredentials`), and keep its state.
pub async fn start(state: &AppState, user: &User, purpose: Purpose) -> Result<Started, ApiError> {
    let existing = state.db.credentials_for_user(&user.id).await?;
    let (public_key, ceremony) = state
        .passkeys
        .start_registration(user, &existing)
        .map_err(|e| ApiError::Internal(format!("cannot start a registration: {e}")))?;
    let pending = Pending {
        purpose,
        state: ceremony,
    };
    let bytes = serde_json::to_vec(&pending).map_err(|e| ApiError::Internal(e.to_string()))?;
    let registration_id = latchkey_core::id::random_hex(16);
    state
        .ephemeral
        .put(
            &key(&registration_id),
            &bytes,
            state.passkeys.ceremony_timeout(),
        )
        .await?;
    Ok(Started {
        registration_id,
        public_key,
    })
}

/// Take a registration out of the store, once. `None` when the id is
/// malformed, unknown, expired or already taken, or when it was started for
/// something other than `purpose`.
pub async fn take(
    state: &AppState,
    registration_id: &str,
    purpose: &Purpose,
) -> Result<Option<RegistrationState>, ApiError> {
    if !is_registration_id(registration_id) {
        return Ok(None);
    }
    let Some(bytes) = state.ephemeral.take(&key(registration_id)).await? else {
        return Ok(None);
    };
    let pending: Pending = match serde_json::from_slice(&bytes) {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(error = %e, "unreadable registration state");
            return Ok(None);
        }
    };
    Ok((pending.purpose == *purpose).then_some(pending.state))
}

/// Check a user-chosen name before anything is consumed, so a typo costs no
/// ceremony.
pub fn friendly_name(name: Option<&str>) -> Result<Option<String>, JsonError> {
    name.map(latchkey_passkey::normalise_friendly_name)
        .transpose()
        .map_err(|e| JsonError::friendly_name(&e))
}

/// Verify the browser's response and build the credential record. A
/// credential id already registered, to this user or any other, is refused
/// (WebAuthn L3 §7.1 step "credentialId is not yet registered") before
/// anything is written; [`insert`] enforces the same atomically.
pub async fn verify(
    state: &AppState,
    req: &HttpRequest,
    ceremony: &RegistrationState,
    response: &RegisterPublicKeyCredential,
    friendly_name: Option<String>,
) -> Result<PasskeyCredential, actix_web::Error> {
    // webauthn-rs does not compare these envelope fields; an `id` that is not
    // the encoding of `rawId` would otherwise be stored as given.
    use base64::Engine as _;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(response.raw_id.as_ref());
    if response.id != raw || response.type_ != "public-key" {
        return Err(crate::error::ApiError::invalid_request(
            "credential.id must be base64url(credential.rawId) and credential.type \"public-key\"",
        )
        .into());
    }
    let context = RegistrationContext {
        now: state.clock.now(),
        user_agent: req
            .headers()
            .get(USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        friendly_name,
    };
    let credential = state
        .passkeys
        .finish_registration(response, ceremony, context)
        .map_err(|e| JsonError::ceremony(&e))?;
    if state
        .db
        .credential_by_id(&credential.credential_id)
        .await
        .map_err(ApiError::from)?
        .is_some()
    {
        return Err(JsonError::credential_exists().into());
    }
    Ok(credential)
}

/// Store a verified credential and record a `passkey_enrolled` event with
/// where it came from (`invitation`, `account`); a duplicate id (a
/// concurrent registration of the same id) is `credential_exists`.
pub async fn insert(
    state: &AppState,
    credential: &PasskeyCredential,
    source: &'static str,
) -> Result<(), actix_web::Error> {
    match state.db.insert_credential(credential).await {
        Ok(()) => {
            use latchkey_fallback::repo::{EventKind, Outcome};
            let event = crate::events::new(state, EventKind::PasskeyEnrolled, Outcome::Ok)
                .user(&credential.user_id)
                .method(if credential.backup_eligible {
                    "passkey_synced"
                } else {
                    "passkey_device_bound"
                })
                .detail(source);
            crate::events::record(state, event).await;
            Ok(())
        }
        Err(latchkey_core::RepoError::Conflict(_)) => Err(JsonError::credential_exists().into()),
        Err(e) => Err(ApiError::from(e).into()),
    }
}

/// `201 Created` with `body` and no caching.
pub fn created(body: &impl Serialize) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((CACHE_CONTROL, "no-store"))
        .json(body)
}

/// `200 OK` with `body` and no caching.
pub fn ok(body: &impl Serialize) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "no-store"))
        .json(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_ids_are_checked_before_lookup() {
        assert!(is_registration_id(&"a".repeat(32)));
        assert!(!is_registration_id(&"a".repeat(31)));
        assert!(!is_registration_id(&"z".repeat(32)));
        assert!(!is_registration_id("registration:x"));
    }

    #[test]
    fn purposes_distinguish_invitations_and_sessions() {
        let a = Purpose::Invitation {
            token_hash: "h1".into(),
        };
        let b = Purpose::Invitation {
            token_hash: "h2".into(),
        };
        let c = Purpose::Account {
            user_id: UserId("u".into()),
            sid: "s".into(),
        };
        assert_ne!(a, b);
        assert_ne!(a, c);
    }
}

//! Reading a login flow, and identifier-first identification.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use latchkey_core::UserRepo as _;
use latchkey_oidc::flow::{FlowState, LoginFlow};
use serde::{Deserialize, Serialize};

use super::{LoginApiError, json_ok, pending_flow};
use crate::error::ApiError;
use crate::flows;
use crate::state::AppState;

/// The longest identifier accepted, in characters: an email address can be
/// at most 254 (RFC 5321 §4.5.3.1.3 path limit less the angle brackets), and
/// usernames are shorter.
pub const MAX_IDENTIFIER_CHARS: usize = 254;

/// Where a flow is, as the page sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlowStateName {
    /// Waiting for the user to sign in.
    Pending,
    /// Signed in; the browser should go to `redirect_to`.
    Authenticated,
    /// Ended without a sign-in; `redirect_to` delivers the error to the client.
    Failed,
}

/// A way to sign in this flow offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// A passkey (WebAuthn), usernameless or identifier-first.
    Passkey,
}

/// `GET /api/login/flows/{id}`: what the sign-in page needs.
#[derive(Debug, Clone, Serialize)]
pub struct FlowView {
    /// The flow id (as in `/login?flow=`).
    pub id: String,
    pub state: FlowStateName,
    /// The relying party's display name ("Sign in to …").
    pub client_name: String,
    /// The client's `acr_values`, in its order of preference (OpenID Connect
    /// Core §3.1.2.1), so the page can say when only a passkey will do.
    pub requested_acr: Vec<String>,
    /// What the visitor typed to identify, if they did (as typed, trimmed).
    pub identifier: Option<String>,
    /// Methods the page may offer. The fallback engine will add more.
    pub methods: Vec<Method>,
    /// Send this in `X-Latchkey-CSRF` on every `POST` of this flow.
    pub csrf_token: String,
    /// When the flow expires (seconds since the Unix epoch, UTC).
    pub expires_at: i64,
    /// Where the browser goes once the flow is no longer pending (the
    /// authorization endpoint's resume route); absent while pending.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_to: Option<String>,
}

impl FlowView {
    fn of(flow: &LoginFlow) -> Self {
        let state = match flow.state {
            FlowState::Pending => FlowStateName::Pending,
            FlowState::Authenticated { .. } => FlowStateName::Authenticated,
            FlowState::Failed { .. } => FlowStateName::Failed,
        };
        Self {
            id: flow.id.clone(),
            state,
            client_name: flow.client_name.clone(),
            requested_acr: flow.request.acr_values.clone(),
            identifier: flow.identifier.clone(),
            methods: vec![Method::Passkey],
            csrf_token: flow.csrf_token.clone(),
            expires_at: flow.expires_at.0,
            redirect_to: (state != FlowStateName::Pending).then(|| flows::resume_path(&flow.id)),
        }
    }
}

/// `GET /api/login/flows/{id}` → `200` [`FlowView`].
///
/// Needs the browser cookie of the browser that started the flow (else
/// `404 flow_not_found`), and no CSRF header: reading changes nothing, and
/// the same-origin policy keeps the response (and its `csrf_token`) from
/// other sites.
#[get("/api/login/flows/{id}")]
pub async fn get_flow(
    req: HttpRequest,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, LoginApiError> {
    let flow = flows::load(&state, &req, &id).await?;
    Ok(json_ok(&FlowView::of(&flow)))
}

/// `POST /api/login/flows/{id}/identify` body.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentifyRequest {
    /// A username or email address (1 to 254 characters, no control
    /// characters; surrounding whitespace is ignored).
    pub identifier: String,
}

/// What comes after identification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NextStep {
    /// Ask for passkey options (`allowCredentials` now names the account's
    /// passkeys).
    Passkey,
}

/// `POST /api/login/flows/{id}/identify` response.
#[derive(Debug, Clone, Serialize)]
pub struct IdentifyResponse {
    pub next: NextStep,
}

/// `POST /api/login/flows/{id}/identify` `{identifier}` → `200
/// {"next":"passkey"}`.
///
/// Records the identifier on the flow for identifier-first sign-in. The
/// answer is byte-for-byte the same whether or not an account matches, and
/// the work is the same too (one lookup by identifier, one write of the
/// flow), so neither the body nor the timing tells a visitor whether the
/// account exists (OWASP ASVS V2.2; the design's "responses that do not
/// reveal whether an account exists"). The account, if any, is kept on the
/// flow and never shown to the browser. A visitor may identify again to
/// correct a typo.
///
/// Errors: `400 invalid_request` (empty, longer than 254 characters, or
/// with control characters), `403 csrf`, `404 flow_not_found`, `409
/// flow_not_pending`.
#[post("/api/login/flows/{id}/identify")]
pub async fn identify(
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Json<IdentifyRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, LoginApiError> {
    pending_flow(&state, &req, &id).await?;
    let identifier = checked_identifier(&body.identifier)?;
    record_identifier(&state, &req, &id, identifier).await?;
    Ok(json_ok(&IdentifyResponse {
        next: NextStep::Passkey,
    }))
}

/// Record a checked identifier (see [`checked_identifier`]) on the pending
/// flow `id`, with the account it names if any: one lookup and one write
/// whether or not an account matches. Shared with the hosted sign-in
/// page's form (`routes::login_page`).
pub(crate) async fn record_identifier(
    state: &AppState,
    req: &HttpRequest,
    id: &str,
    identifier: String,
) -> Result<(), LoginApiError> {
    let user = state.db.user_by_identifier(&identifier).await?;
    // Under the flow's lock: a concurrent completion cannot be overwritten
    // by an older copy, so the flow never moves backwards.
    let (_, identified) = flows::update_pending(state, req, id, |flow| {
        flow.identify(identifier, user.map(|u| u.id))
    })
    .await?;
    identified.map_err(|_| LoginApiError::FlowNotPending)
}

/// Trim and check an identifier; the rules do not depend on any account.
pub(crate) fn checked_identifier(raw: &str) -> Result<String, ApiError> {
    let trimmed = raw.trim();
    let chars = trimmed.chars().count();
    if chars == 0 || chars > MAX_IDENTIFIER_CHARS || trimmed.chars().any(char::is_control) {
        return Err(ApiError::invalid_request(
            "identifier must be 1 to 254 characters without control characters",
        ));
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_trimmed_and_bounded() {
        assert_eq!(
            checked_identifier("  Alice ").ok().as_deref(),
            Some("Alice")
        );
        assert!(checked_identifier("").is_err());
        assert!(checked_identifier(" \t ").is_err());
        assert!(checked_identifier("a\u{0}b").is_err());
        assert!(checked_identifier(&"é".repeat(254)).is_ok());
        assert!(checked_identifier(&"é".repeat(255)).is_err());
    }
}

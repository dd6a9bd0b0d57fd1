//! Login flows in the ephemeral store, and the one transition every
//! authentication layer ends in: [`complete`].
//!
//! Passkeys and fallbacks never mint tokens; they call [`complete`] with an
//! [`AuthnResult`], which starts the browser session and hands back where the
//! browser goes next (the authorization endpoint's resume route, which issues
//! the code).

use std::time::Duration;

use actix_web::HttpRequest;
use actix_web::cookie::Cookie;
use latchkey_core::{Ephemeral as _, UserRepo as _, UserStatus};
use latchkey_oidc::authorize::AuthorizationRequest;
use latchkey_oidc::flow::{FLOW_TTL_SECS, FlowError, FlowState, LoginFlow};
use latchkey_oidc::{AuthnResult, Client, ClientRepo as _};

use crate::error::ApiError;
use crate::session;
use crate::state::AppState;

fn key(id: &str) -> String {
    format!("flow:{id}")
}

fn ttl(flow: &LoginFlow, state: &AppState) -> Duration {
    Duration::from_secs(flow.remaining_secs(state.clock.now()))
}

/// Create a flow for a request that needs a sign-in, bound to `browser_id`.
pub async fn create(
    state: &AppState,
    request: AuthorizationRequest,
    client: &Client,
    browser_id: &str,
) -> Result<LoginFlow, ApiError> {
    let now = state.clock.now();
    let flow = LoginFlow {
        id: latchkey_core::id::random_hex(16),
        request,
        client_name: client.name.clone(),
        browser_hash: session::digest(browser_id),
        created_at: now,
        expires_at: now.plus_secs(FLOW_TTL_SECS),
        state: FlowState::Pending,
        csrf_token: latchkey_core::id::random_hex(16),
        identifier: None,
        identified_user: None,
    };
    save(state, &flow).await?;
    Ok(flow)
}

/// Store a flow (after a transition), keeping its expiry.
pub async fn save(state: &AppState, flow: &LoginFlow) -> Result<(), ApiError> {
    let bytes = serde_json::to_vec(flow).map_err(|e| ApiError::Internal(e.to_string()))?;
    state
        .ephemeral
        .put(&key(&flow.id), &bytes, ttl(flow, state))
        .await?;
    Ok(())
}

fn decode(bytes: &[u8]) -> Option<LoginFlow> {
    serde_json::from_slice(bytes)
        .map_err(|e| tracing::warn!(error = %e, "unreadable login flow"))
        .ok()
}

fn is_flow_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Load a live flow that belongs to the requesting browser.
pub async fn load(state: &AppState, req: &HttpRequest, id: &str) -> Result<LoginFlow, FlowLookup> {
    fetch(state, req, id, false).await
}

/// Take a flow out of the store (once: concurrent takes get one winner).
pub async fn take(state: &AppState, req: &HttpRequest, id: &str) -> Result<LoginFlow, FlowLookup> {
    fetch(state, req, id, true).await
}

async fn fetch(
    state: &AppState,
    req: &HttpRequest,
    id: &str,
    consume: bool,
) -> Result<LoginFlow, FlowLookup> {
    if !is_flow_id(id) {
        return Err(FlowLookup::Flow(FlowError::NotFound));
    }
    let read = if consume {
        state.ephemeral.take(&key(id)).await
    } else {
        state.ephemeral.get(&key(id)).await
    };
    let bytes = read.map_err(|e| FlowLookup::Api(e.into()))?;
    let flow = bytes
        .as_deref()
        .and_then(decode)
        .ok_or(FlowLookup::Flow(FlowError::NotFound))?;
    if let Err(e) = check_browser(&flow, req) {
        if consume {
            // Not this browser's flow: put it back untouched for its owner.
            save(state, &flow).await.map_err(FlowLookup::Api)?;
        }
        return Err(e);
    }
    if flow.expired(state.clock.now()) {
        return Err(FlowLookup::Flow(FlowError::NotFound));
    }
    Ok(flow)
}

fn check_browser(flow: &LoginFlow, req: &HttpRequest) -> Result<(), FlowLookup> {
    let presented = session::browser_id(req).map(|b| session::digest(&b));
    let same = presented.is_some_and(|p| {
        subtle::ConstantTimeEq::ct_eq(p.as_bytes(), flow.browser_hash.as_bytes()).into()
    });
    if same {
        Ok(())
    } else {
        Err(FlowLookup::Flow(FlowError::OtherBrowser))
    }
}

/// Why a flow could not be used.
#[derive(Debug)]
pub enum FlowLookup {
    Flow(FlowError),
    Api(ApiError),
}

impl From<ApiError> for FlowLookup {
    fn from(e: ApiError) -> Self {
        Self::Api(e)
    }
}

/// A completed sign-in: the session cookie to set and where the browser goes.
#[derive(Debug)]
pub struct Completed {
    pub session_cookie: Option<Cookie<'static>>,
    /// The resume URL (relative to the issuer).
    pub redirect_to: String,
}

/// The resume route for a flow.
#[must_use]
pub fn resume_path(flow_id: &str) -> String {
    format!("/authorize/resume?flow={flow_id}")
}

/// Record a successful authentication on a flow: checks the user may sign
/// in and that the result meets the client's `acr_values` (else the flow
/// fails with `unmet_authentication_requirements`, unless the client allows
/// a truthful downgrade), starts a fresh browser session, and returns where
/// the browser goes next. Called by every authentication layer.
pub async fn complete(
    state: &AppState,
    req: &HttpRequest,
    flow_id: &str,
    authn: AuthnResult,
) -> Result<Completed, FlowLookup> {
    let mut flow = take(state, req, flow_id).await?;
    if flow.state != FlowState::Pending {
        save(state, &flow).await?;
        return Err(FlowLookup::Flow(FlowError::NotPending));
    }
    let user = state
        .db
        .user_by_id(&authn.subject)
        .await
        .map_err(|e| FlowLookup::Api(e.into()))?;
    let client = state
        .db
        .client_by_id(&flow.request.client_id)
        .await
        .map_err(|e| FlowLookup::Api(e.into()))?;
    let mut cookie = None;
    if !user.is_some_and(|u| u.status == UserStatus::Active) {
        let _ = flow.fail("access_denied", "The account cannot sign in.");
    } else if !authn.satisfies_acr(&flow.request.acr_values)
        && !client.as_ref().is_some_and(|c| c.allow_acr_downgrade)
    {
        let _ = flow.fail(
            "unmet_authentication_requirements",
            "The sign-in did not meet the requested authentication level (acr_values).",
        );
    } else {
        let previous = session::session_cookie_value(req);
        let (browser_session, c) =
            session::start(state, previous.as_deref(), &authn, state.clock.now()).await?;
        let _ = flow.authenticate(authn, browser_session.sid);
        cookie = Some(c);
    }
    save(state, &flow).await?;
    Ok(Completed {
        session_cookie: cookie,
        redirect_to: resume_path(&flow.id),
    })
}

/// End a flow without a sign-in (the user gave up, or no acceptable method
/// exists); the client receives `error`.
pub async fn fail(
    state: &AppState,
    req: &HttpRequest,
    flow_id: &str,
    error: &str,
    description: &str,
) -> Result<Completed, FlowLookup> {
    let mut flow = take(state, req, flow_id).await?;
    let result = flow.fail(error, description);
    save(state, &flow).await?;
    result.map_err(FlowLookup::Flow)?;
    Ok(Completed {
        session_cookie: None,
        redirect_to: resume_path(&flow.id),
    })
}

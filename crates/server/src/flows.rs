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
use latchkey_core::{Ephemeral as _, User, UserRepo as _, UserStatus};
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
        consented: false,
    };
    save(state, &flow).await?;
    Ok(flow)
}

/// Create a flow for a request the browser's session already answers but
/// that needs a page before the code (consent): it starts authenticated,
/// with the session's sign-in.
pub async fn create_signed_in(
    state: &AppState,
    request: AuthorizationRequest,
    client: &Client,
    browser_id: &str,
    signed_in: &latchkey_oidc::session::BrowserSession,
) -> Result<LoginFlow, ApiError> {
    let mut flow = create(state, request, client, browser_id).await?;
    flow.state = FlowState::Authenticated {
        authn: signed_in.authn(),
        sid: signed_in.sid.clone(),
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
    if !is_flow_id(id) {
        return Err(FlowLookup::Flow(FlowError::NotFound));
    }
    let bytes = state
        .ephemeral
        .get(&key(id))
        .await
        .map_err(|e| FlowLookup::Api(e.into()))?;
    let flow = bytes
        .as_deref()
        .and_then(decode)
        .ok_or(FlowLookup::Flow(FlowError::NotFound))?;
    check_browser(&flow, req)?;
    if flow.expired(state.clock.now()) {
        return Err(FlowLookup::Flow(FlowError::NotFound));
    }
    Ok(flow)
}

/// Take a finished flow out of the store (once: concurrent takes get one
/// winner). Only for flows that left `Pending`, which never change again.
pub async fn take_finished(
    state: &AppState,
    req: &HttpRequest,
    id: &str,
) -> Result<LoginFlow, FlowLookup> {
    let flow = load(state, req, id).await?;
    if flow.is_pending() {
        return Err(FlowLookup::Flow(FlowError::NotPending));
    }
    let taken = state
        .ephemeral
        .take(&key(id))
        .await
        .map_err(|e| FlowLookup::Api(e.into()))?;
    taken
        .as_deref()
        .and_then(decode)
        .ok_or(FlowLookup::Flow(FlowError::NotFound))
}

/// How long a flow lock lives if its holder dies before releasing it.
const LOCK_TTL: Duration = Duration::from_secs(10);
/// How long a writer waits for a flow another request is changing.
const LOCK_WAIT: Duration = Duration::from_secs(3);
const LOCK_POLL: Duration = Duration::from_millis(10);

/// Exclusive right to change one flow, held across nodes through the
/// ephemeral store. Readers never wait: the flow stays in the store while it
/// is changed, so a concurrent `load` sees the old or the new version, never
/// nothing.
#[derive(Debug)]
#[must_use = "release the lock when done"]
pub struct FlowLock {
    lock: crate::locks::Lock,
}

impl FlowLock {
    /// Wait (briefly) for the flow's lock.
    pub async fn acquire(state: &AppState, id: &str) -> Result<Self, FlowLookup> {
        if !is_flow_id(id) {
            return Err(FlowLookup::Flow(FlowError::NotFound));
        }
        let key = format!("flow-lock:{id}");
        let deadline = std::time::Instant::now() + LOCK_WAIT;
        loop {
            let won = crate::locks::Lock::try_acquire(state, key.clone(), LOCK_TTL)
                .await
                .map_err(|e| FlowLookup::Api(e.into()))?;
            if let Some(lock) = won {
                return Ok(Self { lock });
            }
            if std::time::Instant::now() >= deadline {
                return Err(FlowLookup::Api(ApiError::Unavailable(
                    "the sign-in is busy; try again".into(),
                )));
            }
            actix_web::rt::time::sleep(LOCK_POLL).await;
        }
    }

    /// Release the lock (it also lapses by itself after [`LOCK_TTL`]).
    pub async fn release(self, state: &AppState) {
        self.lock.release(state).await;
    }
}

/// Change a pending flow under its lock: load, apply `change`, save.
/// Returns the changed flow, or `NotPending` if it had already finished.
pub async fn update_pending<T>(
    state: &AppState,
    req: &HttpRequest,
    id: &str,
    change: impl FnOnce(&mut LoginFlow) -> T,
) -> Result<(LoginFlow, T), FlowLookup> {
    let lock = FlowLock::acquire(state, id).await?;
    let result = async {
        let mut flow = load(state, req, id).await?;
        if !flow.is_pending() {
            return Err(FlowLookup::Flow(FlowError::NotPending));
        }
        let out = change(&mut flow);
        save(state, &flow).await?;
        Ok((flow, out))
    }
    .await;
    lock.release(state).await;
    result
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
/// the browser goes next. Called by every authentication layer. `owner`
/// is the subject's account if the caller has just read it (it is read
/// here otherwise): one database round trip less per sign-in.
pub async fn complete(
    state: &AppState,
    req: &HttpRequest,
    flow_id: &str,
    authn: AuthnResult,
    owner: Option<&User>,
) -> Result<Completed, FlowLookup> {
    let lock = FlowLock::acquire(state, flow_id).await?;
    let result = complete_locked(state, req, flow_id, authn, owner).await;
    lock.release(state).await;
    result
}

async fn complete_locked(
    state: &AppState,
    req: &HttpRequest,
    flow_id: &str,
    authn: AuthnResult,
    owner: Option<&User>,
) -> Result<Completed, FlowLookup> {
    let mut flow = load(state, req, flow_id).await?;
    if !flow.is_pending() {
        return Err(FlowLookup::Flow(FlowError::NotPending));
    }
    let active = match owner.filter(|u| u.id == authn.subject) {
        Some(u) => u.status == UserStatus::Active,
        None => state
            .db
            .user_by_id(&authn.subject)
            .await
            .map_err(|e| FlowLookup::Api(e.into()))?
            .is_some_and(|u| u.status == UserStatus::Active),
    };
    let client = state
        .db
        .client_by_id(&flow.request.client_id)
        .await
        .map_err(|e| FlowLookup::Api(e.into()))?;
    let mut cookie = None;
    if !active {
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
    let (flow, result) =
        update_pending(state, req, flow_id, |f| f.fail(error, description)).await?;
    result.map_err(FlowLookup::Flow)?;
    Ok(Completed {
        session_cookie: None,
        redirect_to: resume_path(&flow.id),
    })
}

//! Back to passkeys: whether to invite a user who just signed in with a
//! fallback to create a passkey on this device.
//!
//! The device is the browser cookie (`__Host-latchkey-browser`, 400 days),
//! known by its SHA-256 in `known_devices`. The invitation is shown at most
//! once per interval (the policy's `nudge_interval_days`) per user and
//! device, never again on a device where the user chose "don't ask on this
//! device", and never blocks the way back to the relying party.

use actix_web::HttpRequest;
use latchkey_core::{UnixTime, UserId};
use latchkey_fallback::repo::{DeviceRepo as _, KnownDevice};

use crate::error::ApiError;
use crate::session;
use crate::state::AppState;

/// This request's device hash (the browser cookie's digest), if it has one.
#[must_use]
pub fn device_hash(req: &HttpRequest) -> Option<String> {
    session::browser_id(req).map(|b| session::digest(&b))
}

/// Whether the user has signed in from this device before (read before
/// [`touch`] records this sign-in).
pub async fn known_device(
    state: &AppState,
    req: &HttpRequest,
    user: &UserId,
) -> Result<Option<KnownDevice>, ApiError> {
    let Some(hash) = device_hash(req) else {
        return Ok(None);
    };
    Ok(state.db.device(user, &hash).await?)
}

/// Record a successful sign-in from this device.
pub async fn touch(state: &AppState, req: &HttpRequest, user: &UserId) -> Result<(), ApiError> {
    if let Some(hash) = device_hash(req) {
        state
            .db
            .touch_device(user, &hash, state.clock.now())
            .await?;
    }
    Ok(())
}

/// Whether the frequency cap or the user's choice suppresses the
/// invitation on this device.
#[must_use]
pub fn suppressed(device: Option<&KnownDevice>, now: UnixTime, interval_secs: i64) -> bool {
    device.is_some_and(|d| {
        d.nudge_dismissed
            || d.nudge_last_shown
                .is_some_and(|t| now.0 - t.0 < interval_secs)
    })
}

/// Note that the invitation was shown on this device now.
pub async fn shown(state: &AppState, req: &HttpRequest, user: &UserId) -> Result<(), ApiError> {
    if let Some(hash) = device_hash(req) {
        state
            .db
            .set_nudge_shown(user, &hash, state.clock.now())
            .await?;
    }
    Ok(())
}

/// "Don't ask on this device".
pub async fn dismiss(state: &AppState, req: &HttpRequest, user: &UserId) -> Result<(), ApiError> {
    if let Some(hash) = device_hash(req) {
        state.db.dismiss_nudge(user, &hash).await?;
    }
    Ok(())
}

/// The invitation page of a flow.
#[must_use]
pub fn path(flow_id: &str) -> String {
    format!("/login/nudge?flow={flow_id}")
}

//! The built-in demo relying application (`demo.enabled`; on in dev mode):
//! `GET /demo`, `GET /demo/start`, `GET /demo/callback`.
//!
//! It is an ordinary public client, `latchkey-demo`, going through the
//! ordinary protocol: an authorization request with `state`, `nonce` and
//! PKCE S256, the browser signs in on the hosted pages, and the callback
//! checks `state` and `iss` (RFC 9207), redeems the code at the server's own
//! `/token` over HTTP (the issuer URL, so the issuer's host must resolve
//! from the server), verifies the ID token and shows its claims. Nothing
//! here reaches into the OIDC layer past what any relying party could do,
//! except that the ID token's signature is checked with the key ring
//! (`state.keys.current()`): the very key set `/jwks` publishes, so the
//! check is the one an RP would make after fetching `/jwks`.
//!
//! The client is registered (or brought up to date) idempotently when the
//! demo is first used on a node (`GET /demo` or `/demo/start`), so every node
//! agrees on it without a start-up step.

mod claims;
mod handlers;
mod registration;
mod rp;

use actix_web::web;

pub use handlers::{callback, home, start};
pub use registration::{ensure_client, registration};

/// The demo's client id.
pub const DEMO_CLIENT_ID: &str = "latchkey-demo";

/// Binds a demo sign-in to the browser that started it; the value is the
/// `state`, under which the nonce and PKCE verifier wait in the ephemeral
/// store (never in the cookie).
pub const DEMO_COOKIE: &str = "__Host-latchkey-demo";

/// The scopes the demo asks for: `latchkey_fallback` so the ID token says
/// why a fallback was used.
pub const DEMO_SCOPES: &str = "openid profile email latchkey_fallback";

/// The routes (nothing when the demo is off: each answers 404 itself, so
/// the switch is read per request and a test can flip it).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(home).service(start).service(callback);
}

fn redirect_uri(issuer: &str) -> String {
    format!("{issuer}/demo/callback")
}

//! Ceremonies end to end against webauthn-authenticator-rs's `SoftPasskey`,
//! a software authenticator (no browser). One test binary for the crate.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod attestation;
mod ceremonies;
mod hostile;
mod support;

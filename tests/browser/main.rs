//! Browser journeys: Latchkey's hosted pages in headless Chromium, driven
//! over the DevTools protocol, with a WebAuthn virtual authenticator,
//! a screenshot and an axe-core check of every page
//! (docs/testing-browser.md).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod harness;
mod journeys;

// The e2e suite's servers and fixtures; this binary uses only part of them.
#[allow(dead_code, unused_imports, unused_macros)]
#[path = "../e2e/support/mod.rs"]
mod support;

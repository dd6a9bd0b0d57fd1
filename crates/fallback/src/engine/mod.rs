//! The fallback policy engine: when a passkey sign-in does not work, decide
//! which alternatives to offer, best first, or refuse.
//!
//! Pure and deterministic: [`decide`] reads only its [`Situation`] (the
//! client's requirement and policy, the account's enrolled methods, the
//! passkey failure, what the browser reported, attempt locks, and `now` as a
//! value) and returns a [`Decision`]. No clock, no randomness, no I/O.
//!
//! The rules, their order and every code in the output are documented in
//! `docs/fallback-policy.md`. For an unidentified visitor the decision
//! depends on nothing about an account: the server passes
//! [`Enrollment::stand_in`] for an identifier that matches no account, so
//! such an identifier gets the answer an ordinary account would.

mod decide;
mod display;
mod input;
mod nudge;
mod output;
mod overrides;
mod rules;
#[cfg(test)]
mod tests;

pub use decide::decide;
pub use input::{Attempts, DeviceSignals, Enrollment, PasskeySummary, Requirement, Situation};
pub use nudge::offer_passkey_enrollment_after;
pub use output::{Decision, Notice, Offer, OfferReason, RefusalReason, SkipReason, Skipped, Step};
pub use overrides::{OVERRIDE_KEYS, SituationOverrides};

pub use crate::policy::FallbackMethod;

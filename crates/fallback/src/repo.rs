//! What the fallback methods keep durably, and the repository traits that
//! `latchkey-store` implements on the database.
//!
//! Secrets never reach a repository in the clear: TOTP secrets arrive
//! sealed by the server, recovery codes and passwords as argon2id PHC
//! strings, device cookies as their SHA-256. The rules that must hold across
//! nodes (a TOTP step is accepted once, a recovery code is spent once) are
//! single conditional updates in the store, so concurrent requests have
//! exactly one winner.

mod events;

use latchkey_core::{RepoError, UnixTime, UserId};
use serde::{Deserialize, Serialize};

pub use events::{
    Event, EventCount, EventKind, EventRepo, MAX_EVENT_DETAIL_BYTES, MAX_EVENT_FIELD_BYTES,
    NewEvent, Outcome,
};

/// A user's phone for SMS codes: E.164 (`+` and at most 15 digits),
/// normalised by the caller. One number belongs to at most one user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserPhone {
    pub user_id: UserId,
    pub phone: String,
    /// When the user proved they receive messages on it; `None` until then.
    pub verified_at: Option<UnixTime>,
    pub created_at: UnixTime,
}

impl UserPhone {
    /// Whether codes may be sent to this number to sign in.
    #[must_use]
    pub fn is_verified(&self) -> bool {
        self.verified_at.is_some()
    }

    /// The `phone_number` and `phone_number_verified` claims (OIDC Core
    /// §5.1) for this number.
    #[must_use]
    pub fn claim(&self) -> latchkey_oidc::claims::PhoneClaim<'_> {
        latchkey_oidc::claims::PhoneClaim {
            number: &self.phone,
            verified: self.is_verified(),
        }
    }
}

/// An authenticator-app secret (TOTP, RFC 6238).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpCredential {
    pub user_id: UserId,
    /// The base32 secret sealed by the server (opaque to the store).
    pub secret_sealed: String,
    /// The last accepted time step (RFC 6238 §4 `T`); a code is accepted
    /// only for a later step, so a code is never accepted twice (§5.2).
    pub last_used_step: Option<u64>,
    pub created_at: UnixTime,
    /// When the user typed a first valid code; `None` while enrolling.
    pub confirmed_at: Option<UnixTime>,
}

impl TotpCredential {
    /// Whether the secret may be used to sign in.
    #[must_use]
    pub fn is_confirmed(&self) -> bool {
        self.confirmed_at.is_some()
    }
}

/// An unused recovery code as stored: its id and argon2id PHC hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryCodeRow {
    pub id: String,
    pub code_hash: String,
}

/// A password (only where an operator enables passwords).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordCredential {
    pub user_id: UserId,
    /// argon2id PHC string (`$argon2id$…`); the store refuses anything else.
    pub hash: String,
    pub updated_at: UnixTime,
}

/// Durable fallback factors: phone, email verification, TOTP, recovery codes
/// and password. Keys that come from requests (phone numbers, emails, code
/// ids, user ids) and cannot be stored (a NUL byte, overlong) are simply not
/// found: `Ok(None)`, `Ok(false)` or `Ok(0)`, never an error.
#[allow(async_fn_in_trait)]
pub trait FactorRepo {
    /// Set the user's phone (E.164), replacing any previous one and starting
    /// unverified. `Conflict("phone")` when another user has it; `NotFound`
    /// when there is no such user; `Backend` when `phone` is not E.164.
    async fn set_phone(&self, user: &UserId, phone: &str, now: UnixTime) -> Result<(), RepoError>;
    /// The user's phone, verified or not.
    async fn phone(&self, user: &UserId) -> Result<Option<UserPhone>, RepoError>;
    /// Mark the phone verified, only if it is still `phone` (the number the
    /// code was sent to: a number changed meanwhile stays unverified).
    async fn verify_phone(
        &self,
        user: &UserId,
        phone: &str,
        now: UnixTime,
    ) -> Result<bool, RepoError>;
    /// Remove the user's phone; whether there was one.
    async fn delete_phone(&self, user: &UserId) -> Result<bool, RepoError>;

    /// Set `email_verified`, only if the user's email is still `email` (the
    /// address the code or link was sent to). Compared lowercased.
    async fn mark_email_verified(&self, user: &UserId, email: &str) -> Result<bool, RepoError>;
    /// Change (or with `None` remove) the user's email, lowercased; a new
    /// address starts unverified, the same address keeps its state.
    /// `Conflict("email")` when another user has it; `NotFound` when there is
    /// no such user.
    async fn change_email(&self, user: &UserId, email: Option<&str>) -> Result<(), RepoError>;

    /// Store a new, unconfirmed TOTP secret, replacing the user's previous
    /// one (confirmed or not): the caller asks for a recent sign-in first.
    async fn put_totp(
        &self,
        user: &UserId,
        secret_sealed: &str,
        now: UnixTime,
    ) -> Result<(), RepoError>;
    /// The user's TOTP secret, confirmed or not.
    async fn totp(&self, user: &UserId) -> Result<Option<TotpCredential>, RepoError>;
    /// Confirm the secret after the first valid code, consuming that code's
    /// `step`, only if the stored secret is still `secret_sealed` (the one
    /// the code was checked against) and unconfirmed. Calling
    /// [`advance_totp_step`](Self::advance_totp_step) with the same step
    /// first does no harm. Whether this call confirmed it.
    async fn confirm_totp(
        &self,
        user: &UserId,
        secret_sealed: &str,
        step: u64,
        now: UnixTime,
    ) -> Result<bool, RepoError>;
    /// Accept a code's time step: one conditional update that raises
    /// `last_used_step` only if `step` is later. `true` for exactly one of
    /// any number of concurrent calls with the same step; `false` for a
    /// replayed or older step, or no secret. Does not look at confirmation:
    /// sign-in checks [`TotpCredential::is_confirmed`].
    async fn advance_totp_step(&self, user: &UserId, step: u64) -> Result<bool, RepoError>;
    /// Remove the user's TOTP secret; whether there was one.
    async fn delete_totp(&self, user: &UserId) -> Result<bool, RepoError>;

    /// Replace all the user's recovery codes with `hashes` (argon2id PHC
    /// strings) in one transaction: the old set is gone and the new one
    /// complete, or nothing changed. An empty list removes them all.
    async fn replace_recovery_codes(
        &self,
        user: &UserId,
        hashes: Vec<String>,
        now: UnixTime,
    ) -> Result<(), RepoError>;
    /// The user's unused codes, oldest first.
    async fn unused_recovery_codes(&self, user: &UserId)
    -> Result<Vec<RecoveryCodeRow>, RepoError>;
    /// Spend a code: one conditional update (still unused, and the user's),
    /// so of concurrent uses exactly one gets `true`.
    async fn use_recovery_code(
        &self,
        user: &UserId,
        id: &str,
        now: UnixTime,
    ) -> Result<bool, RepoError>;
    /// How many unused codes the user has left.
    async fn count_unused_recovery_codes(&self, user: &UserId) -> Result<u64, RepoError>;

    /// Set (or replace) the user's password hash (argon2id PHC string).
    /// `NotFound` when there is no such user.
    async fn set_password(&self, user: &UserId, hash: &str, now: UnixTime)
    -> Result<(), RepoError>;
    /// The user's password hash, if they have one.
    async fn password(&self, user: &UserId) -> Result<Option<PasswordCredential>, RepoError>;
    /// Remove the user's password; whether there was one.
    async fn delete_password(&self, user: &UserId) -> Result<bool, RepoError>;
}

/// A browser a user has signed in from, known by the SHA-256 (lowercase hex)
/// of a random device cookie.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownDevice {
    pub user_id: UserId,
    pub device_hash: String,
    pub first_seen: UnixTime,
    pub last_seen: UnixTime,
    /// "Don't ask on this device": never invite to create a passkey here.
    pub nudge_dismissed: bool,
    /// When the passkey invitation was last shown here, for frequency caps.
    pub nudge_last_shown: Option<UnixTime>,
}

/// Known devices. A `device_hash` that is not 64 lowercase hex digits is
/// never stored and never found.
#[allow(async_fn_in_trait)]
pub trait DeviceRepo {
    /// Record a sign-in from the device: insert it (`first_seen` =
    /// `last_seen` = `now`) or move `last_seen`, in one statement. Returns
    /// the record after the change (a new device has `first_seen == now`);
    /// `None` only when `device_hash` is not a hash. `NotFound` when there is
    /// no such user.
    async fn touch_device(
        &self,
        user: &UserId,
        device_hash: &str,
        now: UnixTime,
    ) -> Result<Option<KnownDevice>, RepoError>;
    /// The device, if the user has signed in from it.
    async fn device(
        &self,
        user: &UserId,
        device_hash: &str,
    ) -> Result<Option<KnownDevice>, RepoError>;
    /// Note that the passkey invitation was shown on the device.
    async fn set_nudge_shown(
        &self,
        user: &UserId,
        device_hash: &str,
        now: UnixTime,
    ) -> Result<bool, RepoError>;
    /// "Don't ask on this device".
    async fn dismiss_nudge(&self, user: &UserId, device_hash: &str) -> Result<bool, RepoError>;
}

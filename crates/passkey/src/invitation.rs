//! Enrollment invitations: single-use, expiring links (`latchkey user
//! invite`) that let a user create a passkey without signing in first.
//!
//! The link carries a 256-bit random token; only its SHA-256 is stored
//! ([`Invitation::token_hash`]), so a copy of the database cannot be turned
//! into working links, and a slow KDF would add nothing against 256 bits of
//! entropy. Redemption is one conditional update in the store
//! ([`InvitationRepo::redeem_invitation`]): unused and unexpired, or nothing,
//! so two browsers racing with the same link get exactly one winner.

use latchkey_core::{RepoError, UnixTime, UserId};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Random bytes in a token: 256 bits, beyond guessing without rate limits.
pub const TOKEN_BYTES: usize = 32;

/// How long an invitation lasts unless the operator says otherwise.
pub const DEFAULT_TTL_HOURS: u32 = 72;

/// The longest an invitation may last (30 days): a link in a mailbox is a
/// credential, and a forgotten one should not stay valid for ever.
pub const MAX_TTL_HOURS: u32 = 720;

/// A stored invitation. The token itself is never stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    /// Lowercase hex SHA-256 of the token ([`hash_token`]).
    pub token_hash: String,
    /// Whose passkey the link creates.
    pub user_id: UserId,
    pub created_at: UnixTime,
    /// The first instant at which the link no longer works.
    pub expires_at: UnixTime,
    /// When it was redeemed; `None` while unused.
    pub used_at: Option<UnixTime>,
}

impl Invitation {
    /// Whether the link may still be used at `now`: unused and not expired.
    /// The store applies the same rule atomically when redeeming.
    #[must_use]
    pub fn is_redeemable(&self, now: UnixTime) -> bool {
        self.used_at.is_none() && now < self.expires_at
    }
}

/// A freshly issued invitation: the plaintext token to hand out once, and
/// the record to store.
#[derive(Debug, Clone)]
pub struct IssuedInvitation {
    pub token: String,
    pub invitation: Invitation,
}

/// Why an invitation cannot be issued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvitationError {
    #[error("an invitation must last 1 to {MAX_TTL_HOURS} hours, not {0}")]
    Ttl(u32),
}

/// Issue an invitation for `user`, valid for `ttl_hours` from `now`.
pub fn issue(
    user: &UserId,
    ttl_hours: u32,
    now: UnixTime,
) -> Result<IssuedInvitation, InvitationError> {
    if ttl_hours == 0 || ttl_hours > MAX_TTL_HOURS {
        return Err(InvitationError::Ttl(ttl_hours));
    }
    let token = latchkey_core::id::random_hex(TOKEN_BYTES);
    let token_hash = digest(&token);
    Ok(IssuedInvitation {
        token,
        invitation: Invitation {
            token_hash,
            user_id: user.clone(),
            created_at: now,
            expires_at: now.plus_secs(i64::from(ttl_hours) * 3600),
            used_at: None,
        },
    })
}

/// The stored form of a token presented by a browser, or `None` when it
/// cannot be a token Latchkey issued (wrong length or alphabet). Refusing
/// early keeps garbage (NUL bytes, megabytes) away from the database, and
/// "not a token" looks exactly like "unknown token" to the caller.
#[must_use]
pub fn hash_token(token: &str) -> Option<String> {
    let well_formed = token.len() == TOKEN_BYTES * 2
        && token
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    well_formed.then(|| digest(token))
}

fn digest(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            use std::fmt::Write as _;
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Durable invitation storage, implemented by `latchkey-store`.
#[allow(async_fn_in_trait)]
pub trait InvitationRepo {
    /// Store a new invitation.
    async fn create_invitation(&self, invitation: &Invitation) -> Result<(), RepoError>;
    /// An invitation by token hash, used or not (callers check
    /// [`Invitation::is_redeemable`] before starting a ceremony).
    async fn invitation_by_hash(&self, token_hash: &str) -> Result<Option<Invitation>, RepoError>;
    /// Mark the invitation used at `now` if it is unused and unexpired, in one
    /// conditional update; returns its user to exactly one caller, `None` to
    /// every other (unknown, used, expired, or lost the race).
    async fn redeem_invitation(
        &self,
        token_hash: &str,
        now: UnixTime,
    ) -> Result<Option<UserId>, RepoError>;
    /// Undo a redemption made at `used_at` when what it was for could not be
    /// stored (the new credential collided after the invitation was
    /// redeemed), so a failed enrollment does not burn the link. Only the
    /// redemption with that exact `used_at` is undone; returns whether one was.
    async fn release_invitation(
        &self,
        token_hash: &str,
        used_at: UnixTime,
    ) -> Result<bool, RepoError>;
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn issued_tokens_hash_to_the_stored_form() {
        let user = UserId("u".into());
        let a = issue(&user, 72, UnixTime(1_000)).unwrap();
        let b = issue(&user, 72, UnixTime(1_000)).unwrap();
        assert_eq!(a.token.len(), 64);
        assert_ne!(a.token, b.token);
        assert_eq!(
            hash_token(&a.token).as_deref(),
            Some(&*a.invitation.token_hash)
        );
        assert_ne!(a.invitation.token_hash, a.token);
        assert_eq!(a.invitation.expires_at, UnixTime(1_000 + 72 * 3600));
        assert_eq!(a.invitation.used_at, None);
    }

    #[test]
    fn ttl_is_bounded() {
        let user = UserId("u".into());
        assert_eq!(
            issue(&user, 0, UnixTime(0)).unwrap_err(),
            InvitationError::Ttl(0)
        );
        assert!(issue(&user, MAX_TTL_HOURS, UnixTime(0)).is_ok());
        assert!(issue(&user, MAX_TTL_HOURS + 1, UnixTime(0)).is_err());
    }

    #[test]
    fn malformed_tokens_are_not_hashed() {
        for bad in ["", "abc", &"A".repeat(64), &"g".repeat(64), &"0".repeat(65)] {
            assert_eq!(hash_token(bad), None, "{bad:?}");
        }
        assert!(hash_token(&"0".repeat(64)).is_some());
    }

    #[test]
    fn redeemable_until_expiry_and_once() {
        let mut inv = issue(&UserId("u".into()), 1, UnixTime(0))
            .unwrap()
            .invitation;
        assert!(inv.is_redeemable(UnixTime(3599)));
        assert!(!inv.is_redeemable(UnixTime(3600)));
        inv.used_at = Some(UnixTime(5));
        assert!(!inv.is_redeemable(UnixTime(10)));
    }
}

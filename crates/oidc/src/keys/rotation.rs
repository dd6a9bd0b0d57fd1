//! Rotation rules, as pure functions over stored keys and instants.
//!
//! Rotating an algorithm's key:
//!
//! 1. creates a new key now, published at once but signing only from
//!    `now + prepublish`: relying parties that cache the JWKS (for up to our
//!    `Cache-Control: max-age`, and every node picks up database changes
//!    within its refresh interval) learn the new public key *before* any
//!    token is signed with it, so verification never fails on an unknown
//!    `kid` (OpenID Connect Core §10.1.1 asks signers to let verifiers
//!    re-fetch, but pre-publication means they rarely need to);
//! 2. schedules the current key(s) of that algorithm to retire when the new
//!    one activates, and to leave the JWKS `max_token_lifetime` later, once
//!    every token they signed has expired.
//!
//! Nothing is deleted or changed in place except these two instants, so a
//! rotation is safe to run on one node while others keep serving.

use latchkey_core::UnixTime;
use serde::Serialize;

use super::{KeyError, StoredKey, generate, seal};
use crate::alg::SigningAlg;

/// Where a key is in its life at some instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyState {
    /// Published, not signing yet (pre-publication).
    Pending,
    /// May sign (the newest active key of an algorithm does).
    Active,
    /// Published for verification only.
    Retired,
    /// Gone from the JWKS; kept until pruned.
    Expired,
}

impl KeyState {
    /// The state of `key` at `now`.
    #[must_use]
    pub fn of(key: &StoredKey, now: UnixTime) -> Self {
        if key.expires_at.is_some_and(|e| e <= now) {
            Self::Expired
        } else if key.retires_at.is_some_and(|r| r <= now) {
            Self::Retired
        } else if key.activates_at > now {
            Self::Pending
        } else {
            Self::Active
        }
    }

    /// Lower-case name, for the CLI.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Active => "active",
            Self::Retired => "retired",
            Self::Expired => "expired",
        }
    }
}

/// A change to an existing key's schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Retirement {
    pub kid: String,
    pub retires_at: UnixTime,
    pub expires_at: UnixTime,
}

/// What a rotation does: insert `key`, apply `retirements`.
#[derive(Debug, Clone)]
pub struct Rotation {
    pub key: StoredKey,
    pub retirements: Vec<Retirement>,
}

impl Rotation {
    /// Apply this rotation to an in-memory list (what the database will
    /// hold once the repository calls succeed).
    pub fn apply_to(&self, keys: &mut Vec<StoredKey>) {
        for r in &self.retirements {
            if let Some(k) = keys.iter_mut().find(|k| k.kid == r.kid) {
                k.retires_at = Some(r.retires_at);
                k.expires_at = Some(r.expires_at);
            }
        }
        keys.push(self.key.clone());
    }
}

/// Generate a key of `alg`, sealed under `enc_key`, created at `now` and
/// signing from `activates_at`.
pub fn new_stored_key(
    alg: SigningAlg,
    enc_key: &[u8; 32],
    now: UnixTime,
    activates_at: UnixTime,
) -> Result<StoredKey, KeyError> {
    let generated = generate(alg)?;
    let private_key = seal(enc_key, &generated.kid, &generated.private_der)?;
    Ok(StoredKey {
        public_jwk: generated.public_jwk.to_string(),
        kid: generated.kid,
        alg,
        private_key,
        created_at: now,
        activates_at: activates_at.max(now),
        retires_at: None,
        expires_at: None,
    })
}

/// The keys of a fresh install: one per algorithm, active at once. Nothing
/// can have cached a JWKS of a server that never ran, so there is nothing to
/// pre-publish to.
pub fn initial_keys(enc_key: &[u8; 32], now: UnixTime) -> Result<Vec<StoredKey>, KeyError> {
    SigningAlg::ALL
        .into_iter()
        .map(|alg| new_stored_key(alg, enc_key, now, now))
        .collect()
}

/// Rotate `alg`: a new key that signs from `now + prepublish_secs`, and the
/// retirement of every current or pending key of `alg` at that instant,
/// leaving the JWKS `max_token_lifetime_secs` later. Negative durations
/// count as zero.
///
/// When no key of `alg` can sign at `now` (a fresh database, or every key
/// retired), the new key signs at once: no token of `alg` is being issued,
/// so pre-publication would protect nothing and only leave the algorithm
/// without a key for the whole period.
pub fn rotate(
    existing: &[StoredKey],
    alg: SigningAlg,
    enc_key: &[u8; 32],
    now: UnixTime,
    prepublish_secs: i64,
    max_token_lifetime_secs: i64,
) -> Result<Rotation, KeyError> {
    let any_active = existing
        .iter()
        .any(|k| k.alg == alg && KeyState::of(k, now) == KeyState::Active);
    let activates_at = if any_active {
        now.plus_secs(prepublish_secs.max(0))
    } else {
        now
    };
    let key = new_stored_key(alg, enc_key, now, activates_at)?;
    let retirements = plan_retirements(existing, alg, activates_at, max_token_lifetime_secs);
    Ok(Rotation { key, retirements })
}

/// The keys of `alg` still scheduled to sign at or after `activates_at`
/// (active, pending, or retiring later) retire at `activates_at`. Keys that
/// already retire earlier keep their schedule. Moving a retirement earlier
/// moves the expiry with it, which stays safe: a key's last token is signed
/// before `retires_at` and expires within `max_token_lifetime_secs`.
fn plan_retirements(
    existing: &[StoredKey],
    alg: SigningAlg,
    activates_at: UnixTime,
    max_token_lifetime_secs: i64,
) -> Vec<Retirement> {
    let expires_at = activates_at.plus_secs(max_token_lifetime_secs.max(0));
    existing
        .iter()
        .filter(|k| k.alg == alg && k.retires_at.is_none_or(|r| r > activates_at))
        .map(|k| Retirement {
            kid: k.kid.clone(),
            retires_at: activates_at,
            expires_at,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(kid: &str, alg: SigningAlg, activates: i64, retires: Option<i64>) -> StoredKey {
        StoredKey {
            kid: kid.into(),
            alg,
            public_jwk: "{}".into(),
            private_key: String::new(),
            created_at: UnixTime(0),
            activates_at: UnixTime(activates),
            retires_at: retires.map(UnixTime),
            expires_at: retires.map(|r| UnixTime(r + 10)),
        }
    }

    #[test]
    fn retires_current_and_pending_of_that_alg_only() {
        let existing = vec![
            key("old", SigningAlg::ES256, 0, Some(50)),
            key("cur", SigningAlg::ES256, 0, None),
            key("pend", SigningAlg::ES256, 500, None),
            key("late", SigningAlg::ES256, 0, Some(900)),
            key("rsa", SigningAlg::RS256, 0, None),
        ];
        let plan = plan_retirements(&existing, SigningAlg::ES256, UnixTime(200), 100);
        let kids: Vec<&str> = plan.iter().map(|r| r.kid.as_str()).collect();
        assert_eq!(kids, ["cur", "pend", "late"]);
        assert!(
            plan.iter()
                .all(|r| r.retires_at == UnixTime(200) && r.expires_at == UnixTime(300))
        );
    }

    #[test]
    fn states_over_a_life() {
        let mut k = key("k", SigningAlg::EdDSA, 100, Some(200));
        k.expires_at = Some(UnixTime(300));
        let at = |t| KeyState::of(&k, UnixTime(t));
        assert_eq!(at(50), KeyState::Pending);
        assert_eq!(at(100), KeyState::Active);
        assert_eq!(at(199), KeyState::Active);
        assert_eq!(at(200), KeyState::Retired);
        assert_eq!(at(300), KeyState::Expired);
    }

    #[test]
    fn rotate_builds_a_prepublished_key() {
        let enc = [1u8; 32];
        let initial = initial_keys(&enc, UnixTime(1000)).unwrap();
        assert_eq!(initial.len(), 3);
        assert!(initial.iter().all(|k| k.activates_at == UnixTime(1000)));
        let r = rotate(
            &initial,
            SigningAlg::EdDSA,
            &enc,
            UnixTime(2000),
            3600,
            86400,
        )
        .unwrap();
        assert_eq!(r.key.alg, SigningAlg::EdDSA);
        assert_eq!(r.key.created_at, UnixTime(2000));
        assert_eq!(r.key.activates_at, UnixTime(5600));
        assert_eq!(r.retirements.len(), 1);
        assert_eq!(r.retirements[0].retires_at, UnixTime(5600));
        assert_eq!(r.retirements[0].expires_at, UnixTime(5600 + 86400));
        let mut all = initial.clone();
        r.apply_to(&mut all);
        assert_eq!(all.len(), 4);
        let neg = rotate(&all, SigningAlg::EdDSA, &enc, UnixTime(3000), -5, -5).unwrap();
        assert_eq!(neg.key.activates_at, UnixTime(3000));
        assert!(
            neg.retirements
                .iter()
                .all(|r| r.expires_at == UnixTime(3000))
        );
    }

    #[test]
    fn without_an_active_key_the_new_one_signs_at_once() {
        let enc = [1u8; 32];
        let fresh = rotate(&[], SigningAlg::ES256, &enc, UnixTime(10), 3600, 60).unwrap();
        assert_eq!(fresh.key.activates_at, UnixTime(10));
        assert!(fresh.retirements.is_empty());
        // Only a retired key of this alg: same.
        let retired = vec![key("r", SigningAlg::ES256, 0, Some(5))];
        let r = rotate(&retired, SigningAlg::ES256, &enc, UnixTime(10), 3600, 60).unwrap();
        assert_eq!(r.key.activates_at, UnixTime(10));
        // Only a pending key (activating later): the new one signs now and
        // the pending one is retired before it ever signs.
        let pending = vec![key("p", SigningAlg::ES256, 500, None)];
        let r = rotate(&pending, SigningAlg::ES256, &enc, UnixTime(10), 3600, 60).unwrap();
        assert_eq!(r.key.activates_at, UnixTime(10));
        assert_eq!(r.retirements[0].retires_at, UnixTime(10));
    }
}

//! Consent: a user's agreement that a client may learn who they are and
//! receive the scopes named (OpenID Connect Core §3.1.2.4).
//!
//! Clients registered by an operator for their own applications usually do
//! not ask: registration is the consent. A client registered with
//! `require_consent` asks once per user, again when it asks for a scope the
//! user has not agreed to, and again whenever it sends `prompt=consent`.
//! A user can withdraw consent from the account page; the next sign-in asks
//! again.

use latchkey_core::{RepoError, UnixTime, UserId};

use crate::client::{Client, ClientId};

/// What one user agreed to for one client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub user: UserId,
    pub client: ClientId,
    /// Every scope agreed to so far (a later consent adds to it).
    pub scopes: Vec<String>,
    /// When the user last agreed.
    pub granted_at: UnixTime,
}

impl Consent {
    /// Whether this consent covers every scope in `requested`.
    #[must_use]
    pub fn covers(&self, requested: &[String]) -> bool {
        requested.iter().all(|s| self.scopes.contains(s))
    }
}

/// Whether a request by `client` for `scopes` must show the consent page.
/// `stored` is the user's consent for this client, if any; `prompt_consent`
/// is the request's `prompt=consent`; `given_in_this_flow` is true once the
/// user agreed on the page for this very request (so `prompt=consent` asks
/// once, not in a loop).
#[must_use]
pub fn needed(
    client: &Client,
    scopes: &[String],
    stored: Option<&Consent>,
    prompt_consent: bool,
    given_in_this_flow: bool,
) -> bool {
    if !client.require_consent || given_in_this_flow {
        return false;
    }
    prompt_consent || !stored.is_some_and(|c| c.covers(scopes))
}

/// The union of what was agreed before and what is agreed now, in order,
/// without repeats.
#[must_use]
pub fn merged_scopes(before: &[String], now: &[String]) -> Vec<String> {
    let mut out = before.to_vec();
    for s in now {
        if !out.contains(s) {
            out.push(s.clone());
        }
    }
    out
}

/// Consents, stored durably (implemented by `latchkey-store`).
#[allow(async_fn_in_trait)]
pub trait ConsentRepo {
    /// The user's consent for `client`, if any.
    async fn consent(&self, user: &UserId, client: &ClientId)
    -> Result<Option<Consent>, RepoError>;
    /// Record that `user` agreed to `scopes` for `client` at `now`, adding
    /// them to what was agreed before. `NotFound` when the user or the
    /// client does not exist.
    async fn grant_consent(
        &self,
        user: &UserId,
        client: &ClientId,
        scopes: &[String],
        now: UnixTime,
    ) -> Result<Consent, RepoError>;
    /// Every consent `user` has given, most recent first.
    async fn consents_of(&self, user: &UserId) -> Result<Vec<Consent>, RepoError>;
    /// Withdraw `user`'s consent for `client`; `false` when there was none.
    async fn revoke_consent(&self, user: &UserId, client: &ClientId) -> Result<bool, RepoError>;
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::client::NewClient;

    fn client(require: bool) -> Client {
        NewClient {
            name: "App".into(),
            redirect_uris: vec!["https://app.example.com/cb".into()],
            require_consent: require,
            ..NewClient::default()
        }
        .into_client("app".into(), Some("h".into()), UnixTime(1))
        .unwrap()
    }

    fn scopes(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_owned).collect()
    }

    fn consent(s: &str) -> Consent {
        Consent {
            user: UserId("u".into()),
            client: ClientId("app".into()),
            scopes: scopes(s),
            granted_at: UnixTime(5),
        }
    }

    #[test]
    fn clients_without_the_flag_never_ask() {
        assert!(!needed(
            &client(false),
            &scopes("openid"),
            None,
            true,
            false
        ));
    }

    #[test]
    fn first_request_asks_and_a_covering_consent_does_not() {
        let c = client(true);
        assert!(needed(&c, &scopes("openid email"), None, false, false));
        let stored = consent("openid email profile");
        assert!(!needed(
            &c,
            &scopes("openid email"),
            Some(&stored),
            false,
            false
        ));
    }

    #[test]
    fn a_new_scope_asks_again() {
        let stored = consent("openid");
        assert!(needed(
            &client(true),
            &scopes("openid email"),
            Some(&stored),
            false,
            false
        ));
    }

    #[test]
    fn prompt_consent_asks_once_per_request() {
        let c = client(true);
        let stored = consent("openid");
        assert!(needed(&c, &scopes("openid"), Some(&stored), true, false));
        assert!(!needed(&c, &scopes("openid"), Some(&stored), true, true));
    }

    #[test]
    fn merging_keeps_order_and_drops_repeats() {
        assert_eq!(
            merged_scopes(&scopes("openid email"), &scopes("email profile")),
            scopes("openid email profile")
        );
    }
}

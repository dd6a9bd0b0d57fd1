//! The browser session: who is signed in on this browser, since when and
//! how. Stored in the ephemeral store under a random id carried by a
//! `__Host-` cookie; this module holds the rules, not the storage.

use latchkey_core::{UnixTime, UserId};
use serde::{Deserialize, Serialize};

use crate::authn::{Acr, AuthMethod, AuthnResult};

/// A signed-in browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrowserSession {
    /// The public session id (`sid` claim, OpenID Connect Front-Channel and
    /// Back-Channel Logout §1.2): random, and distinct from the cookie value,
    /// so a token never carries the cookie secret.
    pub sid: String,
    pub subject: UserId,
    pub auth_time: UnixTime,
    pub methods: Vec<AuthMethod>,
    pub amr: Vec<String>,
    pub acr: Acr,
    pub created_at: UnixTime,
    /// The anti-CSRF token for this session's state-changing JSON calls
    /// (the account API compares it with the `X-Latchkey-CSRF` header): 128
    /// random bits, bound to the session so it dies with it. Sessions stored
    /// before the field existed read it as empty, which never matches.
    #[serde(default)]
    pub csrf: String,
    /// The fallback that started this session, if any (`AuthnResult`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback_reason: Option<String>,
}

/// Why a session cannot answer a request silently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unsatisfied {
    /// `prompt=login` asks for a fresh sign-in.
    PromptLogin,
    /// `max_age` has elapsed since `auth_time` (OIDC Core §3.1.2.1).
    MaxAge,
    /// The session's `acr` is below every requested `acr_values`.
    Acr,
    /// The `id_token_hint` names another user.
    OtherUser,
}

impl BrowserSession {
    /// Start a session from a completed authentication.
    #[must_use]
    pub fn new(sid: String, authn: &AuthnResult, now: UnixTime) -> Self {
        Self {
            sid,
            subject: authn.subject.clone(),
            auth_time: authn.auth_time,
            methods: authn.methods.clone(),
            amr: authn.amr.clone(),
            acr: authn.acr,
            created_at: now,
            csrf: latchkey_core::id::random_hex(16),
            fallback_reason: authn.fallback_reason.clone(),
        }
    }

    /// The authentication this session records.
    #[must_use]
    pub fn authn(&self) -> AuthnResult {
        AuthnResult {
            subject: self.subject.clone(),
            methods: self.methods.clone(),
            amr: self.amr.clone(),
            acr: self.acr,
            auth_time: self.auth_time,
            fallback_reason: self.fallback_reason.clone(),
        }
    }

    /// Whether this session answers a request without a new sign-in.
    pub fn satisfies(
        &self,
        prompt_login: bool,
        max_age: Option<u64>,
        acr_values: &[String],
        hinted_subject: Option<&UserId>,
        now: UnixTime,
    ) -> Result<(), Unsatisfied> {
        if prompt_login {
            return Err(Unsatisfied::PromptLogin);
        }
        if let Some(max_age) = max_age {
            // OIDC Core §3.1.2.1 (errata set 2): max_age=0 is prompt=login,
            // even within the second of the last sign-in.
            if max_age == 0 {
                return Err(Unsatisfied::MaxAge);
            }
            let age = now.0.saturating_sub(self.auth_time.0);
            if age < 0 || u64::try_from(age).map_or(true, |a| a > max_age) {
                return Err(Unsatisfied::MaxAge);
            }
        }
        if !self.authn().satisfies_acr(acr_values) {
            return Err(Unsatisfied::Acr);
        }
        if hinted_subject.is_some_and(|s| s != &self.subject) {
            return Err(Unsatisfied::OtherUser);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(methods: Vec<AuthMethod>, auth_time: i64) -> BrowserSession {
        let authn = AuthnResult::new(UserId("u1".into()), methods, UnixTime(auth_time));
        BrowserSession::new("sid".into(), &authn, UnixTime(auth_time))
    }

    #[test]
    fn satisfied_by_default() {
        let s = session(vec![AuthMethod::PasskeySynced], 1000);
        assert_eq!(s.satisfies(false, None, &[], None, UnixTime(5000)), Ok(()));
    }

    #[test]
    fn max_age_counts_from_auth_time() {
        let s = session(vec![AuthMethod::PasskeySynced], 1000);
        assert_eq!(
            s.satisfies(false, Some(60), &[], None, UnixTime(1060)),
            Ok(())
        );
        assert_eq!(
            s.satisfies(false, Some(60), &[], None, UnixTime(1061)),
            Err(Unsatisfied::MaxAge)
        );
        assert_eq!(
            s.satisfies(false, Some(0), &[], None, UnixTime(1001)),
            Err(Unsatisfied::MaxAge)
        );
    }

    #[test]
    fn prompt_login_acr_and_hint() {
        let s = session(vec![AuthMethod::EmailCode], 1000);
        assert_eq!(
            s.satisfies(true, None, &[], None, UnixTime(1000)),
            Err(Unsatisfied::PromptLogin)
        );
        assert_eq!(
            s.satisfies(false, None, &["phr".into()], None, UnixTime(1000)),
            Err(Unsatisfied::Acr)
        );
        let other = UserId("u2".into());
        assert_eq!(
            s.satisfies(false, None, &[], Some(&other), UnixTime(1000)),
            Err(Unsatisfied::OtherUser)
        );
        assert_eq!(
            s.satisfies(false, None, &[], Some(&UserId("u1".into())), UnixTime(1000)),
            Ok(())
        );
    }
}

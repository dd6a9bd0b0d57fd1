//! Sign-in events: every step of a sign-in, so operators see how often
//! passkeys fail, which fallbacks are used and why, and how many users come
//! back to passkeys; users see their own recent activity.

use latchkey_core::{RepoError, UnixTime, UserId};
use serde::{Deserialize, Serialize};

/// The longest short text field (`client_id`, `flow_id`, `method`, `reason`,
/// `device_class`) the store keeps, in bytes; longer values are cut.
pub const MAX_EVENT_FIELD_BYTES: usize = 256;
/// The longest `detail` the store keeps, in bytes; longer values are cut.
pub const MAX_EVENT_DETAIL_BYTES: usize = 2048;

macro_rules! spelled {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant,)+];

            /// The stored spelling (snake_case).
            #[must_use]
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }

            /// Parse the stored spelling.
            #[must_use]
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($text => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

spelled! {
    /// What happened. The database accepts only these spellings (a CHECK
    /// constraint), so a new kind takes a migration.
    EventKind {
        /// A passkey ceremony started.
        PasskeyAttempt = "passkey_attempt",
        PasskeySucceeded = "passkey_succeeded",
        /// `reason` says why (the passkey failure classification).
        PasskeyFailed = "passkey_failed",
        /// Fallback methods were offered; `detail` may list them.
        FallbackOffered = "fallback_offered",
        /// The user picked a fallback; `method` names it.
        FallbackChosen = "fallback_chosen",
        FallbackSucceeded = "fallback_succeeded",
        FallbackFailed = "fallback_failed",
        /// The "create a passkey on this device" invitation was shown.
        NudgeShown = "nudge_shown",
        NudgeAccepted = "nudge_accepted",
        NudgeDeclined = "nudge_declined",
        PasskeyEnrolled = "passkey_enrolled",
        /// A fallback factor was added; `method` names it.
        FactorEnrolled = "factor_enrolled",
        FactorRemoved = "factor_removed",
        /// Too many failed attempts: a method or account was locked.
        Lockout = "lockout",
    }
}

spelled! {
    /// How a step ended.
    Outcome {
        Ok = "ok",
        Failed = "failed",
        /// Neither: something was shown or chosen.
        Info = "info",
    }
}

impl EventKind {
    /// The kinds that count as a failed attempt to sign in.
    pub const FAILED_ATTEMPTS: &'static [Self] = &[Self::PasskeyFailed, Self::FallbackFailed];
}

/// An event to record; the store assigns its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewEvent {
    pub at: UnixTime,
    pub kind: EventKind,
    /// Recorded as `None` if the user does not exist (any more).
    pub user_id: Option<UserId>,
    pub client_id: Option<String>,
    pub flow_id: Option<String>,
    /// The sign-in method (`passkey`, `email_code`, `totp`, …).
    pub method: Option<String>,
    /// Why, for failures and fallbacks (a failure classification).
    pub reason: Option<String>,
    pub outcome: Outcome,
    /// A coarse device class (`desktop`, `mobile`, …), never a fingerprint.
    pub device_class: Option<String>,
    /// Short text or JSON; cut at [`MAX_EVENT_DETAIL_BYTES`].
    pub detail: Option<String>,
}

impl NewEvent {
    /// An event with only its kind, outcome and time; add the rest with the
    /// builder methods.
    #[must_use]
    pub fn new(at: UnixTime, kind: EventKind, outcome: Outcome) -> Self {
        Self {
            at,
            kind,
            user_id: None,
            client_id: None,
            flow_id: None,
            method: None,
            reason: None,
            outcome,
            device_class: None,
            detail: None,
        }
    }

    #[must_use]
    pub fn user(mut self, user: &UserId) -> Self {
        self.user_id = Some(user.clone());
        self
    }

    #[must_use]
    pub fn client(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    #[must_use]
    pub fn flow(mut self, flow_id: impl Into<String>) -> Self {
        self.flow_id = Some(flow_id.into());
        self
    }

    #[must_use]
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = Some(method.into());
        self
    }

    #[must_use]
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    #[must_use]
    pub fn device_class(mut self, class: impl Into<String>) -> Self {
        self.device_class = Some(class.into());
        self
    }

    #[must_use]
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// A recorded event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub id: String,
    pub at: UnixTime,
    pub kind: EventKind,
    pub user_id: Option<UserId>,
    pub client_id: Option<String>,
    pub flow_id: Option<String>,
    pub method: Option<String>,
    pub reason: Option<String>,
    pub outcome: Outcome,
    pub device_class: Option<String>,
    pub detail: Option<String>,
}

/// How many events of one kind, method, reason and outcome a period had.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventCount {
    pub kind: EventKind,
    pub method: Option<String>,
    pub reason: Option<String>,
    pub outcome: Outcome,
    pub count: u64,
}

/// The event log. Recording never fails because of what an event says:
/// text fields are cut to their caps and NUL bytes replaced, and an unknown
/// user becomes `None`.
#[allow(async_fn_in_trait)]
pub trait EventRepo {
    /// Record one event.
    async fn record_event(&self, event: &NewEvent) -> Result<(), RepoError>;
    /// Record several events in one transaction: all or none.
    async fn record_events(&self, events: &[NewEvent]) -> Result<(), RepoError>;
    /// The user's most recent events, newest first, at most `limit`.
    async fn events_for_user(&self, user: &UserId, limit: u32) -> Result<Vec<Event>, RepoError>;
    /// Events in `[since, until)` counted by kind, method, reason and
    /// outcome, sorted by those (absent method or reason first).
    async fn event_counts(
        &self,
        since: UnixTime,
        until: UnixTime,
    ) -> Result<Vec<EventCount>, RepoError>;
    /// The user's failed sign-in attempts ([`EventKind::FAILED_ATTEMPTS`])
    /// at or after `since`.
    async fn failed_attempts_since(&self, user: &UserId, since: UnixTime)
    -> Result<u64, RepoError>;
    /// Delete events before `before` (the retention window); how many.
    async fn purge_events_before(&self, before: UnixTime) -> Result<u64, RepoError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip() {
        assert_eq!(EventKind::ALL.len(), 14);
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.as_str()), Some(*kind));
            let json = serde_json::to_string(kind).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
        for outcome in Outcome::ALL {
            assert_eq!(Outcome::parse(outcome.as_str()), Some(*outcome));
        }
        assert_eq!(EventKind::parse("Passkey_failed"), None);
        assert_eq!(Outcome::parse(""), None);
    }
}

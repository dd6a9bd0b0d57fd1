//! Delivery of sign-in messages (one-time codes and links) for the fallback
//! methods: email through [`Mailer`], text messages through [`SmsSender`].
//!
//! Both are built once at start from the configuration and live in
//! [`crate::AppState`]. Each picks its transport from what is configured:
//!
//! | | configured | dev mode, not configured | production, not configured |
//! |---|---|---|---|
//! | email | SMTP (`email.smtp_url`) | [`Outbox`]: `.eml` files + log | off |
//! | SMS | HTTP provider (`sms.http_url`) | log line | off |
//!
//! "Off" is not an error at start: [`Mailer::is_enabled`] and
//! [`SmsSender::is_enabled`] are false, and the fallback engine does not
//! offer a method it cannot deliver.
//!
//! A [`DeliveryError`] is safe to log: it never carries credentials (the SMTP
//! password, the provider token) and never the message body.

pub mod email;
pub mod outbox;
pub mod sms;

pub use email::{Email, Mailer};
pub use outbox::{Outbox, OutboxMessage};
pub use sms::{InvalidPhoneNumber, SmsSender, normalise_e164};

/// Why a message was not delivered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// The channel has no transport (production without SMTP or an SMS
    /// provider). Callers should not have offered it.
    #[error("this delivery channel is not configured")]
    Disabled,
    /// The recipient is not a valid email address or E.164 number.
    #[error("invalid recipient: {0}")]
    InvalidRecipient(String),
    /// The message itself cannot be sent (empty text, a line break in the
    /// subject, too long for a text message).
    #[error("invalid message: {0}")]
    InvalidMessage(&'static str),
    /// The server or provider refused the message for good: an SMTP 5xx
    /// (status is the reply code) or an HTTP 4xx (status is the HTTP
    /// status). Retrying the same message will not help.
    #[error("the provider rejected the message (status {status}): {message}")]
    Rejected {
        /// SMTP reply code or HTTP status.
        status: u16,
        /// The provider's explanation, with credentials removed.
        message: String,
    },
    /// The server or provider could not be reached or failed on its side
    /// (connection refused, TLS failure, SMTP 4xx, HTTP 5xx or 429). May
    /// work later.
    #[error("the provider is unavailable: {0}")]
    Unavailable(String),
    /// No answer within the configured timeout.
    #[error("the provider did not answer within {0} seconds")]
    Timeout(u64),
}

impl DeliveryError {
    /// Whether trying again later may succeed (the user can be told "try
    /// again in a moment" instead of "use another method").
    #[must_use]
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unavailable(_) | Self::Timeout(_))
    }
}

/// Replaces every occurrence of a known secret in a provider's message:
/// servers sometimes echo what they were sent, and this text is logged.
pub(crate) fn scrub(message: &str, secrets: &[String]) -> String {
    let mut out: String = message
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(300)
        .collect();
    for secret in secrets.iter().filter(|s| s.len() >= 3) {
        out = out.replace(secret.as_str(), crate::config::REDACTED);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_removes_secrets_and_control_characters() {
        let s = scrub(
            "535 auth failed for hunter2\r\nagain",
            &["hunter2".to_owned()],
        );
        assert_eq!(s, "535 auth failed for [redacted]  again");
    }

    #[test]
    fn transient_errors() {
        assert!(DeliveryError::Timeout(5).is_transient());
        assert!(DeliveryError::Unavailable("x".into()).is_transient());
        assert!(
            !DeliveryError::Rejected {
                status: 550,
                message: String::new()
            }
            .is_transient()
        );
    }
}

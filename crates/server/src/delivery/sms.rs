//! Text messages: one [`SmsSender`] with an HTTP provider, the dev log, or
//! nothing, chosen once at start; and the E.164 check the account API uses
//! for phone numbers too.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;
use url::Url;

use super::{DeliveryError, scrub};
use crate::config::{Config, Secret};

/// The longest body accepted: providers split long texts into segments and
/// cap the total (1600 characters is the common limit); a sign-in message
/// is far shorter.
pub const MAX_BODY_CHARS: usize = 1600;

/// Why a phone number is not a usable E.164 number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidPhoneNumber {
    /// No leading `+` with a country code (E.164 numbers are international).
    #[error("the number must start with + and the country code, like +15551234567")]
    NoCountryCode,
    /// A character other than digits and the usual separators.
    #[error("the number may contain only digits after the +")]
    NotDigits,
    /// Fewer than 8 or more than 15 digits (ITU-T E.164 §6: at most 15).
    #[error("the number must have 8 to 15 digits")]
    Length,
}

/// `+` followed by 8 to 15 digits, the first not 0 (country codes never
/// start with 0), after removing the spaces, hyphens, dots and parentheses
/// people type: `+1 (555) 123-4567` becomes `+15551234567`.
///
/// # Errors
/// [`InvalidPhoneNumber`] saying what is wrong, fit to show the user.
pub fn normalise_e164(input: &str) -> Result<String, InvalidPhoneNumber> {
    let compact: String = input
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
        .collect();
    let digits = compact
        .strip_prefix('+')
        .ok_or(InvalidPhoneNumber::NoCountryCode)?;
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(InvalidPhoneNumber::NotDigits);
    }
    if !(8..=15).contains(&digits.len()) {
        return Err(InvalidPhoneNumber::Length);
    }
    if digits.starts_with('0') {
        return Err(InvalidPhoneNumber::NoCountryCode);
    }
    Ok(compact)
}

/// A number fit for a log line: the first three and last two characters.
#[must_use]
pub fn mask(e164: &str) -> String {
    let n = e164.chars().count();
    e164.chars()
        .enumerate()
        .map(|(i, c)| if i < 3 || i + 2 >= n { c } else { '*' })
        .collect()
}

/// Sends text messages through the provider the configuration selects.
pub struct SmsSender {
    provider: Provider,
}

enum Provider {
    Disabled,
    /// Dev mode without a provider: the message goes to the log.
    Log {
        from: Option<String>,
    },
    Http(Box<HttpProvider>),
}

/// A Twilio-style API: `POST` form `To`, `From`, `Body` with HTTP Basic
/// `account_id:auth_token`; 2xx with `{"sid": …}` means accepted.
struct HttpProvider {
    client: reqwest::Client,
    url: Url,
    account_id: String,
    auth_token: Secret,
    from: String,
    timeout_secs: u64,
}

impl fmt::Debug for SmsSender {
    // The provider holds the auth token; show only which provider runs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmsSender")
            .field("provider", &self.provider_name())
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct Accepted {
    sid: Option<String>,
}

#[derive(Deserialize)]
struct Refused {
    message: Option<String>,
    error: Option<String>,
}

impl SmsSender {
    /// The sender `config` asks for: the HTTP provider when `sms.http_url`
    /// is set, otherwise the log in dev mode, otherwise off.
    ///
    /// # Errors
    /// A sentence naming the key when the provider cannot be set up (a key
    /// missing despite validation, or the HTTP client failing to start).
    pub fn from_config(config: &Config) -> Result<Self, String> {
        let sms = &config.sms;
        let provider = match (&sms.http_url, config.dev_mode) {
            (Some(url), _) => {
                let missing = |key: &str| format!("{key} is required when sms.http_url is set");
                let timeout = Duration::from_secs(sms.timeout_secs);
                let client = reqwest::Client::builder()
                    .timeout(timeout)
                    .connect_timeout(timeout)
                    // A redirect would carry the form (and, to the same
                    // host, the credentials) somewhere not configured.
                    .redirect(reqwest::redirect::Policy::none())
                    .user_agent(concat!("latchkey/", env!("CARGO_PKG_VERSION")))
                    .build()
                    .map_err(|e| format!("the SMS HTTP client cannot start: {e}"))?;
                Provider::Http(Box::new(HttpProvider {
                    client,
                    url: url.clone(),
                    account_id: sms
                        .account_id
                        .clone()
                        .ok_or_else(|| missing("sms.account_id"))?,
                    auth_token: sms
                        .auth_token
                        .clone()
                        .ok_or_else(|| missing("sms.auth_token"))?,
                    from: sms.from.clone().ok_or_else(|| missing("sms.from"))?,
                    timeout_secs: sms.timeout_secs,
                }))
            }
            (None, true) => {
                tracing::warn!(
                    "dev mode: text messages are not sent but written to the log \
                     (sign-in codes included); set sms.http_url to use a provider"
                );
                Provider::Log {
                    from: sms.from.clone(),
                }
            }
            (None, false) => {
                tracing::info!(
                    "sms.http_url is not set: SMS delivery is off, so SMS sign-in methods are not offered"
                );
                Provider::Disabled
            }
        };
        Ok(Self { provider })
    }

    /// A sender that sends nothing ([`DeliveryError::Disabled`]).
    #[must_use]
    pub fn disabled() -> Self {
        Self {
            provider: Provider::Disabled,
        }
    }

    /// Whether text messages can be sent at all; the fallback engine
    /// offers SMS methods only then.
    #[must_use]
    pub fn is_enabled(&self) -> bool {
        !matches!(self.provider, Provider::Disabled)
    }

    /// `"http"`, `"log"` or `"disabled"`, for logs and diagnostics.
    #[must_use]
    pub fn provider_name(&self) -> &'static str {
        match self.provider {
            Provider::Disabled => "disabled",
            Provider::Log { .. } => "log",
            Provider::Http(_) => "http",
        }
    }

    /// Sends `body` to `to_e164` (normalised first, so `+1 555 123 4567`
    /// is accepted). Failures are logged here, with the number masked and
    /// without the body.
    ///
    /// # Errors
    /// [`DeliveryError::Disabled`] without a provider;
    /// [`DeliveryError::InvalidRecipient`] / [`DeliveryError::InvalidMessage`]
    /// before anything is sent; [`DeliveryError::Rejected`] for a 4xx other
    /// than 429; [`DeliveryError::Unavailable`] for 5xx, 429 and network
    /// failures; [`DeliveryError::Timeout`].
    pub async fn send(&self, to_e164: &str, body: &str) -> Result<(), DeliveryError> {
        let result = self.deliver(to_e164, body).await;
        if let Err(e) = &result {
            tracing::warn!(
                channel = "sms",
                provider = self.provider_name(),
                to = %mask(to_e164.trim()),
                error = %e,
                "text message delivery failed"
            );
        }
        result
    }

    async fn deliver(&self, to_e164: &str, body: &str) -> Result<(), DeliveryError> {
        if matches!(self.provider, Provider::Disabled) {
            return Err(DeliveryError::Disabled);
        }
        let to =
            normalise_e164(to_e164).map_err(|e| DeliveryError::InvalidRecipient(e.to_string()))?;
        if body.trim().is_empty() {
            return Err(DeliveryError::InvalidMessage("the text is empty"));
        }
        if body.chars().count() > MAX_BODY_CHARS {
            return Err(DeliveryError::InvalidMessage(
                "the text is longer than 1600 characters",
            ));
        }
        match &self.provider {
            Provider::Disabled => Err(DeliveryError::Disabled),
            Provider::Log { from } => {
                // Dev only, by design: the code is in the log.
                tracing::info!(
                    channel = "sms",
                    provider = "log",
                    to = %to,
                    from = from.as_deref().unwrap_or("-"),
                    body,
                    "dev mode: text message logged, not sent"
                );
                Ok(())
            }
            Provider::Http(http) => http.send(&to, body).await,
        }
    }
}

impl HttpProvider {
    async fn send(&self, to: &str, body: &str) -> Result<(), DeliveryError> {
        let secrets = [self.auth_token.expose().to_owned()];
        let response = self
            .client
            .post(self.url.clone())
            .basic_auth(&self.account_id, Some(self.auth_token.expose()))
            .form(&[("To", to), ("From", self.from.as_str()), ("Body", body)])
            .send()
            .await
            .map_err(|e| self.network_error(e, &secrets))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| self.network_error(e, &secrets))?;
        if status.is_success() {
            match serde_json::from_str::<Accepted>(&text)
                .ok()
                .and_then(|a| a.sid)
            {
                Some(sid) => tracing::info!(
                    channel = "sms",
                    provider = "http",
                    to = %mask(to),
                    sid = %scrub(&sid, &secrets),
                    "text message accepted by the provider"
                ),
                None => tracing::warn!(
                    channel = "sms",
                    provider = "http",
                    status = status.as_u16(),
                    "the provider answered success without a message sid; assuming it was accepted"
                ),
            }
            return Ok(());
        }
        let message = scrub(&refusal_text(&text), &secrets);
        let code = status.as_u16();
        if status.is_client_error() && code != 429 {
            if matches!(code, 401 | 403) {
                tracing::error!(
                    channel = "sms",
                    status = code,
                    "the SMS provider refused the credentials: check sms.account_id and sms.auth_token"
                );
            }
            Err(DeliveryError::Rejected {
                status: code,
                message,
            })
        } else {
            Err(DeliveryError::Unavailable(format!(
                "status {code}: {message}"
            )))
        }
    }

    /// reqwest's message names the URL; the configured URL is not secret,
    /// but `without_url` keeps any future change from leaking one.
    fn network_error(&self, e: reqwest::Error, secrets: &[String]) -> DeliveryError {
        if e.is_timeout() {
            return DeliveryError::Timeout(self.timeout_secs);
        }
        let e = e.without_url();
        let mut text = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            text.push_str(": ");
            text.push_str(&s.to_string());
            source = s.source();
        }
        DeliveryError::Unavailable(scrub(&text, secrets))
    }
}

/// The provider's explanation: `message` (Twilio) or `error` from a JSON
/// body, else the start of the body.
fn refusal_text(body: &str) -> String {
    serde_json::from_str::<Refused>(body)
        .ok()
        .and_then(|r| r.message.or(r.error))
        .unwrap_or_else(|| {
            let trimmed = body.trim();
            if trimmed.is_empty() {
                "no explanation given".to_owned()
            } else {
                trimmed.chars().take(200).collect()
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e164() {
        assert_eq!(
            normalise_e164("+15551234567").as_deref(),
            Ok("+15551234567")
        );
        assert_eq!(
            normalise_e164(" +1 (555) 123-4567 ").as_deref(),
            Ok("+15551234567")
        );
        assert_eq!(
            normalise_e164("+49.30.1234567").as_deref(),
            Ok("+49301234567")
        );
        assert_eq!(
            normalise_e164("5551234567"),
            Err(InvalidPhoneNumber::NoCountryCode)
        );
        assert_eq!(
            normalise_e164("+05551234567"),
            Err(InvalidPhoneNumber::NoCountryCode)
        );
        assert_eq!(normalise_e164("+1555123"), Err(InvalidPhoneNumber::Length));
        assert_eq!(
            normalise_e164("+1234567890123456"),
            Err(InvalidPhoneNumber::Length)
        );
        assert_eq!(
            normalise_e164("+1555abc4567"),
            Err(InvalidPhoneNumber::NotDigits)
        );
        assert_eq!(normalise_e164("+"), Err(InvalidPhoneNumber::Length));
        assert_eq!(
            normalise_e164("++15551234567"),
            Err(InvalidPhoneNumber::NotDigits)
        );
    }

    #[test]
    fn masks_numbers() {
        assert_eq!(mask("+15551234567"), "+15*******67");
    }

    #[test]
    fn refusals() {
        assert_eq!(
            refusal_text(
                r#"{"code":21211,"message":"The 'To' number is not valid.","status":400}"#
            ),
            "The 'To' number is not valid."
        );
        assert_eq!(refusal_text(""), "no explanation given");
        assert_eq!(refusal_text("Bad Gateway"), "Bad Gateway");
    }

    #[tokio::test]
    async fn disabled_and_invalid_input() {
        let off = SmsSender::disabled();
        assert!(!off.is_enabled());
        assert_eq!(
            off.send("+15551234567", "hi").await,
            Err(DeliveryError::Disabled)
        );
        let log = SmsSender {
            provider: Provider::Log { from: None },
        };
        assert!(matches!(
            log.send("555", "hi").await,
            Err(DeliveryError::InvalidRecipient(_))
        ));
        assert!(matches!(
            log.send("+15551234567", " ").await,
            Err(DeliveryError::InvalidMessage(_))
        ));
        assert_eq!(log.send("+15551234567", "Code 123456").await, Ok(()));
    }
}

//! Email: one [`Mailer`] with three possible transports (SMTP, the dev
//! outbox, off), chosen once at start.

use std::fmt;
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::extension::ClientId;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use url::Url;

use super::outbox::Outbox;
use super::{DeliveryError, scrub};
use crate::config::{Config, DEV_EMAIL_FROM};

/// One message to one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// A bare address (`user@example.com`), as verified on the account.
    pub to: String,
    /// One line: a line break is refused rather than folded, so a value
    /// taken from input cannot add headers.
    pub subject: String,
    /// The plain-text body; always sent, and what the dev log shows.
    pub text: String,
    /// An optional HTML alternative of the same content.
    pub html: Option<String>,
}

/// Sends [`Email`]s through the transport the configuration selects.
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
    /// The issuer's host: the EHLO name and the right-hand side of
    /// `Message-ID`, so neither reveals the machine's own host name.
    domain: String,
    timeout: Duration,
    /// The SMTP user name and password, removed from any error text.
    secrets: Vec<String>,
}

enum Transport {
    Smtp(Box<AsyncSmtpTransport<Tokio1Executor>>),
    Outbox(Outbox),
    Disabled,
}

impl fmt::Debug for Mailer {
    // The SMTP transport holds the credentials; show only which one runs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mailer")
            .field("transport", &self.transport_name())
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// The mailer `config` asks for: SMTP when `email.smtp_url` is set,
    /// otherwise the outbox in dev mode (`email.outbox_dir`, by default
    /// `<data_dir>/outbox`), otherwise off.
    ///
    /// # Errors
    /// A sentence naming the key when the SMTP URL cannot be turned into a
    /// transport, or when an outbox is configured outside dev mode (the
    /// configuration refuses that already; this is the second lock).
    pub fn from_config(config: &Config) -> Result<Self, String> {
        let email = &config.email;
        let domain = config.issuer.host_str().unwrap_or("localhost").to_owned();
        let timeout = Duration::from_secs(email.timeout_secs);
        let mut secrets = Vec::new();
        let (transport, from) = match (&email.smtp_url, config.dev_mode) {
            (Some(url), _) => {
                let from = email
                    .from
                    .clone()
                    .ok_or("email.from is required when email.smtp_url is set")?;
                let parsed = Url::parse(url.expose())
                    .map_err(|_| "email.smtp_url is not a valid URL".to_owned())?;
                secrets.extend(credentials(&parsed));
                let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
                    .map_err(|e| {
                        format!(
                            "email.smtp_url cannot be used: {}",
                            scrub(&e.to_string(), &secrets)
                        )
                    })?
                    .timeout(Some(timeout));
                if parsed.path().trim_matches('/').is_empty() {
                    builder = builder.hello_name(ClientId::Domain(domain.clone()));
                }
                warn_if_plaintext(&parsed);
                (Transport::Smtp(Box::new(builder.build())), from)
            }
            (None, true) => {
                let dir = email
                    .outbox_dir
                    .clone()
                    .unwrap_or_else(|| config.data_dir.join("outbox"));
                let from = match &email.from {
                    Some(from) => from.clone(),
                    None => dev_from()?,
                };
                tracing::warn!(
                    dir = %dir.display(),
                    "dev mode: email is not sent but written to the outbox and the log \
                     (sign-in codes included); see /dev/outbox"
                );
                (Transport::Outbox(Outbox::new(dir)), from)
            }
            (None, false) if email.outbox_dir.is_some() => {
                return Err(
                    "email.outbox_dir is set but dev_mode is false: the outbox is for development only"
                        .to_owned(),
                );
            }
            (None, false) => {
                tracing::info!(
                    "email.smtp_url is not set: email delivery is off, so email sign-in methods are not offered"
                );
                (Transport::Disabled, dev_from()?)
            }
        };
        Ok(Self {
            transport,
            from,
            domain,
            timeout,
            secrets,
        })
    }

    /// A mailer that sends nothing ([`DeliveryError::Disabled`]).
    #[must_use]
    pub fn disabled() -> Self {
        Self {
            transport: Transport::Disabled,
            // A constant, valid address; the disabled mailer never sends.
            from: Mailbox::new(None, Address::new_dangerous("latchkey", "localhost")),
            domain: "localhost".to_owned(),
            timeout: Duration::from_secs(10),
            secrets: Vec::new(),
        }
    }

    /// Whether email can be sent at all; the fallback engine offers email
    /// methods only then.
    #[must_use]
    pub fn is_enabled(&self) -> bool {
        !matches!(self.transport, Transport::Disabled)
    }

    /// `"smtp"`, `"outbox"` or `"disabled"`, for logs and diagnostics.
    #[must_use]
    pub fn transport_name(&self) -> &'static str {
        match self.transport {
            Transport::Smtp(_) => "smtp",
            Transport::Outbox(_) => "outbox",
            Transport::Disabled => "disabled",
        }
    }

    /// The dev outbox, when that is the transport.
    #[must_use]
    pub fn outbox(&self) -> Option<&Outbox> {
        match &self.transport {
            Transport::Outbox(outbox) => Some(outbox),
            _ => None,
        }
    }

    /// The `From` of every message.
    #[must_use]
    pub fn from_mailbox(&self) -> &Mailbox {
        &self.from
    }

    /// Sends `email`. Failures are logged here (without the body or any
    /// credential) and returned for the caller to choose what to tell the
    /// user.
    ///
    /// # Errors
    /// [`DeliveryError::Disabled`] without a transport;
    /// [`DeliveryError::InvalidRecipient`] / [`DeliveryError::InvalidMessage`]
    /// before anything is sent; otherwise what the transport reports.
    pub async fn send(&self, email: Email) -> Result<(), DeliveryError> {
        let result = self.deliver(&email).await;
        if let Err(e) = &result {
            tracing::warn!(
                channel = "email",
                transport = self.transport_name(),
                error = %e,
                "email delivery failed"
            );
        }
        result
    }

    async fn deliver(&self, email: &Email) -> Result<(), DeliveryError> {
        if matches!(self.transport, Transport::Disabled) {
            return Err(DeliveryError::Disabled);
        }
        let message = self.message(email)?;
        match &self.transport {
            Transport::Smtp(smtp) => {
                let secs = self.timeout.as_secs();
                match tokio::time::timeout(self.timeout, smtp.send(message)).await {
                    Err(_) => Err(DeliveryError::Timeout(secs)),
                    Ok(Err(e)) => Err(self.smtp_error(&e, secs)),
                    Ok(Ok(response)) => {
                        tracing::info!(
                            channel = "email",
                            transport = "smtp",
                            code = %response.code(),
                            "email handed to the SMTP server"
                        );
                        Ok(())
                    }
                }
            }
            Transport::Outbox(outbox) => {
                let path = outbox.write(message.formatted()).await.map_err(|e| {
                    DeliveryError::Unavailable(format!("the outbox cannot be written: {e}"))
                })?;
                // Dev only, by design: the code is in the log so a developer
                // can sign in without opening the file.
                tracing::info!(
                    channel = "email",
                    transport = "outbox",
                    to = %email.to,
                    subject = %email.subject,
                    path = %path.display(),
                    text = %email.text,
                    "dev mode: email written to the outbox"
                );
                Ok(())
            }
            Transport::Disabled => Err(DeliveryError::Disabled),
        }
    }

    /// The RFC 5322 message, after checking what lettre would otherwise
    /// encode silently.
    fn message(&self, email: &Email) -> Result<Message, DeliveryError> {
        let to: Address = email
            .to
            .trim()
            .parse()
            .map_err(|_| DeliveryError::InvalidRecipient("not an email address".to_owned()))?;
        if email.subject.trim().is_empty() || email.subject.chars().any(char::is_control) {
            return Err(DeliveryError::InvalidMessage(
                "the subject must be one non-empty line",
            ));
        }
        if email.text.trim().is_empty() {
            return Err(DeliveryError::InvalidMessage("the text body is empty"));
        }
        let id = format!("<{:032x}@{}>", rand::random::<u128>(), self.domain);
        let builder = Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(None, to))
            .subject(email.subject.clone())
            .message_id(Some(id))
            .date_now();
        let built = match &email.html {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(
                email.text.clone(),
                html.clone(),
            )),
            None => builder.singlepart(SinglePart::plain(email.text.clone())),
        };
        built.map_err(|_| DeliveryError::InvalidMessage("the message cannot be built"))
    }

    fn smtp_error(&self, e: &lettre::transport::smtp::Error, secs: u64) -> DeliveryError {
        if e.is_timeout() {
            return DeliveryError::Timeout(secs);
        }
        let message = scrub(&e.to_string(), &self.secrets);
        match e.status() {
            Some(code) if e.is_permanent() => DeliveryError::Rejected {
                status: u16::from(code),
                message,
            },
            _ => DeliveryError::Unavailable(message),
        }
    }
}

/// The user name and password of an SMTP URL, percent-decoded as lettre
/// uses them, to keep them out of error text.
fn credentials(url: &Url) -> Vec<String> {
    let decode = |s: &str| {
        let bytes = s.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match (bytes[i], hex) {
                (b'%', Some(b)) => {
                    out.push(b);
                    i += 3;
                }
                (b, _) => {
                    out.push(b);
                    i += 1;
                }
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    };
    let mut out = Vec::new();
    if !url.username().is_empty() {
        out.push(url.username().to_owned());
        out.push(decode(url.username()));
    }
    if let Some(password) = url.password() {
        out.push(password.to_owned());
        out.push(decode(password));
    }
    out
}

/// Plain `smtp://` to a host other than this machine sends the password and
/// every code unencrypted; allowed (some networks relay internally) but said.
fn warn_if_plaintext(url: &Url) {
    let tls = url.scheme() == "smtps"
        || url
            .query_pairs()
            .any(|(k, v)| k == "tls" && v == "required");
    let local = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    if !tls && !local {
        tracing::warn!(
            "email.smtp_url uses smtp:// without ?tls=required to a remote host: \
             credentials and sign-in codes cross the network unencrypted; \
             prefer smtps:// or ?tls=required"
        );
    }
}

fn dev_from() -> Result<Mailbox, String> {
    DEV_EMAIL_FROM
        .parse()
        .map_err(|_| "the built-in development sender does not parse".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mailer() -> Mailer {
        let mut m = Mailer::disabled();
        m.domain = "id.example.com".to_owned();
        m
    }

    fn email() -> Email {
        Email {
            to: "user@example.com".into(),
            subject: "Your sign-in code".into(),
            text: "Code: 123456".into(),
            html: None,
        }
    }

    #[test]
    fn builds_headers_from_the_email() {
        let raw = String::from_utf8(mailer().message(&email()).unwrap().formatted()).unwrap();
        assert!(raw.contains("To: user@example.com\r\n"), "{raw}");
        assert!(raw.contains("Subject: Your sign-in code\r\n"), "{raw}");
        assert!(raw.contains("@id.example.com>\r\n"), "{raw}");
        assert!(raw.contains("Code: 123456"), "{raw}");
    }

    #[test]
    fn refuses_bad_recipients_and_header_injection() {
        let m = mailer();
        let bad_to = Email {
            to: "not-an-address".into(),
            ..email()
        };
        assert!(matches!(
            m.message(&bad_to),
            Err(DeliveryError::InvalidRecipient(_))
        ));
        let injected = Email {
            subject: "Hi\r\nBcc: victim@example.com".into(),
            ..email()
        };
        assert!(matches!(
            m.message(&injected),
            Err(DeliveryError::InvalidMessage(_))
        ));
    }

    #[tokio::test]
    async fn disabled_mailer_refuses() {
        let m = Mailer::disabled();
        assert!(!m.is_enabled());
        assert_eq!(m.send(email()).await, Err(DeliveryError::Disabled));
    }

    #[test]
    fn credentials_are_collected_decoded() {
        let url = Url::parse("smtp://us%40er:p%23ss@mail.example.com").unwrap();
        let c = credentials(&url);
        assert!(c.contains(&"us@er".to_owned()), "{c:?}");
        assert!(c.contains(&"p#ss".to_owned()), "{c:?}");
    }
}

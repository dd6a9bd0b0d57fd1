//! The `[email]` and `[sms]` tables: how one-time codes and links reach users
//! who cannot use a passkey.
//!
//! Which transport runs follows from what is configured, so there is no
//! separate "provider" switch to get out of step: `email.smtp_url` set means
//! SMTP, otherwise dev mode writes to an outbox directory, otherwise email is
//! off. SMS is the same with `sms.http_url` and a log line. The dev-only
//! transports put codes in files and logs, which is why production refuses
//! them instead of quietly falling back to them.

use std::path::PathBuf;

use lettre::message::Mailbox;
use serde::{Serialize, Serializer};
use url::{Host, Url};

use super::Secret;
use super::error::Problem;
use super::raw::{RawEmail, RawSms};
use super::resolve::Resolver;

/// The sender of dev-mode outbox mail when `email.from` is not set. Never
/// used for SMTP, where a real sender is required.
pub const DEV_EMAIL_FROM: &str = "Latchkey <latchkey@localhost>";

/// Email delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EmailConfig {
    /// `smtp://`, `smtp://…?tls=required` (STARTTLS) or `smtps://`, with
    /// optional `user:password@`. A secret: it may carry credentials.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_url: Option<Secret>,
    /// The `From` of every message. Required with `smtp_url`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_mailbox"
    )]
    pub from: Option<Mailbox>,
    /// Seconds one delivery to the SMTP server may take in all.
    pub timeout_secs: u64,
    /// Dev mode only: where the outbox writes `.eml` files. `None` means
    /// `<data_dir>/outbox` when the outbox is in use.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outbox_dir: Option<PathBuf>,
}

impl Default for EmailConfig {
    fn default() -> Self {
        Self {
            smtp_url: None,
            from: None,
            timeout_secs: 10,
            outbox_dir: None,
        }
    }
}

/// SMS delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SmsConfig {
    /// The provider's send-message endpoint (Twilio-style form POST).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_url"
    )]
    pub http_url: Option<Url>,
    /// HTTP Basic user name at the provider.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// HTTP Basic password at the provider.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_token: Option<Secret>,
    /// The sender: an E.164 number or an alphanumeric sender id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Seconds one provider request may take.
    pub timeout_secs: u64,
}

impl Default for SmsConfig {
    fn default() -> Self {
        Self {
            http_url: None,
            account_id: None,
            auth_token: None,
            from: None,
            timeout_secs: 10,
        }
    }
}

fn serialize_mailbox<S: Serializer>(m: &Option<Mailbox>, s: S) -> Result<S::Ok, S::Error> {
    match m {
        Some(m) => s.serialize_str(&m.to_string()),
        None => s.serialize_none(),
    }
}

fn serialize_url<S: Serializer>(u: &Option<Url>, s: S) -> Result<S::Ok, S::Error> {
    match u {
        Some(u) => s.serialize_str(u.as_str()),
        None => s.serialize_none(),
    }
}

impl Resolver<'_> {
    pub(super) fn email(&mut self, raw: RawEmail, dev_mode: bool) -> EmailConfig {
        let d = EmailConfig::default();
        let smtp_url = self.secret(
            "email.smtp_url",
            "email.smtp_url_file",
            raw.smtp_url,
            raw.smtp_url_file,
        );
        if let Some(url) = &smtp_url
            && let Err(detail) = smtp_url_problem(url.expose())
        {
            self.invalid("email.smtp_url", &format!(" ({detail})"));
        }
        let from = self.string("email.from", raw.from).and_then(|text| {
            let parsed = parse_mailbox(&text);
            if let Err(reason) = &parsed {
                self.invalid("email.from", &format!(" (found {text:?}: {reason})"));
            }
            parsed.ok()
        });
        let from_set = from.is_some() || self.has("email.from");
        if smtp_url.is_some() && !from_set {
            self.problems.push(Problem::new(
                Some("email.from"),
                "email.from is required when email.smtp_url is set: it is the sender \
                 address of every sign-in message, like login@example.com"
                    .to_owned(),
            ));
        }
        let outbox_dir = self.path("email.outbox_dir", raw.outbox_dir);
        if let Some(dir) = &outbox_dir {
            if dir.as_os_str().is_empty() {
                self.invalid("email.outbox_dir", " (found an empty path)");
            } else if !dev_mode {
                let origin = self.origin("email.outbox_dir");
                self.problems.push(Problem::new(
                    Some("email.outbox_dir"),
                    format!(
                        "\"email.outbox_dir\" is set {origin} but dev_mode is false: the outbox \
                         writes sign-in codes to files and to the log, which only development \
                         may do; configure email.smtp_url instead (without it, email is off)"
                    ),
                ));
            } else if smtp_url.is_some() {
                self.problems.push(Problem::new(
                    Some("email.outbox_dir"),
                    "both \"email.smtp_url\" and \"email.outbox_dir\" are set; set only one of \
                     them (the outbox is the development stand-in for SMTP)"
                        .to_owned(),
                ));
            }
        }
        EmailConfig {
            smtp_url,
            from,
            timeout_secs: self
                .integer("email.timeout_secs", raw.timeout_secs, 1..=300)
                .unwrap_or(d.timeout_secs),
            outbox_dir,
        }
    }

    pub(super) fn sms(&mut self, raw: RawSms, dev_mode: bool) -> SmsConfig {
        let d = SmsConfig::default();
        let url_set = raw.http_url.is_some();
        let http_url = self.string("sms.http_url", raw.http_url).and_then(|text| {
            let checked = sms_url(&text);
            if let Err(reason) = &checked {
                self.invalid("sms.http_url", &format!(" (found {text:?}: {reason})"));
            }
            checked.ok()
        });
        let account_id = self
            .string("sms.account_id", raw.account_id)
            .and_then(|id| {
                if id.is_empty() || id.contains(':') || id.chars().any(char::is_control) {
                    self.invalid(
                        "sms.account_id",
                        &format!(
                            " (found {id:?}: HTTP Basic user names cannot be empty or contain ':')"
                        ),
                    );
                    None
                } else {
                    Some(id)
                }
            });
        let token_set = raw.auth_token.is_some() || raw.auth_token_file.is_some();
        let auth_token = self.secret(
            "sms.auth_token",
            "sms.auth_token_file",
            raw.auth_token,
            raw.auth_token_file,
        );
        let from_set = raw.from.is_some();
        let from = self.string("sms.from", raw.from).and_then(|text| {
            let checked = sms_sender(&text);
            if checked.is_none() {
                self.invalid("sms.from", &format!(" (found {text:?})"));
            }
            checked
        });
        if url_set {
            for (key, set) in [
                (
                    "sms.account_id",
                    account_id.is_some() || self.has("sms.account_id"),
                ),
                ("sms.auth_token", token_set),
                ("sms.from", from_set),
            ] {
                if !set {
                    self.problems.push(Problem::new(
                        Some(key),
                        format!("{key} is required when sms.http_url is set"),
                    ));
                }
            }
        } else {
            for (key, set) in [
                ("sms.account_id", account_id.is_some()),
                ("sms.auth_token", token_set),
            ] {
                if set {
                    let origin = self.origin(key);
                    let hint = if dev_mode {
                        "dev mode logs text messages instead"
                    } else {
                        "without it, SMS is off"
                    };
                    self.problems.push(Problem::new(
                        Some(key),
                        format!(
                            "\"{key}\" is set {origin} but sms.http_url is not: set the provider's \
                             endpoint too, or remove {key} ({hint})"
                        ),
                    ));
                }
            }
        }
        SmsConfig {
            http_url,
            account_id,
            auth_token,
            from,
            timeout_secs: self
                .integer("sms.timeout_secs", raw.timeout_secs, 1..=120)
                .unwrap_or(d.timeout_secs),
        }
    }

    /// Whether `key` was given at all (even with a wrong value, which was
    /// reported already), so "required" is not reported on top of "invalid".
    fn has(&self, key: &str) -> bool {
        self.figment.find_value(key).is_ok()
    }
}

/// One address, with an optional display name. lettre's parser stops at
/// the end of the first mailbox, so a list (`a@x, b@y`) is refused here
/// rather than silently cut to its first entry.
pub(crate) fn parse_mailbox(text: &str) -> Result<Mailbox, &'static str> {
    let text = text.trim();
    if text.chars().any(char::is_control) {
        return Err("it contains a control character");
    }
    let mailbox: Mailbox = text.parse().map_err(|_| "it is not an email address")?;
    let bare = mailbox.email.to_string();
    let single = match text.rfind('<') {
        Some(open) => text.ends_with('>') && text[open + 1..text.len() - 1].trim() == bare,
        None => text == bare,
    };
    if single {
        Ok(mailbox)
    } else {
        Err("it is not exactly one email address")
    }
}

/// The detail for a wrong SMTP URL. Never quotes the URL: it may hold a
/// password.
fn smtp_url_problem(url: &str) -> Result<(), String> {
    let parsed = Url::parse(url).map_err(|e| format!("the URL does not parse: {e}"))?;
    match parsed.scheme() {
        "smtp" | "smtps" => {}
        other => return Err(format!("found scheme {other:?}")),
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err("there is no host".to_owned());
    }
    for (name, value) in parsed.query_pairs() {
        let known = name == "tls"
            && parsed.scheme() == "smtp"
            && matches!(value.as_ref(), "required" | "opportunistic");
        if !known {
            return Err(format!(
                "unknown query parameter {name:?}: only ?tls=required (STARTTLS) or \
                 ?tls=opportunistic on smtp:// is understood; smtps:// is always TLS"
            ));
        }
    }
    Ok(())
}

/// The provider endpoint: https, or http on a loopback host (a local relay
/// or a test double), never credentials in the URL (they would show up in
/// `config check` and logs; they go in `sms.account_id` / `sms.auth_token`).
fn sms_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|e| e.to_string())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("the scheme is {:?}", url.scheme()));
    }
    let loopback = match url.host() {
        Some(Host::Domain(d)) => d == "localhost" || d.ends_with(".localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => return Err("there is no host".to_owned()),
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err("it contains credentials; use sms.account_id and sms.auth_token".to_owned());
    }
    if url.scheme() == "http" && !loopback {
        return Err("http is allowed only on a loopback host: the auth token would cross the network in clear text".to_owned());
    }
    Ok(url)
}

/// An E.164 number (normalised) or an alphanumeric sender id as SMS
/// providers accept them: 1 to 11 letters, digits or spaces, at least one
/// letter.
fn sms_sender(text: &str) -> Option<String> {
    if text.starts_with('+') {
        return crate::delivery::normalise_e164(text).ok();
    }
    let ok = (1..=11).contains(&text.chars().count())
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ')
        && text.chars().any(|c| c.is_ascii_alphabetic());
    ok.then(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mailboxes() {
        assert!(parse_mailbox("login@example.com").is_ok());
        assert!(parse_mailbox("Example Login <login@example.com>").is_ok());
        assert!(parse_mailbox(DEV_EMAIL_FROM).is_ok());
        assert!(parse_mailbox("not an address").is_err());
        assert!(parse_mailbox("a@example.com, b@example.com").is_err());
        assert!(parse_mailbox("a@example.com junk").is_err());
        assert!(parse_mailbox("a@example.com\r\nBcc: x@y.z").is_err());
    }

    #[test]
    fn smtp_urls() {
        assert!(smtp_url_problem("smtp://127.0.0.1:2525").is_ok());
        assert!(smtp_url_problem("smtp://u:p@mail.example.com:587?tls=required").is_ok());
        assert!(smtp_url_problem("smtps://u:p@mail.example.com").is_ok());
        assert!(smtp_url_problem("smtp://mail.example.com?tls=yes").is_err());
        assert!(smtp_url_problem("smtps://mail.example.com?tls=required").is_err());
        assert!(smtp_url_problem("http://mail.example.com").is_err());
        let err = smtp_url_problem("smtq://user:hunter2@mail").unwrap_err();
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn sms_urls_and_senders() {
        assert!(sms_url("https://api.example.com/2010-04-01/Accounts/AC1/Messages.json").is_ok());
        assert!(sms_url("http://127.0.0.1:9000/send").is_ok());
        assert!(sms_url("http://sms.example.com/send").is_err());
        assert!(sms_url("https://u:p@sms.example.com/send").is_err());
        assert_eq!(sms_sender("+15551234567").as_deref(), Some("+15551234567"));
        assert_eq!(sms_sender("Latchkey").as_deref(), Some("Latchkey"));
        assert_eq!(sms_sender("12345"), None);
        assert_eq!(sms_sender("A very long sender"), None);
    }
}

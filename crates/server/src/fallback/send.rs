//! Sending a one-time code (and, by email, a magic link).
//!
//! Every request gets the same answer, whether or not the account exists
//! or has the address: the challenge is created either way, and delivery
//! runs in the background so its duration cannot tell anything either.

use actix_web::HttpRequest;
use latchkey_core::UserRepo as _;
use latchkey_fallback::policy::FallbackMethod;
use latchkey_fallback::repo::{EventKind, FactorRepo as _, Outcome};
use tracing::Instrument as _;

use super::challenge::{self, Channel};
use super::progress::{self, ActiveChallenge};
use super::situation::Subject;
use super::{FallbackError, expects, pending};
use crate::delivery::Email;
use crate::events;
use crate::flows::FlowLock;
use crate::limits::{
    self, SENDS_PER_ACCOUNT, SENDS_PER_IP, SMS_PER_ACCOUNT, SMS_PER_NUMBER, Verdict,
};
use crate::session;
use crate::state::AppState;

/// What the page may tell the user after a send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Sent {
    pub channel: Channel,
    /// Seconds until another code may be requested.
    pub resend_after_secs: i64,
    /// Seconds the code stays valid.
    pub expires_in_secs: i64,
}

/// The channel of a method that sends something.
fn channel(method: FallbackMethod) -> Option<Channel> {
    match method {
        FallbackMethod::EmailCode | FallbackMethod::EmailLink => Some(Channel::Email),
        FallbackMethod::SmsCode => Some(Channel::Sms),
        _ => None,
    }
}

fn limited(v: Verdict) -> Result<(), FallbackError> {
    match v {
        Verdict::Allowed => Ok(()),
        Verdict::Limited { retry_after_secs } => {
            Err(FallbackError::RateLimited { retry_after_secs })
        }
    }
}

/// The client's address as the server sees it (no proxy headers are
/// trusted: a spoofed `X-Forwarded-For` must not reset a limit).
pub fn client_ip(req: &HttpRequest) -> String {
    crate::net::client_ip(req)
}

/// Send a code for the chosen option's current step.
pub async fn send(
    state: &AppState,
    req: &HttpRequest,
    flow_id: &str,
    method: FallbackMethod,
) -> Result<Sent, FallbackError> {
    let channel = channel(method).ok_or(FallbackError::NotOffered)?;
    let lock = FlowLock::acquire(state, flow_id).await?;
    let result = send_locked(state, req, flow_id, method, channel).await;
    lock.release(state).await;
    result
}

async fn send_locked(
    state: &AppState,
    req: &HttpRequest,
    flow_id: &str,
    method: FallbackMethod,
    channel: Channel,
) -> Result<Sent, FallbackError> {
    let flow = pending(state, req, flow_id).await?;
    let mut progress = progress::load(state, &flow).await?;
    if !expects(&progress, method) {
        return Err(FallbackError::NotOffered);
    }
    let subject = Subject::of(&flow);
    let Some(account) = subject.limit_key() else {
        return Err(FallbackError::NotOffered);
    };
    let channel_key = format!("{account}:{channel:?}");
    limited(limits::start_cooldown(state, "resend", &channel_key).await?)?;
    limited(limits::check(state, SENDS_PER_IP, &client_ip(req)).await?)?;
    limited(limits::check(state, SENDS_PER_ACCOUNT, &channel_key).await?)?;
    // Where it goes: only a verified address or number of the account.
    // An identifier that names no account costs the same query (for the
    // nil id, which no account has) and has nowhere to go.
    let nil = latchkey_core::UserId("00000000-0000-0000-0000-000000000000".to_owned());
    let user = subject.user().unwrap_or(&nil);
    let destination = match channel {
        Channel::Email => state
            .db
            .user_by_id(user)
            .await?
            .filter(|u| u.email_verified)
            .and_then(|u| u.email),
        Channel::Sms => state
            .db
            .phone(user)
            .await?
            .filter(|p| p.is_verified())
            .map(|p| p.phone),
    }
    .filter(|_| subject.user().is_some());
    if channel == Channel::Sms {
        limited(limits::check(state, SMS_PER_ACCOUNT, &account).await?)?;
        if let Some(number) = &destination {
            limited(limits::check(state, SMS_PER_NUMBER, number).await?)?;
        }
    }
    if let Some(old) = progress.challenge.take()
        && let Some(old) = challenge::get(state, &old.id).await?
    {
        challenge::void(state, &old).await?;
    }
    let browser = session::browser_id(req)
        .map(|b| session::digest(&b))
        .unwrap_or_default();
    let user = destination.as_ref().and(subject.user().cloned());
    let issued = challenge::issue(state, &flow.id, channel, user, &browser).await?;
    progress.challenge = Some(ActiveChallenge {
        method,
        id: issued.challenge.id.clone(),
    });
    progress::save(state, &flow, &progress).await?;
    let mut event = events::for_flow(state, req, &flow, EventKind::FallbackChosen, Outcome::Info)
        .method(method.as_str())
        .detail("code_sent");
    if destination.is_none() {
        event = event.detail("no_destination");
    }
    events::record(state, event).await;
    if let Some(to) = destination {
        deliver(state, &flow.client_name, channel, to, issued);
    }
    Ok(Sent {
        channel,
        resend_after_secs: limits::RESEND_COOLDOWN_SECS,
        expires_in_secs: challenge::CODE_TTL_SECS,
    })
}

/// Deliver in the background: the answer must not wait for (or reveal)
/// the SMTP server or SMS provider. Failures are logged by the senders.
fn deliver(
    state: &AppState,
    client_name: &str,
    channel: Channel,
    to: String,
    issued: challenge::Issued,
) {
    let code = issued.code.as_str().to_owned();
    let minutes = challenge::CODE_TTL_SECS / 60;
    match channel {
        Channel::Email => {
            let link = issued.link.as_ref().map(|t| {
                format!(
                    "{}/login/email-link?token={}",
                    state.config.issuer_str(),
                    t.as_str()
                )
            });
            let mut text = format!(
                "Your code to sign in to {client_name} is {code}.\n\nIt is valid for {minutes} minutes. "
            );
            if let Some(link) = &link {
                text.push_str(&format!(
                    "You can also open this link on the device where you are signing in:\n\n{link}\n\n"
                ));
            }
            text.push_str("If you did not try to sign in, you can ignore this email.\n");
            let email = Email {
                to,
                subject: format!("Your sign-in code: {code}"),
                text,
                html: None,
            };
            let mailer = std::sync::Arc::clone(&state.mailer);
            // Off the request, but in its span: the delivery's log lines
            // carry the request id.
            actix_web::rt::spawn(
                async move {
                    let _ = mailer.send(email).await;
                }
                .in_current_span(),
            );
        }
        Channel::Sms => {
            let body =
                format!("{code} is your code to sign in to {client_name}. Valid {minutes} min.");
            let sms = std::sync::Arc::clone(&state.sms);
            actix_web::rt::spawn(
                async move {
                    let _ = sms.send(&to, &body).await;
                }
                .in_current_span(),
            );
        }
    }
}

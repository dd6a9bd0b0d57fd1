//! The account page (`/account`): the signed-in user's passkeys, fallback
//! factors and the applications they allowed, server-rendered from the
//! data the account JSON APIs use. It only renders; every change goes
//! through those APIs from `account.js` (with the session's CSRF token),
//! which reloads the page afterwards (or, for a withdrawn application,
//! takes it off the list), so the rules live in one place: the API.

use askama::Template;

use crate::Lang;
use crate::assets::ACCOUNT_JS_URL;
use crate::consent_page::scope_lines;
use crate::i18n::CLIENT_PLACEHOLDER;
use crate::pages::{Chrome, RenderError};

/// The account page: signed in, or the "sign in first" message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountPage {
    /// Language of the page and its texts.
    pub lang: Lang,
    /// The signed-in user's account; `None` without a session.
    pub account: Option<Account>,
}

/// What the page shows of a signed-in user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Shown as "signed in as".
    pub username: String,
    /// The name applications see (the `name` claim), editable here.
    pub display_name: String,
    /// The WebAuthn RP id, for `signalAllAcceptedCredentials` after a delete.
    pub rp_id: String,
    /// Oldest first, as the API lists them.
    pub passkeys: Vec<PasskeyItem>,
    pub email: Option<Contact>,
    /// `address` holds the masked number.
    pub phone: Option<Contact>,
    /// A confirmed authenticator app.
    pub totp_enrolled: bool,
    pub recovery_codes_left: u64,
    /// Whether a password is stored.
    pub password_set: bool,
    /// Whether the policy lets users set one.
    pub password_allowed: bool,
    /// The applications the user allowed (consent), most recent first, as
    /// `GET /api/account/apps` lists them.
    pub apps: Vec<AppItem>,
}

/// One application the user allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppItem {
    /// The client id (the API's `{client_id}`).
    pub client_id: String,
    /// The application's display name.
    pub client_name: String,
    /// The scopes agreed to, as stored.
    pub scopes: Vec<String>,
    /// When the user last agreed, Unix seconds.
    pub granted_at: i64,
}

/// One passkey of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyItem {
    /// The credential id, base64url (the API's `{id}`).
    pub id: String,
    pub friendly_name: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds; `None` when never used to sign in.
    pub last_used_at: Option<i64>,
    /// Backup-eligible (a synced passkey) rather than bound to one device.
    pub synced: bool,
}

/// An email address or (masked) phone number and whether it is verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub address: String,
    pub verified: bool,
}

impl AccountPage {
    /// The page as HTML.
    ///
    /// # Errors
    /// [`RenderError::Template`] if the template engine fails.
    pub fn render(&self) -> Result<String, RenderError> {
        let c = Chrome::new(self.lang);
        let m = c.m;
        let Some(account) = &self.account else {
            return Ok(AccountHtml {
                title: m.account_sign_in_title,
                c,
                a: None,
                signed_in_as: String::new(),
                script_url: ACCOUNT_JS_URL,
                errors: Vec::new(),
                passkeys: Vec::new(),
                recovery: String::new(),
                show_password: false,
                apps: Vec::new(),
            }
            .render()?);
        };
        let passkeys = account
            .passkeys
            .iter()
            .map(|p| PasskeyRow {
                item: p,
                created: format!("{} {}", m.account_passkey_created, date(p.created_at)),
                last_used: p.last_used_at.map_or_else(
                    || m.account_passkey_never_used.to_owned(),
                    |t| format!("{} {}", m.account_passkey_last_used, date(t)),
                ),
                kind: if p.synced {
                    m.account_passkey_synced
                } else {
                    m.account_passkey_device
                },
            })
            .collect();
        let apps = account
            .apps
            .iter()
            .map(|app| {
                let name = app.client_name.trim();
                AppRow {
                    item: app,
                    receives_intro: m.consent_receives.replace(CLIENT_PLACEHOLDER, name),
                    receives: scope_lines(m, &app.scopes),
                    agreed: date(app.granted_at),
                    revoke_label: m
                        .account_apps_revoke_label
                        .replace(CLIENT_PLACEHOLDER, name),
                }
            })
            .collect();
        let recovery = match account.recovery_codes_left {
            0 => m.account_recovery_none.to_owned(),
            1 => m.account_recovery_left_one.to_owned(),
            n => m.account_recovery_left_other.replace("{n}", &n.to_string()),
        };
        Ok(AccountHtml {
            title: m.account_title,
            signed_in_as: m
                .account_signed_in_as
                .replace("{identifier}", &account.username),
            script_url: ACCOUNT_JS_URL,
            errors: error_words(m),
            c,
            a: Some(account),
            passkeys,
            recovery,
            show_password: account.password_allowed || account.password_set,
            apps,
        }
        .render()?)
    }
}

/// API error code (or DOMException name) → words; account.js falls back to
/// `other`.
fn error_words(m: &crate::Messages) -> Vec<(&'static str, &'static str)> {
    vec![
        ("login_required", m.account_error_session),
        ("csrf_mismatch", m.account_error_session),
        ("NotAllowedError", m.account_error_cancelled),
        ("AbortError", m.account_error_cancelled),
        ("InvalidStateError", m.account_error_on_device),
        ("registration_invalid", m.account_error_setup_expired),
        ("registration_failed", m.account_error_passkey_failed),
        ("credential_exists", m.account_error_passkey_exists),
        ("invalid_friendly_name", m.account_error_name),
        ("invalid_display_name", m.account_error_name),
        ("last_sign_in_method", m.account_error_last_method),
        ("concurrent_change", m.account_error_busy),
        ("invalid_code", m.account_error_wrong_code),
        ("code_expired", m.account_error_code_expired),
        ("code_replayed", m.account_error_code_replayed),
        ("rate_limited", m.account_error_rate_limited),
        ("delivery_unavailable", m.account_error_not_sent),
        ("delivery_failed", m.account_error_not_sent),
        ("undeliverable", m.account_error_undeliverable),
        ("invalid_phone", m.account_error_phone),
        ("phone_unavailable", m.account_error_phone_unavailable),
        ("weak_password", m.account_error_weak_password),
        ("passkey_not_found", m.account_error_stale),
        ("phone_not_found", m.account_error_stale),
        ("totp_not_found", m.account_error_stale),
        ("password_not_found", m.account_error_stale),
        ("already_verified", m.account_error_stale),
        ("totp_already_enrolled", m.account_error_stale),
        ("totp_not_started", m.account_error_stale),
        ("email_changed", m.account_error_stale),
        ("phone_changed", m.account_error_stale),
        ("no_email", m.account_error_stale),
        ("password_disabled", m.account_error_stale),
        ("app_not_found", m.account_error_stale),
        ("other", m.account_error_other),
    ]
}

/// `YYYY-MM-DD` (UTC) of Unix seconds: unambiguous in every language, and
/// needs no time-zone data (Howard Hinnant's `civil_from_days`).
fn date(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

struct AppRow<'a> {
    item: &'a AppItem,
    /// "{client} will receive:", as on the consent page.
    receives_intro: String,
    /// What the application receives, one line per scope in plain words.
    receives: Vec<String>,
    /// The day the user last agreed, `YYYY-MM-DD`.
    agreed: String,
    /// The withdraw button's accessible name, naming the application.
    revoke_label: String,
}

struct PasskeyRow<'a> {
    item: &'a PasskeyItem,
    created: String,
    last_used: String,
    kind: &'static str,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountHtml<'a> {
    c: Chrome,
    title: &'static str,
    /// `None`: the "sign in first" state.
    a: Option<&'a Account>,
    signed_in_as: String,
    script_url: &'static str,
    errors: Vec<(&'static str, &'static str)>,
    passkeys: Vec<PasskeyRow<'a>>,
    recovery: String,
    show_password: bool,
    apps: Vec<AppRow<'a>>,
}

#[cfg(test)]
#[path = "account_page_tests.rs"]
mod tests;

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
mod tests {
    use super::*;

    fn alice() -> Account {
        Account {
            username: "alice<i>".into(),
            rp_id: "id.example".into(),
            passkeys: vec![
                PasskeyItem {
                    id: "AAEC".into(),
                    friendly_name: "Work <b>laptop</b>".into(),
                    created_at: 1_700_000_000,
                    last_used_at: None,
                    synced: true,
                },
                PasskeyItem {
                    id: "AwQF".into(),
                    friendly_name: "Key".into(),
                    created_at: 0,
                    last_used_at: Some(951_782_400),
                    synced: false,
                },
            ],
            email: Some(Contact {
                address: "alice@example.com".into(),
                verified: false,
            }),
            phone: None,
            totp_enrolled: true,
            recovery_codes_left: 7,
            password_set: false,
            password_allowed: false,
            apps: Vec::new(),
        }
    }

    fn partner() -> AppItem {
        AppItem {
            client_id: "partner\"<x>".into(),
            client_name: " Partner <App> ".into(),
            scopes: ["email", "openid", "weird"].map(str::to_owned).to_vec(),
            granted_at: 1_700_000_000,
        }
    }

    #[test]
    fn dates_are_utc_calendar_days() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(951_782_400), "2000-02-29");
        assert_eq!(date(1_700_000_000), "2023-11-14");
        assert_eq!(date(-1), "1969-12-31");
    }

    #[test]
    fn signed_in_lists_everything_escaped() -> Result<(), RenderError> {
        for lang in Lang::ALL {
            let m = lang.messages();
            let html = AccountPage {
                lang,
                account: Some(alice()),
            }
            .render()?;
            assert!(html.contains(m.account_title), "{lang}");
            assert!(html.contains("Work &#60;b&#62;laptop") || html.contains("Work &lt;b&gt;"));
            assert!(!html.contains("<b>laptop"), "{lang}");
            assert!(!html.contains("alice<i>"), "{lang}");
            assert!(html.contains("2023-11-14"), "{lang}");
            assert!(html.contains("2000-02-29"), "{lang}");
            assert!(html.contains(m.account_passkey_never_used), "{lang}");
            assert!(html.contains(m.account_passkey_synced), "{lang}");
            assert!(html.contains(m.account_passkey_device), "{lang}");
            assert!(html.contains("alice@example.com"), "{lang}");
            assert!(html.contains(m.account_not_verified), "{lang}");
            assert!(html.contains(m.account_totp_on), "{lang}");
            assert!(
                html.contains(&m.account_recovery_left_other.replace("{n}", "7")),
                "{lang}"
            );
            assert!(!html.contains("id=\"password-heading\""), "{lang}");
            assert!(html.contains(ACCOUNT_JS_URL), "{lang}");
            assert!(html.contains("data-rp-id=\"id.example\""), "{lang}");
            assert!(html.contains("href=\"/logout\""), "{lang}");
            assert!(html.contains(m.account_needs_script), "{lang}");
        }
        Ok(())
    }

    #[test]
    fn every_field_has_a_label_and_its_error() -> Result<(), RenderError> {
        let mut a = alice();
        a.password_allowed = true;
        a.phone = Some(Contact {
            address: "+15*******30".into(),
            verified: true,
        });
        let html = AccountPage {
            lang: Lang::En,
            account: Some(a),
        }
        .render()?;
        let mut inputs = 0;
        for tag in html.split("<input").skip(1) {
            let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
            if tag.contains("type=\"hidden\"") {
                continue;
            }
            inputs += 1;
            let id = tag
                .split("id=\"")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .unwrap_or_default();
            assert!(!id.is_empty(), "input without id: {tag}");
            assert!(html.contains(&format!("for=\"{id}\"")), "no label: {id}");
            let error = format!("{id}-error");
            assert!(tag.contains(&error), "not described by its error: {tag}");
            assert!(html.contains(&format!("id=\"{error}\"")), "{id}");
        }
        // Rename ×2, email code, phone, phone code, password (the app is set up).
        assert_eq!(inputs, 6);
        Ok(())
    }

    #[test]
    fn allowed_apps_are_listed_in_plain_words_with_a_named_button() -> Result<(), RenderError> {
        for lang in Lang::ALL {
            let m = lang.messages();
            let mut a = alice();
            a.apps = vec![
                partner(),
                AppItem {
                    client_id: "notes".into(),
                    client_name: "Notes".into(),
                    scopes: vec!["openid".into()],
                    granted_at: 951_782_400,
                },
            ];
            let html = AccountPage {
                lang,
                account: Some(a),
            }
            .render()?;
            assert!(html.contains("id=\"apps-heading\""), "{lang}");
            assert!(
                html.contains(&format!("{}</h2>", m.account_apps_title)),
                "{lang}"
            );
            assert_eq!(html.matches("data-action=\"app-revoke\"").count(), 2);
            // The section is there, its "none" text hidden for script to show.
            assert!(
                html.contains(&format!("<p data-apps-none hidden>{}", m.account_apps_none)),
                "{lang}"
            );
            // Names and ids are escaped, in text and in attributes.
            assert!(!html.contains("<App>"), "{lang}");
            assert!(!html.contains("partner\"<x>"), "{lang}");
            assert!(
                html.contains("Partner &#60;App&#62;") || html.contains("Partner &lt;App&gt;"),
                "{lang}"
            );
            // What the app receives, as on the consent page: openid first.
            let first = html.find(m.consent_scope_openid);
            let email = html.find(m.consent_scope_email);
            assert!(first.is_some() && first < email, "{lang}");
            assert!(
                html.contains(&m.consent_scope_other.replace("{scope}", "weird")),
                "{lang}"
            );
            assert!(
                html.contains("<time datetime=\"2023-11-14\">2023-11-14</time>"),
                "{lang}"
            );
            assert!(html.contains("2000-02-29</time>"), "{lang}");
            // The button's accessible name says which app; its visible word
            // is part of it (WCAG 2.5.3).
            let label = m.account_apps_revoke_label.replace("{client}", "Notes");
            assert!(html.contains(&format!("aria-label=\"{label}\"")), "{lang}");
            assert!(
                label
                    .to_lowercase()
                    .contains(&m.account_apps_revoke.to_lowercase()),
                "{lang}"
            );
            assert!(
                html.contains(&format!(">{}</button>", m.account_apps_revoke)),
                "{lang}"
            );
            assert!(
                html.contains(&format!("data-apps-revoked=\"{}\"", m.account_apps_revoked)),
                "{lang}"
            );
            assert!(html.contains("data-e-app_not_found="), "{lang}");
        }
        Ok(())
    }

    #[test]
    fn no_allowed_apps_says_so() -> Result<(), RenderError> {
        for lang in Lang::ALL {
            let m = lang.messages();
            let html = AccountPage {
                lang,
                account: Some(alice()),
            }
            .render()?;
            assert!(
                html.contains(&format!("{}</h2>", m.account_apps_title)),
                "{lang}"
            );
            assert!(
                html.contains(&format!("<p data-apps-none>{}</p>", m.account_apps_none)),
                "{lang}"
            );
            assert!(!html.contains("data-app="), "{lang}");
            assert!(!html.contains("app-revoke"), "{lang}");
        }
        Ok(())
    }

    #[test]
    fn without_a_session_it_asks_to_sign_in() -> Result<(), RenderError> {
        for lang in Lang::ALL {
            let m = lang.messages();
            let html = AccountPage {
                lang,
                account: None,
            }
            .render()?;
            assert!(html.contains(m.account_sign_in_title), "{lang}");
            assert!(html.contains(m.account_sign_in_text), "{lang}");
            assert!(!html.contains(ACCOUNT_JS_URL), "{lang}");
            assert!(!html.contains("<form"), "{lang}");
        }
        Ok(())
    }
}

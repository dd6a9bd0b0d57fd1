//! Tests of the account page's rendering.
use super::*;

fn alice() -> Account {
    Account {
        username: "alice<i>".into(),
        display_name: "Alice \"<Admin>\"".into(),
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
    // Display name, rename ×2, email code, phone, phone code, password
    // (the app is set up).
    assert_eq!(inputs, 7);
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
fn display_name_is_shown_escaped_with_a_form_for_script() -> Result<(), RenderError> {
    for lang in Lang::ALL {
        let m = lang.messages();
        let html = AccountPage {
            lang,
            account: Some(alice()),
        }
        .render()?;
        assert!(html.contains("id=\"name-heading\""), "{lang}");
        assert!(
            html.contains(&format!("{}</h2>", m.account_name_heading)),
            "{lang}"
        );
        // Escaped as text and inside the field's value attribute.
        assert!(!html.contains("<Admin>"), "{lang}");
        assert!(!html.contains("value=\"Alice \"<"), "{lang}");
        assert!(
            html.contains("Alice &#34;&#60;Admin&#62;&#34;")
                || html.contains("Alice &quot;&lt;Admin&gt;&quot;"),
            "{lang}"
        );
        // Hidden until account.js shows it, like the other forms.
        assert!(
            html.contains("<form class=\"stack\" data-action=\"profile-save\" data-js hidden>"),
            "{lang}"
        );
        assert!(html.contains("name=\"display_name\""), "{lang}");
        assert!(
            html.contains("aria-describedby=\"display-name-hint display-name-error\""),
            "{lang}"
        );
        assert!(html.contains(m.account_name_label), "{lang}");
        assert!(html.contains(m.account_name_hint), "{lang}");
        assert!(
            html.contains(&format!(">{}</button>", m.account_name_save)),
            "{lang}"
        );
        assert!(
            html.contains(&format!(
                "data-e-invalid_display_name=\"{}\"",
                m.account_error_name
            )),
            "{lang}"
        );
        // The section comes first, before the passkeys.
        assert!(html.find("name-heading") < html.find("passkeys-heading"));
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

//! Rendering every page in every language: structure, escaping, and that
//! no catalogue key or placeholder reaches a page.

use crate::*;

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Every page, filled with representative data, rendered in `lang`.
fn all_pages(lang: Lang) -> Vec<(&'static str, String)> {
    let error = ErrorPage::new(lang, ErrorKind::UnknownClient)
        .with_error_code("invalid_client")
        .with_request_id("req-123");
    let form_post = FormPostPage {
        lang,
        action: "https://rp.example/cb".into(),
        fields: pairs(&[("code", "abc"), ("state", "xyz")]),
    };
    let logout = LogoutConfirmPage {
        lang,
        client_name: Some("Example App".into()),
        csrf_token: "tok".into(),
        hidden: pairs(&[("state", "s1")]),
    };
    let mut pages = vec![
        ("error", error.render().unwrap()),
        ("form_post", form_post.render().unwrap()),
        ("logout_confirm", logout.render().unwrap()),
        ("signed_out", SignedOutPage { lang }.render().unwrap()),
    ];
    for kind in [
        ErrorKind::UnregisteredRedirectUri,
        ErrorKind::InvalidRequest,
        ErrorKind::SessionExpired,
        ErrorKind::ServerError,
    ] {
        pages.push(("error_kind", ErrorPage::new(lang, kind).render().unwrap()));
    }
    pages
}

#[test]
fn every_page_renders_in_every_language_with_the_layout() {
    for lang in Lang::ALL {
        let m = lang.messages();
        for (name, html) in all_pages(lang) {
            assert!(html.starts_with("<!doctype html>"), "{lang} {name}");
            assert!(
                html.contains(&format!("<html lang=\"{lang}\">")),
                "{lang} {name}"
            );
            assert!(html.contains("<meta charset=\"utf-8\">"), "{lang} {name}");
            assert!(html.contains("name=\"viewport\""), "{lang} {name}");
            assert!(
                html.contains(&format!("href=\"{STYLE_CSS_URL}\"")),
                "{lang} {name}"
            );
            assert!(html.contains("<main id=\"main\">"), "{lang} {name}");
            assert_eq!(html.matches("<h1>").count(), 1, "{lang} {name}");
            assert!(html.contains(m.brand_name), "{lang} {name}");
        }
    }
}

#[test]
fn no_catalogue_key_or_template_syntax_leaks() {
    let keys: Vec<_> = Lang::En
        .messages()
        .entries()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    for lang in Lang::ALL {
        for (name, html) in all_pages(lang) {
            for key in &keys {
                assert!(!html.contains(key), "{lang} {name}: key {key} leaked");
            }
            for syntax in ["{{", "}}", "{%", "%}", "{#", "{client}"] {
                assert!(!html.contains(syntax), "{lang} {name}: {syntax}");
            }
        }
    }
}

#[test]
fn pages_use_their_own_language() {
    let en = SignedOutPage { lang: Lang::En }.render().unwrap();
    let de = SignedOutPage { lang: Lang::De }.render().unwrap();
    assert!(en.contains("You have signed out"));
    assert!(de.contains("Sie haben sich abgemeldet"));
    assert!(!de.contains("You have signed out"));
}

#[test]
fn values_are_escaped() {
    let evil = "<script>alert(\"x\")</script>'&";
    let error = ErrorPage {
        lang: Lang::En,
        title: evil.into(),
        message: evil.into(),
        error_code: Some(evil.into()),
        request_id: Some(evil.into()),
    };
    let form_post = FormPostPage {
        lang: Lang::De,
        action: format!("https://rp.example/cb?x=\"><script>{evil}"),
        fields: vec![(evil.into(), evil.into())],
    };
    let logout = LogoutConfirmPage {
        lang: Lang::En,
        client_name: Some(evil.into()),
        csrf_token: evil.into(),
        hidden: vec![(evil.into(), evil.into())],
    };
    for html in [
        error.render().unwrap(),
        form_post.render().unwrap(),
        logout.render().unwrap(),
    ] {
        assert!(!html.contains("<script>"), "{html}");
        assert!(!html.contains("alert(\""), "{html}");
        assert!(!html.contains("'&"), "{html}");
        assert!(html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"));
    }
}

#[test]
fn error_page_shows_code_and_request_id_only_when_given() {
    let bare = ErrorPage::new(Lang::En, ErrorKind::UnregisteredRedirectUri)
        .render()
        .unwrap();
    let m = Lang::En.messages();
    assert!(bare.contains(m.error_redirect_uri_title));
    assert!(bare.contains(m.error_redirect_uri_message));
    assert!(bare.contains(m.error_return_hint));
    assert!(!bare.contains("<dl"));
    assert!(!bare.contains(m.error_support_hint));

    let full = ErrorPage::new(Lang::De, ErrorKind::UnknownClient)
        .with_error_code("invalid_client")
        .with_request_id("0123abcd")
        .render()
        .unwrap();
    let m = Lang::De.messages();
    assert!(full.contains(&format!(
        "<title>{} – Latchkey</title>",
        m.error_unknown_client_title
    )));
    assert!(full.contains("<code>invalid_client</code>"));
    assert!(full.contains("<code>0123abcd</code>"));
    assert!(full.contains(m.error_request_id_label));
    assert!(full.contains(m.error_support_hint));
}

#[test]
fn form_post_has_every_field_the_action_and_the_script() {
    let page = FormPostPage {
        lang: Lang::En,
        action: "https://rp.example/cb?tenant=a&b=c".into(),
        fields: pairs(&[
            ("code", "c0de"),
            ("state", "st&te"),
            ("iss", "https://idp.example"),
        ]),
    };
    let html = page.render().unwrap();
    assert!(html.contains(
        "<form method=\"post\" action=\"https://rp.example/cb?tenant=a&#38;b=c\" data-autosubmit>"
    ), "{html}");
    for (name, value) in [
        ("code", "c0de"),
        ("state", "st&#38;te"),
        ("iss", "https://idp.example"),
    ] {
        let input = format!("<input type=\"hidden\" name=\"{name}\" value=\"{value}\">");
        assert!(html.contains(&input), "{input} missing: {html}");
    }
    assert_eq!(html.matches("type=\"hidden\"").count(), 3);
    assert!(html.contains(&format!(
        "<script src=\"{FORM_POST_JS_URL}\" defer></script>"
    )));
    assert!(html.contains("type=\"submit\""));
    assert!(html.contains(Lang::En.messages().form_post_continue));
}

#[test]
fn form_post_refuses_non_web_actions() {
    for action in [
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "data:text/html,x",
        "/relative",
        "com.example.app:/cb",
        "",
    ] {
        let page = FormPostPage {
            lang: Lang::En,
            action: action.into(),
            fields: vec![],
        };
        assert!(
            matches!(page.render(), Err(RenderError::UnsafeAction)),
            "{action}"
        );
    }
    let ok = FormPostPage {
        lang: Lang::En,
        action: "HTTP://127.0.0.1:8080/cb".into(),
        fields: vec![],
    };
    assert!(ok.render().is_ok());
}

#[test]
fn logout_confirm_posts_token_and_request_and_offers_a_way_out() {
    let page = LogoutConfirmPage {
        lang: Lang::En,
        client_name: Some("Example App".into()),
        csrf_token: "real-token".into(),
        hidden: pairs(&[
            ("id_token_hint", "eyJ.x.y"),
            ("post_logout_redirect_uri", "https://rp.example/bye"),
            ("state", "s1"),
            ("client_id", "rp"),
            ("csrf_token", "forged"),
        ]),
    };
    let html = page.render().unwrap();
    assert!(html.contains("<form method=\"post\" action=\"/logout\">"));
    assert!(html.contains("<input type=\"hidden\" name=\"csrf_token\" value=\"real-token\">"));
    assert!(!html.contains("forged"));
    assert_eq!(html.matches("name=\"csrf_token\"").count(), 1);
    for name in [
        "id_token_hint",
        "post_logout_redirect_uri",
        "state",
        "client_id",
    ] {
        assert!(html.contains(&format!("name=\"{name}\"")), "{name}");
    }
    assert!(html.contains("Example App asked to sign you out."));
    assert!(html.contains("Sign out of Latchkey?"));
    assert!(html.contains("<a class=\"button button-secondary\" href=\"/\">Stay signed in</a>"));

    let anonymous = LogoutConfirmPage {
        lang: Lang::De,
        client_name: Some("  ".into()),
        csrf_token: "t".into(),
        hidden: vec![],
    }
    .render()
    .unwrap();
    assert!(!anonymous.contains("möchte Sie abmelden"));
    assert!(anonymous.contains("Von Latchkey abmelden?"));
}

#[test]
fn only_the_form_post_page_loads_script() {
    for lang in Lang::ALL {
        for (name, html) in all_pages(lang) {
            assert_eq!(
                html.contains("<script"),
                name == "form_post",
                "{lang} {name}"
            );
        }
    }
}

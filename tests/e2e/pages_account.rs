//! The hosted pages of enrollment and the account, over real HTTP:
//! `/enroll?token=…` (the link `latchkey user invite` prints) and
//! `/account`, in English and German, under the strict CSP.

use latchkey_pages::{ACCOUNT_JS_URL, ENROLL_JS_URL, Lang};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT_LANGUAGE, COOKIE};

use crate::enroll::{Page, Soft, enrolled, invite};
use crate::stack_tests;
use crate::support::{Stack, TestServer};

/// GET `url` (absolute) with optional cookies and `Accept-Language`.
async fn get(
    server: &TestServer,
    url: &str,
    page: Option<&Page<'_>>,
    accept_language: Option<&str>,
) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let mut req = server.http.get(url);
    if let Some(page) = page {
        let cookies: Vec<String> = page
            .browser
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        req = req.header(COOKIE, cookies.join("; "));
    }
    if let Some(lang) = accept_language {
        req = req.header(ACCEPT_LANGUAGE, lang);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    (status, headers, res.text().await.unwrap())
}

/// A hosted page: HTML, not cached, under the strict CSP, with no inline
/// script or style.
fn assert_page(headers: &reqwest::header::HeaderMap, html: &str) {
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(headers["cache-control"], "no-store");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(csp.contains("style-src 'self'"), "{csp}");
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("<style"), "inline style element");
    assert!(!lower.contains(" style="), "inline style attribute");
    for script in lower.split("<script").skip(1) {
        let tag_end = script.find('>').unwrap();
        assert!(script[..tag_end].contains("src="), "inline script");
        assert!(
            script[tag_end + 1..].starts_with("</script>"),
            "script body"
        );
    }
}

/// The link exactly as `latchkey user invite` prints it
/// (`crates/server/src/cli/user.rs`).
fn printed_link(server: &TestServer, token: &str) -> String {
    format!("{}/enroll?token={token}", server.state.config.issuer_str())
}

async fn enroll_page_renders_in_english_and_german(stack: Stack, test: &str) {
    let Some(server) = TestServer::start(stack, test).await else {
        return;
    };
    let user = server.user("erin").await;
    let token = invite(&server, &user, 72).await;
    let link = printed_link(&server, &token);
    for (accept, lang) in [
        (None, Lang::En),
        (Some("de-DE,de;q=0.9,en;q=0.5"), Lang::De),
    ] {
        let m = lang.messages();
        let (status, headers, html) = get(&server, &link, None, accept).await;
        assert_eq!(status, StatusCode::OK, "{lang}");
        assert_page(&headers, &html);
        assert!(html.contains(&format!("<html lang=\"{lang}\">")), "{lang}");
        assert!(html.contains(m.enroll_title), "{lang}");
        assert!(html.contains(m.enroll_create), "{lang}");
        assert!(html.contains(m.enroll_needs_browser), "{lang}");
        assert!(
            html.contains(&format!("<script src=\"{ENROLL_JS_URL}\" defer></script>")),
            "{lang}"
        );
        assert!(html.contains(&format!("data-token=\"{token}\"")), "{lang}");
    }
    // The script the page names is served.
    let res = server.get(ENROLL_JS_URL).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("/api/enroll/"));
}

/// A missing or malformed token cannot work whatever the database holds:
/// the page says so in plain words, with 400 (the request itself is
/// broken; a well-formed but used or expired token is 200, and the API
/// call from the page says what is wrong with it).
async fn a_missing_or_malformed_token_says_the_link_does_not_work(stack: Stack, test: &str) {
    let Some(server) = TestServer::start(stack, test).await else {
        return;
    };
    let upper = "AB".repeat(32);
    let short = "ab".repeat(31);
    for query in [
        "",
        "?token=",
        "?token=nothex",
        "?token=%3Cscript%3E",
        "?other=1",
    ]
    .into_iter()
    .map(str::to_owned)
    .chain([format!("?token={upper}"), format!("?token={short}")])
    {
        for (accept, lang) in [(None, Lang::En), (Some("de"), Lang::De)] {
            let m = lang.messages();
            let url = format!("{}/enroll{query}", server.base);
            let (status, headers, html) = get(&server, &url, None, accept).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{query} {lang}");
            assert_page(&headers, &html);
            assert!(html.contains(m.enroll_invalid_title), "{query} {lang}");
            assert!(html.contains(m.enroll_invalid_text), "{query} {lang}");
            assert!(!html.contains(ENROLL_JS_URL), "{query} {lang}");
            assert!(!html.contains("<script>"), "{query} {lang}");
        }
    }
}

/// The link `latchkey user invite` prints opens the page; a used one too
/// (the page does not look the link up; the API refuses it).
async fn the_printed_invitation_link_resolves(stack: Stack, test: &str) {
    let Some(server) = TestServer::start(stack, test).await else {
        return;
    };
    let user = server.user("ivan").await;
    let token = invite(&server, &user, 1).await;
    let link = printed_link(&server, &token);
    assert!(link.starts_with(&format!("{}/enroll?token=", server.base)));
    let (status, _, html) = get(&server, &link, None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(Lang::En.messages().enroll_title));

    let mut page = Page::new(&server);
    let (status, body, _) = page.enroll(&token, &mut Soft::new(), None).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _, html) = get(&server, &link, None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(Lang::En.messages().enroll_error_used));
}

async fn account_lists_passkeys_and_factors(stack: Stack, test: &str) {
    let Some(server) = TestServer::start(stack, test).await else {
        return;
    };
    let mut page = Page::new(&server);
    let mut soft = Soft::new();
    let (alice, _) = enrolled(&mut page, &mut soft, "alice").await;
    page.passkeys().await;
    let (status, added) = page
        .add_passkey(&mut Soft::new(), Some("<b>Bold</b> & key"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    let url = format!("{}/account", server.base);

    let m = Lang::En.messages();
    let (status, headers, html) = get(&server, &url, Some(&page), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_page(&headers, &html);
    assert!(html.contains(&format!("<h1>{}</h1>", m.account_title)));
    assert!(html.contains(&alice.username));
    assert_eq!(html.matches("<li class=\"item\"").count(), 2, "{html}");
    assert!(!html.contains("<b>Bold</b>"), "unescaped friendly name");
    assert!(
        html.contains("&#60;b&#62;Bold&#60;/b&#62; &#38; key")
            || html.contains("&lt;b&gt;Bold&lt;/b&gt; &amp; key"),
        "{html}"
    );
    let id = added["credential"]["id"].as_str().unwrap();
    assert!(html.contains(&format!("data-passkey=\"{id}\"")));
    assert!(html.contains(m.account_passkey_never_used));
    assert!(html.contains(alice.email.as_deref().unwrap()));
    assert!(html.contains(m.account_not_verified));
    assert!(html.contains(m.account_recovery_none));
    assert!(html.contains(m.account_totp_off));
    assert!(html.contains(&format!("data-rp-id=\"{}\"", server.state.passkeys.rp_id())));
    assert!(html.contains(&format!("<script src=\"{ACCOUNT_JS_URL}\" defer></script>")));
    assert!(html.contains("href=\"/logout\""));
    // Passwords are off by default: no password section.
    assert!(!html.contains("id=\"password-heading\""));

    // The same data as the API: after generating codes the page counts them.
    let (status, body) = page.post("/api/account/recovery-codes", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, _, html) = get(&server, &url, Some(&page), None).await;
    assert!(html.contains(&m.account_recovery_left_other.replace("{n}", "10")));

    // German.
    let de = Lang::De.messages();
    let (status, _, html) = get(&server, &url, Some(&page), Some("de")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<html lang=\"de\">"));
    assert!(html.contains(&format!("<h1>{}</h1>", de.account_title)));
    assert!(html.contains(de.account_not_verified));
    assert!(html.contains(&de.account_recovery_left_other.replace("{n}", "10")));

    let res = server.get(ACCOUNT_JS_URL).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("signalAllAcceptedCredentials")
    );
}

async fn account_without_a_session_asks_to_sign_in(stack: Stack, test: &str) {
    let Some(server) = TestServer::start(stack, test).await else {
        return;
    };
    let url = format!("{}/account", server.base);
    let mut stranger = Page::new(&server);
    stranger.browser.cookies.insert(
        latchkey_server::session::SESSION_COOKIE.to_owned(),
        "0".repeat(64),
    );
    for page in [None, Some(&stranger)] {
        for (accept, lang) in [(None, Lang::En), (Some("de"), Lang::De)] {
            let m = lang.messages();
            let (status, headers, html) = get(&server, &url, page, accept).await;
            assert_eq!(status, StatusCode::OK, "{lang}");
            assert!(!headers.contains_key("location"), "no redirect");
            assert_page(&headers, &html);
            assert!(html.contains(m.account_sign_in_title), "{lang}");
            assert!(html.contains(m.account_sign_in_text), "{lang}");
            assert!(!html.contains(ACCOUNT_JS_URL), "{lang}");
            assert!(!html.contains("<form"), "{lang}");
        }
    }

    // A session of a user who was disabled since is not honoured.
    let mut page = Page::new(&server);
    let (bob, _) = enrolled(&mut page, &mut Soft::new(), "bob").await;
    let (_, _, html) = get(&server, &url, Some(&page), None).await;
    assert!(html.contains(Lang::En.messages().account_title));
    use latchkey_core::UserRepo as _;
    server
        .state
        .db
        .set_user_status(&bob.id, latchkey_core::UserStatus::Disabled)
        .await
        .unwrap();
    let (_, _, html) = get(&server, &url, Some(&page), None).await;
    assert!(
        html.contains(Lang::En.messages().account_sign_in_title),
        "a disabled user's session is not honoured"
    );
}

stack_tests!(
    enroll_page_renders_in_english_and_german,
    a_missing_or_malformed_token_says_the_link_does_not_work,
    the_printed_invitation_link_resolves,
    account_lists_passkeys_and_factors,
    account_without_a_session_asks_to_sign_in,
);

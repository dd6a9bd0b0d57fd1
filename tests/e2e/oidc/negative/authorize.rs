//! The authorization endpoint: until the client and its redirect URI are
//! verified every error is a page; afterwards errors go back to the
//! verified redirect URI with `error`, `state` and `iss` (RFC 9207), and
//! never with a code. A repeated parameter (RFC 6749 §3.1) is a page for
//! `client_id` and `redirect_uri`, and goes back to the client otherwise.

use crate::support::browser::Browser;
use crate::support::fixtures::{self, REDIRECT_URI};
use crate::support::rp;
use crate::support::{Stack, TestServer};

use super::{Form, Rp, STATE, error_page, error_redirect, no_5xx, post_raw};

/// The usual request parameters, in order.
fn standard<'a>(client_id: &'a str, challenge: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", REDIRECT_URI),
        ("scope", "openid profile"),
        ("state", STATE),
        ("nonce", "n-456"),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ]
}

/// `standard` with `extra` replacing parameters of the same name (an empty
/// value removes one) and `dup` appended as second copies.
fn request(
    client_id: &str,
    challenge: &str,
    extra: &[(&str, &str)],
    dup: &[(&str, &str)],
) -> String {
    let mut pairs = standard(client_id, challenge);
    for (k, v) in extra {
        pairs.retain(|(n, _)| n != k);
        if !v.is_empty() {
            pairs.push((k, v));
        }
    }
    pairs.extend_from_slice(dup);
    rp::url_encode(&pairs)
}

async fn unverified_requests_get_an_error_page(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let rp_ = Rp::confidential(&s).await;
    let mut cc_only = fixtures::confidential();
    cc_only.grant_types = vec!["client_credentials".into()];
    cc_only.redirect_uris = vec![];
    cc_only.post_logout_redirect_uris = vec![];
    let cc_only = Rp::register(&s, cc_only).await;
    let (_, ch) = rp::pkce();
    let id = rp_.id.as_str();
    let evil = "https://evil.test/cb";
    let cases: Vec<(&str, String)> = vec![
        ("no parameters", String::new()),
        ("unknown client", request("no-such-client", &ch, &[], &[])),
        (
            "unknown client, evil redirect",
            request("no-such-client", &ch, &[("redirect_uri", evil)], &[]),
        ),
        (
            "missing client_id",
            request(id, &ch, &[("client_id", "")], &[]),
        ),
        (
            "missing redirect_uri",
            request(id, &ch, &[("redirect_uri", "")], &[]),
        ),
        (
            "client_id twice, different",
            request(id, &ch, &[], &[("client_id", "no-such-client")]),
        ),
        (
            "client_id twice, same",
            request(id, &ch, &[], &[("client_id", id)]),
        ),
        (
            "client_id twice, empty copy",
            request(id, &ch, &[], &[("client_id", "")]),
        ),
        (
            "redirect_uri twice, second evil",
            request(id, &ch, &[], &[("redirect_uri", evil)]),
        ),
        (
            "redirect_uri twice, same",
            request(id, &ch, &[], &[("redirect_uri", REDIRECT_URI)]),
        ),
        (
            "redirect_uri twice and scope twice",
            request(
                id,
                &ch,
                &[],
                &[("redirect_uri", REDIRECT_URI), ("scope", "openid")],
            ),
        ),
        (
            "scope twice, unknown client",
            request("no-such-client", &ch, &[], &[("scope", "openid")]),
        ),
        (
            "client without the code flow",
            request(&cc_only.id, &ch, &[], &[]),
        ),
    ];
    let ct = Some("application/x-www-form-urlencoded");
    for (case, q) in cases {
        let res = Browser::default().get(&s, &format!("/authorize?{q}")).await;
        let page = error_page(res, case).await;
        assert!(!page.contains("evil.test"), "[{case}] page echoes input");
        let res = post_raw(&s, "/authorize", ct, None, q).await;
        let page = error_page(res, &format!("POST: {case}")).await;
        assert!(
            !page.contains("evil.test"),
            "[POST: {case}] page echoes input"
        );
    }
    // A POSTed request whose body is not a form.
    let form = request(id, &ch, &[], &[]);
    let json = serde_json::json!({ "client_id": id, "redirect_uri": REDIRECT_URI }).to_string();
    for (case, ct, body) in [
        ("POST as JSON", Some("application/json"), json),
        ("POST as text/plain", Some("text/plain"), form.clone()),
        ("POST without content type", None, form.clone()),
        (
            "POST as multipart",
            Some("multipart/form-data; boundary=x"),
            form,
        ),
    ] {
        let res = post_raw(&s, "/authorize", ct, None, body).await;
        error_page(res, case).await;
    }
}

async fn verified_errors_redirect_with_state_and_iss(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let conf = Rp::confidential(&s).await;
    let public = Rp::public(&s).await;
    let long_state = "s".repeat(3000);
    let long_nonce = "n".repeat(600);
    let crlf_state = "a\r\nSet-Cookie: x=y";
    let plus = "+".repeat(43);
    let (_, ch) = rp::pkce();
    #[rustfmt::skip]
    let cases: Vec<(&str, &Rp, Form, &str, Option<&str>)> = vec![
        ("missing response_type", &conf, vec![("response_type", "")], "invalid_request", Some(STATE)),
        ("response_type token", &conf, vec![("response_type", "token")], "unsupported_response_type", Some(STATE)),
        ("response_type code id_token", &conf, vec![("response_type", "code id_token")], "unsupported_response_type", Some(STATE)),
        ("response_type id_token", &conf, vec![("response_type", "id_token")], "unsupported_response_type", Some(STATE)),
        ("response_type CODE", &conf, vec![("response_type", "CODE")], "unsupported_response_type", Some(STATE)),
        ("missing scope", &conf, vec![("scope", "")], "invalid_scope", Some(STATE)),
        ("scope without openid", &conf, vec![("scope", "profile email")], "invalid_scope", Some(STATE)),
        ("scope not allowed", &conf, vec![("scope", "openid admin")], "invalid_scope", Some(STATE)),
        ("scope OPENID", &conf, vec![("scope", "OPENID")], "invalid_scope", Some(STATE)),
        ("code_challenge_method plain", &conf, vec![("code_challenge_method", "plain")], "invalid_request", Some(STATE)),
        ("code_challenge_method s256", &conf, vec![("code_challenge_method", "s256")], "invalid_request", Some(STATE)),
        ("challenge without method", &conf, vec![("code_challenge_method", "")], "invalid_request", Some(STATE)),
        ("method without challenge", &conf, vec![("code_challenge", "")], "invalid_request", Some(STATE)),
        ("challenge too short", &conf, vec![("code_challenge", "abc")], "invalid_request", Some(STATE)),
        ("challenge not base64url", &conf, vec![("code_challenge", &plus)], "invalid_request", Some(STATE)),
        ("public client without PKCE", &public, vec![("code_challenge", ""), ("code_challenge_method", "")], "invalid_request", Some(STATE)),
        ("prompt none login", &conf, vec![("prompt", "none login")], "invalid_request", Some(STATE)),
        ("prompt unknown", &conf, vec![("prompt", "bogus")], "invalid_request", Some(STATE)),
        ("max_age -1", &conf, vec![("max_age", "-1")], "invalid_request", Some(STATE)),
        ("max_age +5", &conf, vec![("max_age", "+5")], "invalid_request", Some(STATE)),
        ("max_age huge", &conf, vec![("max_age", "99999999999999999999999")], "invalid_request", Some(STATE)),
        ("request object", &conf, vec![("request", "eyJhbGciOiJub25lIn0.e30.")], "request_not_supported", Some(STATE)),
        ("request_uri", &conf, vec![("request_uri", "https://evil.test/req")], "request_uri_not_supported", Some(STATE)),
        ("registration", &conf, vec![("registration", "{}")], "registration_not_supported", Some(STATE)),
        ("response_mode fragment", &conf, vec![("response_mode", "fragment")], "invalid_request", Some(STATE)),
        ("response_mode unknown", &conf, vec![("response_mode", "web_message")], "invalid_request", Some(STATE)),
        ("prompt none without a session", &conf, vec![("prompt", "none")], "login_required", Some(STATE)),
        ("id_token_hint garbage", &conf, vec![("id_token_hint", "not.a.jwt")], "invalid_request", Some(STATE)),
        ("id_token_hint alg none", &conf, vec![("id_token_hint", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")], "invalid_request", Some(STATE)),
        ("state with CR LF", &conf, vec![("state", crlf_state)], "invalid_request", Some(crlf_state)),
        ("state too long", &conf, vec![("state", &long_state)], "invalid_request", Some(&long_state)),
        ("nonce too long", &conf, vec![("nonce", &long_nonce)], "invalid_request", Some(STATE)),
        ("nonce with NUL", &conf, vec![("nonce", "a\0b")], "invalid_request", Some(STATE)),
        ("ui_locales markup", &conf, vec![("ui_locales", "en <script>")], "invalid_request", Some(STATE)),
        ("acr_values control", &conf, vec![("acr_values", "phr\u{7}")], "invalid_request", Some(STATE)),
        ("login_hint too long", &conf, vec![("login_hint", &long_nonce)], "invalid_request", Some(STATE)),
        ("no state", &conf, vec![("state", ""), ("response_type", "token")], "unsupported_response_type", None),
    ];
    for (case, client, extra, error, state) in &cases {
        let q = request(&client.id, &ch, extra, &[]);
        let res = Browser::default().get(&s, &format!("/authorize?{q}")).await;
        no_5xx(&res, case);
        error_redirect(&res, &s, REDIRECT_URI, error, *state, case);
    }
    // An error for a native app's loopback port variant goes to the port
    // that was asked for, which is where the app listens.
    let variant = "http://127.0.0.1:9999/cb";
    let extra = [("redirect_uri", variant), ("response_type", "token")];
    let q = request(&public.id, &ch, &extra, &[]);
    let res = Browser::default().get(&s, &format!("/authorize?{q}")).await;
    let case = "loopback port variant, public client";
    error_redirect(
        &res,
        &s,
        variant,
        "unsupported_response_type",
        Some(STATE),
        case,
    );
    // A confidential client gets no port exception: the same request is
    // for an unregistered URI, so an error page and no redirect.
    let q = request(&conf.id, &ch, &extra, &[]);
    let res = Browser::default().get(&s, &format!("/authorize?{q}")).await;
    let page = error_page(res, "loopback port variant, confidential client").await;
    assert!(!page.contains("9999"), "the page echoes the URI");
    // POSTed: the same, with 303 so the client's endpoint gets a GET.
    let q = request(&conf.id, &ch, &[("response_type", "token")], &[]);
    let ct = Some("application/x-www-form-urlencoded");
    let res = post_raw(&s, "/authorize", ct, None, q).await;
    let case = "POST with an error";
    error_redirect(
        &res,
        &s,
        REDIRECT_URI,
        "unsupported_response_type",
        Some(STATE),
        case,
    );
}

/// A repeated parameter other than `client_id` and `redirect_uri` goes back
/// to the verified redirect URI as `invalid_request` naming it, with `iss`,
/// and with `state` only when `state` was given once; by GET and by POST.
async fn repeated_parameters_go_back_to_the_client(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let conf = Rp::confidential(&s).await;
    let (_, ch) = rp::pkce();
    #[rustfmt::skip]
    let cases: Vec<(&str, Form, &str, Option<&str>)> = vec![
        ("scope twice", vec![("scope", "openid")], "scope", Some(STATE)),
        ("scope twice, same value", vec![("scope", "openid profile")], "scope", Some(STATE)),
        ("response_type twice", vec![("response_type", "token")], "response_type", Some(STATE)),
        ("empty copy of response_type", vec![("response_type", "")], "response_type", Some(STATE)),
        ("nonce twice", vec![("nonce", "n-other")], "nonce", Some(STATE)),
        ("code_challenge twice", vec![("code_challenge", &ch)], "code_challenge", Some(STATE)),
        ("prompt twice", vec![("prompt", "none"), ("prompt", "login")], "prompt", Some(STATE)),
        ("state twice", vec![("state", "other")], "state", None),
        ("state twice, same value", vec![("state", STATE)], "state", None),
        ("empty copy of state", vec![("state", "")], "state", None),
        ("response_mode twice", vec![("response_mode", "form_post"), ("response_mode", "form_post")], "response_mode", Some(STATE)),
        ("response_mode twice, one bad", vec![("response_mode", "form_post"), ("response_mode", "fragment")], "response_mode", Some(STATE)),
    ];
    let ct = Some("application/x-www-form-urlencoded");
    for (case, dup, named, state) in &cases {
        let q = request(&conf.id, &ch, &[], dup);
        let get = Browser::default().get(&s, &format!("/authorize?{q}")).await;
        let post = post_raw(&s, "/authorize", ct, None, q).await;
        for (how, res) in [("GET", get), ("POST", post)] {
            let case = format!("{how}: {case}");
            no_5xx(&res, &case);
            let got = error_redirect(&res, &s, REDIRECT_URI, "invalid_request", *state, &case);
            assert_eq!(
                got["error_description"],
                format!("parameter '{named}' is included more than once (RFC 6749 section 3.1)"),
                "[{case}]"
            );
        }
    }
    // response_mode=form_post given once is honoured for the error.
    let q = request(
        &conf.id,
        &ch,
        &[("response_mode", "form_post")],
        &[("scope", "openid")],
    );
    for (how, res) in [
        (
            "GET",
            Browser::default().get(&s, &format!("/authorize?{q}")).await,
        ),
        (
            "POST",
            post_raw(&s, "/authorize", ct, None, q.clone()).await,
        ),
    ] {
        let case = format!("{how}: form_post and scope twice");
        no_5xx(&res, &case);
        assert_eq!(res.status(), 200, "[{case}]");
        assert!(res.headers().get("location").is_none(), "[{case}] redirect");
        let html = res.text().await.unwrap();
        for want in [
            format!("action=\"{REDIRECT_URI}\""),
            "name=\"error\" value=\"invalid_request\"".to_owned(),
            "name=\"error_description\" value=\"parameter &#39;scope&#39; is included more than once (RFC 6749 section 3.1)\"".to_owned(),
            format!("name=\"state\" value=\"{STATE}\""),
            format!("name=\"iss\" value=\"{}\"", s.base),
        ] {
            assert!(html.contains(&want), "[{case}] {want} not in {html}");
        }
        assert!(
            !html.contains("name=\"code\""),
            "[{case}] a code was issued"
        );
    }
}

/// `response_mode=form_post`: the error is a page that posts to the
/// verified redirect URI, never a redirect, and escapes what it echoes.
async fn form_post_errors_post_back_safely(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let conf = Rp::confidential(&s).await;
    let (_, ch) = rp::pkce();
    let xss = "\"><script>alert(1)</script>";
    let extra = [
        ("response_mode", "form_post"),
        ("response_type", "token"),
        ("state", xss),
    ];
    let q = request(&conf.id, &ch, &extra, &[]);
    let res = Browser::default().get(&s, &format!("/authorize?{q}")).await;
    let case = "form_post error";
    no_5xx(&res, case);
    assert_eq!(res.status(), 200, "[{case}]");
    assert!(res.headers().get("location").is_none(), "[{case}] redirect");
    let html = res.text().await.unwrap();
    assert!(html.contains(REDIRECT_URI), "[{case}] action: {html}");
    assert!(
        html.contains("unsupported_response_type"),
        "[{case}] {html}"
    );
    assert!(
        !html.contains("<script>alert(1)"),
        "[{case}] state not escaped"
    );
    assert!(
        !html.contains("name=\"code\""),
        "[{case}] a code was issued"
    );
}

crate::stack_tests!(
    unverified_requests_get_an_error_page,
    verified_errors_redirect_with_state_and_iss,
    repeated_parameters_go_back_to_the_client,
    form_post_errors_post_back_safely,
);

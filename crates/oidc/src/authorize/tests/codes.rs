//! Every check's error code and delivery (page or redirect), in pipeline
//! order, as one table.

use super::super::AuthorizeError;
use super::{WEB_URI, request, run};

type Edits = &'static [(&'static str, Option<&'static str>)];

/// Each case: edits to a valid request, then the error code and whether it
/// must be a page.
const PAGE: bool = true;
const REDIRECT: bool = false;

const CASES: &[(&str, Edits, &str, bool)] = &[
    // 1. client_id
    (
        "client_id missing",
        &[("client_id", None)],
        "invalid_request",
        PAGE,
    ),
    (
        "client_id empty",
        &[("client_id", Some(""))],
        "invalid_request",
        PAGE,
    ),
    // 2. client known and allowed the code flow
    (
        "unknown client",
        &[("client_id", Some("nobody"))],
        "invalid_client",
        PAGE,
    ),
    (
        "no code grant",
        &[("client_id", Some("machine"))],
        "unauthorized_client",
        PAGE,
    ),
    // order: an unknown client with every other error is still a page
    (
        "unknown client, bad everything",
        &[
            ("client_id", Some("nobody")),
            ("response_type", Some("token")),
            ("redirect_uri", Some("https://evil.test/")),
            ("scope", None),
        ],
        "invalid_client",
        PAGE,
    ),
    // 3. and 4. redirect_uri
    (
        "redirect_uri missing",
        &[("redirect_uri", None)],
        "invalid_request",
        PAGE,
    ),
    (
        "redirect_uri unregistered, bad response_type",
        &[
            ("redirect_uri", Some("https://evil.test/cb")),
            ("response_type", Some("token")),
        ],
        "invalid_request",
        PAGE,
    ),
    // 5. response_mode
    (
        "response_mode fragment",
        &[("response_mode", Some("fragment"))],
        "invalid_request",
        REDIRECT,
    ),
    (
        "response_mode unknown",
        &[("response_mode", Some("web_message"))],
        "invalid_request",
        REDIRECT,
    ),
    (
        "response_mode case",
        &[("response_mode", Some("QUERY"))],
        "invalid_request",
        REDIRECT,
    ),
    // 6. request objects, registration
    (
        "request",
        &[("request", Some("eyJ.x.y"))],
        "request_not_supported",
        REDIRECT,
    ),
    (
        "request_uri",
        &[("request_uri", Some("https://app.example.com/r"))],
        "request_uri_not_supported",
        REDIRECT,
    ),
    (
        "registration",
        &[("registration", Some("{}"))],
        "registration_not_supported",
        REDIRECT,
    ),
    // 7. response_type
    (
        "response_type missing",
        &[("response_type", None)],
        "invalid_request",
        REDIRECT,
    ),
    (
        "response_type token",
        &[("response_type", Some("token"))],
        "unsupported_response_type",
        REDIRECT,
    ),
    (
        "response_type id_token",
        &[("response_type", Some("id_token"))],
        "unsupported_response_type",
        REDIRECT,
    ),
    (
        "response_type hybrid",
        &[("response_type", Some("code id_token"))],
        "unsupported_response_type",
        REDIRECT,
    ),
    (
        "response_type case",
        &[("response_type", Some("Code"))],
        "unsupported_response_type",
        REDIRECT,
    ),
    (
        "response_type none",
        &[("response_type", Some("none"))],
        "unsupported_response_type",
        REDIRECT,
    ),
    // 8. scope
    (
        "scope missing",
        &[("scope", None)],
        "invalid_scope",
        REDIRECT,
    ),
    (
        "scope without openid",
        &[("scope", Some("profile email"))],
        "invalid_scope",
        REDIRECT,
    ),
    (
        "scope openid case",
        &[("scope", Some("OpenID"))],
        "invalid_scope",
        REDIRECT,
    ),
    (
        "scope not allowed",
        &[("scope", Some("openid admin"))],
        "invalid_scope",
        REDIRECT,
    ),
    (
        "scope with tab",
        &[("scope", Some("openid\tprofile"))],
        "invalid_scope",
        REDIRECT,
    ),
    // 9. PKCE
    (
        "pkce plain",
        &[("code_challenge_method", Some("plain"))],
        "invalid_request",
        REDIRECT,
    ),
    (
        "pkce method lower case",
        &[("code_challenge_method", Some("s256"))],
        "invalid_request",
        REDIRECT,
    ),
    (
        "pkce challenge without method",
        &[("code_challenge_method", None)],
        "invalid_request",
        REDIRECT,
    ),
    (
        "pkce method without challenge",
        &[("code_challenge", None)],
        "invalid_request",
        REDIRECT,
    ),
    (
        "pkce challenge short",
        &[(
            "code_challenge",
            Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c"),
        )],
        "invalid_request",
        REDIRECT,
    ),
    (
        "pkce challenge long",
        &[(
            "code_challenge",
            Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cMM"),
        )],
        "invalid_request",
        REDIRECT,
    ),
    (
        "pkce challenge padded",
        &[(
            "code_challenge",
            Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c="),
        )],
        "invalid_request",
        REDIRECT,
    ),
    (
        "pkce challenge standard base64",
        &[(
            "code_challenge",
            Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM"),
        )],
        "invalid_request",
        REDIRECT,
    ),
    (
        "pkce challenge trailing bits",
        &[(
            "code_challenge",
            Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN"),
        )],
        "invalid_request",
        REDIRECT,
    ),
    (
        "pkce public client without",
        &[("code_challenge", None), ("code_challenge_method", None)],
        "invalid_request",
        REDIRECT,
    ),
    // 10. prompt
    (
        "prompt unknown",
        &[("prompt", Some("login bogus"))],
        "invalid_request",
        REDIRECT,
    ),
    (
        "prompt create",
        &[("prompt", Some("create"))],
        "invalid_request",
        REDIRECT,
    ),
    (
        "prompt none and login",
        &[("prompt", Some("none login"))],
        "invalid_request",
        REDIRECT,
    ),
    (
        "prompt consent and none",
        &[("prompt", Some("consent none"))],
        "invalid_request",
        REDIRECT,
    ),
    // 11. max_age
    (
        "max_age negative",
        &[("max_age", Some("-1"))],
        "invalid_request",
        REDIRECT,
    ),
    (
        "max_age plus sign",
        &[("max_age", Some("+5"))],
        "invalid_request",
        REDIRECT,
    ),
    (
        "max_age fraction",
        &[("max_age", Some("1.5"))],
        "invalid_request",
        REDIRECT,
    ),
    (
        "max_age word",
        &[("max_age", Some("ten"))],
        "invalid_request",
        REDIRECT,
    ),
    (
        "max_age too big",
        &[("max_age", Some("2147483649"))],
        "invalid_request",
        REDIRECT,
    ),
    (
        "max_age overflow",
        &[("max_age", Some("99999999999999999999999"))],
        "invalid_request",
        REDIRECT,
    ),
    (
        "max_age space",
        &[("max_age", Some(" 5"))],
        "invalid_request",
        REDIRECT,
    ),
    // 12. bounds and control characters
    (
        "state control",
        &[("state", Some("a\nb"))],
        "invalid_request",
        REDIRECT,
    ),
    (
        "state del",
        &[("state", Some("a\u{7f}"))],
        "invalid_request",
        REDIRECT,
    ),
    (
        "nonce control",
        &[("nonce", Some("a\0"))],
        "invalid_request",
        REDIRECT,
    ),
    (
        "login_hint control",
        &[("login_hint", Some("a@b.test\r\n"))],
        "invalid_request",
        REDIRECT,
    ),
    (
        "acr_values control",
        &[("acr_values", Some("phr\u{1b}"))],
        "invalid_request",
        REDIRECT,
    ),
    (
        "ui_locales bad tag",
        &[("ui_locales", Some("en_US"))],
        "invalid_request",
        REDIRECT,
    ),
    (
        "ui_locales markup",
        &[("ui_locales", Some("en <b>"))],
        "invalid_request",
        REDIRECT,
    ),
];

#[test]
fn every_check_has_its_code_and_delivery() {
    for (name, edits, code, is_page) in CASES {
        let err = run(&request(edits)).expect_err(name);
        assert_eq!(err.error(), *code, "{name}: {err:?}");
        match (&err, is_page) {
            (AuthorizeError::Page { .. }, true) => {}
            (AuthorizeError::Redirect(r), false) => {
                assert_eq!(r.redirect_uri, WEB_URI, "{name}");
                let state_edit = edits.iter().find(|(n, _)| *n == "state");
                let want_state = state_edit.map_or(Some("st-1"), |(_, v)| *v);
                assert_eq!(r.state.as_deref(), want_state, "{name}");
            }
            _ => panic!("{name}: wrong delivery: {err:?}"),
        }
    }
}

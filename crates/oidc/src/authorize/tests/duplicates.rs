//! Repeated parameters (RFC 6749 §3.1: "MUST NOT be included more than
//! once"): a repeated `client_id` or `redirect_uri` is an error page, any
//! other repetition an `invalid_request` sent back to the verified redirect
//! URI, without a repeated `state` and in query mode unless `response_mode`
//! is given once and valid.

use url::form_urlencoded;

use super::super::{AuthorizeError, ErrorRedirect, Params, ResponseMode};
use super::{CHALLENGE, WEB_URI, run};

/// A valid request for `native` with `copies` appended as further copies
/// (or first copies, for names the request lacks).
fn with_copies(copies: &[(&str, &str)]) -> Params {
    let mut pairs: Vec<(&str, &str)> = vec![
        ("client_id", "native"),
        ("redirect_uri", WEB_URI),
        ("response_type", "code"),
        ("scope", "openid profile"),
        ("state", "st-1"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    pairs.extend_from_slice(copies);
    let raw = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter())
        .finish();
    Params::parse_keeping_duplicates(raw.as_bytes()).unwrap()
}

fn repeated(name: &str) -> String {
    format!("parameter '{name}' is included more than once (RFC 6749 section 3.1)")
}

#[test]
fn repeated_client_id_or_redirect_uri_is_a_page() {
    let cases = [
        ("client_id", "native", "same value"),
        ("client_id", "web", "another client"),
        ("client_id", "", "empty copy"),
        ("redirect_uri", WEB_URI, "same value"),
        ("redirect_uri", "https://evil.test/cb", "evil copy"),
        ("redirect_uri", "", "empty copy"),
    ];
    for (name, value, case) in cases {
        let got = run(&with_copies(&[(name, value)]));
        assert_eq!(
            got,
            Err(AuthorizeError::Page {
                error: "invalid_request",
                description: repeated(name),
            }),
            "{name}: {case}"
        );
    }
}

#[test]
fn other_repetitions_go_back_to_the_client() {
    let cases = [
        ("scope", "openid"),
        ("response_type", "token"),
        ("response_type", ""),
        ("nonce", "n-2"),
        ("code_challenge", CHALLENGE),
        ("prompt", "none"),
    ];
    for (name, value) in cases {
        // `nonce` and `prompt` are absent from the base request: two copies.
        let copies: Vec<(&str, &str)> = match name {
            "nonce" | "prompt" => vec![(name, value), (name, value)],
            _ => vec![(name, value)],
        };
        let got = run(&with_copies(&copies));
        assert_eq!(
            got,
            Err(AuthorizeError::Redirect(ErrorRedirect {
                redirect_uri: WEB_URI.into(),
                response_mode: ResponseMode::Query,
                state: Some("st-1".into()),
                error: "invalid_request",
                description: repeated(name),
            })),
            "{name}"
        );
    }
}

#[test]
fn a_repeated_state_is_not_echoed() {
    for copy in ["other", "st-1", ""] {
        match run(&with_copies(&[("state", copy)])) {
            Err(AuthorizeError::Redirect(r)) => {
                assert_eq!(r.state, None, "{copy:?}");
                assert_eq!(r.description, repeated("state"));
            }
            other => panic!("{copy:?}: {other:?}"),
        }
    }
}

#[test]
fn response_mode_is_honoured_only_when_single_and_valid() {
    let cases = [
        // Given once and valid: the error uses it.
        (
            vec![("response_mode", "form_post"), ("scope", "openid")],
            ResponseMode::FormPost,
            "scope",
        ),
        (
            vec![("response_mode", "query"), ("scope", "openid")],
            ResponseMode::Query,
            "scope",
        ),
        // Repeated, even with one valid copy: query.
        (
            vec![
                ("response_mode", "form_post"),
                ("response_mode", "form_post"),
            ],
            ResponseMode::Query,
            "response_mode",
        ),
        (
            vec![
                ("response_mode", "form_post"),
                ("response_mode", "fragment"),
            ],
            ResponseMode::Query,
            "response_mode",
        ),
    ];
    for (copies, mode, named) in cases {
        match run(&with_copies(&copies)) {
            Err(AuthorizeError::Redirect(r)) => {
                assert_eq!(r.response_mode, mode, "{copies:?}");
                assert_eq!(r.description, repeated(named), "{copies:?}");
            }
            other => panic!("{copies:?}: {other:?}"),
        }
    }
    // Given once and invalid: its own error, in query mode, before the
    // repetition of another parameter.
    match run(&with_copies(&[
        ("response_mode", "fragment"),
        ("scope", "x"),
    ])) {
        Err(AuthorizeError::Redirect(r)) => {
            assert_eq!(r.response_mode, ResponseMode::Query);
            assert!(
                r.description.starts_with("response_mode 'fragment'"),
                "{r:?}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn client_and_redirect_uri_are_checked_before_repetitions() {
    // Another parameter repeated, but the client is unknown or the URI
    // unregistered: still a page, never a redirect.
    let unknown = with_copies(&[("client_id", "nobody"), ("scope", "openid")]);
    assert!(matches!(run(&unknown), Err(AuthorizeError::Page { .. })));
    let raw = format!(
        "client_id=native&redirect_uri={}&scope=openid&scope=openid",
        "https%3A%2F%2Fevil.test%2Fcb"
    );
    let p = Params::parse_keeping_duplicates(raw.as_bytes()).unwrap();
    assert_eq!(
        run(&p),
        Err(AuthorizeError::Page {
            error: "invalid_request",
            description: "redirect_uri is not registered for this client".into(),
        })
    );
}

#[test]
fn attacker_chosen_names_are_sanitised() {
    let p = Params::parse_keeping_duplicates(
        format!(
            "client_id=native&redirect_uri={}&x%22%0A=1&x%22%0A=2",
            "https%3A%2F%2Fapp.example.com%2Fcallback"
        )
        .as_bytes(),
    )
    .unwrap();
    match run(&p) {
        Err(AuthorizeError::Redirect(r)) => assert_eq!(r.description, repeated("x'?")),
        other => panic!("{other:?}"),
    }
}

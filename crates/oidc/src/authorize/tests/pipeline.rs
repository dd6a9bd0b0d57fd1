//! The pipeline: every check's error code and delivery, and their order.

use super::super::{AuthorizeError, ErrorRedirect, Prompt, ResponseMode, validate};
use super::{CHALLENGE, LOOPBACK_URI, native, request, run, web};
use crate::client::ClientId;

#[test]
fn length_bounds_name_the_parameter() {
    let cases = [
        ("state", 2048),
        ("nonce", 512),
        ("login_hint", 256),
        ("acr_values", 1024),
        ("ui_locales", 256),
    ];
    for (param, max) in cases {
        let at = "a".repeat(max);
        assert!(
            run(&request(&[(param, Some(&at))])).is_ok(),
            "{param} at bound"
        );
        let over = "a".repeat(max + 1);
        let err = run(&request(&[(param, Some(&over))])).unwrap_err();
        assert_eq!(err.error(), "invalid_request", "{param}");
        assert!(err.description().starts_with(param), "{param}: {err:?}");
        assert!(matches!(err, AuthorizeError::Redirect(_)), "{param}");
    }
}

#[test]
fn id_token_hint_fits_within_the_request_limit() {
    // Params::parse caps the whole request at 8 KiB, so an id_token_hint over
    // its 8192-byte bound cannot reach validate; the check stays as the
    // defence should the request limit ever be raised.
    let hint = "a".repeat(7900);
    let p = request(&[
        ("id_token_hint", Some(&hint)),
        ("state", None),
        ("nonce", None),
    ]);
    assert_eq!(run(&p).unwrap().id_token_hint, Some(hint));
}

#[test]
fn errors_after_response_mode_use_it() {
    let err = run(&request(&[
        ("response_mode", Some("form_post")),
        ("response_type", Some("token")),
    ]));
    match err {
        Err(AuthorizeError::Redirect(r)) => assert_eq!(r.response_mode, ResponseMode::FormPost),
        other => panic!("{other:?}"),
    }
    // A bad response_mode itself is reported in query mode.
    match run(&request(&[("response_mode", Some("fragment"))])) {
        Err(AuthorizeError::Redirect(r)) => assert_eq!(r.response_mode, ResponseMode::Query),
        other => panic!("{other:?}"),
    }
}

#[test]
fn redirect_without_state_has_none_and_uses_request_uri() {
    let err = run(&request(&[
        ("state", None),
        ("redirect_uri", Some("http://127.0.0.1:50123/cb")),
        ("response_type", Some("token")),
    ]));
    assert_eq!(
        err,
        Err(AuthorizeError::Redirect(ErrorRedirect {
            redirect_uri: "http://127.0.0.1:50123/cb".into(),
            response_mode: ResponseMode::Query,
            state: None,
            error: "unsupported_response_type",
            description: "response_type 'token' is not supported; use code".into(),
        }))
    );
}

#[test]
fn client_record_for_another_id_is_unknown() {
    let client = web();
    let got = validate(&request(&[]), Some(&client)); // request names "native"
    assert!(
        matches!(
            got,
            Err(AuthorizeError::Page {
                error: "invalid_client",
                ..
            })
        ),
        "{got:?}"
    );
}

#[test]
fn scope_error_names_the_first_disallowed_scope() {
    let err = run(&request(&[("scope", Some("openid admin root"))])).unwrap_err();
    assert_eq!(
        err.description(),
        "scope 'admin' is not allowed for this client"
    );
}

#[test]
fn pkce_plain_and_public_client_messages() {
    let err = run(&request(&[("code_challenge_method", Some("plain"))])).unwrap_err();
    assert!(err.description().contains("only S256"), "{err:?}");
    let err = run(&request(&[
        ("code_challenge", None),
        ("code_challenge_method", None),
    ]))
    .unwrap_err();
    assert!(
        err.description()
            .contains("PKCE is required for public clients"),
        "{err:?}"
    );
}

#[test]
fn confidential_client_may_omit_pkce() {
    let got = run(&request(&[
        ("client_id", Some("web")),
        ("code_challenge", None),
        ("code_challenge_method", None),
    ]))
    .unwrap();
    assert_eq!(got.code_challenge, None);
    // ...but if it sends PKCE, it is checked the same way.
    let err = run(&request(&[
        ("client_id", Some("web")),
        ("code_challenge_method", Some("plain")),
    ]));
    assert!(matches!(err, Err(AuthorizeError::Redirect(_))));
}

#[test]
fn full_request_is_returned_validated() {
    let got = run(&request(&[
        ("redirect_uri", Some(LOOPBACK_URI)),
        ("response_mode", Some("form_post")),
        ("scope", Some("openid  profile openid email")),
        ("prompt", Some("login  consent login")),
        ("max_age", Some("0")),
        ("login_hint", Some("ana@example.test")),
        ("acr_values", Some("phr phrh phr")),
        ("ui_locales", Some("de-CH  fr")),
        ("id_token_hint", Some("eyJ.eyJ.sig")),
        ("display", Some("popup")),
        ("claims_locales", Some("de")),
        ("claims", Some("{\"id_token\":{}}")),
    ]))
    .unwrap();
    assert_eq!(got.client_id, ClientId("native".into()));
    assert_eq!(got.redirect_uri, LOOPBACK_URI);
    assert_eq!(got.response_mode, ResponseMode::FormPost);
    assert_eq!(got.state.as_deref(), Some("st-1"));
    assert_eq!(got.scopes, ["openid", "profile", "email"]);
    assert_eq!(got.nonce.as_deref(), Some("n-1"));
    assert_eq!(got.code_challenge.as_deref(), Some(CHALLENGE));
    assert_eq!(
        got.prompt,
        Prompt {
            none: false,
            login: true,
            consent: true,
            select_account: false
        }
    );
    assert_eq!(got.max_age, Some(0));
    assert_eq!(got.login_hint.as_deref(), Some("ana@example.test"));
    assert_eq!(got.acr_values, ["phr", "phrh"]);
    assert_eq!(got.ui_locales, ["de-CH", "fr"]);
    assert_eq!(got.id_token_hint.as_deref(), Some("eyJ.eyJ.sig"));
    // It survives the ephemeral store.
    let json = serde_json::to_string(&got).unwrap();
    assert_eq!(
        serde_json::from_str::<super::super::AuthorizationRequest>(&json).unwrap(),
        got
    );
    assert!(json.contains("\"form_post\""), "{json}");
}

#[test]
fn minimal_request_defaults() {
    let got = run(&request(&[
        ("state", None),
        ("nonce", None),
        ("prompt", Some("none")),
    ]))
    .unwrap();
    assert_eq!(got.response_mode, ResponseMode::Query);
    assert_eq!(got.state, None);
    assert_eq!(got.nonce, None);
    assert_eq!(
        got.prompt,
        Prompt {
            none: true,
            ..Prompt::default()
        }
    );
    assert_eq!(got.max_age, None);
    assert!(got.acr_values.is_empty() && got.ui_locales.is_empty());
    assert_eq!(
        run(&request(&[("max_age", Some("2147483648"))]))
            .unwrap()
            .max_age,
        Some(1 << 31)
    );
    assert!(native().scopes.contains(&"openid".to_owned()));
}

//! `Params::parse`: strict `application/x-www-form-urlencoded`.

use super::super::{AuthorizeError, MAX_PARAMS, MAX_PARAMS_BYTES, Params, ParamsError};

#[test]
fn parse_errors_rfc6749_3_1() {
    let many: String = (0..=MAX_PARAMS)
        .map(|i| format!("p{i}=v"))
        .collect::<Vec<_>>()
        .join("&");
    let oversized = format!("state={}", "a".repeat(MAX_PARAMS_BYTES));
    let cases: Vec<(&str, Vec<u8>, ParamsError)> = vec![
        (
            "duplicate",
            b"client_id=a&client_id=a".to_vec(),
            ParamsError::Duplicate("client_id".into()),
        ),
        (
            "duplicate with different values",
            b"client_id=a&scope=openid&client_id=b".to_vec(),
            ParamsError::Duplicate("client_id".into()),
        ),
        (
            "duplicate, both empty",
            b"scope=&scope=".to_vec(),
            ParamsError::Duplicate("scope".into()),
        ),
        (
            "duplicate, one empty",
            b"scope=openid&scope=".to_vec(),
            ParamsError::Duplicate("scope".into()),
        ),
        (
            "duplicate, bare name",
            b"prompt&prompt=login".to_vec(),
            ParamsError::Duplicate("prompt".into()),
        ),
        (
            "duplicate after decoding the name",
            b"state=a&st%61te=b".to_vec(),
            ParamsError::Duplicate("state".into()),
        ),
        (
            "invalid UTF-8",
            b"state=%ff".to_vec(),
            ParamsError::Utf8("state".into()),
        ),
        (
            "overlong UTF-8",
            b"state=%c0%af".to_vec(),
            ParamsError::Utf8("state".into()),
        ),
        (
            "raw non-UTF-8 byte",
            b"state=\xff".to_vec(),
            ParamsError::Utf8("state".into()),
        ),
        (
            "invalid UTF-8 in the name",
            b"%ff=x".to_vec(),
            ParamsError::Utf8("%ff".into()),
        ),
        (
            "bad percent-encoding",
            b"state=%zz".to_vec(),
            ParamsError::PercentEncoding("state".into()),
        ),
        (
            "truncated percent-encoding",
            b"state=ab%4".to_vec(),
            ParamsError::PercentEncoding("state".into()),
        ),
        (
            "lone percent",
            b"state=%".to_vec(),
            ParamsError::PercentEncoding("state".into()),
        ),
        (
            "bad percent-encoding in the name",
            b"st%g1te=x".to_vec(),
            ParamsError::PercentEncoding("st%g1te".into()),
        ),
        ("oversized", oversized.into_bytes(), ParamsError::TooLarge),
        ("too many", many.into_bytes(), ParamsError::TooMany),
        ("empty name", b"=x".to_vec(), ParamsError::EmptyName),
    ];
    for (name, raw, want) in cases {
        assert_eq!(Params::parse(&raw), Err(want), "{name}");
    }
}

#[test]
fn parse_accepts() {
    let exactly_max: String = (0..MAX_PARAMS)
        .map(|i| format!("p{i}=v"))
        .collect::<Vec<_>>()
        .join("&");
    assert!(Params::parse(exactly_max.as_bytes()).is_ok());
    let just_fits = format!("s={}", "a".repeat(MAX_PARAMS_BYTES - 2));
    assert!(Params::parse(just_fits.as_bytes()).is_ok());
    assert_eq!(Params::parse(b""), Ok(Params::default()));
}

#[test]
fn parse_values() {
    let p = Params::parse(
        b"scope=openid+profile&state=a%26b%3Dc&empty=&bare&nonce=%C3%A9t%C3%A9&x=%2B&&y=1&",
    )
    .unwrap();
    let cases = [
        ("scope", Some("openid profile")), // `+` is a space
        ("state", Some("a&b=c")),
        ("empty", None), // empty value = absent (RFC 6749 section 3.1)
        ("bare", None),
        ("nonce", Some("été")),
        ("x", Some("+")),
        ("y", Some("1")),
        ("missing", None),
    ];
    for (name, want) in cases {
        assert_eq!(p.get(name), want, "{name}");
    }
}

#[test]
fn percent_zz_is_an_error_not_a_literal() {
    // url::form_urlencoded would pass "%zz" through; we refuse it so the
    // value validated is unambiguous.
    let lenient: Vec<_> = url::form_urlencoded::parse(b"state=%zz").collect();
    assert_eq!(lenient[0].1, "%zz");
    assert!(Params::parse(b"state=%zz").is_err());
    assert_eq!(
        Params::parse(b"state=%25zz").unwrap().get("state"),
        Some("%zz")
    );
}

#[test]
fn params_error_becomes_a_page() {
    let err: AuthorizeError = Params::parse(b"a=1&a=2").unwrap_err().into();
    match err {
        AuthorizeError::Page { error, description } => {
            assert_eq!(error, "invalid_request");
            assert!(description.contains("'a'"), "{description}");
            assert!(description.contains("more than once"), "{description}");
        }
        other => panic!("expected a page, got {other:?}"),
    }
}

#[test]
fn attacker_names_are_sanitised_in_errors() {
    let err = Params::parse(b"a%22%0A=1&a%22%0A=2").unwrap_err();
    assert_eq!(
        err.to_string(),
        "parameter 'a'?' is included more than once (RFC 6749 section 3.1)"
    );
    let long = format!("{0}=1&{0}=2", "n".repeat(60));
    let err = Params::parse(long.as_bytes()).unwrap_err();
    assert_eq!(
        err,
        ParamsError::Duplicate(format!("{}...", "n".repeat(40)))
    );
}

#[test]
fn keeping_duplicates_records_them_and_keeps_no_copy() {
    let p = Params::parse_keeping_duplicates(b"a=1&b=2&a=3&c=&c=&b=2&a=4&d=5").unwrap();
    for name in ["a", "b", "c"] {
        assert!(p.is_duplicated(name), "{name}");
        assert_eq!(p.get(name), None, "{name}: neither copy is kept");
    }
    assert!(!p.is_duplicated("d"));
    assert_eq!(p.get("d"), Some("5"));
    assert_eq!(p.first_duplicate(), Some("a"), "the first repeated");
    // Other errors stay errors, and the strict parser refuses the same input.
    assert_eq!(
        Params::parse_keeping_duplicates(b"a=1&a=%zz"),
        Err(ParamsError::PercentEncoding("a".into()))
    );
    assert_eq!(
        Params::parse(b"a=1&b=2&a=3&c=&c="),
        Err(ParamsError::Duplicate("a".into()))
    );
    let none = Params::parse_keeping_duplicates(b"a=1&b=2").unwrap();
    assert_eq!(
        (none.first_duplicate(), none.is_duplicated("a")),
        (None, false)
    );
}

//! Building responses: query encoding (RFC 6749 §4.1.2) and `iss`
//! (RFC 9207).

use super::super::{ErrorRedirect, ResponseMode, query_redirect};

/// A redirect URI, the parameters to add, the expected URL.
type Case = (
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static str,
);

#[test]
fn query_redirect_appends_correctly() {
    let cases: &[Case] = &[
        (
            "https://app.example.com/cb",
            &[("code", "abc"), ("state", "xyz")],
            "https://app.example.com/cb?code=abc&state=xyz",
        ),
        (
            "https://app.example.com/cb?tenant=1",
            &[("code", "abc")],
            "https://app.example.com/cb?tenant=1&code=abc",
        ),
        (
            "https://app.example.com/cb?",
            &[("code", "abc")],
            "https://app.example.com/cb?code=abc",
        ),
        (
            "https://app.example.com/cb?a=1&",
            &[("code", "abc")],
            "https://app.example.com/cb?a=1&code=abc",
        ),
        (
            "https://app.example.com/cb",
            &[("state", "a&b=c d"), ("x", "+%/?#")],
            "https://app.example.com/cb?state=a%26b%3Dc+d&x=%2B%25%2F%3F%23",
        ),
        (
            "https://app.example.com/cb",
            &[("state", "été ✓")],
            "https://app.example.com/cb?state=%C3%A9t%C3%A9+%E2%9C%93",
        ),
        (
            "https://app.example.com/cb",
            &[("state", "a\r\nLocation: x")],
            "https://app.example.com/cb?state=a%0D%0ALocation%3A+x",
        ),
        (
            "com.example.app:/oauth2redirect",
            &[("code", "abc")],
            "com.example.app:/oauth2redirect?code=abc",
        ),
        (
            "https://app.example.com/cb?a=%2F",
            &[("iss", "https://id.example.com")],
            "https://app.example.com/cb?a=%2F&iss=https%3A%2F%2Fid.example.com",
        ),
        // a fragment never survives and parameters never land in one
        (
            "https://app.example.com/cb#frag",
            &[("code", "abc")],
            "https://app.example.com/cb?code=abc",
        ),
        (
            "https://app.example.com/cb?x=1",
            &[],
            "https://app.example.com/cb?x=1",
        ),
    ];
    for (uri, params, want) in cases {
        assert_eq!(query_redirect(uri, params), *want, "{uri} {params:?}");
    }
}

#[test]
fn query_redirect_round_trips_through_a_url_parser() {
    let out = query_redirect(
        "https://app.example.com/cb?k=v",
        &[("code", "a b&c"), ("state", "ünï=&?#")],
    );
    let url = url::Url::parse(&out).unwrap();
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    assert_eq!(
        pairs,
        [
            ("k".to_owned(), "v".to_owned()),
            ("code".to_owned(), "a b&c".to_owned()),
            ("state".to_owned(), "ünï=&?#".to_owned()),
        ]
    );
    assert_eq!(url.fragment(), None);
}

fn redirect(state: Option<&str>, description: &str) -> ErrorRedirect {
    ErrorRedirect {
        redirect_uri: "https://app.example.com/cb".into(),
        response_mode: ResponseMode::Query,
        state: state.map(str::to_owned),
        error: "invalid_scope",
        description: description.into(),
    }
}

#[test]
fn response_params_include_state_and_iss_rfc9207() {
    let r = redirect(Some("s 1"), "scope must include openid");
    assert_eq!(
        r.response_params("https://id.example.com"),
        [
            ("error", "invalid_scope".to_owned()),
            ("error_description", "scope must include openid".to_owned()),
            ("state", "s 1".to_owned()),
            ("iss", "https://id.example.com".to_owned()),
        ]
    );
    let r = redirect(None, "x");
    let names: Vec<_> = r
        .response_params("https://id.example.com")
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(names, ["error", "error_description", "iss"]);
}

#[test]
fn error_description_stays_in_the_rfc6749_alphabet() {
    let r = redirect(None, "bad \"x\" \\ é\n");
    let params = r.response_params("https://id.example.com");
    assert_eq!(params[1].1, "bad 'x' ? ??");
}

#[test]
fn error_redirect_as_query_url() {
    let r = redirect(Some("xyz"), "scope must include openid");
    let pairs = r.response_params("https://id.example.com");
    let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(n, v)| (*n, v.as_str())).collect();
    assert_eq!(
        query_redirect(&r.redirect_uri, &borrowed),
        "https://app.example.com/cb?error=invalid_scope&error_description=scope+must+include+openid&state=xyz&iss=https%3A%2F%2Fid.example.com"
    );
}

#[test]
fn response_mode_spelling() {
    assert_eq!(ResponseMode::Query.as_str(), "query");
    assert_eq!(ResponseMode::FormPost.as_str(), "form_post");
    assert_eq!(
        serde_json::to_string(&ResponseMode::FormPost).unwrap(),
        "\"form_post\""
    );
}

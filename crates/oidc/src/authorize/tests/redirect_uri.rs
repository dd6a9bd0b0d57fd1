//! Exact redirect-URI matching (RFC 9700 §4.1.3) with the loopback port
//! exception (RFC 8252 §7.3) for public (native) clients only. A mismatch is
//! always a page, never a redirect.

use super::super::AuthorizeError;
use super::{LOOPBACK_URI, WEB_URI, request, run};

/// Registered: `https://app.example.com/callback` and
/// `http://127.0.0.1:8765/cb`. None of these may match either.
fn mutations() -> Vec<String> {
    let mut m: Vec<String> = [
        // case changes
        "HTTPS://app.example.com/callback",
        "Https://app.example.com/callback",
        "https://APP.example.com/callback",
        "https://app.Example.com/callback",
        "https://app.example.com/Callback",
        "https://app.example.com/CALLBACK",
        // trailing slash, extra or fewer path characters
        "https://app.example.com/callback/",
        "https://app.example.com//callback",
        "https://app.example.com/callback//",
        "https://app.example.com/callbac",
        "https://app.example.com/callbackx",
        "https://app.example.com/callback;x",
        // added query or fragment
        "https://app.example.com/callback?x=1",
        "https://app.example.com/callback?",
        "https://app.example.com/callback#",
        "https://app.example.com/callback#frag",
        // dot segments and path tricks
        "https://app.example.com/callback/..",
        "https://app.example.com/callback/.",
        "https://app.example.com/callback/../callback",
        "https://app.example.com/./callback",
        "https://app.example.com/x/../callback",
        "https://app.example.com/..;/callback",
        "https://app.example.com/callback/..;/",
        "https://app.example.com/callback%2F..%2Fevil",
        // percent-encoding, double encoding, case of hex digits
        "https://app.example.com%2Fcallback",
        "https://app.example.com/%63allback",
        "https://app.example.com/%2563allback",
        "https://app.example.com/callback%2F",
        "https://app.example.com/callback%2f",
        "https://app.example.com/callback%3F",
        "https://app.example.com/callback%3f",
        "https://app.example.com/callback%20",
        "https://app.example.com/callback%00",
        "https://app.example.com/callback%2500",
        // userinfo
        "https://app.example.com@evil.test/callback",
        "https://evil.test@app.example.com/callback",
        "https://user:pass@app.example.com/callback",
        "https://@app.example.com/callback",
        // ports and scheme
        "https://app.example.com:443/callback",
        "https://app.example.com:8443/callback",
        "http://app.example.com/callback",
        "wss://app.example.com/callback",
        // other hosts
        "https://app.example.com.evil.test/callback",
        "https://evil.test/callback",
        "https://evil.test/app.example.com/callback",
        "https://app.example.com./callback",
        "https://xapp.example.com/callback",
        "https://example.com/callback",
        // IDN and unicode lookalikes
        "https://\u{0430}pp.example.com/callback",
        "https://xn--pp-8cd.example.com/callback",
        "https://app.example.com\u{FF0F}callback",
        "https://app\u{3002}example.com/callback",
        "https://app.example.com/c\u{0430}llback",
        // whitespace and control characters
        " https://app.example.com/callback",
        "https://app.example.com/callback ",
        "https://app.example.com/callback\n",
        "https://app.example.com/call\tback",
        "https://app.example.com/call\nback",
        "https://app.example.com/callback\0",
        "https://app.example.com\t/callback",
        // backslashes and scheme-relative or scheme-less forms
        "https://app.example.com\\callback",
        "https:\\\\app.example.com\\callback",
        "https:/\\app.example.com/callback",
        "//app.example.com/callback",
        "//evil.test/callback",
        "/callback",
        "app.example.com/callback",
        "https:app.example.com/callback",
        "https:/app.example.com/callback",
        "https:///app.example.com/callback",
        // dangerous schemes
        "javascript:alert(1)//https://app.example.com/callback",
        "data:text/html,https://app.example.com/callback",
        // the loopback URI: only the port may change
        "http://127.0.0.1:8765/cb/",
        "http://127.0.0.1:8765/CB",
        "http://127.0.0.1:8765/cb?x=1",
        "http://127.0.0.1:8765/cb#x",
        "http://127.0.0.1:8765/cb/../cb",
        "http://127.0.0.1:8765/cb%00",
        "http://127.0.0.1:8765/c%62",
        "HTTP://127.0.0.1:8765/cb",
        "https://127.0.0.1:8765/cb",
        "http://[::1]:8765/cb",
        "http://localhost:8765/cb",
        "http://localhost:50123/cb",
        "http://localhost.evil.test:8765/cb",
        "http://127.0.0.1.evil.test:8765/cb",
        "http://127.0.0.2:8765/cb",
        "http://127.1:8765/cb",
        "http://0x7f.0.0.1:8765/cb",
        "http://2130706433:8765/cb",
        "http://127.0.0.1:08765/cb",
        "http://127.0.0.1:/cb",
        "http://127.0.0.1:80/cb",
        "http://127.0.0.1:99999/cb",
        "http://127.0.0.1:8765@evil.test/cb",
        "http://evil.test@127.0.0.1:8765/cb",
        "http://127.0.0.1:50123/cb ",
        " http://127.0.0.1:50123/cb",
        "http://127.0.0.1:50123\\cb",
        "http://127.0.0.1:5\t0123/cb",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    m.push(format!("{WEB_URI}{}", "a".repeat(6000))); // very long
    m.push(format!("{WEB_URI}?{}", "a".repeat(6000)));
    m
}

#[test]
fn at_least_forty_mutations() {
    assert!(mutations().len() >= 40);
}

#[test]
fn redirect_uri_mutations_are_error_pages_never_redirects() {
    for uri in mutations() {
        let got = run(&request(&[("redirect_uri", Some(&uri))]));
        match got {
            Err(AuthorizeError::Page { error, description }) => {
                assert_eq!(error, "invalid_request", "{uri:?}");
                assert_eq!(
                    description, "redirect_uri is not registered for this client",
                    "{uri:?}"
                );
            }
            other => panic!("{uri:?} was not an error page: {other:?}"),
        }
    }
}

#[test]
fn missing_or_empty_redirect_uri_is_a_page() {
    for edit in [None, Some("")] {
        let got = run(&request(&[("redirect_uri", edit)]));
        assert!(
            matches!(&got, Err(AuthorizeError::Page { error: "invalid_request", description }) if description == "redirect_uri is missing"),
            "{edit:?}: {got:?}"
        );
    }
}

#[test]
fn registered_uris_and_loopback_ports_match() {
    let cases = [
        ("native", WEB_URI),
        ("native", LOOPBACK_URI),
        // RFC 8252 section 7.3: any port on the registered loopback URI
        ("native", "http://127.0.0.1:50123/cb"),
        ("native", "http://127.0.0.1:1/cb"),
        ("native", "http://127.0.0.1:65535/cb"),
        // no port at all is port 80, also a port
        ("native", "http://127.0.0.1/cb"),
        ("loopbacks", "http://[::1]:4000/cb"),
        ("loopbacks", "http://[::1]:50123/cb"),
        ("loopbacks", "http://localhost:3000/cb"),
        ("loopbacks", "http://localhost:50123/cb"),
    ];
    for (client, uri) in cases {
        let got = run(&request(&[
            ("client_id", Some(client)),
            ("redirect_uri", Some(uri)),
        ]))
        .unwrap_or_else(|e| panic!("{client} {uri}: {e:?}"));
        assert_eq!(got.redirect_uri, uri, "kept exactly as sent");
    }
}

#[test]
fn loopback_spellings_do_not_cross() {
    // Registered [::1] and localhost: 127.0.0.1 is another host.
    for uri in [
        "http://127.0.0.1:4000/cb",
        "http://127.0.0.1:3000/cb",
        "http://[0:0:0:0:0:0:0:1]:4000/cb",
        "http://LOCALHOST:3000/cb",
        "http://localhost.:3000/cb",
        "https://localhost:3000/cb",
    ] {
        let got = run(&request(&[
            ("client_id", Some("loopbacks")),
            ("redirect_uri", Some(uri)),
        ]));
        assert!(
            matches!(got, Err(AuthorizeError::Page { .. })),
            "{uri}: {got:?}"
        );
    }
}

#[test]
fn web_uris_get_no_port_exception() {
    let got = run(&request(&[
        ("client_id", Some("web")),
        (
            "redirect_uri",
            Some("https://app.example.com:50123/callback"),
        ),
    ]));
    assert!(matches!(got, Err(AuthorizeError::Page { .. })), "{got:?}");
}

#[test]
fn confidential_clients_get_no_loopback_port_exception() {
    // Its registered loopback URI, exactly: accepted.
    let got = run(&request(&[
        ("client_id", Some("web-loopback")),
        ("redirect_uri", Some(LOOPBACK_URI)),
        ("code_challenge", None),
        ("code_challenge_method", None),
    ]));
    assert_eq!(got.map(|r| r.redirect_uri), Ok(LOOPBACK_URI.to_owned()));
    // Any other port, or none: a page, as for any unregistered URI. The
    // same requests from the public client `native` are accepted above.
    for uri in [
        "http://127.0.0.1:50123/cb",
        "http://127.0.0.1:1/cb",
        "http://127.0.0.1:65535/cb",
        "http://127.0.0.1/cb",
    ] {
        let got = run(&request(&[
            ("client_id", Some("web-loopback")),
            ("redirect_uri", Some(uri)),
        ]));
        match got {
            Err(AuthorizeError::Page { error, description }) => {
                assert_eq!(error, "invalid_request", "{uri}");
                assert_eq!(
                    description, "redirect_uri is not registered for this client",
                    "{uri}"
                );
            }
            other => panic!("{uri}: not an error page: {other:?}"),
        }
        let native = run(&request(&[("redirect_uri", Some(uri))]));
        assert!(native.is_ok(), "{uri} for the public client: {native:?}");
    }
}

//! Redirect-URI mutations at the authorization endpoint: every string that
//! is not exactly a registered URI (or, for a public client's registered
//! http loopback URI, that URI with another port, RFC 8252 §7.3) gets an
//! error page: 400, HTML, no `Location`, and the page does not echo the URI.

use crate::support::browser::Browser;
use crate::support::fixtures::REDIRECT_URI;
use crate::support::rp;
use crate::support::{Stack, TestServer};

use super::{LOOPBACK_URI, Rp, error_page, location};

/// Mutations of `https://rp.example.com/callback`.
const WEB: &[(&str, &str)] = &[
    ("host upper case", "https://RP.example.com/callback"),
    ("scheme upper case", "HTTPS://rp.example.com/callback"),
    ("path case", "https://rp.example.com/Callback"),
    ("path upper case", "https://rp.example.com/CALLBACK"),
    ("trailing slash", "https://rp.example.com/callback/"),
    ("empty query", "https://rp.example.com/callback?"),
    ("added query", "https://rp.example.com/callback?x=1"),
    (
        "added open-redirect query",
        "https://rp.example.com/callback?next=https://evil.test/",
    ),
    ("empty fragment", "https://rp.example.com/callback#"),
    ("fragment", "https://rp.example.com/callback#evil"),
    ("trailing dot host", "https://rp.example.com./callback"),
    (
        "explicit default port",
        "https://rp.example.com:443/callback",
    ),
    ("other port", "https://rp.example.com:8443/callback"),
    ("http instead of https", "http://rp.example.com/callback"),
    ("ftp scheme", "ftp://rp.example.com/callback"),
    ("suffix domain", "https://rp.example.com.evil.test/callback"),
    ("other host", "https://evil.test/callback"),
    ("parent domain", "https://example.com/callback"),
    ("subdomain", "https://sub.rp.example.com/callback"),
    ("dash lookalike", "https://rp-example.com/callback"),
    (
        "cyrillic lookalike",
        "https://r\u{440}.example.com/callback",
    ),
    (
        "userinfo before host",
        "https://evil.test@rp.example.com/callback",
    ),
    (
        "host as userinfo",
        "https://rp.example.com@evil.test/callback",
    ),
    (
        "host:port as userinfo",
        "https://rp.example.com:443@evil.test/callback",
    ),
    ("encoded @", "https://rp.example.com%40evil.test/callback"),
    (
        "encoded dots in host",
        "https://rp%2eexample%2ecom/callback",
    ),
    (
        "dot-dot traversal",
        "https://rp.example.com/callback/../callback",
    ),
    (
        "dot-dot from elsewhere",
        "https://rp.example.com/x/../callback",
    ),
    (
        "dot-dot-semicolon",
        "https://rp.example.com/callback/..;/evil",
    ),
    (
        "dot-dot-semicolon prefix",
        "https://rp.example.com/..;/callback",
    ),
    ("dot segment", "https://rp.example.com/./callback"),
    ("double slash path", "https://rp.example.com//callback"),
    ("encoded path letter", "https://rp.example.com/%63allback"),
    (
        "encoded slash traversal",
        "https://rp.example.com/callback%2f..%2fevil",
    ),
    ("encoded NUL", "https://rp.example.com/callback%00"),
    (
        "CRLF header injection",
        "https://rp.example.com/callback\r\nLocation: https://evil.test/",
    ),
    ("path prefix", "https://rp.example.com/callbac"),
    ("path extension", "https://rp.example.com/callbackx"),
    ("path below", "https://rp.example.com/callback/evil"),
    ("matrix parameter", "https://rp.example.com/callback;x=1"),
    (
        "host-like path",
        "https://rp.example.com/callback.evil.test",
    ),
    ("backslash path", "https://rp.example.com\\callback"),
    ("backslash authority", "https:\\\\rp.example.com\\callback"),
    (
        "backslash userinfo",
        "https://evil.test\\@rp.example.com/callback",
    ),
    ("leading space", " https://rp.example.com/callback"),
    ("trailing space", "https://rp.example.com/callback "),
    ("trailing tab", "https://rp.example.com/callback\t"),
    ("embedded newline", "https://rp.example.com/call\nback"),
    ("protocol-relative other host", "//evil.test/callback"),
    ("protocol-relative same host", "//rp.example.com/callback"),
    ("relative path", "/callback"),
    (
        "javascript scheme",
        "javascript:alert(1)//https://rp.example.com/callback",
    ),
    (
        "javascript with host",
        "javascript://rp.example.com/callback%0aalert(1)",
    ),
    ("data scheme", "data:text/html,<script>alert(1)</script>"),
    ("no scheme", "rp.example.com/callback"),
];

/// Mutations of the registered loopback `http://127.0.0.1:8765/cb`: only
/// the port may vary.
const LOOPBACK: &[(&str, &str)] = &[
    ("loopback trailing slash", "http://127.0.0.1:8765/cb/"),
    ("loopback path case", "http://127.0.0.1:8765/CB"),
    ("loopback https", "https://127.0.0.1:8765/cb"),
    ("loopback scheme case", "HTTP://127.0.0.1:8765/cb"),
    ("loopback localhost name", "http://localhost:8765/cb"),
    ("loopback IPv6", "http://[::1]:8765/cb"),
    ("loopback short form", "http://127.1:8765/cb"),
    ("loopback hex form", "http://0x7f000001:8765/cb"),
    ("loopback other address", "http://127.0.0.2:8765/cb"),
    ("loopback explicit :80", "http://127.0.0.1:80/cb"),
    ("loopback zero-padded port", "http://127.0.0.1:08765/cb"),
    ("loopback port out of range", "http://127.0.0.1:99999/cb"),
    ("loopback empty port", "http://127.0.0.1:/cb"),
    ("loopback added query", "http://127.0.0.1:8765/cb?x=1"),
    ("loopback empty query", "http://127.0.0.1:8765/cb?"),
    ("loopback fragment", "http://127.0.0.1:8765/cb#x"),
    ("loopback userinfo", "http://evil.test@127.0.0.1:8765/cb"),
    ("loopback as userinfo", "http://127.0.0.1:8765@evil.test/cb"),
    ("loopback traversal", "http://127.0.0.1:8765/x/../cb"),
    ("loopback backslash", "http://127.0.0.1:8765\\cb"),
    (
        "loopback suffix domain",
        "http://127.0.0.1.evil.test:8765/cb",
    ),
    (
        "localhost suffix domain",
        "http://localhost.evil.test:8765/cb",
    ),
    ("loopback other port and path", "http://127.0.0.1:9999/cb/x"),
    ("loopback trailing space", "http://127.0.0.1:8765/cb "),
];

/// The registered loopback URI with another port, or none: accepted from a
/// public (native) client only. A confidential client gets exact matching.
const PORT_VARIANTS: &[(&str, &str)] = &[
    ("loopback with another port", "http://127.0.0.1:9999/cb"),
    (
        "loopback with an ephemeral port",
        "http://127.0.0.1:54321/cb",
    ),
    (
        "loopback with the highest port",
        "http://127.0.0.1:65535/cb",
    ),
    ("loopback without a port", "http://127.0.0.1/cb"),
];

async fn refused(s: &TestServer, client_id: &str, case: &str, uri: &str) {
    let (_, challenge) = rp::pkce();
    let url = rp::authorize_url(s, client_id, &challenge, &[("redirect_uri", uri)]);
    let res = Browser::default().get(s, &url).await;
    let page = error_page(res, case).await;
    let trimmed = uri.trim();
    assert!(
        !page.contains(trimmed),
        "[{case}] the page echoes the hostile URI"
    );
    let escaped = trimmed.replace('&', "&amp;").replace('<', "&lt;");
    assert!(!page.contains(&escaped), "[{case}] the page echoes the URI");
    assert!(
        !page.contains("evil.test"),
        "[{case}] the page names evil.test"
    );
    assert!(
        !page.contains("rp.example.com"),
        "[{case}] page echoes host"
    );
}

/// Both kinds of client refuse every mutation; the public one is the one
/// whose loopback port may vary, so only the port may.
async fn mutated_redirect_uris_get_an_error_page(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let confidential = Rp::confidential(&s).await;
    let public = Rp::public(&s).await;
    assert!(WEB.len() + LOOPBACK.len() + PORT_VARIANTS.len() >= 40);
    for (case, uri) in WEB.iter().chain(LOOPBACK) {
        refused(&s, &confidential.id, case, uri).await;
        refused(&s, &public.id, &format!("public: {case}"), uri).await;
    }
    for (case, uri) in PORT_VARIANTS {
        let case = format!("confidential: {case}");
        refused(&s, &confidential.id, &case, uri).await;
    }
}

async fn another_clients_uri_is_refused(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let a = Rp::confidential(&s).await;
    let mut other = crate::support::fixtures::confidential();
    other.redirect_uris = vec!["https://other.example.net/cb".into()];
    let b = Rp::register(&s, other).await;
    let case = "B's redirect URI with A's client_id";
    refused(&s, &a.id, case, "https://other.example.net/cb").await;
    let case = "A's redirect URI with B's client_id";
    refused(&s, &b.id, case, REDIRECT_URI).await;
    // A public client with the same registrations refuses mutations too.
    let public = Rp::public(&s).await;
    refused(
        &s,
        &public.id,
        "public: suffix",
        "https://rp.example.com/callback/",
    )
    .await;
}

/// Exact matches, for both kinds of client, and a public client's loopback
/// port variants are accepted: the request goes on to the sign-in page (no
/// session yet).
async fn registered_and_loopback_ports_are_accepted(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let confidential = Rp::confidential(&s).await;
    let public = Rp::public(&s).await;
    let exact = [
        ("registered web URI", REDIRECT_URI),
        ("registered loopback URI", LOOPBACK_URI),
    ];
    let cases = exact
        .iter()
        .map(|(case, uri)| (&confidential, *case, *uri))
        .chain(exact.iter().map(|(case, uri)| (&public, *case, *uri)))
        .chain(
            PORT_VARIANTS
                .iter()
                .map(|(case, uri)| (&public, *case, *uri)),
        );
    for (client, case, uri) in cases {
        let (_, challenge) = rp::pkce();
        let url = rp::authorize_url(&s, &client.id, &challenge, &[("redirect_uri", uri)]);
        let res = Browser::default().get(&s, &url).await;
        let case = format!("{}: {case}", client.id);
        assert_eq!(res.status(), 303, "[{case}]");
        let to = location(&res, &case);
        assert!(to.starts_with("/login?flow="), "[{case}] {to}");
    }
}

crate::stack_tests!(
    mutated_redirect_uris_get_an_error_page,
    another_clients_uri_is_refused,
    registered_and_loopback_ports_are_accepted,
);

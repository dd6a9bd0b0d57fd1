//! Client authentication at the token, revocation and introspection
//! endpoints (RFC 6749 §2.3, §5.2): exactly the registered method, one
//! method per request. Every case runs at all three endpoints and asserts
//! the status, the error and the exact `WWW-Authenticate` (the mapping table
//! in docs/oidc.md): `invalid_client` (401) for failed, missing or
//! unsupported authentication, with the Basic challenge whenever the
//! `Authorization` header was tried or nothing was sent; `invalid_request`
//! (400) only for requests that are malformed in themselves (two methods,
//! contradicting client ids, a missing companion parameter).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use latchkey_oidc::NewClient;

use crate::support::fixtures::{self, REDIRECT_URI};
use crate::support::rp;
use crate::support::{Stack, TestServer};

use super::{Form, Rp, no_5xx, oauth_error};

/// How a case authenticates.
enum Auth {
    Header(String),
    Body,
}

/// The expected outcome: status, error, whether the Basic challenge is due.
type Expect = (u16, &'static str, bool);

/// The one challenge Latchkey sends: Basic is the only HTTP scheme it
/// accepts for client authentication.
const CHALLENGE: &str = "Basic realm=\"latchkey\"";

const BAD_CLIENT: Expect = (401, "invalid_client", false);
const BAD_CLIENT_BASIC: Expect = (401, "invalid_client", true);
const MALFORMED: Expect = (400, "invalid_request", false);
/// Authentication passed: at `/token` the unknown code is what fails; the
/// revocation and introspection endpoints answer 200.
const PASSED: Expect = (0, "", false);

async fn client_authentication_failures(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let basic_client = Rp::confidential(&s).await;
    let other = Rp::confidential(&s).await;
    let post_client = Rp::register(
        &s,
        NewClient {
            token_endpoint_auth_method: Some("client_secret_post".into()),
            ..fixtures::confidential()
        },
    )
    .await;
    let public = Rp::public(&s).await;
    let (bid, bsec) = (
        basic_client.id.as_str(),
        basic_client.secret.as_deref().unwrap(),
    );
    let (pid, psec) = (
        post_client.id.as_str(),
        post_client.secret.as_deref().unwrap(),
    );
    let osec = other.secret.as_deref().unwrap();
    let b64 = |raw: &[u8]| format!("Basic {}", STANDARD.encode(raw));
    let jwt_type = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    let h = |v: String| Auth::Header(v);
    let garbage = "eyJhbGciOiJFUzI1NiJ9.e30.c2ln";
    #[rustfmt::skip]
    let cases: Vec<(&str, Auth, Form, Expect)> = vec![
        ("control: right Basic", h(rp::basic(bid, bsec)), vec![], PASSED),
        ("control: right Basic, lower-case scheme", h(rp::basic(bid, bsec).replacen("Basic", "basic", 1)), vec![], PASSED),
        ("control: right Basic, same client_id in the body", h(rp::basic(bid, bsec)), vec![("client_id", bid)], PASSED),
        ("control: right post", Auth::Body, vec![("client_id", pid), ("client_secret", psec)], PASSED),
        ("wrong secret (Basic)", h(rp::basic(bid, "wrong")), vec![], BAD_CLIENT_BASIC),
        ("empty secret (Basic)", h(rp::basic(bid, "")), vec![], BAD_CLIENT_BASIC),
        ("another client's secret (Basic)", h(rp::basic(bid, osec)), vec![], BAD_CLIENT_BASIC),
        ("secret with a suffix (Basic)", h(rp::basic(bid, &format!("{bsec}x"))), vec![], BAD_CLIENT_BASIC),
        ("secret truncated (Basic)", h(rp::basic(bid, &bsec[..bsec.len() - 1])), vec![], BAD_CLIENT_BASIC),
        ("unknown client (Basic)", h(rp::basic("no-such-client", bsec)), vec![], BAD_CLIENT_BASIC),
        ("empty client id (Basic)", h(rp::basic("", bsec)), vec![], BAD_CLIENT_BASIC),
        ("client_id with a trailing space (Basic)", h(rp::basic(&format!("{bid} "), bsec)), vec![], BAD_CLIENT_BASIC),
        ("wrong secret (post)", Auth::Body, vec![("client_id", pid), ("client_secret", "wrong")], BAD_CLIENT),
        ("unknown client (post)", Auth::Body, vec![("client_id", "no-such-client"), ("client_secret", psec)], BAD_CLIENT),
        ("post for a Basic client", Auth::Body, vec![("client_id", bid), ("client_secret", bsec)], BAD_CLIENT),
        ("Basic for a post client", h(rp::basic(pid, psec)), vec![], BAD_CLIENT_BASIC),
        ("confidential sends only client_id", Auth::Body, vec![("client_id", bid)], BAD_CLIENT),
        ("post client sends only client_id", Auth::Body, vec![("client_id", pid)], BAD_CLIENT),
        ("public client sends a secret", Auth::Body, vec![("client_id", &public.id), ("client_secret", "x")], BAD_CLIENT),
        ("public client via Basic", h(rp::basic(&public.id, "")), vec![], BAD_CLIENT_BASIC),
        ("assertion for a Basic client", Auth::Body, vec![("client_id", bid), ("client_assertion_type", jwt_type), ("client_assertion", garbage)], BAD_CLIENT),
        ("assertion naming no client", Auth::Body, vec![("client_assertion_type", jwt_type), ("client_assertion", "garbage")], BAD_CLIENT),
        // No client authentication included (RFC 6749 §5.2).
        ("no authentication", Auth::Body, vec![], BAD_CLIENT_BASIC),
        ("no authentication, only client_assertion_type", Auth::Body, vec![("client_assertion_type", jwt_type)], BAD_CLIENT_BASIC),
        // An empty parameter counts as omitted (RFC 6749 §3.1).
        ("only an empty client_id", Auth::Body, vec![("client_id", "")], BAD_CLIENT_BASIC),
        // The Authorization header was tried and is unusable: 401 with
        // the challenge of the scheme to use (RFC 6749 §5.2).
        ("Basic not base64", h("Basic !!!".into()), vec![], BAD_CLIENT_BASIC),
        ("Basic without a colon", h(b64(b"nocolon")), vec![], BAD_CLIENT_BASIC),
        ("Basic not UTF-8", h(b64(b"\xff\xfe:\xff")), vec![], BAD_CLIENT_BASIC),
        ("Basic bad percent-encoding", h(b64(format!("{bid}:%zz").as_bytes())), vec![], BAD_CLIENT_BASIC),
        ("Basic scheme only", h("Basic".into()), vec![], BAD_CLIENT_BASIC),
        ("Basic empty credentials", h("Basic ".into()), vec![], BAD_CLIENT_BASIC),
        ("Basic glued to its credentials", h(format!("Basic{}", STANDARD.encode(format!("{bid}:{bsec}")))), vec![], BAD_CLIENT_BASIC),
        ("Bearer instead of Basic", h("Bearer abc".into()), vec![], BAD_CLIENT_BASIC),
        ("Bearer with a client_id in the body", h("Bearer abc".into()), vec![("client_id", bid)], BAD_CLIENT_BASIC),
        ("Digest scheme", h("Digest username=\"x\"".into()), vec![], BAD_CLIENT_BASIC),
        // Malformed requests (RFC 6749 §2.3: one method; §5.2 invalid_request).
        ("Basic and post together", h(rp::basic(bid, bsec)), vec![("client_secret", bsec)], MALFORMED),
        ("Basic and post, body id", h(rp::basic(bid, bsec)), vec![("client_id", bid), ("client_secret", bsec)], MALFORMED),
        ("Basic and an assertion together", h(rp::basic(bid, bsec)), vec![("client_assertion_type", jwt_type), ("client_assertion", garbage)], MALFORMED),
        ("Basic with another body client_id", h(rp::basic(bid, bsec)), vec![("client_id", pid)], MALFORMED),
        ("assertion and secret together", Auth::Body, vec![("client_id", pid), ("client_secret", psec), ("client_assertion_type", jwt_type), ("client_assertion", "x.y.z")], MALFORMED),
        ("secret without client_id", Auth::Body, vec![("client_secret", bsec)], MALFORMED),
        ("secret with an empty client_id", Auth::Body, vec![("client_id", ""), ("client_secret", psec)], MALFORMED),
        ("assertion of the wrong type", Auth::Body, vec![("client_id", bid), ("client_assertion_type", "urn:evil"), ("client_assertion", "x.y.z")], MALFORMED),
        ("assertion without its type", Auth::Body, vec![("client_id", bid), ("client_assertion", garbage)], MALFORMED),
    ];
    let grant = vec![
        ("grant_type", "authorization_code"),
        ("code", "unknown-code"),
        ("redirect_uri", REDIRECT_URI),
    ];
    for (path, base) in [
        ("/token", grant),
        ("/revoke", vec![("token", "abc")]),
        ("/introspect", vec![("token", "abc")]),
    ] {
        for (case, auth, extra, expect) in &cases {
            let case = format!("{path}: {case}");
            let mut form = base.clone();
            form.extend_from_slice(extra);
            let header = match auth {
                Auth::Header(v) => Some(v.as_str()),
                Auth::Body => None,
            };
            let res = rp::post(&s, path, header, &form).await;
            let (status, error, challenge) = match (*expect, path) {
                (PASSED, "/token") => (400, "invalid_grant", false),
                (PASSED, _) => {
                    no_5xx(&res, &case);
                    assert_eq!(res.status(), 200, "[{case}] authenticated");
                    continue;
                }
                (e, _) => e,
            };
            let (body, got) = oauth_error(res, status, error, &case).await;
            let want = if challenge { CHALLENGE } else { "" };
            assert_eq!(got, want, "[{case}] WWW-Authenticate; body {body}");
        }
    }
    // A public client may not use client_credentials.
    let res = public
        .post(&s, "/token", &[("grant_type", "client_credentials")])
        .await;
    oauth_error(res, 400, "unauthorized_client", "public client_credentials").await;
}

crate::stack_tests!(client_authentication_failures);

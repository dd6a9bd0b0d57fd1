//! Client authentication at the token, revocation and introspection
//! endpoints: exactly the registered method, one method per request,
//! `invalid_client` (401, with the Basic challenge when Basic was tried)
//! for every failure, `invalid_request` for malformed credentials.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use latchkey_oidc::NewClient;

use crate::support::fixtures::{self, REDIRECT_URI};
use crate::support::rp;
use crate::support::{Stack, TestServer};

use super::{Form, Rp, oauth_error};

/// How a case authenticates.
enum Auth {
    Header(String),
    Body,
}

/// The expected outcome: status, error, whether the Basic challenge is due.
type Expect = (u16, &'static str, bool);

const BAD_CLIENT: Expect = (401, "invalid_client", false);
const BAD_CLIENT_BASIC: Expect = (401, "invalid_client", true);
const MALFORMED: Expect = (400, "invalid_request", false);
/// Authentication passed; the unknown code is what fails.
const PASSED: Expect = (400, "invalid_grant", false);

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
    #[rustfmt::skip]
    let cases: Vec<(&str, Auth, Form, Expect)> = vec![
        ("control: right Basic", h(rp::basic(bid, bsec)), vec![], PASSED),
        ("control: right post", Auth::Body, vec![("client_id", pid), ("client_secret", psec)], PASSED),
        ("wrong secret (Basic)", h(rp::basic(bid, "wrong")), vec![], BAD_CLIENT_BASIC),
        ("empty secret (Basic)", h(rp::basic(bid, "")), vec![], BAD_CLIENT_BASIC),
        ("another client's secret (Basic)", h(rp::basic(bid, osec)), vec![], BAD_CLIENT_BASIC),
        ("secret with a suffix (Basic)", h(rp::basic(bid, &format!("{bsec}x"))), vec![], BAD_CLIENT_BASIC),
        ("secret truncated (Basic)", h(rp::basic(bid, &bsec[..bsec.len() - 1])), vec![], BAD_CLIENT_BASIC),
        ("unknown client (Basic)", h(rp::basic("no-such-client", bsec)), vec![], BAD_CLIENT_BASIC),
        ("client_id with a trailing space (Basic)", h(rp::basic(&format!("{bid} "), bsec)), vec![], BAD_CLIENT_BASIC),
        ("wrong secret (post)", Auth::Body, vec![("client_id", pid), ("client_secret", "wrong")], BAD_CLIENT),
        ("unknown client (post)", Auth::Body, vec![("client_id", "no-such-client"), ("client_secret", psec)], BAD_CLIENT),
        ("post for a Basic client", Auth::Body, vec![("client_id", bid), ("client_secret", bsec)], BAD_CLIENT),
        ("Basic for a post client", h(rp::basic(pid, psec)), vec![], BAD_CLIENT_BASIC),
        ("Basic and post together", h(rp::basic(bid, bsec)), vec![("client_secret", bsec)], MALFORMED),
        ("Basic and post, body id", h(rp::basic(bid, bsec)), vec![("client_id", bid), ("client_secret", bsec)], MALFORMED),
        ("Basic with another body client_id", h(rp::basic(bid, bsec)), vec![("client_id", pid)], MALFORMED),
        ("confidential sends only client_id", Auth::Body, vec![("client_id", bid)], BAD_CLIENT),
        ("post client sends only client_id", Auth::Body, vec![("client_id", pid)], BAD_CLIENT),
        ("secret without client_id", Auth::Body, vec![("client_secret", bsec)], MALFORMED),
        ("no authentication", Auth::Body, vec![], MALFORMED),
        ("public client sends a secret", Auth::Body, vec![("client_id", &public.id), ("client_secret", "x")], BAD_CLIENT),
        ("public client via Basic", h(rp::basic(&public.id, "")), vec![], BAD_CLIENT_BASIC),
        ("assertion for a Basic client", Auth::Body, vec![("client_id", bid), ("client_assertion_type", jwt_type), ("client_assertion", "eyJhbGciOiJFUzI1NiJ9.e30.c2ln")], BAD_CLIENT),
        ("assertion and secret together", Auth::Body, vec![("client_id", pid), ("client_secret", psec), ("client_assertion_type", jwt_type), ("client_assertion", "x.y.z")], MALFORMED),
        ("assertion of the wrong type", Auth::Body, vec![("client_id", bid), ("client_assertion_type", "urn:evil"), ("client_assertion", "x.y.z")], MALFORMED),
        ("Basic not base64", h("Basic !!!".into()), vec![], MALFORMED),
        ("Basic without a colon", h(b64(b"nocolon")), vec![], MALFORMED),
        ("Basic not UTF-8", h(b64(b"\xff\xfe:\xff")), vec![], MALFORMED),
        ("Basic bad percent-encoding", h(b64(format!("{bid}:%zz").as_bytes())), vec![], BAD_CLIENT_BASIC),
        ("Basic scheme only", h("Basic".into()), vec![], MALFORMED),
        ("Basic empty credentials", h("Basic ".into()), vec![], MALFORMED),
        ("Bearer instead of Basic", h("Bearer abc".into()), vec![], MALFORMED),
        ("Digest scheme", h("Digest username=\"x\"".into()), vec![], MALFORMED),
    ];
    let grant = [
        ("grant_type", "authorization_code"),
        ("code", "unknown-code"),
        ("redirect_uri", REDIRECT_URI),
    ];
    for (case, auth, extra, (status, error, challenge)) in &cases {
        let mut form = grant.to_vec();
        form.extend_from_slice(extra);
        let header = match auth {
            Auth::Header(v) => Some(v.as_str()),
            Auth::Body => None,
        };
        let res = rp::post(&s, "/token", header, &form).await;
        let (_, got) = oauth_error(res, *status, error, case).await;
        if *challenge {
            assert!(
                got.starts_with("Basic"),
                "[{case}] WWW-Authenticate {got:?}"
            );
        }
    }
    // The same rules at revocation and introspection.
    for path in ["/revoke", "/introspect"] {
        for (case, header, expect) in [
            ("wrong secret", rp::basic(bid, "wrong"), BAD_CLIENT_BASIC),
            (
                "unknown client",
                rp::basic("no-such-client", "x"),
                BAD_CLIENT_BASIC,
            ),
            ("not base64", "Basic !!!".to_owned(), MALFORMED),
        ] {
            let case = format!("{path}: {case}");
            let res = rp::post(&s, path, Some(&header), &[("token", "abc")]).await;
            let (_, got) = oauth_error(res, expect.0, expect.1, &case).await;
            if expect.2 {
                assert!(got.starts_with("Basic"), "[{case}] {got:?}");
            }
        }
    }
    // A public client may not use client_credentials.
    let res = public
        .post(&s, "/token", &[("grant_type", "client_credentials")])
        .await;
    oauth_error(res, 400, "unauthorized_client", "public client_credentials").await;
}

crate::stack_tests!(client_authentication_failures);

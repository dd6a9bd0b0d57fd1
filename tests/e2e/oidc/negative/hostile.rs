//! Malformed requests at every protocol endpoint: oversized, invalid UTF-8,
//! bad percent-encoding, too many parameters, NUL bytes. Always a 4xx in
//! the endpoint's own format, never a 5xx, never a redirect.

use base64::Engine as _;

use crate::support::browser::Browser;
use crate::support::fixtures::REDIRECT_URI;
use crate::support::rp;
use crate::support::{Stack, TestServer};

use super::{Form, Rp, error_page, no_5xx, oauth_error, post_raw};

const FORM: Option<&str> = Some("application/x-www-form-urlencoded");

/// Fragments that make a query string (or form body) unparseable when
/// appended to an otherwise valid one that already has `client_id`.
fn unparseable(client_id: &str) -> Vec<(&'static str, String)> {
    let many: Vec<String> = (0..65).map(|i| format!("p{i}=v")).collect();
    vec![
        ("oversized (> 8 KiB)", format!("x={}", "a".repeat(9 * 1024))),
        ("invalid UTF-8 value", "x=%ff%fe".into()),
        ("invalid UTF-8 name", "%ff%fe=x".into()),
        ("overlong UTF-8", "x=%c0%af".into()),
        ("lone surrogate", "x=%ed%a0%80".into()),
        ("bad percent-encoding", "x=%zz".into()),
        ("truncated percent-encoding", "x=%4".into()),
        ("percent at the end", "x=%".into()),
        ("bad encoding in a name", "st%zzate=x".into()),
        ("empty name", "=x".into()),
        ("too many parameters", many.join("&")),
        ("duplicate client_id", format!("client_id={client_id}")),
    ]
}

async fn authorize_refuses_unparseable_requests(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let client = Rp::confidential(&s).await;
    let (_, ch) = rp::pkce();
    // A valid request, so only the hostile part is wrong.
    let valid = rp::authorize_url(&s, &client.id, &ch, &[]);
    let (_, valid_query) = valid.split_once('?').unwrap();
    for (case, hostile) in unparseable(&client.id) {
        let q = format!("{valid_query}&{hostile}");
        let res = Browser::default().get(&s, &format!("/authorize?{q}")).await;
        error_page(res, &format!("GET /authorize: {case}")).await;
        let res = post_raw(&s, "/authorize", FORM, None, q).await;
        error_page(res, &format!("POST /authorize: {case}")).await;
    }
    // The resume route with hostile flow ids.
    for (case, q) in [
        ("resume: bad percent", "flow=%zz"),
        ("resume: invalid UTF-8", "flow=%ff%fe"),
        ("resume: traversal", "flow=..%2F..%2Fetc%2Fpasswd"),
        ("resume: NUL", "flow=%00"),
        ("resume: unknown", "flow=0123456789abcdef0123456789abcdef"),
        ("resume: missing", ""),
    ] {
        let res = Browser::default()
            .get(&s, &format!("/authorize/resume?{q}"))
            .await;
        no_5xx(&res, case);
        assert_eq!(res.status(), 400, "[{case}]");
        assert!(res.headers().get("location").is_none(), "[{case}]");
    }
}

async fn token_endpoints_refuse_unparseable_bodies(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let client = Rp::confidential(&s).await;
    let auth = rp::basic(&client.id, client.secret.as_deref().unwrap());
    for path in ["/token", "/revoke", "/introspect"] {
        for (case, body) in unparseable(&client.id) {
            let case = format!("{path}: {case}");
            let body = format!(
                "client_id={}&grant_type=authorization_code&token=x&{body}",
                client.id
            );
            let res = post_raw(&s, path, FORM, Some(&auth), body).await;
            oauth_error(res, 400, "invalid_request", &case).await;
        }
        // Far beyond any limit: refused before it is read (413 or 400).
        let huge = format!("token={}", "a".repeat(1024 * 1024));
        let res = post_raw(&s, path, FORM, Some(&auth), huge).await;
        let case = format!("{path}: 1 MiB body");
        no_5xx(&res, &case);
        assert!(res.status().is_client_error(), "[{case}] {}", res.status());
    }
}

async fn logout_refuses_unparseable_requests(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let client = Rp::confidential(&s).await;
    for (case, hostile) in unparseable(&client.id) {
        let q = format!("client_id={}&{hostile}", client.id);
        let res = Browser::default().get(&s, &format!("/logout?{q}")).await;
        error_page(res, &format!("GET /logout: {case}")).await;
        let res = post_raw(&s, "/logout", FORM, None, q).await;
        error_page(res, &format!("POST /logout: {case}")).await;
    }
    for (case, q) in [
        (
            "NUL client_id",
            "client_id=%00&post_logout_redirect_uri=https%3A%2F%2Frp.example.com%2Fsigned-out",
        ),
        (
            "NUL client_id, evil target",
            "client_id=a%00b&post_logout_redirect_uri=https%3A%2F%2Fevil.test%2F",
        ),
        (
            "evil target without client",
            "post_logout_redirect_uri=https%3A%2F%2Fevil.test%2F",
        ),
        (
            "hint alg none",
            "id_token_hint=eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.&post_logout_redirect_uri=https%3A%2F%2Fevil.test%2F",
        ),
    ] {
        let res = Browser::default().get(&s, &format!("/logout?{q}")).await;
        error_page(res, case).await;
    }
    for (case, ct) in [
        ("POST as JSON", Some("application/json")),
        ("POST without type", None),
    ] {
        let res = post_raw(&s, "/logout", ct, None, "{}").await;
        error_page(res, case).await;
    }
}

/// What an odd-identifier case must get.
#[derive(Debug, Clone, Copy)]
enum Want {
    Page,
    OAuth(u16, &'static str),
    Inactive,
}

/// Check `res` against `want`; a description of the mismatch, if any.
async fn mismatch(res: reqwest::Response, want: Want) -> Option<String> {
    let status = res.status().as_u16();
    let redirect = res.headers().get("location").is_some();
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let text = res.text().await.unwrap_or_default();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let ok = !redirect
        && match want {
            Want::Page => status == 400 && ct.starts_with("text/html"),
            Want::OAuth(st, e) => status == st && json["error"] == e,
            Want::Inactive => status == 200 && json == serde_json::json!({ "active": false }),
        };
    (!ok).then(|| {
        format!(
            "got {status} {}",
            text.chars().take(160).collect::<String>()
        )
    })
}

/// NUL bytes and other odd characters in identifiers that reach database
/// lookups: an unknown client or token, never a 5xx. Every case runs;
/// the failures are listed together.
async fn odd_identifiers_are_unknown_not_errors(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let client = Rp::confidential(&s).await;
    let (_, ch) = rp::pkce();
    let long = "c".repeat(4000);
    let mut failures: Vec<String> = Vec::new();
    for (case, id) in [
        ("NUL in client_id", "a\0b"),
        ("only NUL", "\0"),
        ("very long client_id", long.as_str()),
        ("non-ASCII client_id", "клиент"),
        ("SQL in client_id", "x' OR '1'='1"),
    ] {
        let url = rp::authorize_url(&s, id, &ch, &[]);
        let res = Browser::default().get(&s, &url).await;
        if let Some(m) = mismatch(res, Want::Page).await {
            failures.push(format!("GET /authorize, {case}: {m}"));
        }
        let q = rp::url_encode(&[("client_id", id)]);
        let res = Browser::default()
            .get(&s, &format!("/logout?{q}&post_logout_redirect_uri=x"))
            .await;
        if let Some(m) = mismatch(res, Want::Page).await {
            failures.push(format!("GET /logout, {case}: {m}"));
        }
    }
    let nul_iss = format!(
        "eyJhbGciOiJFUzI1NiJ9.{}.c2ln",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"iss":"a\u0000b"}"#)
    );
    let jwt_type = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    for path in ["/token", "/revoke", "/introspect"] {
        let base = [("grant_type", "client_credentials"), ("token", "x")];
        #[rustfmt::skip]
        let cases: Vec<(&str, Option<String>, Form)> = vec![
            ("NUL client_id with a secret", None, vec![("client_id", "a\0b"), ("client_secret", "x")]),
            ("NUL client_id alone", None, vec![("client_id", "\0")]),
            ("NUL client_id in Basic", Some(rp::basic("a\0b", "x")), vec![]),
            ("NUL iss in an assertion", None, vec![("client_assertion_type", jwt_type), ("client_assertion", &nul_iss)]),
            ("long client_id in Basic", Some(rp::basic(&long, "x")), vec![]),
        ];
        for (case, auth, extra) in cases {
            let mut form = base.to_vec();
            form.extend(extra);
            let res = rp::post(&s, path, auth.as_deref(), &form).await;
            if let Some(m) = mismatch(res, Want::OAuth(401, "invalid_client")).await {
                failures.push(format!("POST {path}, {case}: {m}"));
            }
        }
    }
    let nul = "a\0b";
    #[rustfmt::skip]
    let granted: Vec<(&str, &str, Form, Want)> = vec![
        ("NUL code", "/token", vec![("grant_type", "authorization_code"), ("code", nul), ("redirect_uri", REDIRECT_URI)], Want::OAuth(400, "invalid_grant")),
        ("NUL refresh token", "/token", vec![("grant_type", "refresh_token"), ("refresh_token", nul)], Want::OAuth(400, "invalid_grant")),
        ("NUL grant type", "/token", vec![("grant_type", nul)], Want::OAuth(400, "unsupported_grant_type")),
        ("NUL token", "/revoke", vec![("token", nul)], Want::OAuth(200, "")),
        ("NUL token", "/introspect", vec![("token", nul)], Want::Inactive),
        ("NUL JWT-shaped token", "/introspect", vec![("token", "a.\0.b")], Want::Inactive),
    ];
    for (case, path, form, want) in granted {
        let res = client.post(&s, path, &form).await;
        let want = match want {
            Want::OAuth(200, _) => {
                let status = res.status().as_u16();
                if status != 200 {
                    failures.push(format!("POST {path}, {case}: got {status}"));
                }
                continue;
            }
            w => w,
        };
        if let Some(m) = mismatch(res, want).await {
            failures.push(format!("POST {path}, {case}: {m}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Odd `Authorization` headers at /userinfo: 401, never a 5xx.
async fn userinfo_refuses_odd_headers(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let url = format!("{}/userinfo", s.base);
    let odd: Vec<(&str, reqwest::header::HeaderValue)> = vec![
        (
            "obs-text bytes",
            reqwest::header::HeaderValue::from_bytes(b"Bearer \xff\xfe").unwrap(),
        ),
        (
            "huge token",
            format!("Bearer {}", "a".repeat(16 * 1024)).parse().unwrap(),
        ),
        ("NUL-free garbage", "Bearer ..".parse().unwrap()),
        ("scheme only", "Bearer".parse().unwrap()),
        (
            "lower-case scheme, garbage",
            "bearer x.y.z".parse().unwrap(),
        ),
    ];
    for (case, value) in odd {
        let res = s
            .http
            .get(&url)
            .header("authorization", value)
            .send()
            .await
            .unwrap();
        no_5xx(&res, case);
        assert_eq!(res.status(), 401, "[{case}]");
        let challenge = res.headers()["www-authenticate"].to_str().unwrap();
        assert!(
            challenge.starts_with("Bearer realm="),
            "[{case}] {challenge}"
        );
    }
}

crate::stack_tests!(
    authorize_refuses_unparseable_requests,
    token_endpoints_refuse_unparseable_bodies,
    logout_refuses_unparseable_requests,
    userinfo_refuses_odd_headers,
    odd_identifiers_are_unknown_not_errors,
);

//! Bearer tokens at /userinfo (RFC 6750, RFC 9068), by GET and by POST
//! (OpenID Connect Core §5.3.1): only an unexpired, unrevoked `at+jwt`
//! access token we signed for our issuer, carrying `openid` and a user, in
//! the `Authorization` header, gets claims; everything else gets 401 or 403
//! with the right `WWW-Authenticate` challenge.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use latchkey_oidc::SigningAlg;
use latchkey_oidc::keys;
use serde_json::{Value, json};

use crate::support::browser::Browser;
use crate::support::{Stack, TestServer};

use super::{Form, Rp, no_5xx, start, userinfo, with_client_credentials};

/// What /userinfo must answer.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// 401 without an error code (no token at all, RFC 6750 §3.1).
    NoToken,
    /// 401 `invalid_token`.
    Invalid,
    /// 403 `insufficient_scope`.
    Insufficient,
}

async fn check(res: reqwest::Response, expect: Expect, case: &str) {
    no_5xx(&res, case);
    let challenge = res
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    assert!(
        !text.contains("\"sub\""),
        "[{case}] claims released: {text}"
    );
    assert!(
        challenge.starts_with("Bearer realm=\"latchkey\""),
        "[{case}] WWW-Authenticate {challenge:?}"
    );
    match expect {
        Expect::NoToken => {
            assert_eq!(status, 401, "[{case}] {text}");
            assert!(!challenge.contains("error="), "[{case}] {challenge}");
        }
        Expect::Invalid => {
            assert_eq!(status, 401, "[{case}] {text}");
            assert!(
                challenge.contains("error=\"invalid_token\""),
                "[{case}] {challenge}"
            );
        }
        Expect::Insufficient => {
            assert_eq!(status, 403, "[{case}] {text}");
            assert!(
                challenge.contains("error=\"insufficient_scope\""),
                "[{case}] {challenge}"
            );
        }
    }
}

fn payload(jwt: &str) -> Value {
    let p = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&B64.decode(p).unwrap()).unwrap()
}

fn with(mut c: Value, key: &str, value: Value) -> Value {
    c[key] = value;
    c
}

async fn userinfo_refuses_bad_tokens(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let user = s.user("zed").await;
    let client = Rp::register(&s, with_client_credentials()).await;
    let t = client.tokens(&s, &mut Browser::default(), &user, &[]).await;
    let access = t["access_token"].as_str().unwrap();
    let id_token = t["id_token"].as_str().unwrap();
    assert_eq!(userinfo(&s, Some(access)).await.status(), 200, "control");

    let res = client
        .post(&s, "/token", &[("grant_type", "client_credentials")])
        .await;
    assert_eq!(res.status(), 200, "client_credentials token");
    let cc: Value = res.json().await.unwrap();
    let cc = cc["access_token"].as_str().unwrap();

    // Forgeries built from the real token's claims.
    let claims = payload(access);
    let kid = jsonwebtoken::decode_header(access).unwrap().kid.unwrap();
    let header = |v: Value| B64.encode(v.to_string());
    let body = B64.encode(claims.to_string());
    let alg_none = format!(
        "{}.{body}.",
        header(json!({ "alg": "none", "typ": "at+jwt" }))
    );
    let jwks: Value = s.get("/jwks").await.json().await.unwrap();
    let jwk_text = jwks["keys"][0].to_string();
    let mut h = Header::new(Algorithm::HS256);
    h.typ = Some("at+jwt".into());
    h.kid = Some(kid.clone());
    let enc = EncodingKey::from_secret(jwk_text.as_bytes());
    let hs256 = jsonwebtoken::encode(&h, &claims, &enc).unwrap();
    let stranger = keys::generate(SigningAlg::ES256).unwrap();
    let mut h = Header::new(Algorithm::ES256);
    h.typ = Some("at+jwt".into());
    h.kid = Some(kid);
    let foreign = jsonwebtoken::encode(
        &h,
        &claims,
        &EncodingKey::from_ec_der(&stranger.private_der),
    )
    .unwrap();
    let mut parts: Vec<&str> = access.split('.').collect();
    let changed = B64.encode(with(claims.clone(), "sub", json!("someone")).to_string());
    parts[1] = &changed;
    let tampered = parts.join(".");
    // Signed with our own key, but wrong in one respect each.
    let keyset = s.state.keys.current();
    let now = s.state.clock.now();
    let ours = |typ: &str, c: Value| keyset.sign(SigningAlg::ES256, typ, &c, now).unwrap();
    let wrong_typ = ours("JWT", claims.clone());
    let wrong_aud = ours(
        "at+jwt",
        with(claims.clone(), "aud", json!("https://evil.test")),
    );
    let wrong_iss = ours(
        "at+jwt",
        with(claims.clone(), "iss", json!("https://evil.test")),
    );
    let expired = ours("at+jwt", with(claims.clone(), "exp", json!(now.0 - 60)));
    let no_openid = ours(
        "at+jwt",
        with(claims.clone(), "scope", json!("profile email")),
    );

    #[rustfmt::skip]
    let cases: Vec<(&str, Option<String>, Expect)> = vec![
        ("no token", None, Expect::NoToken),
        ("garbage", Some("garbage".into()), Expect::Invalid),
        ("three empty segments", Some("..".into()), Expect::Invalid),
        ("alg none", Some(alg_none), Expect::Invalid),
        ("HS256 keyed with our public JWK", Some(hs256), Expect::Invalid),
        ("signed by a stranger under our kid", Some(foreign), Expect::Invalid),
        ("payload changed after signing", Some(tampered), Expect::Invalid),
        ("ID token as access token", Some(id_token.to_owned()), Expect::Invalid),
        ("typ JWT instead of at+jwt", Some(wrong_typ), Expect::Invalid),
        ("another audience", Some(wrong_aud), Expect::Invalid),
        ("another issuer", Some(wrong_iss), Expect::Invalid),
        ("expired", Some(expired), Expect::Invalid),
        ("token with trailing garbage", Some(format!("{access} x")), Expect::Invalid),
        ("client_credentials token", Some(cc.to_owned()), Expect::Insufficient),
        ("user token without openid", Some(no_openid), Expect::Insufficient),
    ];
    for (case, token, expect) in cases {
        let res = userinfo(&s, token.as_deref()).await;
        check(res, expect, case).await;
    }
    // Tokens anywhere but the Authorization header are not looked at.
    let url = format!("{}/userinfo", s.base);
    let res = s
        .http
        .get(format!("{url}?access_token={access}"))
        .send()
        .await
        .unwrap();
    check(res, Expect::NoToken, "token in the query").await;
    let res = s
        .http
        .post(&url)
        .form(&[("access_token", access)])
        .send()
        .await
        .unwrap();
    check(res, Expect::NoToken, "token in a form body").await;
    let res = s
        .http
        .get(&url)
        .header("authorization", format!("Basic {access}"))
        .send()
        .await
        .unwrap();
    check(res, Expect::NoToken, "Basic scheme").await;
}

/// An access token stops working when it expires (the clock moves).
async fn expired_access_token_is_refused(stack: Stack, test: &str) {
    let Some((s, clock)) = start(stack, test).await else {
        return;
    };
    let user = s.user("abe").await;
    let client = Rp::confidential(&s).await;
    let t = client.tokens(&s, &mut Browser::default(), &user, &[]).await;
    let access = t["access_token"].as_str().unwrap();
    clock.advance(590);
    assert_eq!(
        userinfo(&s, Some(access)).await.status(),
        200,
        "before expiry"
    );
    clock.advance(20);
    check(
        userinfo(&s, Some(access)).await,
        Expect::Invalid,
        "after 610 s",
    )
    .await;
    let res = client.post(&s, "/introspect", &[("token", access)]).await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body,
        json!({ "active": false }),
        "introspection after expiry"
    );
}

/// `POST /userinfo` with `Authorization: Bearer` (RFC 6750 §2.1).
async fn post_userinfo(
    s: &TestServer,
    authorization: Option<&str>,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let mut req = s.http.post(format!("{}/userinfo", s.base)).form(form);
    if let Some(a) = authorization {
        req = req.header("authorization", a);
    }
    req.send().await.unwrap()
}

/// POST answers exactly as GET: the same claims for a good token in the
/// header, the same challenges otherwise. The form body is never read, so
/// a token there (RFC 6750 §2.2, which Latchkey does not support) is no
/// token at all.
async fn userinfo_by_post(stack: Stack, test: &str) {
    let Some((s, clock)) = start(stack, test).await else {
        return;
    };
    let user = s.user("poe").await;
    let client = Rp::confidential(&s).await;
    let t = client.tokens(&s, &mut Browser::default(), &user, &[]).await;
    let access = t["access_token"].as_str().unwrap();
    let bearer = format!("Bearer {access}");

    let by_get = userinfo(&s, Some(access)).await;
    assert_eq!(by_get.status(), 200, "GET control");
    let by_get: Value = by_get.json().await.unwrap();
    assert_eq!(by_get["sub"], user.id.0.as_str(), "GET {by_get}");
    for (case, authorization, form) in [
        ("header, empty form", bearer.clone(), vec![]),
        (
            "header, unrelated form fields",
            bearer.clone(),
            vec![("foo", "bar")],
        ),
        (
            "header, lower-case scheme",
            format!("bearer {access}"),
            vec![],
        ),
    ] {
        let res = post_userinfo(&s, Some(&authorization), &form).await;
        no_5xx(&res, case);
        assert_eq!(res.status(), 200, "[{case}]");
        let cc = res.headers()["cache-control"].to_str().unwrap().to_owned();
        assert_eq!(cc, "no-store", "[{case}]");
        let ct = res.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(ct.starts_with("application/json"), "[{case}] {ct}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body, by_get, "[{case}] POST answers as GET");
    }

    let invalid = "Bearer realm=\"latchkey\", error=\"invalid_token\", \
                   error_description=\"The access token is invalid or expired.\"";
    let mut tampered: Vec<String> = access.split('.').map(str::to_owned).collect();
    tampered[1] = B64.encode(with(payload(access), "sub", json!("someone")).to_string());
    let tampered = format!("Bearer {}", tampered.join("."));
    #[rustfmt::skip]
    let cases: Vec<(&str, Option<&str>, Form, &str)> = vec![
        ("no token", None, vec![], "Bearer realm=\"latchkey\""),
        ("token only in the form body", None, vec![("access_token", access)], "Bearer realm=\"latchkey\""),
        ("Basic scheme", Some("Basic eDp5"), vec![("access_token", access)], "Bearer realm=\"latchkey\""),
        ("garbage", Some("Bearer garbage"), vec![], invalid),
        ("payload changed after signing", Some(&tampered), vec![], invalid),
        ("bad header, good token in the body", Some("Bearer garbage"), vec![("access_token", access)], invalid),
    ];
    for (case, authorization, form, challenge) in &cases {
        let res = post_userinfo(&s, *authorization, form).await;
        no_5xx(&res, case);
        assert_eq!(res.status(), 401, "[{case}]");
        let got = res.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(got, *challenge, "[{case}]");
        let text = res.text().await.unwrap();
        assert!(
            !text.contains("\"sub\""),
            "[{case}] claims released: {text}"
        );
    }
    // Revoked, then expired: POST refuses both like GET.
    let res = client.post(&s, "/revoke", &[("token", access)]).await;
    assert_eq!(res.status(), 200, "revoke");
    let res = post_userinfo(&s, Some(&bearer), &[]).await;
    check(res, Expect::Invalid, "POST with a revoked token").await;
    let t = client.tokens(&s, &mut Browser::default(), &user, &[]).await;
    let fresh = format!("Bearer {}", t["access_token"].as_str().unwrap());
    clock.advance(610);
    let res = post_userinfo(&s, Some(&fresh), &[]).await;
    check(res, Expect::Invalid, "POST with an expired token").await;
}

crate::stack_tests!(
    userinfo_refuses_bad_tokens,
    expired_access_token_is_refused,
    userinfo_by_post,
);

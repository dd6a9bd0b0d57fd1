//! `private_key_jwt` (RFC 7523 §2.2, OpenID Connect Core §9): a valid
//! assertion, in every algorithm discovery advertises, authenticates the
//! client once; every forged, misaddressed, stale or replayed one is
//! `invalid_client` (401).

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD as B64};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use latchkey_core::UnixTime;
use latchkey_oidc::client_auth::JWT_BEARER;
use latchkey_oidc::keys::{self, GeneratedKey};
use latchkey_oidc::{ClientRepo as _, NewClient, SigningAlg, TokenAuthMethod, client_secret};
use serde_json::{Value, json};

use crate::support::fixtures;
use crate::support::{Stack, TestServer};

use super::{oauth_error, userinfo};

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn jwks(key: &GeneratedKey) -> Value {
    json!({ "keys": [key.public_jwk] })
}

/// A client_credentials client that authenticates with `private_key_jwt`.
fn registration(key: &GeneratedKey) -> NewClient {
    NewClient {
        redirect_uris: vec![],
        post_logout_redirect_uris: vec![],
        grant_types: vec!["client_credentials".into()],
        scopes: vec!["api.read".into()],
        token_endpoint_auth_method: Some("private_key_jwt".into()),
        jwks: Some(jwks(key).to_string()),
        ..fixtures::confidential()
    }
}

/// Register a `private_key_jwt` client directly in the database. The
/// registration rules are checked by `registration_is_accepted`; building
/// the record by hand here keeps the authentication cases independent of
/// them.
async fn pkjwt_client(s: &TestServer, key: &GeneratedKey) -> String {
    let new = NewClient {
        token_endpoint_auth_method: None,
        jwks: None,
        ..registration(key)
    };
    let hash = client_secret::generate().hash;
    let id = latchkey_core::id::random_hex(8);
    let mut client = new.into_client(id, Some(hash), UnixTime(0)).unwrap();
    client.token_endpoint_auth_method = TokenAuthMethod::PrivateKeyJwt;
    client.secret_hash = None;
    client.jwks = Some(jwks(key));
    s.state.db.create_client(&client).await.unwrap();
    client.id.0
}

fn sign(key: &GeneratedKey, kid: Option<&str>, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::ES256);
    header.kid = kid.map(str::to_owned);
    let enc = EncodingKey::from_ec_der(&key.private_der);
    jsonwebtoken::encode(&header, claims, &enc).unwrap()
}

/// `claims` signed with `key` under `alg` (`key` must be of `alg`'s type).
fn sign_as(key: &GeneratedKey, alg: Algorithm, kid: Option<&str>, claims: &Value) -> String {
    let enc = match key.alg {
        SigningAlg::ES256 => EncodingKey::from_ec_der(&key.private_der),
        SigningAlg::EdDSA => EncodingKey::from_ed_der(&key.private_der),
        SigningAlg::RS256 => {
            // jsonwebtoken signs RSA from PKCS#1; its PEM reader unwraps
            // the PKCS#8 the generator produces.
            let b64 = STANDARD.encode(&*key.private_der);
            let lines: Vec<&str> = b64
                .as_bytes()
                .chunks(64)
                .map(|c| std::str::from_utf8(c).unwrap())
                .collect();
            let pem = format!(
                "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
                lines.join("\n")
            );
            EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap()
        }
    };
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, &enc).unwrap()
}

fn hmac(secret: &[u8], kid: &str, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(secret)).unwrap()
}

fn unsigned(alg: &str, claims: &Value) -> String {
    let h = B64.encode(json!({ "alg": alg, "typ": "JWT" }).to_string());
    format!("{h}.{}.", B64.encode(claims.to_string()))
}

/// The claims of a valid assertion for `id` at `aud`.
fn claims(id: &str, aud: &str) -> Value {
    json!({
        "iss": id, "sub": id, "aud": aud,
        "iat": now(), "exp": now() + 120,
        "jti": latchkey_core::id::random_hex(16),
    })
}

fn with(mut c: Value, key: &str, value: Value) -> Value {
    if value.is_null() {
        c.as_object_mut().unwrap().remove(key);
    } else {
        c[key] = value;
    }
    c
}

async fn present(
    s: &TestServer,
    path: &str,
    client_id: Option<&str>,
    jwt: &str,
) -> reqwest::Response {
    let mut form = vec![
        ("grant_type", "client_credentials"),
        ("client_assertion_type", JWT_BEARER),
        ("client_assertion", jwt),
        ("token", "abc"),
    ];
    if let Some(id) = client_id {
        form.push(("client_id", id));
    }
    crate::support::rp::post(s, path, None, &form).await
}

/// An operator can register a `private_key_jwt` client with its JWK Set,
/// and that client can then authenticate.
async fn registration_is_accepted(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let key = keys::generate(SigningAlg::ES256).unwrap();
    let id = latchkey_core::id::random_hex(8);
    let registered = registration(&key).into_client(id.clone(), None, UnixTime(0));
    let client = match registered {
        Ok(c) => c,
        Err(e) => panic!("a private_key_jwt client with jwks must be accepted: {e}"),
    };
    s.state.db.create_client(&client).await.unwrap();
    let jwt = sign(
        &key,
        Some(&key.kid),
        &claims(&id, &format!("{}/token", s.base)),
    );
    let res = present(&s, "/token", None, &jwt).await;
    assert_eq!(res.status(), 200, "a registered private_key_jwt client");
}

async fn assertions_are_checked(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let key = keys::generate(SigningAlg::ES256).unwrap();
    let stranger = keys::generate(SigningAlg::ES256).unwrap();
    let id = pkjwt_client(&s, &key).await;
    let other_id = pkjwt_client(&s, &stranger).await;
    let kid = key.kid.as_str();
    let token_url = format!("{}/token", s.base);

    // The positive cases: the endpoint URL or the issuer as audience.
    let first = sign(&key, Some(kid), &claims(&id, &token_url));
    for (case, client_id, jwt) in [
        ("valid, client from iss", None, first.clone()),
        (
            "valid, client_id in the body",
            Some(id.as_str()),
            sign(&key, Some(kid), &claims(&id, &token_url)),
        ),
        (
            "valid, issuer as audience",
            None,
            sign(&key, Some(kid), &claims(&id, &s.base)),
        ),
        (
            "valid, no kid",
            None,
            sign(&key, None, &claims(&id, &token_url)),
        ),
    ] {
        let res = present(&s, "/token", client_id, &jwt).await;
        let status = res.status();
        let body: Value = res.json().await.unwrap();
        assert_eq!(status, 200, "[{case}] {body}");
        assert_eq!(body["token_type"], "Bearer", "[{case}]");
        // A client's own token carries no user: userinfo refuses it.
        let res = userinfo(&s, body["access_token"].as_str()).await;
        assert_eq!(res.status(), 403, "[{case}] userinfo with a client token");
    }

    let good = || claims(&id, &token_url);
    let jwk_text = key.public_jwk.to_string();
    let x = key.public_jwk["x"].as_str().unwrap().to_owned();
    let mut tampered: Vec<String> = sign(&key, Some(kid), &good())
        .split('.')
        .map(str::to_owned)
        .collect();
    tampered[1] = B64.encode(with(good(), "sub", json!("someone")).to_string());
    let tampered = tampered.join(".");
    let stripped = {
        let t = sign(&key, Some(kid), &good());
        format!("{}.", t.rsplit_once('.').unwrap().0)
    };
    #[rustfmt::skip]
    let cases: Vec<(&str, Option<&str>, String)> = vec![
        ("replayed jti", None, first),
        ("alg none", None, unsigned("none", &good())),
        ("alg None", None, unsigned("None", &good())),
        ("alg none, client_id in body", Some(id.as_str()), unsigned("none", &good())),
        ("HS256 keyed with the public JWK", None, hmac(jwk_text.as_bytes(), kid, &good())),
        ("HS256 keyed with the x coordinate", None, hmac(x.as_bytes(), kid, &good())),
        ("HS256 keyed with the kid", None, hmac(kid.as_bytes(), kid, &good())),
        ("wrong aud", None, sign(&key, Some(kid), &with(good(), "aud", json!("https://evil.test/token")))),
        ("aud of another endpoint", None, sign(&key, Some(kid), &with(good(), "aud", json!(format!("{}/introspect", s.base))))),
        ("aud with a trailing slash", None, sign(&key, Some(kid), &with(good(), "aud", json!(format!("{token_url}/"))))),
        ("no aud", None, sign(&key, Some(kid), &with(good(), "aud", Value::Null))),
        ("expired", None, sign(&key, Some(kid), &with(good(), "exp", json!(now() - 120)))),
        ("exp an hour ahead", None, sign(&key, Some(kid), &with(good(), "exp", json!(now() + 3600)))),
        ("exp 400 s ahead", None, sign(&key, Some(kid), &with(good(), "exp", json!(now() + 400)))),
        ("exp as a string", None, sign(&key, Some(kid), &with(good(), "exp", json!("9999999999")))),
        ("no exp", None, sign(&key, Some(kid), &with(good(), "exp", Value::Null))),
        ("iss differs from sub", None, sign(&key, Some(kid), &with(good(), "sub", json!("someone-else")))),
        ("no sub", None, sign(&key, Some(kid), &with(good(), "sub", Value::Null))),
        ("iss of another client", Some(id.as_str()), sign(&key, Some(kid), &with(good(), "iss", json!(other_id)))),
        ("another client's id in the body", Some(other_id.as_str()), sign(&key, Some(kid), &good())),
        ("no jti", None, sign(&key, Some(kid), &with(good(), "jti", Value::Null))),
        ("empty jti", None, sign(&key, Some(kid), &with(good(), "jti", json!("")))),
        ("signed by an unregistered key", None, sign(&stranger, Some(&stranger.kid), &good())),
        ("unregistered key, registered kid", None, sign(&stranger, Some(kid), &good())),
        ("registered key, unknown kid", None, sign(&key, Some("unknown-kid"), &good())),
        ("payload changed after signing", None, tampered),
        ("signature stripped", None, stripped),
        ("garbage, client_id in body", Some(id.as_str()), "garbage".into()),
    ];
    for (case, client_id, jwt) in &cases {
        let res = present(&s, "/token", *client_id, jwt).await;
        let (_, challenge) = oauth_error(res, 401, "invalid_client", case).await;
        assert!(!challenge.starts_with("Basic"), "[{case}] {challenge}");
    }

    // Single use across endpoints: an assertion for the issuer works once.
    let jwt = sign(&key, Some(kid), &claims(&id, &s.base));
    assert_eq!(
        present(&s, "/token", None, &jwt).await.status(),
        200,
        "first use"
    );
    let res = present(&s, "/introspect", None, &jwt).await;
    oauth_error(res, 401, "invalid_client", "replayed at /introspect").await;
    // Without client_id, garbage names no client: an invalid assertion
    // (RFC 7521 §4.2.1), so `invalid_client` with no Basic challenge.
    let res = present(&s, "/token", None, "garbage").await;
    let (_, challenge) = oauth_error(res, 401, "invalid_client", "garbage without client_id").await;
    assert_eq!(challenge, "", "garbage without client_id");
    // Other methods for a private_key_jwt client.
    let basic = crate::support::rp::basic(&id, "guess");
    let form = [("grant_type", "client_credentials")];
    let res = crate::support::rp::post(&s, "/token", Some(&basic), &form).await;
    oauth_error(
        res,
        401,
        "invalid_client",
        "Basic for a private_key_jwt client",
    )
    .await;
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", id.as_str()),
    ];
    let res = crate::support::rp::post(&s, "/token", None, &form).await;
    oauth_error(res, 401, "invalid_client", "only client_id").await;
}

/// Each algorithm discovery advertises for client assertions
/// (`token_endpoint_auth_signing_alg_values_supported`) authenticates a
/// client registered with a key of that type, and the same assertion
/// signed by another key of the same type is refused.
async fn every_advertised_algorithm_authenticates(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let tested = [
        (Algorithm::RS256, "RS256", SigningAlg::RS256),
        (Algorithm::PS256, "PS256", SigningAlg::RS256),
        (Algorithm::ES256, "ES256", SigningAlg::ES256),
        (Algorithm::EdDSA, "EdDSA", SigningAlg::EdDSA),
    ];
    let discovery: Value = s
        .get("/.well-known/openid-configuration")
        .await
        .json()
        .await
        .unwrap();
    let advertised = &discovery["token_endpoint_auth_signing_alg_values_supported"];
    let names: Vec<&str> = tested.iter().map(|(_, name, _)| *name).collect();
    assert_eq!(advertised, &json!(names), "every advertised alg is tested");
    let token_url = format!("{}/token", s.base);
    for (alg, name, key_type) in tested {
        let mut key = keys::generate(key_type).unwrap();
        key.public_jwk["alg"] = json!(name);
        let wrong = keys::generate(key_type).unwrap();
        // Registered the way an operator does, with its JWK Set.
        let id = latchkey_core::id::random_hex(8);
        let client = registration(&key)
            .into_client(id.clone(), None, UnixTime(0))
            .unwrap();
        s.state.db.create_client(&client).await.unwrap();

        let jwt = sign_as(&key, alg, Some(&key.kid), &claims(&id, &token_url));
        assert_eq!(jsonwebtoken::decode_header(&jwt).unwrap().alg, alg);
        let res = present(&s, "/token", None, &jwt).await;
        let status = res.status();
        let body: Value = res.json().await.unwrap();
        assert_eq!(status, 200, "[{name}] right key: {body}");
        assert_eq!(body["token_type"], "Bearer", "[{name}]");
        assert_eq!(body["scope"], "api.read", "[{name}]");
        let jwt = sign_as(&key, alg, None, &claims(&id, &s.base));
        let res = present(&s, "/introspect", Some(&id), &jwt).await;
        assert_eq!(res.status(), 200, "[{name}] right key, no kid, /introspect");

        for (case, jwt) in [
            (
                "wrong key under the registered kid",
                sign_as(&wrong, alg, Some(&key.kid), &claims(&id, &token_url)),
            ),
            (
                "wrong key, its own kid",
                sign_as(&wrong, alg, Some(&wrong.kid), &claims(&id, &token_url)),
            ),
            (
                "wrong key, no kid",
                sign_as(&wrong, alg, None, &claims(&id, &token_url)),
            ),
        ] {
            let case = format!("{name}: {case}");
            let res = present(&s, "/token", None, &jwt).await;
            let (_, challenge) = oauth_error(res, 401, "invalid_client", &case).await;
            assert_eq!(challenge, "", "[{case}]");
        }
    }
}

crate::stack_tests!(
    registration_is_accepted,
    assertions_are_checked,
    every_advertised_algorithm_authenticates,
);

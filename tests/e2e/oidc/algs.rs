//! Tokens: ID tokens signed with RS256 and EdDSA for
//! clients that registered them (validated by `openidconnect`, and again
//! with `jsonwebtoken` against the published JWKS), `client_credentials`
//! access tokens, introspection and revocation of access and refresh
//! tokens, client authentication methods and token response headers.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_oidc::{AuthMethod, NewClient};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreJwsSigningAlgorithm, CoreProviderMetadata,
};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet,
    EndpointNotSet, EndpointSet, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    RedirectUrl, TokenResponse,
};
use serde_json::{Value, json};

use crate::support::browser::Browser;
use crate::support::fixtures::{REDIRECT_URI, confidential};
use crate::support::{Stack, TestServer, rp};

macro_rules! server {
    ($stack:expr, $test:expr) => {
        match TestServer::start($stack, $test).await {
            Some(s) => s,
            None => return,
        }
    };
}

type Rp = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// A JWT's header (`i == 0`) or payload (`i == 1`), not verified.
pub(super) fn part(jwt: &str, i: usize) -> Value {
    let seg = jwt.split('.').nth(i).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(seg).unwrap()).unwrap()
}

/// Verify a JWT with jsonwebtoken against the server's `/jwks`: the key
/// named by `kid`, the expected `alg`, `iss` and `aud`.
async fn verify_jwt(s: &TestServer, jwt: &str, alg: jsonwebtoken::Algorithm, aud: &str) -> Value {
    let header = jsonwebtoken::decode_header(jwt).unwrap();
    assert_eq!(header.alg, alg);
    let jwks: jsonwebtoken::jwk::JwkSet = s.get("/jwks").await.json().await.unwrap();
    let jwk = jwks
        .find(header.kid.as_deref().expect("kid"))
        .expect("kid in the JWKS");
    let key = jsonwebtoken::DecodingKey::from_jwk(jwk).unwrap();
    let mut validation = jsonwebtoken::Validation::new(alg);
    validation.set_issuer(&[&s.base]);
    validation.set_audience(&[aud]);
    jsonwebtoken::decode::<Value>(jwt, &key, &validation)
        .unwrap()
        .claims
}

/// Status 200 with the headers RFC 6749 §5.1 requires, and the JSON body.
pub(super) async fn token_ok(res: reqwest::Response) -> Value {
    let h = res.headers().clone();
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(h["cache-control"], "no-store");
    assert_eq!(h["pragma"], "no-cache");
    let ct = h["content-type"].to_str().unwrap();
    assert!(ct.starts_with("application/json"), "{ct}");
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["expires_in"].as_i64().unwrap() > 0, "{body}");
    body
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn rp_client(s: &TestServer, id: &str, secret: Option<String>) -> Rp {
    let issuer = IssuerUrl::new(s.base.clone()).unwrap();
    let metadata = CoreProviderMetadata::discover_async(issuer, &http())
        .await
        .unwrap();
    CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(id.to_owned()),
        secret.map(ClientSecret::new),
    )
    .set_redirect_uri(RedirectUrl::new(REDIRECT_URI.to_owned()).unwrap())
}

async fn id_token_signed_with(stack: Stack, test: &str, alg: &str) {
    let s = server!(stack, test);
    let (expected, jwt_alg) = match alg {
        "RS256" => (
            CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
            jsonwebtoken::Algorithm::RS256,
        ),
        _ => (
            CoreJwsSigningAlgorithm::EdDsa,
            jsonwebtoken::Algorithm::EdDSA,
        ),
    };
    let user = s.user("ada").await;
    let (client, secret) = s
        .client_with(NewClient {
            id_token_signed_response_alg: Some(alg.into()),
            ..confidential()
        })
        .await;
    let rp = rp_client(&s, &client.id.0, secret).await;
    let (challenge, pkce_verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = rp
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge)
        .url();
    let mut b = Browser::default();
    let methods = vec![AuthMethod::PasskeySynced];
    let params = rp::authorize(&s, &mut b, url.as_str(), &user.id, methods).await;
    assert_eq!(params["state"], *csrf.secret());
    let tokens = rp
        .exchange_code(AuthorizationCode::new(params["code"].clone()))
        .unwrap()
        .set_pkce_verifier(pkce_verifier)
        .request_async(&http())
        .await
        .unwrap();
    let id_token = tokens.id_token().expect("an ID token");
    assert_eq!(id_token.signing_alg().unwrap(), &expected);

    let verifier = rp.id_token_verifier().set_allowed_algs([expected.clone()]);
    let claims = id_token.claims(&verifier, &nonce).unwrap();
    assert_eq!(claims.subject().as_str(), user.id.0);
    assert_eq!(claims.auth_context_ref().unwrap().as_str(), "phr");
    let expected_hash = claims.access_token_hash().expect("at_hash");
    let key = id_token.signing_key(&verifier).unwrap();
    let actual = AccessTokenHash::from_token(tokens.access_token(), &expected, key).unwrap();
    assert_eq!(&actual, expected_hash, "at_hash with the {alg} hash");

    // Only the registered algorithm is used: an ES256-only RP refuses it.
    let es256_only = rp
        .id_token_verifier()
        .set_allowed_algs([CoreJwsSigningAlgorithm::EcdsaP256Sha256]);
    assert!(id_token.claims(&es256_only, &nonce).is_err());

    // A second, independent library agrees (signature, iss, aud).
    let raw = id_token.to_string();
    let c = verify_jwt(&s, &raw, jwt_alg, &client.id.0).await;
    assert_eq!(c["sub"], user.id.0.as_str());
    assert_eq!(c["nonce"], nonce.secret().as_str());
}

async fn rs256_id_token(stack: Stack, test: &str) {
    id_token_signed_with(stack, test, "RS256").await;
}

async fn eddsa_id_token(stack: Stack, test: &str) {
    id_token_signed_with(stack, test, "EdDSA").await;
}

async fn introspect(s: &TestServer, auth: &str, token: &str) -> Value {
    let res = rp::post(s, "/introspect", Some(auth), &[("token", token)]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    res.json().await.unwrap()
}

async fn client_credentials_grant(stack: Stack, test: &str) {
    let s = server!(stack, test);
    let (client, secret) = s
        .client_with(NewClient {
            name: "Reporting service".into(),
            grant_types: vec!["client_credentials".into()],
            scopes: vec!["api.read".into(), "api.write".into()],
            ..NewClient::default()
        })
        .await;
    let id = client.id.0.as_str();
    let auth = rp::basic(id, &secret.unwrap());
    let grant = ("grant_type", "client_credentials");

    let res = rp::post(&s, "/token", Some(&auth), &[grant, ("scope", "api.read")]).await;
    let t = token_ok(res).await;
    assert_eq!(t["scope"], "api.read");
    assert!(t.get("id_token").is_none() && t.get("refresh_token").is_none());
    let at = t["access_token"].as_str().unwrap();
    assert_eq!(part(at, 0)["typ"], "at+jwt", "RFC 9068 §2.1");
    let claims = verify_jwt(&s, at, jsonwebtoken::Algorithm::ES256, &s.base).await;
    assert_eq!(claims["sub"], id);
    assert_eq!(claims["client_id"], id);
    assert_eq!(claims["aud"], s.base.as_str());
    assert_eq!(claims["scope"], "api.read");

    // No scope: every scope the client may have.
    let res = rp::post(&s, "/token", Some(&auth), &[grant]).await;
    let all = token_ok(res).await;
    let mut scopes: Vec<&str> = all["scope"].as_str().unwrap().split(' ').collect();
    scopes.sort_unstable();
    assert_eq!(scopes, ["api.read", "api.write"]);
    let scope_claim = part(all["access_token"].as_str().unwrap(), 1)["scope"].clone();
    assert_eq!(scope_claim, all["scope"]);

    // A user scope is not for a client acting as itself.
    let res = rp::post(&s, "/token", Some(&auth), &[grant, ("scope", "openid")]).await;
    assert_eq!(res.status(), 400);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "invalid_scope");

    let info = introspect(&s, &auth, at).await;
    assert_eq!(info["active"], true, "{info}");
    assert_eq!(info["client_id"], id);
    assert_eq!(info["scope"], "api.read");
    assert_eq!(info["exp"], claims["exp"]);

    let res = rp::post(&s, "/revoke", Some(&auth), &[("token", at)]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(introspect(&s, &auth, at).await, json!({"active": false}));
}

/// An ID token minted at a refresh says what the first one said, the
/// `latchkey_fallback` claim included (the grant's fallback reason is kept
/// with the refresh-token family).
async fn refreshed_id_tokens_keep_the_fallback_claim(stack: Stack, test: &str) {
    use crate::support::browser::{flow_id, location, query};
    use latchkey_core::UnixTime;
    use latchkey_oidc::AuthnResult;

    let s = server!(stack, test);
    let user = s.user("fay").await;
    let mut new = confidential();
    new.scopes.push("latchkey_fallback".into());
    let (client, secret) = s.client_with(new).await;
    let (id, secret) = (client.id.0.as_str(), secret.expect("a secret"));
    let (verifier, challenge) = rp::pkce();
    let scope = [("scope", "openid offline_access latchkey_fallback")];
    let url = rp::authorize_url(&s, id, &challenge, &scope);
    let mut b = Browser::default();
    let flow = flow_id(&location(&b.get(&s, &url).await));
    let now = UnixTime(now_secs());
    let authn = AuthnResult::new(user.id.clone(), vec![AuthMethod::EmailCode], now)
        .with_fallback_reason("no_passkey_on_this_device");
    let resume = b.sign_in_with(&s, &flow, authn).await;
    let back = query(&location(&b.get(&s, &resume).await));
    let t = token_ok(rp::exchange(&s, id, &secret, &back["code"], &verifier).await).await;
    let reason = |t: &Value| part(t["id_token"].as_str().unwrap(), 1)["latchkey_fallback"].clone();
    assert_eq!(reason(&t), json!({"reason": "no_passkey_on_this_device"}));
    let refresh = [
        ("grant_type", "refresh_token"),
        (
            "refresh_token",
            t["refresh_token"].as_str().expect("offline_access"),
        ),
    ];
    let auth = rp::basic(id, &secret);
    let refreshed = token_ok(rp::post(&s, "/token", Some(&auth), &refresh).await).await;
    assert_eq!(
        reason(&refreshed),
        json!({"reason": "no_passkey_on_this_device"})
    );
}

fn now_secs() -> i64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    i64::try_from(since.unwrap().as_secs()).unwrap()
}

async fn refresh_token_introspection_and_family_revocation(stack: Stack, test: &str) {
    let s = server!(stack, test);
    let user = s.user("rhea").await;
    let (client, secret) = s.confidential_client().await;
    let id = client.id.0.as_str();
    let auth = rp::basic(id, &secret);
    let mut b = Browser::default();
    let t = rp::tokens(&s, &mut b, id, &secret, &user.id, &[]).await;
    let r1 = t["refresh_token"].as_str().expect("offline_access");

    let info = introspect(&s, &auth, r1).await;
    assert_eq!(info["active"], true, "{info}");
    assert_eq!(info["token_type"], "refresh_token");
    assert_eq!(info["client_id"], id);
    assert_eq!(info["sub"], user.id.0.as_str());
    assert!(info["scope"].as_str().unwrap().contains("offline_access"));
    assert!(info["exp"].as_i64().unwrap() > info["iat"].as_i64().unwrap());

    let refresh = |token| [("grant_type", "refresh_token"), ("refresh_token", token)];
    let rotated = token_ok(rp::post(&s, "/token", Some(&auth), &refresh(r1)).await).await;
    let r2 = rotated["refresh_token"].as_str().expect("rotation");
    assert_ne!(r1, r2);
    assert_eq!(
        introspect(&s, &auth, r1).await["active"],
        false,
        "rotated out"
    );
    assert_eq!(introspect(&s, &auth, r2).await["active"], true);

    // Revoking any token of the family (here the rotated-out one) ends the
    // whole family, its live successor included (RFC 7009 §2.1).
    let res = rp::post(&s, "/revoke", Some(&auth), &[("token", r1)]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(introspect(&s, &auth, r2).await["active"], false);
    let res = rp::post(&s, "/token", Some(&auth), &refresh(r2)).await;
    assert_eq!(res.status(), 400);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "invalid_grant");
}

async fn client_secret_post_and_public_clients_redeem(stack: Stack, test: &str) {
    let s = server!(stack, test);
    let user = s.user("pia").await;
    let (post_client, secret) = s
        .client_with(NewClient {
            token_endpoint_auth_method: Some("client_secret_post".into()),
            ..confidential()
        })
        .await;
    let secret = secret.unwrap();
    let public = s.public_client().await;
    for (client_id, secret) in [
        (&post_client.id.0, Some(secret.as_str())),
        (&public.id.0, None),
    ] {
        let mut b = Browser::default();
        let (verifier, challenge) = rp::pkce();
        let url = rp::authorize_url(&s, client_id, &challenge, &[]);
        let methods = vec![AuthMethod::PasskeySynced];
        let params = rp::authorize(&s, &mut b, &url, &user.id, methods).await;
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", params["code"].as_str()),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", verifier.as_str()),
            ("client_id", client_id.as_str()),
        ];
        if let Some(secret) = secret {
            form.push(("client_secret", secret));
        }
        let t = token_ok(rp::post(&s, "/token", None, &form).await).await;
        let id_token = t["id_token"].as_str().expect("an ID token");
        assert_eq!(part(id_token, 1)["aud"], client_id.as_str());
        assert_eq!(part(id_token, 1)["sub"], user.id.0.as_str());
        assert!(t["refresh_token"].is_string(), "offline_access was granted");
    }
}

crate::stack_tests!(
    rs256_id_token,
    eddsa_id_token,
    client_credentials_grant,
    refresh_token_introspection_and_family_revocation,
    client_secret_post_and_public_clients_redeem,
    refreshed_id_tokens_keep_the_fallback_claim,
);

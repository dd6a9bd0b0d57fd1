//! A passkey sign-in whose every step lands on another node, driven by a
//! standard relying party (`openidconnect`): it proves that flows, ceremony
//! state, sessions, codes and signing keys live in the shared stores.

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreJsonWebKeySet, CoreProviderMetadata, CoreUserInfoClaims,
};
use openidconnect::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, RedirectUrl, Scope, TokenResponse, TokenUrl, UserInfoUrl,
};
use serde_json::json;

use crate::flow::{REDIRECT_URI, world};
use crate::web::{Browser, http, query};

#[tokio::test]
async fn passkey_sign_in_spreads_over_three_nodes() {
    let Some(mut w) = world("passkey_sign_in_spreads_over_three_nodes").await else {
        return;
    };
    let c = &w.c;

    // One issuer, one key set: every node publishes the same discovery
    // document and JWKS (the three started together on an empty database).
    let mut browser = Browser::default();
    let discovery: Vec<_> = futures_util::future::join_all((0..3).map(|n| async move {
        let mut b = Browser::default();
        b.get(c.node(n), "/.well-known/openid-configuration")
            .await
            .ok_json()
    }))
    .await;
    assert!(
        discovery.iter().all(|d| *d == discovery[0]),
        "{discovery:?}"
    );
    assert_eq!(discovery[0]["issuer"], c.issuer.as_str());
    let jwks: Vec<_> = futures_util::future::join_all(
        (0..3).map(|n| async move { Browser::default().get(c.node(n), "/jwks").await.ok_json() }),
    )
    .await;
    assert!(jwks.iter().all(|j| *j == jwks[0]), "{jwks:?}");

    // The RP reads the metadata from node 2 and the keys from node 1, and
    // is pointed at the nodes step by step (a load balancer would choose).
    let metadata: CoreProviderMetadata = serde_json::from_value(discovery[2].clone()).unwrap();
    let keys: CoreJsonWebKeySet = serde_json::from_value(jwks[1].clone()).unwrap();
    let rp = CoreClient::from_provider_metadata(
        metadata.set_jwks(keys),
        ClientId::new(w.client_id.clone()),
        Some(ClientSecret::new(w.secret.clone())),
    )
    .set_redirect_uri(RedirectUrl::new(REDIRECT_URI.to_owned()).unwrap())
    .set_auth_uri(AuthUrl::new(format!("{}/authorize", c.node(0))).unwrap())
    .set_token_uri(TokenUrl::new(format!("{}/token", c.node(1))).unwrap())
    .set_user_info_url(UserInfoUrl::new(format!("{}/userinfo", c.node(2))).unwrap());

    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = rp
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("offline_access".into()))
        .set_pkce_challenge(challenge)
        .url();

    // authorize → node 0
    let login = browser.get(c.node(0), url.as_str()).await.location();
    let flow = login.strip_prefix("/login?flow=").expect(&login).to_owned();
    // ceremony start → node 1
    let view = browser
        .get(c.node(1), &format!("/api/login/flows/{flow}"))
        .await
        .ok_json();
    assert_eq!(view["state"], "pending");
    let csrf = view["csrf_token"].as_str().unwrap().to_owned();
    let api = format!("/api/login/flows/{flow}");
    let options = browser
        .post_json(
            c.node(1),
            &format!("{api}/passkey/options"),
            Some(&csrf),
            &json!({"mediation": "modal"}),
        )
        .await
        .ok_json();
    assert_eq!(options["public_key"]["publicKey"]["rpId"], "localhost");
    assert_eq!(
        options["public_key"]["publicKey"]["allowCredentials"],
        json!([])
    );
    // ceremony finish → node 2
    let assertion = w.device.get(&options["public_key"]);
    let body = json!({"ceremony_id": options["ceremony_id"], "credential": assertion});
    let done = browser
        .post_json(
            c.node(2),
            &format!("{api}/passkey/verify"),
            Some(&csrf),
            &body,
        )
        .await
        .ok_json();
    assert!(browser.signed_in(), "verify sets the session cookie");
    let redirect_to = done["redirect_to"].as_str().unwrap();
    // back to the client → node 0 again (the session came from node 2)
    let back = browser.get(c.node(0), redirect_to).await.location();
    assert!(back.starts_with(REDIRECT_URI), "{back}");
    let params = query(&back);
    assert_eq!(&params["state"], state.secret());
    assert_eq!(params["iss"], c.issuer, "RFC 9207 iss");

    // token → node 1, with the ID token verified against node 1's JWKS
    let tokens = rp
        .exchange_code(AuthorizationCode::new(params["code"].clone()))
        .set_pkce_verifier(verifier)
        .request_async(&http())
        .await
        .unwrap();
    let id_token = tokens.id_token().expect("an ID token");
    let claims = id_token.claims(&rp.id_token_verifier(), &nonce).unwrap();
    assert_eq!(claims.subject().as_str(), w.user_id);
    assert_eq!(claims.issuer().as_str(), c.issuer);
    let amr: Vec<&str> = claims
        .auth_method_refs()
        .expect("amr")
        .iter()
        .map(|a| a.as_str())
        .collect();
    assert_eq!(amr, ["pop", "hwk", "user", "mfa"], "a device-bound passkey");
    assert_eq!(claims.auth_context_ref().expect("acr").as_str(), "phr");
    assert!(claims.auth_time().is_some());
    assert!(tokens.refresh_token().is_some(), "offline_access");

    // userinfo → node 2
    let info: CoreUserInfoClaims = rp
        .user_info(tokens.access_token().clone(), None)
        .request_async(&http())
        .await
        .unwrap();
    assert_eq!(info.subject().as_str(), w.user_id);
    assert_eq!(info.email().unwrap().as_str(), "alice@example.com");

    // The session is shared too: a second authorization request on node 2
    // is answered from it at once, without a new ceremony.
    let (challenge, _) = PkceCodeChallenge::new_random_sha256();
    let (url, _, _) = rp
        .clone()
        .set_auth_uri(AuthUrl::new(format!("{}/authorize", c.node(2))).unwrap())
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge)
        .url();
    let sso = browser.get(c.node(2), url.as_str()).await.location();
    assert!(
        sso.starts_with(REDIRECT_URI),
        "single sign-on on node 2: {sso}"
    );
    assert!(query(&sso).contains_key("code"), "{sso}");
}

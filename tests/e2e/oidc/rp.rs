//! Happy paths through a standard relying party library: discovery, code
//! flow with PKCE, ID token validated against the JWKS (with `amr`, `acr`,
//! `auth_time`), userinfo, refresh rotation, RP-initiated logout; the
//! authorization request sent as a query and as a POSTed form (OpenID
//! Connect Core §3.1.2.1).

use latchkey_oidc::AuthMethod;
use openidconnect::core::{
    CoreAuthPrompt, CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreTokenResponse,
};
use openidconnect::{
    AccessTokenHash, AuthenticationContextClass, AuthorizationCode, ClientId, ClientSecret,
    CsrfToken, EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl, LogoutRequest, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, PostLogoutRedirectUrl,
    ProviderMetadataWithLogout, RedirectUrl, Scope, TokenResponse,
};

use crate::support::browser::{Browser, flow_id, location, query};
use crate::support::fixtures::{POST_LOGOUT_URI, REDIRECT_URI};
use crate::support::{Stack, TestServer};

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

type Rp = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// An authorization request as the library builds it, and what the RP
/// keeps to check the answer.
struct Request {
    url: openidconnect::url::Url,
    csrf: CsrfToken,
    verifier: PkceCodeVerifier,
    nonce: Nonce,
}

/// A code-flow request with PKCE, the extra `scopes`, and `prompt` and
/// `acr` values when given.
fn request(rp: &Rp, scopes: &[&str], prompt: Option<CoreAuthPrompt>, acr: Option<&str>) -> Request {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut req = rp
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge);
    for scope in scopes {
        req = req.add_scope(Scope::new((*scope).to_owned()));
    }
    if let Some(prompt) = prompt {
        req = req.add_prompt(prompt);
    }
    if let Some(acr) = acr {
        req = req.add_auth_context_value(AuthenticationContextClass::new(acr.to_owned()));
    }
    let (url, csrf, nonce) = req.url();
    Request {
        url,
        csrf,
        verifier,
        nonce,
    }
}

/// Redeem `code` with the library (PKCE verifier, client authentication).
async fn redeem(rp: &Rp, code: String, verifier: PkceCodeVerifier) -> CoreTokenResponse {
    rp.exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http())
        .await
        .unwrap()
}

async fn rp_client(s: &TestServer, id: &str, secret: Option<String>) -> Rp {
    let metadata =
        CoreProviderMetadata::discover_async(IssuerUrl::new(s.base.clone()).unwrap(), &http())
            .await
            .unwrap();
    CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(id.to_owned()),
        secret.map(ClientSecret::new),
    )
    .set_redirect_uri(RedirectUrl::new(REDIRECT_URI.to_owned()).unwrap())
}

async fn code_flow_with_refresh_and_userinfo(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let user = s.user("alice").await;
    let (client, secret) = s.confidential_client().await;
    let rp = rp_client(&s, &client.id.0, Some(secret)).await;

    let Request {
        url,
        csrf,
        verifier,
        nonce,
    } = request(&rp, &["profile", "email", "offline_access"], None, None);

    let mut browser = Browser::default();
    let login = location(&browser.get(&s, url.as_str()).await);
    assert!(login.starts_with("/login?flow="), "{login}");
    let resume = browser
        .sign_in(
            &s,
            &flow_id(&login),
            &user.id,
            vec![AuthMethod::PasskeyHardwareAttested],
        )
        .await;
    let back = location(&browser.get(&s, &resume).await);
    assert!(back.starts_with(REDIRECT_URI), "{back}");
    let params = query(&back);
    assert_eq!(params["state"], *csrf.secret());
    assert_eq!(params["iss"], s.base, "RFC 9207 iss");

    let tokens = redeem(&rp, params["code"].clone(), verifier).await;
    let id_token = tokens.id_token().expect("an ID token");
    let verifier = rp.id_token_verifier();
    let claims = id_token.claims(&verifier, &nonce).unwrap();
    assert_eq!(claims.subject().as_str(), user.id.0);
    assert_eq!(claims.auth_context_ref().unwrap().as_str(), "phrh");
    let amr: Vec<&str> = claims
        .auth_method_refs()
        .unwrap()
        .iter()
        .map(|a| a.as_str())
        .collect();
    assert_eq!(amr, ["pop", "hwk", "user", "mfa"]);
    assert!(claims.auth_time().is_some());
    assert_eq!(claims.preferred_username().unwrap().as_str(), "alice");
    let expected_hash = claims.access_token_hash().expect("at_hash");
    let actual = AccessTokenHash::from_token(
        tokens.access_token(),
        id_token.signing_alg().unwrap(),
        id_token.signing_key(&verifier).unwrap(),
    )
    .unwrap();
    assert_eq!(&actual, expected_hash);

    let info: openidconnect::core::CoreUserInfoClaims = rp
        .user_info(tokens.access_token().clone(), None)
        .unwrap()
        .request_async(&http())
        .await
        .unwrap();
    assert_eq!(info.subject().as_str(), user.id.0);
    assert_eq!(info.email().unwrap().as_str(), "alice@example.com");

    let refresh = tokens
        .refresh_token()
        .expect("offline_access gives a refresh token")
        .clone();
    let rotated = rp
        .exchange_refresh_token(&refresh)
        .unwrap()
        .request_async(&http())
        .await
        .unwrap();
    let next = rotated
        .refresh_token()
        .expect("rotation issues a new refresh token");
    assert_ne!(next.secret(), refresh.secret());
    // The rotated-out token no longer works.
    assert!(
        rp.exchange_refresh_token(&refresh)
            .unwrap()
            .request_async(&http())
            .await
            .is_err()
    );
}

async fn public_client_with_pkce_and_sso(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let user = s.user("bob").await;
    let client = s.public_client().await;
    let rp = rp_client(&s, &client.id.0, None).await;
    let mut browser = Browser::default();

    let Request {
        url,
        csrf: _,
        verifier,
        nonce,
    } = request(&rp, &[], None, None);
    let login = location(&browser.get(&s, url.as_str()).await);
    let resume = browser
        .sign_in(&s, &flow_id(&login), &user.id, vec![AuthMethod::EmailCode])
        .await;
    let code = query(&location(&browser.get(&s, &resume).await))["code"].clone();
    let tokens = redeem(&rp, code, verifier).await;
    let claims = tokens
        .id_token()
        .unwrap()
        .claims(&rp.id_token_verifier(), &nonce)
        .unwrap();
    assert_eq!(
        claims.auth_context_ref().unwrap().as_str(),
        "urn:latchkey:acr:sfa"
    );
    assert!(
        tokens.refresh_token().is_none(),
        "no offline_access, no refresh token"
    );

    // Single sign-on: a second request is answered from the session.
    let Request {
        url,
        csrf: _,
        verifier: _,
        nonce: _,
    } = request(&rp, &[], Some(CoreAuthPrompt::None), None);
    let back = location(&browser.get(&s, url.as_str()).await);
    assert!(query(&back).contains_key("code"), "{back}");

    // The session's acr is too low for phr: prompt=none cannot help.
    let Request {
        url,
        csrf: _,
        verifier: _,
        nonce: _,
    } = request(&rp, &[], Some(CoreAuthPrompt::None), Some("phr"));
    let back = location(&browser.get(&s, url.as_str()).await);
    assert_eq!(query(&back)["error"], "login_required", "{back}");
}

/// RP-initiated logout as the library does it: `end_session_endpoint` from
/// discovery, the ID token as the hint, a registered
/// `post_logout_redirect_uri` and `state`.
async fn rp_initiated_logout(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let user = s.user("lou").await;
    let (client, secret) = s.confidential_client().await;
    let issuer = IssuerUrl::new(s.base.clone()).unwrap();
    let metadata = ProviderMetadataWithLogout::discover_async(issuer, &http())
        .await
        .unwrap();
    let end_session = metadata
        .additional_metadata()
        .end_session_endpoint
        .clone()
        .expect("discovery names the end_session_endpoint");
    assert_eq!(end_session.url().as_str(), format!("{}/logout", s.base));
    let rp = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(client.id.0.clone()),
        Some(ClientSecret::new(secret)),
    )
    .set_redirect_uri(RedirectUrl::new(REDIRECT_URI.to_owned()).unwrap());

    let mut browser = Browser::default();
    let Request {
        url,
        verifier,
        nonce,
        ..
    } = request(&rp, &[], None, None);
    let login = location(&browser.get(&s, url.as_str()).await);
    let resume = browser
        .sign_in(
            &s,
            &flow_id(&login),
            &user.id,
            vec![AuthMethod::PasskeySynced],
        )
        .await;
    let code = query(&location(&browser.get(&s, &resume).await))["code"].clone();
    let tokens = redeem(&rp, code, verifier).await;
    let id_token = tokens.id_token().unwrap();
    id_token.claims(&rp.id_token_verifier(), &nonce).unwrap();

    let logout = LogoutRequest::from(end_session)
        .set_id_token_hint(id_token)
        .set_client_id(ClientId::new(client.id.0.clone()))
        .set_post_logout_redirect_uri(PostLogoutRedirectUrl::new(POST_LOGOUT_URI.into()).unwrap())
        .set_state(CsrfToken::new("bye-1".into()))
        .http_get_url();
    let back = location(&browser.get(&s, logout.as_str()).await);
    assert_eq!(back, format!("{POST_LOGOUT_URI}?state=bye-1"));

    let Request { url, .. } = request(&rp, &[], Some(CoreAuthPrompt::None), None);
    let back = location(&browser.get(&s, url.as_str()).await);
    assert_eq!(
        query(&back)["error"],
        "login_required",
        "the session ended: {back}"
    );
}

/// POST the authorization request the library built for a GET (`url`'s
/// query) as a form body to `/authorize`, with nothing in the URL; the
/// `Location` of the answer.
async fn post_authorize(
    s: &TestServer,
    browser: &mut Browser,
    url: &openidconnect::url::Url,
) -> String {
    assert_eq!(
        url.as_str().split_once('?').map(|(endpoint, _)| endpoint),
        Some(format!("{}/authorize", s.base).as_str())
    );
    let form: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let res = browser.post_form(s, "/authorize", &pairs).await;
    assert_eq!(res.status(), 303, "a POSTed request is answered with 303");
    location(&res)
}

/// OpenID Connect Core §3.1.2.1: the authorization endpoint MUST support
/// POST with a form-encoded body. The request the library builds, POSTed
/// (nothing in the URL), completes to a code and tokens like a GET.
async fn posted_authorization_request_completes_to_tokens(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let user = s.user("carol").await;
    let (client, secret) = s.confidential_client().await;
    let rp = rp_client(&s, &client.id.0, Some(secret)).await;
    let mut browser = Browser::default();

    let Request {
        url,
        csrf,
        verifier,
        nonce,
    } = request(&rp, &["email"], None, None);
    let login = post_authorize(&s, &mut browser, &url).await;
    assert!(login.starts_with("/login?flow="), "{login}");
    let resume = browser
        .sign_in(
            &s,
            &flow_id(&login),
            &user.id,
            vec![AuthMethod::PasskeySynced],
        )
        .await;
    let back = location(&browser.get(&s, &resume).await);
    assert!(back.starts_with(&format!("{REDIRECT_URI}?")), "{back}");
    let params = query(&back);
    assert_eq!(params["state"], *csrf.secret());
    assert_eq!(params["iss"], s.base, "RFC 9207 iss");

    let tokens = redeem(&rp, params["code"].clone(), verifier).await;
    let claims = tokens
        .id_token()
        .expect("an ID token")
        .claims(&rp.id_token_verifier(), &nonce)
        .unwrap();
    assert_eq!(claims.subject().as_str(), user.id.0);
    assert_eq!(claims.auth_context_ref().unwrap().as_str(), "phr");
    let info: openidconnect::core::CoreUserInfoClaims = rp
        .user_info(tokens.access_token().clone(), None)
        .unwrap()
        .request_async(&http())
        .await
        .unwrap();
    assert_eq!(info.email().unwrap().as_str(), "carol@example.com");

    // A second POSTed request, prompt=none, is answered from the session
    // straight to the client.
    let Request {
        url,
        csrf,
        verifier,
        nonce,
    } = request(&rp, &[], Some(CoreAuthPrompt::None), None);
    let back = post_authorize(&s, &mut browser, &url).await;
    assert!(back.starts_with(&format!("{REDIRECT_URI}?")), "{back}");
    let params = query(&back);
    assert_eq!(params["state"], *csrf.secret());
    let tokens = redeem(&rp, params["code"].clone(), verifier).await;
    let claims = tokens
        .id_token()
        .unwrap()
        .claims(&rp.id_token_verifier(), &nonce)
        .unwrap();
    assert_eq!(claims.subject().as_str(), user.id.0);
}

crate::stack_tests!(
    code_flow_with_refresh_and_userinfo,
    public_client_with_pkce_and_sso,
    rp_initiated_logout,
    posted_authorization_request_completes_to_tokens,
);

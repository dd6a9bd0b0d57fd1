//! What a browser sees of the authorization endpoint: form_post, max_age
//! and prompt, acr_values, id_token_hint, disabled users, the session
//! cookie and the phone scope, driven by the raw relying party for exact control.

use std::collections::BTreeMap;

use actix_web::cookie::Cookie;
use actix_web::test::TestRequest;
use latchkey_core::{UnixTime, UserId, UserRepo as _, UserStatus};
use latchkey_oidc::AuthMethod::{self, EmailCode, PasskeyHardwareAttested, PasskeySynced, Totp};
use latchkey_oidc::{AuthnResult, NewClient};
use serde_json::Value;

use super::algs::{part, token_ok};
use crate::support::browser::{Browser, flow_id, location, query};
use crate::support::fixtures::{REDIRECT_URI, confidential};
use crate::support::{Stack, TestServer, rp};

const SESSION: &str = "__Host-latchkey-session";

macro_rules! server {
    ($stack:expr, $test:expr) => {
        match TestServer::start($stack, $test).await {
            Some(s) => s,
            None => return,
        }
    };
}

fn now() -> i64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    i64::try_from(since.unwrap().as_secs()).unwrap()
}

/// Where the browser is sent for an authorization request with `extra`.
async fn hop(s: &TestServer, b: &mut Browser, client: &str, extra: &[(&str, &str)]) -> String {
    let (_, challenge) = rp::pkce();
    location(
        &b.get(s, &rp::authorize_url(s, client, &challenge, extra))
            .await,
    )
}

/// The parameters a `prompt=none` request (plus `extra`) returns.
async fn silent(
    s: &TestServer,
    b: &mut Browser,
    client: &str,
    extra: &[(&str, &str)],
) -> BTreeMap<String, String> {
    let to = hop(s, b, client, &[&[("prompt", "none")][..], extra].concat()).await;
    assert!(
        to.starts_with(REDIRECT_URI),
        "prompt=none answers the client: {to}"
    );
    query(&to)
}

/// Sign in (or use the session) with `methods`, redeem, and return the ID
/// token's claims.
async fn id_claims(
    s: &TestServer,
    b: &mut Browser,
    (client, secret): (&str, &str),
    subject: &UserId,
    extra: &[(&str, &str)],
    methods: Vec<AuthMethod>,
) -> Value {
    let (verifier, challenge) = rp::pkce();
    let url = rp::authorize_url(s, client, &challenge, extra);
    let params = rp::authorize(s, b, &url, subject, methods).await;
    let code = params.get("code").unwrap_or_else(|| panic!("{params:?}"));
    let t = token_ok(rp::exchange(s, client, secret, code, &verifier).await).await;
    part(t["id_token"].as_str().unwrap(), 1)
}

/// Complete a flow as `Browser::sign_in` does, but hand back the session
/// cookie exactly as the server built it (no HTTP route signs in yet).
async fn complete(
    s: &TestServer,
    b: &mut Browser,
    flow: &str,
    subject: &UserId,
) -> (Cookie<'static>, String) {
    let mut req = TestRequest::default();
    for (k, v) in &b.cookies {
        req = req.cookie(Cookie::new(k.clone(), v.clone()));
    }
    let authn = AuthnResult::new(subject.clone(), vec![PasskeySynced], UnixTime(now()));
    let done =
        latchkey_server::flows::complete(&s.state, &req.to_http_request(), flow, authn, None)
            .await
            .map_err(|e| format!("{e:?}"))
            .unwrap();
    let cookie = done.session_cookie.expect("a session cookie");
    b.cookies
        .insert(cookie.name().to_owned(), cookie.value().to_owned());
    (cookie, done.redirect_to)
}

/// A `Set-Cookie` value with the `__Host-` baseline: Secure, HttpOnly,
/// SameSite=Lax, Path=/ and no Domain.
fn assert_host_cookie(set_cookie: &str, name: &str) {
    let mut parts = set_cookie.split(';').map(str::trim);
    let (n, value) = parts.next().unwrap().split_once('=').unwrap();
    assert!(n == name && !value.is_empty(), "{set_cookie}");
    let attrs: Vec<String> = parts.map(str::to_ascii_lowercase).collect();
    for want in ["secure", "httponly", "samesite=lax", "path=/"] {
        assert!(attrs.iter().any(|a| a == want), "{want} in {set_cookie}");
    }
    assert!(
        !attrs.iter().any(|a| a.starts_with("domain")),
        "{set_cookie}"
    );
}

/// The value of attribute `name` in the tag where `marker` first occurs.
fn attr(html: &str, marker: &str, name: &str) -> Option<String> {
    let rest = &html[html.find(marker)?..];
    let tag = &rest[..rest.find('>')?];
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let v = &tag[start..][..tag[start..].find('"')?];
    let v = v.replace("&#x2f;", "/").replace("&#47;", "/");
    Some(
        v.replace("&quot;", "\"")
            .replace("&#x27;", "'")
            .replace("&amp;", "&"),
    )
}

async fn form_post_response_mode(stack: Stack, test: &str) {
    let s = server!(stack, test);
    let user = s.user("fay").await;
    let (client, secret) = s.confidential_client().await;
    let mut b = Browser::default();
    for round in ["after sign-in", "from the session"] {
        let (verifier, challenge) = rp::pkce();
        let mode = [("response_mode", "form_post")];
        let mut res = b
            .get(&s, &rp::authorize_url(&s, &client.id.0, &challenge, &mode))
            .await;
        if round == "after sign-in" {
            let flow = flow_id(&location(&res));
            let resume = b.sign_in(&s, &flow, &user.id, vec![PasskeySynced]).await;
            res = b.get(&s, &resume).await;
        }
        assert_eq!(res.status(), 200, "{round}");
        let h = res.headers().clone();
        assert!(h["content-type"].to_str().unwrap().starts_with("text/html"));
        assert_eq!(h["cache-control"], "no-store");
        let csp = h["content-security-policy"].to_str().unwrap();
        let directives: Vec<&str> = csp.split(';').map(str::trim).collect();
        assert!(
            directives.contains(&"form-action https://rp.example.com"),
            "{csp}"
        );
        assert!(!directives.contains(&"form-action 'self'"), "{csp}");

        let html = res.text().await.unwrap();
        assert_eq!(
            attr(&html, "<form", "action").as_deref(),
            Some(REDIRECT_URI)
        );
        assert_eq!(attr(&html, "<form", "method").as_deref(), Some("post"));
        let field = |n: &str| attr(&html, &format!("type=\"hidden\" name=\"{n}\""), "value");
        assert_eq!(field("state").as_deref(), Some("st-123"), "{html}");
        assert_eq!(field("iss").as_deref(), Some(s.base.as_str()));
        // Script only from a file: a src on every script tag, no body.
        assert!(attr(&html, "<script", "src").is_some(), "{html}");
        let scripts = html.matches("<script").count();
        assert_eq!(scripts, html.matches("></script>").count(), "{html}");
        let code = field("code").expect("a code field");
        let res = rp::exchange(&s, &client.id.0, &secret, &code, &verifier).await;
        assert_eq!(res.status(), 200, "{round}: the posted code redeems");
    }
}

async fn max_age_and_prompt_ask_again(stack: Stack, test: &str) {
    let s = server!(stack, test);
    let user = s.user("max").await;
    let (client, secret) = s.confidential_client().await;
    let (id, rp) = (
        client.id.0.as_str(),
        (client.id.0.as_str(), secret.as_str()),
    );
    let mut b = Browser::default();
    let first = id_claims(&s, &mut b, rp, &user.id, &[], vec![PasskeySynced]).await;
    let first_auth = first["auth_time"].as_i64().unwrap();
    assert!(
        hop(&s, &mut b, id, &[]).await.starts_with(REDIRECT_URI),
        "SSO"
    );
    for prompt in ["login", "select_account"] {
        let to = hop(&s, &mut b, id, &[("prompt", prompt)]).await;
        assert!(to.starts_with("/login?flow="), "prompt={prompt}: {to}");
    }
    actix_web::rt::time::sleep(std::time::Duration::from_secs(2)).await;
    assert!(
        hop(&s, &mut b, id, &[]).await.starts_with(REDIRECT_URI),
        "SSO"
    );
    let young = hop(&s, &mut b, id, &[("max_age", "3600")]).await;
    assert!(
        young.starts_with(REDIRECT_URI),
        "a young enough session: {young}"
    );

    let (verifier, challenge) = rp::pkce();
    let url = rp::authorize_url(&s, id, &challenge, &[("max_age", "1")]);
    let login = location(&b.get(&s, &url).await);
    assert!(
        login.starts_with("/login?flow="),
        "max_age=1 after 2 s: {login}"
    );
    let before = now();
    let resume = b
        .sign_in(&s, &flow_id(&login), &user.id, vec![PasskeySynced])
        .await;
    let after = now();
    let back = query(&location(&b.get(&s, &resume).await));
    let t = token_ok(rp::exchange(&s, id, &secret, &back["code"], &verifier).await).await;
    let auth_time = part(t["id_token"].as_str().unwrap(), 1)["auth_time"].clone();
    let auth_time = auth_time.as_i64().unwrap();
    assert!(
        (before..=after).contains(&auth_time),
        "{before} <= {auth_time} <= {after}"
    );
    assert!(auth_time >= first_auth + 2);
}

/// OIDC Core §3.1.2.1: "max_age=0 is equivalent to prompt=login", also
/// within the second of the sign-in.
async fn max_age_zero_always_asks(stack: Stack, test: &str) {
    let s = server!(stack, test);
    let user = s.user("zed").await;
    let (client, secret) = s.confidential_client().await;
    let mut b = Browser::default();
    rp::tokens(&s, &mut b, &client.id.0, &secret, &user.id, &[]).await;
    let to = hop(&s, &mut b, &client.id.0, &[("max_age", "0")]).await;
    assert!(
        to.starts_with("/login?flow="),
        "max_age=0 right after sign-in: {to}"
    );
}

async fn acr_values_met_refused_or_downgraded(stack: Stack, test: &str) {
    let s = server!(stack, test);
    let user = s.user("ace").await;
    let (strict, strict_secret) = s.confidential_client().await;
    let strict = (strict.id.0.as_str(), strict_secret.as_str());
    let downgrade = NewClient {
        allow_acr_downgrade: true,
        ..confidential()
    };
    let (lenient, lenient_secret) = s.client_with(downgrade).await;
    let lenient = (lenient.id.0.as_str(), lenient_secret.as_deref().unwrap());
    let (phr, new) = ([("acr_values", "phr")], Browser::default);

    let (_, challenge) = rp::pkce();
    let url = rp::authorize_url(&s, strict.0, &challenge, &phr);
    let p = rp::authorize(&s, &mut new(), &url, &user.id, vec![EmailCode]).await;
    assert_eq!(p["error"], "unmet_authentication_requirements", "{p:?}");
    assert_eq!(
        (p["state"].as_str(), p["iss"].as_str()),
        ("st-123", s.base.as_str())
    );
    assert!(!p.contains_key("code"));

    let c = id_claims(&s, &mut new(), lenient, &user.id, &phr, vec![EmailCode]).await;
    assert_eq!(c["acr"], "urn:latchkey:acr:sfa", "a truthful downgrade");
    let c = id_claims(&s, &mut new(), strict, &user.id, &phr, vec![PasskeySynced]).await;
    assert_eq!(c["acr"], "phr");

    let mut b = new();
    id_claims(
        &s,
        &mut b,
        strict,
        &user.id,
        &[],
        vec![PasskeyHardwareAttested],
    )
    .await;
    let quiet = [("acr_values", "phr"), ("prompt", "none")];
    let c = id_claims(&s, &mut b, strict, &user.id, &quiet, vec![]).await;
    assert_eq!(c["acr"], "phrh", "a phrh session answers a phr request");

    let two = vec![EmailCode, Totp];
    let c = id_claims(&s, &mut new(), strict, &user.id, &[], two).await;
    assert_eq!(c["acr"], "urn:latchkey:acr:mfa");
    let amr: Vec<&str> = c["amr"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for want in ["otp", "urn:latchkey:amr:email", "mfa"] {
        assert!(amr.contains(&want), "{want} in {amr:?}");
    }
}

async fn id_token_hint_on_authorize(stack: Stack, test: &str) {
    let s = server!(stack, test);
    let (alice, bob) = (s.user("alice").await, s.user("bob").await);
    let (client, secret) = s.confidential_client().await;
    let id = client.id.0.as_str();
    let mut a = Browser::default();
    let ta = rp::tokens(&s, &mut a, id, &secret, &alice.id, &[]).await;
    let tb = rp::tokens(&s, &mut Browser::default(), id, &secret, &bob.id, &[]).await;
    let own = [("id_token_hint", ta["id_token"].as_str().unwrap())];
    let other = [("id_token_hint", tb["id_token"].as_str().unwrap())];

    let p = silent(&s, &mut a, id, &own).await;
    assert!(p.contains_key("code"), "{p:?}");
    let p = silent(&s, &mut a, id, &other).await;
    assert_eq!(p["error"], "login_required", "{p:?}");
    let p = silent(&s, &mut a, id, &[("id_token_hint", "garbage")]).await;
    assert_eq!(p["error"], "invalid_request", "{p:?}");
    assert_eq!(
        (p["state"].as_str(), p["iss"].as_str()),
        ("st-123", s.base.as_str())
    );
}

async fn disabled_user_loses_sso_refresh_and_userinfo(stack: Stack, test: &str) {
    let s = server!(stack, test);
    let user = s.user("dora").await;
    let (client, secret) = s.confidential_client().await;
    let id = client.id.0.as_str();
    let mut b = Browser::default();
    let t = rp::tokens(&s, &mut b, id, &secret, &user.id, &[]).await;
    let bearer = format!("Bearer {}", t["access_token"].as_str().unwrap());
    let userinfo = s.http.get(format!("{}/userinfo", s.base));
    let userinfo = userinfo.header("authorization", bearer);
    let send = |r: &reqwest::RequestBuilder| r.try_clone().unwrap().send();
    assert_eq!(send(&userinfo).await.unwrap().status(), 200);

    s.state
        .db
        .set_user_status(&user.id, UserStatus::Disabled)
        .await
        .unwrap();
    assert_eq!(silent(&s, &mut b, id, &[]).await["error"], "login_required");
    let login = hop(&s, &mut b, id, &[]).await;
    assert!(login.starts_with("/login?flow="), "{login}");
    let resume = b
        .sign_in(&s, &flow_id(&login), &user.id, vec![PasskeySynced])
        .await;
    let p = query(&location(&b.get(&s, &resume).await));
    assert_eq!(
        p["error"], "access_denied",
        "a disabled user cannot sign in: {p:?}"
    );

    let refresh = t["refresh_token"].as_str().unwrap();
    let form = [("grant_type", "refresh_token"), ("refresh_token", refresh)];
    let res = rp::post(&s, "/token", Some(&rp::basic(id, &secret)), &form).await;
    assert_eq!(res.status(), 400);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "invalid_grant");
    assert_eq!(send(&userinfo).await.unwrap().status(), 401);
}

async fn session_cookie_attributes_and_rotation(stack: Stack, test: &str) {
    let s = server!(stack, test);
    let user = s.user("cora").await;
    let client = s.public_client().await;
    let id = client.id.0.as_str();
    let mut b = Browser::default();
    let (_, challenge) = rp::pkce();
    let res = b.get(&s, &rp::authorize_url(&s, id, &challenge, &[])).await;
    let set: Vec<_> = res.headers().get_all("set-cookie").iter().collect();
    assert_eq!(set.len(), 1, "{set:?}");
    assert_host_cookie(set[0].to_str().unwrap(), "__Host-latchkey-browser");

    let (cookie, resume) = complete(&s, &mut b, &flow_id(&location(&res)), &user.id).await;
    assert_host_cookie(&cookie.to_string(), SESSION);
    let old = cookie.value().to_owned();
    assert_eq!(old.len(), 64, "256 random bits, hex");
    assert!(query(&location(&b.get(&s, &resume).await)).contains_key("code"));

    let login = hop(&s, &mut b, id, &[("prompt", "login")]).await;
    let (cookie, resume) = complete(&s, &mut b, &flow_id(&login), &user.id).await;
    assert_ne!(cookie.value(), old, "a new session id at every sign-in");
    assert!(query(&location(&b.get(&s, &resume).await)).contains_key("code"));
    assert!(silent(&s, &mut b, id, &[]).await.contains_key("code"));

    let mut stale = b.clone();
    stale.cookies.insert(SESSION.to_owned(), old);
    let p = silent(&s, &mut stale, id, &[]).await;
    assert_eq!(
        p["error"], "login_required",
        "the old session is gone: {p:?}"
    );
}

/// The ID token's claims and the userinfo response for a sign-in of `user`
/// asking for `scope`.
async fn claims_for(
    s: &TestServer,
    client: (&str, &str),
    user: &UserId,
    scope: &str,
) -> [Value; 2] {
    let mut b = Browser::default();
    let extra = [("scope", scope)];
    let t = rp::tokens(s, &mut b, client.0, client.1, user, &extra).await;
    let id_token = part(t["id_token"].as_str().unwrap(), 1);
    let bearer = format!("Bearer {}", t["access_token"].as_str().unwrap());
    let res = s
        .http
        .get(format!("{}/userinfo", s.base))
        .header("authorization", bearer);
    let userinfo: Value = res.send().await.unwrap().json().await.unwrap();
    [id_token, userinfo]
}

async fn phone_scope_releases_the_phone_number(stack: Stack, test: &str) {
    use latchkey_fallback::repo::FactorRepo as _;
    let s = server!(stack, test);
    let mut new = confidential();
    new.scopes.push("phone".into());
    let (client, secret) = s.client_with(new).await;
    let client = (client.id.0.as_str(), secret.as_deref().unwrap());

    let verified = s.user("vera").await;
    s.verified_phone(&verified, "+15551230001").await;
    for claims in claims_for(&s, client, &verified.id, "openid phone").await {
        assert_eq!(claims["phone_number"], "+15551230001", "{claims}");
        assert_eq!(claims["phone_number_verified"], true, "{claims}");
    }
    for claims in claims_for(&s, client, &verified.id, "openid email").await {
        assert!(
            claims.get("phone_number").is_none(),
            "no phone scope: {claims}"
        );
    }

    let unverified = s.user("una").await;
    let db = &s.state.db;
    db.set_phone(&unverified.id, "+15551230002", UnixTime(now()))
        .await
        .unwrap();
    for claims in claims_for(&s, client, &unverified.id, "openid phone").await {
        assert_eq!(claims["phone_number"], "+15551230002", "{claims}");
        assert_eq!(claims["phone_number_verified"], false, "{claims}");
    }

    let without = s.user("wes").await;
    for claims in claims_for(&s, client, &without.id, "openid phone").await {
        assert!(claims.get("phone_number").is_none(), "{claims}");
        assert!(claims.get("phone_number_verified").is_none(), "{claims}");
    }
}

crate::stack_tests!(
    phone_scope_releases_the_phone_number,
    form_post_response_mode,
    max_age_and_prompt_ask_again,
    max_age_zero_always_asks,
    acr_values_met_refused_or_downgraded,
    id_token_hint_on_authorize,
    disabled_user_loses_sso_refresh_and_userinfo,
    session_cookie_attributes_and_rotation,
);

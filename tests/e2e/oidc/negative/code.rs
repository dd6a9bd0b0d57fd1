//! Authorization codes at the token endpoint: PKCE, single use (with
//! revocation of what a replayed code issued), binding to the client and
//! the redirect URI, expiry.

use tokio::task::JoinSet;

use crate::support::browser::{Browser, query};
use crate::support::fixtures::REDIRECT_URI;
use crate::support::rp;
use crate::support::{Stack, TestServer};

use super::{LOOPBACK_URI, Rp, authorize_to, oauth_error, start, userinfo};

/// What the token request sends as `code_verifier`.
enum Verifier {
    None,
    Other,
    Literal(String),
    Challenge,
}

/// Every PKCE failure is `invalid_grant`, and the code is burnt: the right
/// verifier afterwards fails too.
async fn pkce_failures_burn_the_code(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let user = s.user("pia").await;
    let client = Rp::confidential(&s).await;
    let public = Rp::public(&s).await;
    let no_pkce: &[(&str, &str)] = &[("code_challenge", ""), ("code_challenge_method", "")];
    let lit = |v: &str| Verifier::Literal(v.to_owned());
    #[rustfmt::skip]
    let cases: Vec<(&str, &Rp, bool, Verifier)> = vec![
        ("wrong verifier", &client, true, Verifier::Other),
        ("missing verifier with a challenge", &client, true, Verifier::None),
        ("verifier without a challenge", &client, false, Verifier::Other),
        ("verifier too short", &client, true, lit("short")),
        ("verifier of 42 characters", &client, true, lit(&"a".repeat(42))),
        ("verifier too long", &client, true, lit(&"a".repeat(129))),
        ("verifier with a bad character", &client, true, lit(&format!("{}!", "a".repeat(43)))),
        ("plain: the challenge as verifier", &client, true, Verifier::Challenge),
        ("public: wrong verifier", &public, true, Verifier::Other),
        ("public: missing verifier", &public, true, Verifier::None),
    ];
    let mut b = Browser::default();
    for (case, rp_, pkce, sent) in cases {
        let extra = if pkce { &[][..] } else { no_pkce };
        let (verifier, challenge) = rp::pkce();
        let url = rp::authorize_url(&s, &rp_.id, &challenge, extra);
        let back = authorize_to(&s, &mut b, &url, &user).await;
        let code = query(&back)["code"].clone();
        let other = rp::pkce().0;
        let bad = match &sent {
            Verifier::None => None,
            Verifier::Other => Some(other.as_str()),
            Verifier::Literal(v) => Some(v.as_str()),
            Verifier::Challenge => Some(challenge.as_str()),
        };
        let res = rp_.redeem(&s, &code, bad, REDIRECT_URI).await;
        oauth_error(res, 400, "invalid_grant", case).await;
        let right = pkce.then_some(verifier.as_str());
        let res = rp_.redeem(&s, &code, right, REDIRECT_URI).await;
        oauth_error(
            res,
            400,
            "invalid_grant",
            &format!("{case}, then the right one"),
        )
        .await;
    }
}

/// A second redemption fails and revokes what the first one issued.
async fn code_reuse_revokes_the_first_tokens(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let user = s.user("quinn").await;
    let client = Rp::confidential(&s).await;
    let mut b = Browser::default();
    let (code, verifier) = client.code(&s, &mut b, &user, &[]).await;
    let res = client
        .redeem(&s, &code, Some(&verifier), REDIRECT_URI)
        .await;
    assert_eq!(res.status(), 200);
    let first: serde_json::Value = res.json().await.unwrap();
    let access = first["access_token"].as_str().unwrap();
    let refresh = first["refresh_token"].as_str().unwrap();
    assert_eq!(
        userinfo(&s, Some(access)).await.status(),
        200,
        "before reuse"
    );

    let res = client
        .redeem(&s, &code, Some(&verifier), REDIRECT_URI)
        .await;
    oauth_error(res, 400, "invalid_grant", "second redemption").await;
    let res = userinfo(&s, Some(access)).await;
    assert_eq!(res.status(), 401, "the first access token is revoked");
    let challenge = res.headers()["www-authenticate"].to_str().unwrap();
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
    let res = client.refresh(&s, refresh, None).await;
    oauth_error(res, 400, "invalid_grant", "the first refresh token").await;
    let res = client.post(&s, "/introspect", &[("token", access)]).await;
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["active"], false, "introspection after reuse");
    // A third try is refused as well.
    let res = client
        .redeem(&s, &code, Some(&verifier), REDIRECT_URI)
        .await;
    oauth_error(res, 400, "invalid_grant", "third redemption").await;
}

/// Fifty concurrent redemptions of one code: exactly one wins.
async fn concurrent_redemptions_have_one_winner(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let user = s.user("ray").await;
    let client = Rp::confidential(&s).await;
    let mut b = Browser::default();
    let (code, verifier) = client.code(&s, &mut b, &user, &[]).await;
    let auth = rp::basic(&client.id, client.secret.as_deref().unwrap());
    let body = rp::url_encode(&[
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", &verifier),
    ]);
    let mut set = JoinSet::new();
    for _ in 0..50 {
        let req = s
            .http
            .post(format!("{}/token", s.base))
            .header("authorization", &auth)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.clone());
        set.spawn(async move {
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            let json: serde_json::Value = res.json().await.unwrap_or_default();
            (status, json)
        });
    }
    let mut wins = 0;
    while let Some(r) = set.join_next().await {
        let (status, json) = r.unwrap();
        assert!(status < 500, "server error {status}: {json}");
        if status == 200 {
            wins += 1;
        } else {
            assert_eq!(
                (status, json["error"].as_str()),
                (400, Some("invalid_grant")),
                "{json}"
            );
        }
    }
    assert_eq!(wins, 1, "exactly one of 50 concurrent redemptions wins");
}

/// A code works only for its client, with its redirect URI, once.
async fn code_is_bound_to_client_and_redirect_uri(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let user = s.user("sam").await;
    let a = Rp::confidential(&s).await;
    let b_client = Rp::confidential(&s).await;
    let public = Rp::public(&s).await;
    let mut b = Browser::default();

    let (code, verifier) = a.code(&s, &mut b, &user, &[]).await;
    let res = b_client
        .redeem(&s, &code, Some(&verifier), REDIRECT_URI)
        .await;
    oauth_error(res, 400, "invalid_grant", "client B redeems A's code").await;
    let res = a.redeem(&s, &code, Some(&verifier), REDIRECT_URI).await;
    oauth_error(res, 400, "invalid_grant", "A after B tried (burnt)").await;

    let (code, verifier) = a.code(&s, &mut b, &user, &[]).await;
    let res = public
        .redeem(&s, &code, Some(&verifier), REDIRECT_URI)
        .await;
    oauth_error(res, 400, "invalid_grant", "public client redeems A's code").await;

    for (case, uri) in [
        ("other registered redirect_uri", LOOPBACK_URI),
        (
            "redirect_uri with trailing slash",
            "https://rp.example.com/callback/",
        ),
        (
            "redirect_uri upper case host",
            "https://RP.example.com/callback",
        ),
        ("evil redirect_uri", "https://evil.test/callback"),
    ] {
        let (code, verifier) = a.code(&s, &mut b, &user, &[]).await;
        let res = a.redeem(&s, &code, Some(&verifier), uri).await;
        oauth_error(res, 400, "invalid_grant", case).await;
        let res = a.redeem(&s, &code, Some(&verifier), REDIRECT_URI).await;
        oauth_error(res, 400, "invalid_grant", &format!("{case}, then right")).await;
    }

    // A loopback port variant (public, native clients only) must be repeated
    // exactly, port included.
    let variant = "http://127.0.0.1:9999/cb";
    for (case, uri) in [
        (
            "loopback: registered port instead of the used one",
            LOOPBACK_URI,
        ),
        ("loopback: another port", "http://127.0.0.1:9998/cb"),
        ("loopback: no port", "http://127.0.0.1/cb"),
    ] {
        let (verifier, challenge) = rp::pkce();
        let url = rp::authorize_url(&s, &public.id, &challenge, &[("redirect_uri", variant)]);
        let back = authorize_to(&s, &mut b, &url, &user).await;
        assert!(back.starts_with(&format!("{variant}?")), "[{case}] {back}");
        let code = query(&back)["code"].clone();
        let res = public.redeem(&s, &code, Some(&verifier), uri).await;
        oauth_error(res, 400, "invalid_grant", case).await;
        let res = public.redeem(&s, &code, Some(&verifier), variant).await;
        oauth_error(res, 400, "invalid_grant", &format!("{case}, then right")).await;
    }
    // The control: the variant repeated exactly redeems.
    let (verifier, challenge) = rp::pkce();
    let url = rp::authorize_url(&s, &public.id, &challenge, &[("redirect_uri", variant)]);
    let back = authorize_to(&s, &mut b, &url, &user).await;
    let code = query(&back)["code"].clone();
    let res = public.redeem(&s, &code, Some(&verifier), variant).await;
    assert_eq!(res.status(), 200, "the port variant repeated exactly");
}

/// A code older than 60 s is refused (the clock moves, nobody sleeps).
async fn expired_code_is_refused(stack: Stack, test: &str) {
    let Some((s, clock)) = start(stack, test).await else {
        return;
    };
    let user = s.user("tia").await;
    let client = Rp::confidential(&s).await;
    let mut b = Browser::default();
    let (code, verifier) = client.code(&s, &mut b, &user, &[]).await;
    clock.advance(61);
    let res = client
        .redeem(&s, &code, Some(&verifier), REDIRECT_URI)
        .await;
    oauth_error(res, 400, "invalid_grant", "code after 61 s").await;
    // A fresh code at the new time works: the refusal was the age.
    let (code, verifier) = client.code(&s, &mut b, &user, &[]).await;
    let res = client
        .redeem(&s, &code, Some(&verifier), REDIRECT_URI)
        .await;
    assert_eq!(res.status(), 200, "a fresh code after the clock moved");
}

crate::stack_tests!(
    pkce_failures_burn_the_code,
    code_reuse_revokes_the_first_tokens,
    concurrent_redemptions_have_one_winner,
    code_is_bound_to_client_and_redirect_uri,
    expired_code_is_refused,
);

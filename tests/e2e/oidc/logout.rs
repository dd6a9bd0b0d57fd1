//! RP-initiated logout: exact post-logout redirect matching, confirmation
//! without a valid hint, never a redirect to an unregistered URI.

use crate::support::browser::{Browser, location, query};
use crate::support::fixtures::POST_LOGOUT_URI;
use crate::support::rp;
use crate::support::{Stack, TestServer};

async fn signed_in_after(s: &TestServer, browser: &mut Browser, client_id: &str) -> bool {
    let (_, challenge) = rp::pkce();
    let url = rp::authorize_url(s, client_id, &challenge, &[("prompt", "none")]);
    let back = location(&browser.get(s, &url).await);
    query(&back).contains_key("code")
}

async fn valid_hint_signs_out_and_returns(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let user = s.user("lou").await;
    let (client, secret) = s.confidential_client().await;
    let mut b = Browser::default();
    let t = rp::tokens(&s, &mut b, &client.id.0, &secret, &user.id, &[]).await;
    assert!(signed_in_after(&s, &mut b, &client.id.0).await);

    let q = rp::url_encode(&[
        ("id_token_hint", t["id_token"].as_str().unwrap()),
        ("post_logout_redirect_uri", POST_LOGOUT_URI),
        ("state", "bye-1"),
    ]);
    let res = b.get(&s, &format!("/logout?{q}")).await;
    let to = location(&res);
    assert_eq!(to, format!("{POST_LOGOUT_URI}?state=bye-1"));
    assert!(
        !b.cookies.contains_key("__Host-latchkey-session"),
        "session cookie removed"
    );
    assert!(
        !signed_in_after(&s, &mut b, &client.id.0).await,
        "session ended"
    );
}

async fn missing_or_forged_hint_asks_first(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let user = s.user("mia").await;
    let (client, secret) = s.confidential_client().await;
    let mut b = Browser::default();
    rp::tokens(&s, &mut b, &client.id.0, &secret, &user.id, &[]).await;

    let forged = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.";
    for hint in [None, Some(forged)] {
        let mut pairs = vec![
            ("client_id", client.id.0.as_str()),
            ("post_logout_redirect_uri", POST_LOGOUT_URI),
        ];
        if let Some(h) = hint {
            pairs.push(("id_token_hint", h));
        }
        let res = b
            .get(&s, &format!("/logout?{}", rp::url_encode(&pairs)))
            .await;
        assert_eq!(res.status(), 200, "a confirmation page, not a redirect");
        let html = res.text().await.unwrap();
        assert!(html.contains("name=\"csrf_token\""), "{html}");
        assert!(
            signed_in_after(&s, &mut b, &client.id.0).await,
            "nothing happened yet"
        );
    }
    // Confirm: the token from the page, posted by the same browser.
    let page = b
        .get(
            &s,
            &format!(
                "/logout?{}",
                rp::url_encode(&[
                    ("client_id", client.id.0.as_str()),
                    ("post_logout_redirect_uri", POST_LOGOUT_URI),
                    ("state", "s9")
                ])
            ),
        )
        .await
        .text()
        .await
        .unwrap();
    let csrf = page
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();

    // Another browser cannot use it.
    let mut other = Browser::default();
    let res = other
        .post_form(&s, "/logout", &[("csrf_token", &csrf)])
        .await;
    assert_eq!(res.status(), 400);
    assert!(res.headers().get("location").is_none());

    let form = [
        ("csrf_token", csrf.as_str()),
        ("client_id", client.id.0.as_str()),
        ("post_logout_redirect_uri", POST_LOGOUT_URI),
        ("state", "s9"),
    ];
    let res = b.post_form(&s, "/logout", &form).await;
    assert_eq!(location(&res), format!("{POST_LOGOUT_URI}?state=s9"));
    assert!(!signed_in_after(&s, &mut b, &client.id.0).await);
    // The token works once.
    let again = b.post_form(&s, "/logout", &form).await;
    assert_eq!(again.status(), 400);
}

async fn unregistered_targets_are_never_used(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let user = s.user("ned").await;
    let (client, secret) = s.confidential_client().await;
    let mut b = Browser::default();
    let t = rp::tokens(&s, &mut b, &client.id.0, &secret, &user.id, &[]).await;
    let hint = t["id_token"].as_str().unwrap();
    for target in [
        "https://evil.test/",
        "https://rp.example.com/signed-out/",
        "https://rp.example.com/signed-out?x=1",
        "https://RP.example.com/signed-out",
        "http://rp.example.com/signed-out",
    ] {
        let q = rp::url_encode(&[
            ("id_token_hint", hint),
            ("post_logout_redirect_uri", target),
        ]);
        let res = b.get(&s, &format!("/logout?{q}")).await;
        assert_eq!(res.status(), 400, "{target}");
        assert!(res.headers().get("location").is_none(), "{target}");
    }
    // Without a client to check against, a target is refused too.
    let q = rp::url_encode(&[("post_logout_redirect_uri", POST_LOGOUT_URI)]);
    assert_eq!(b.get(&s, &format!("/logout?{q}")).await.status(), 400);
    // A client_id that contradicts the hint is refused.
    let q = rp::url_encode(&[("id_token_hint", hint), ("client_id", "someone-else")]);
    assert_eq!(b.get(&s, &format!("/logout?{q}")).await.status(), 400);
    assert!(
        signed_in_after(&s, &mut b, &client.id.0).await,
        "still signed in after refused logouts"
    );
}

crate::stack_tests!(
    valid_hint_signs_out_and_returns,
    missing_or_forged_hint_asks_first,
    unregistered_targets_are_never_used,
);

//! Steps belong to one account and come in order: a two-factor option runs
//! its steps in turn, and nothing proven for one account (a code sent to
//! it, a link, a step passed) carries over when the visitor names another
//! account in the same flow.

use latchkey_core::User;

use super::*;
use crate::passkey::signed_in;

/// Mallory: an account of her own, with a verified email she reads.
async fn mallory(w: &World) -> User {
    let m = w.s.user("mallory").await;
    w.s.verify_email(&m).await;
    m
}

/// Mallory asks for a code for her own account in a flow, then names Alice
/// in the same flow: her code must not sign her in as Alice.
async fn a_code_for_one_account_does_not_open_another(stack: Stack, test: &str) {
    let w = world!(stack, test);
    mallory(&w).await;
    let mut b = Browser::default();
    let (flow, _) = failed_passkey(&w, &mut b, &[], "mallory", not_on_this_device()).await;
    choose(&w, &mut b, &flow, &["email_code"]).await;
    assert_eq!(send(&w, &mut b, &flow, "email_code").await.0, 200);
    let code = code_in(&nth_mail(&w, "mallory@example.com", 0).await.text_body());

    identify(&w.s, &mut b, &flow, "alice").await;
    let (status, body) = verify(&w, &mut b, &flow, "email_code", &code).await;
    assert_ne!(status, 200, "Mallory's code signed her in as Alice: {body}");
    assert!(!signed_in(&b));
    // Choosing again, for Alice, does not revive it either.
    choose(&w, &mut b, &flow, &["email_code"]).await;
    let (status, body) = verify(&w, &mut b, &flow, "email_code", &code).await;
    assert_ne!(status, 200, "Mallory's code signed her in as Alice: {body}");
    assert!(!signed_in(&b));
    assert_eq!(flow_state(&w, &b, &flow).await, "pending");
}

/// The same with the link in Mallory's email.
async fn a_link_for_one_account_does_not_open_another(stack: Stack, test: &str) {
    let w = world!(stack, test);
    mallory(&w).await;
    let mut b = Browser::default();
    let (flow, _) = failed_passkey(&w, &mut b, &[], "mallory", not_on_this_device()).await;
    choose(&w, &mut b, &flow, &["email_link"]).await;
    assert_eq!(send(&w, &mut b, &flow, "email_link").await.0, 200);
    let text = nth_mail(&w, "mallory@example.com", 0).await.text_body();
    let link = text
        .split_whitespace()
        .find(|t| t.contains("/login/email-link?token="))
        .unwrap()
        .to_owned();
    let token = query(&link)["token"].clone();

    identify(&w.s, &mut b, &flow, "alice").await;
    let res = b
        .post_form(&w.s, "/login/email-link", &[("token", &token)])
        .await;
    assert!(
        !signed_in(&b),
        "Mallory's link signed her in as Alice: {}",
        res.status()
    );
    assert_eq!(flow_state(&w, &b, &flow).await, "pending");
}

/// A two-factor option: the authenticator app first, and no email goes
/// out before it is proven; a step passed for Mallory does not count for
/// Alice.
async fn two_factors_in_order_for_one_account(stack: Stack, test: &str) {
    let w = world!(stack, test);
    let secret = w.s.confirmed_totp(&w.alice).await;
    let mfa = [("acr_values", "urn:latchkey:acr:mfa")];
    let mut b = Browser::default();
    let (flow, failure) = failed_passkey(&w, &mut b, &mfa, "alice", not_on_this_device()).await;
    assert_eq!(
        steps_of(&failure["next"]),
        [
            vec!["passkey_hybrid"],
            vec!["totp", "email_code"],
            vec!["totp", "email_link"]
        ],
        "{failure}"
    );
    assert_eq!(failure["next"][1]["acr"], "urn:latchkey:acr:mfa");
    let (status, body) = call(
        &w.s,
        &mut b,
        &flow,
        "fallback/choose",
        json!({"steps": ["email_code"]}),
    )
    .await;
    assert_eq!(body["error"], "method_not_offered", "{status} {body}");
    assert_eq!(
        choose(&w, &mut b, &flow, &["totp", "email_code"]).await,
        "totp"
    );
    let (status, body) = send(&w, &mut b, &flow, "email_code").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("method_not_offered")),
        "no email before the first factor: {body}"
    );
    let now = u64::try_from(w.s.state.clock.now().0).unwrap();
    let (status, step) = verify(&w, &mut b, &flow, "totp", &secret.code_at(now)).await;
    assert_eq!(status, 200, "{step}");
    assert_eq!(step, json!({"next_step": "email_code"}));
    assert!(!signed_in(&b));
    assert_eq!(send(&w, &mut b, &flow, "email_code").await.0, 200);
    let code = alice_code(&w, 0).await;
    let (status, done) = verify(&w, &mut b, &flow, "email_code", &code).await;
    assert_eq!(status, 200, "{done}");
    let id_token = redeem(&w, &mut b, &flow, done["redirect_to"].as_str().unwrap()).await;
    assert_eq!(id_token["acr"], "urn:latchkey:acr:mfa");
    let amr = id_token["amr"].as_array().unwrap();
    for value in ["otp", "urn:latchkey:amr:email", "mfa"] {
        assert!(amr.contains(&json!(value)), "{id_token}");
    }

    // Mallory passes her own first step, then names Alice: Alice's flow
    // starts from the beginning.
    let m = mallory(&w).await;
    let mallory_secret = w.s.confirmed_totp(&m).await;
    let mut b = Browser::default();
    let (flow, _) = failed_passkey(&w, &mut b, &mfa, "mallory", not_on_this_device()).await;
    choose(&w, &mut b, &flow, &["totp", "email_code"]).await;
    let (status, step) = verify(&w, &mut b, &flow, "totp", &mallory_secret.code_at(now)).await;
    assert_eq!(status, 200, "{step}");
    assert_eq!(send(&w, &mut b, &flow, "email_code").await.0, 200);
    let code = code_in(&nth_mail(&w, "mallory@example.com", 0).await.text_body());
    identify(&w.s, &mut b, &flow, "alice").await;
    let (status, body) = verify(&w, &mut b, &flow, "email_code", &code).await;
    assert_ne!(status, 200, "Mallory signed in as Alice: {body}");
    let (status, body) = send(&w, &mut b, &flow, "email_code").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("method_not_offered")),
        "{body}"
    );
    assert!(!signed_in(&b));
}

crate::stack_tests!(
    a_code_for_one_account_does_not_open_another,
    a_link_for_one_account_does_not_open_another,
    two_factors_in_order_for_one_account,
);

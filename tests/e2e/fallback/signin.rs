//! The way a user meets the fallback: the passkey is on another device,
//! the page offers what else works, an emailed code or link signs in, the
//! invitation to create a passkey here comes next, and the client learns
//! exactly how the user signed in.

use super::*;
use crate::passkey::signed_in;

async fn email_code_after_no_passkey_on_this_device(stack: Stack, test: &str) {
    let w = world!(stack, test);
    let mut b = Browser::default();
    let (flow, failure) = failed_passkey(&w, &mut b, &[], "alice", not_on_this_device()).await;
    assert_eq!(failure["reason"], "no_passkey_on_this_device", "{failure}");
    assert_eq!(
        steps_of(&failure["next"]),
        [["passkey_hybrid"], ["email_code"], ["email_link"]],
        "{failure}"
    );
    assert_eq!(failure["next"][0]["acr"], "phr");
    assert_eq!(failure["next"][1]["reason"], "email_verified");
    assert_eq!(failure["next"][1]["acr"], "urn:latchkey:acr:sfa");
    assert_eq!(failure["decision"]["decision"], "offer");
    assert_eq!(
        steps_of(&failure["decision"]["options"]),
        steps_of(&failure["next"])
    );

    assert_eq!(
        choose(&w, &mut b, &flow, &["email_code"]).await,
        "email_code"
    );
    let (status, sent) = send(&w, &mut b, &flow, "email_code").await;
    assert_eq!(status, 200, "{sent}");
    assert_eq!(
        sent,
        json!({"channel": "email", "resend_after_secs": 30, "expires_in_secs": 600})
    );
    let mail = nth_mail(&w, "alice@example.com", 0).await;
    let code = code_in(&mail.text_body());
    assert!(mail.header("Subject").unwrap().contains(&code));
    assert!(
        mail.text_body().contains("Relying Party"),
        "{}",
        mail.text_body()
    );
    assert!(
        mail.text_body()
            .contains(&format!("{}/login/email-link?token=", w.s.base)),
        "{}",
        mail.text_body()
    );
    assert!(!signed_in(&b));

    let (status, done) = verify(&w, &mut b, &flow, "email_code", &code).await;
    assert_eq!(status, 200, "{done}");
    assert!(signed_in(&b), "the session cookie is set");
    assert!(done.get("next_step").is_none(), "{done}");
    // This laptop has a platform authenticator: invite Alice to create a
    // passkey on it before going back to the client.
    let redirect_to = done["redirect_to"].as_str().unwrap();
    assert_eq!(redirect_to, format!("/login/nudge?flow={}", flow.id));
    assert_eq!(flow_state(&w, &b, &flow).await, "authenticated");

    let id_token = redeem(&w, &mut b, &flow, redirect_to).await;
    assert_eq!(id_token["sub"], w.alice.id.0.as_str());
    assert_eq!(id_token["amr"], json!(["otp", "urn:latchkey:amr:email"]));
    assert_eq!(id_token["acr"], "urn:latchkey:acr:sfa");
    assert_eq!(id_token["nonce"], "n-456");

    // The code worked once; the flow is over.
    let (status, again) = verify(&w, &mut b, &flow, "email_code", &code).await;
    assert!(matches!(status, 404 | 409), "{status} {again}");
}

/// A browser without WebAuthn on a device that cannot reach a phone: no
/// invitation, straight back to the client.
async fn no_invitation_where_no_passkey_can_be_made(stack: Stack, test: &str) {
    let w = world!(stack, test);
    let mut b = Browser::default();
    let report = json!({
        "dom_exception": "NotAllowedError",
        "elapsed_ms": 1500,
        "platform_authenticator_available": false,
        "hybrid_available": false,
    });
    let (flow, failure) = failed_passkey(&w, &mut b, &[], "alice", report).await;
    assert_eq!(steps_of(&failure["next"]), [["email_code"], ["email_link"]]);
    choose(&w, &mut b, &flow, &["email_code"]).await;
    assert_eq!(send(&w, &mut b, &flow, "email_code").await.0, 200);
    let code = alice_code(&w, 0).await;
    let (status, done) = verify(&w, &mut b, &flow, "email_code", &code).await;
    assert_eq!(status, 200, "{done}");
    let redirect_to = done["redirect_to"].as_str().unwrap();
    assert_eq!(redirect_to, format!("/authorize/resume?flow={}", flow.id));
    let id_token = redeem(&w, &mut b, &flow, redirect_to).await;
    assert_eq!(id_token["acr"], "urn:latchkey:acr:sfa");
}

/// The link in the email signs in the browser that asked for it, once;
/// opened anywhere else it signs nobody in.
async fn email_link_signs_in_only_the_browser_that_asked(stack: Stack, test: &str) {
    let w = world!(stack, test);
    let mut b = Browser::default();
    let (flow, _) = failed_passkey(&w, &mut b, &[], "alice", not_on_this_device()).await;
    assert_eq!(
        choose(&w, &mut b, &flow, &["email_link"]).await,
        "email_link"
    );
    assert_eq!(send(&w, &mut b, &flow, "email_link").await.0, 200);
    let text = nth_mail(&w, "alice@example.com", 0).await.text_body();
    let link = text
        .split_whitespace()
        .find(|t| t.contains("/login/email-link?token="))
        .unwrap()
        .to_owned();
    let path = link.strip_prefix(&w.s.base).unwrap().to_owned();
    let token = query(&link)["token"].clone();

    // A mail scanner or another device: a page, no session, nothing used up.
    let mut other = Browser::default();
    let page = other.get(&w.s, &path).await;
    assert_eq!(page.status(), 200);
    let res = other
        .post_form(&w.s, "/login/email-link", &[("token", &token)])
        .await;
    assert_eq!(res.status(), 200, "another browser only gets a page");
    assert!(!signed_in(&other));

    assert_eq!(b.get(&w.s, &path).await.status(), 200);
    let res = b
        .post_form(&w.s, "/login/email-link", &[("token", &token)])
        .await;
    assert_eq!(res.status(), 303);
    let to = location(&res);
    assert!(signed_in(&b));
    // Used: a second use finds nothing.
    let again = b
        .post_form(&w.s, "/login/email-link", &[("token", &token)])
        .await;
    assert_eq!(again.status(), 200);

    let id_token = redeem(&w, &mut b, &flow, &to).await;
    assert_eq!(id_token["amr"], json!(["otp", "urn:latchkey:amr:email"]));
    assert_eq!(id_token["acr"], "urn:latchkey:acr:sfa");
}

/// The whole way back: no passkey on this laptop → email code → the
/// invitation → a passkey is created here through the account API → the
/// invitation's "created" answer continues to the client → the next
/// sign-in on this laptop is a passkey, and the events tell the story.
async fn back_to_passkeys_after_a_fallback(stack: Stack, test: &str) {
    use latchkey_fallback::repo::{EventKind, EventRepo as _};

    use crate::enroll::{Page, Soft};
    use crate::passkey::{options, verify as verify_assertion};

    let w = world!(stack, test);
    let mut b = Browser::default();
    let (flow, _) = failed_passkey(&w, &mut b, &[], "alice", not_on_this_device()).await;
    choose(&w, &mut b, &flow, &["email_code"]).await;
    assert_eq!(send(&w, &mut b, &flow, "email_code").await.0, 200);
    let code = code_in(&nth_mail(&w, "alice@example.com", 0).await.text_body());
    let (status, done) = verify(&w, &mut b, &flow, "email_code", &code).await;
    assert_eq!(status, 200, "{done}");
    let nudge = done["redirect_to"].as_str().unwrap().to_owned();
    assert_eq!(nudge, format!("/login/nudge?flow={}", flow.id));
    let page = b.get(&w.s, &nudge).await;
    assert_eq!(page.status(), 200);

    // "Create a passkey": what nudge.js does, with this laptop's authenticator.
    let mut laptop = Soft::new();
    let mut account = Page::new(&w.s);
    account.browser = b.clone();
    let (status, _) = account.passkeys().await;
    assert_eq!(status, 200);
    let (status, added) = account.add_passkey(&mut laptop, None).await;
    assert_eq!(status, 201, "{added}");
    let res = b
        .post_form(
            &w.s,
            "/login/nudge",
            &[
                ("flow", &flow.id),
                ("csrf_token", &flow.csrf),
                ("action", "created"),
            ],
        )
        .await;
    let resume = location(&res);
    let id_token = redeem(&w, &mut b, &flow, &resume).await;
    assert_eq!(id_token["amr"], json!(["otp", "urn:latchkey:amr:email"]));

    // Next time on this laptop (asked to sign in again): the passkey it
    // now holds.
    let mut next = b.clone();
    let flow2 = start_flow(&w.s, &mut next, &w.client, &[("prompt", "login")]).await;
    identify(&w.s, &mut next, &flow2, "alice").await;
    let (ceremony, public_key) = options(&w.s, &mut next, &flow2, "modal").await;
    let assertion = laptop.get(&w.s, &public_key);
    let (status, body) =
        answer(verify_assertion(&w.s, &mut next, &flow2, &ceremony, &assertion).await).await;
    assert_eq!(status, 200, "{body}");
    let id_token = redeem(&w, &mut next, &flow2, body["redirect_to"].as_str().unwrap()).await;
    assert_eq!(id_token["acr"], "phr", "{id_token}");
    assert_eq!(id_token["amr"][0], "pop", "{id_token}");

    w.s.state.events.flush().await;
    let kinds: Vec<EventKind> =
        w.s.state
            .db
            .events_for_user(&w.alice.id, 50)
            .await
            .unwrap()
            .into_iter()
            .rev()
            .map(|e| e.kind)
            .collect();
    for expected in [
        EventKind::FallbackSucceeded,
        EventKind::NudgeShown,
        EventKind::PasskeyEnrolled,
        EventKind::NudgeAccepted,
        EventKind::PasskeySucceeded,
    ] {
        assert!(kinds.contains(&expected), "{expected:?} in {kinds:?}");
    }
}

crate::stack_tests!(
    back_to_passkeys_after_a_fallback,
    email_code_after_no_passkey_on_this_device,
    no_invitation_where_no_passkey_can_be_made,
    email_link_signs_in_only_the_browser_that_asked,
);

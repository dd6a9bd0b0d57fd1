//! Each fallback method end to end: an SMS code through the provider, an
//! authenticator-app code, a recovery code (once), and a password only
//! where an operator enables passwords.

use latchkey_fallback::policy::PolicyConfig;

use super::*;

async fn sms_code_through_the_provider(stack: Stack, test: &str) {
    let w = world!(stack, test);
    w.s.verified_phone(&w.alice, ALICE_PHONE).await;
    let mut b = Browser::default();
    let (flow, failure) = failed_passkey(&w, &mut b, &[], "alice", not_on_this_device()).await;
    assert_eq!(
        steps_of(&failure["next"]),
        [
            ["passkey_hybrid"],
            ["email_code"],
            ["email_link"],
            ["sms_code"]
        ],
        "{failure}"
    );
    choose(&w, &mut b, &flow, &["sms_code"]).await;
    // The chosen option's step, not another channel.
    let (status, body) = send(&w, &mut b, &flow, "email_code").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("method_not_offered"))
    );
    let (status, sent) = send(&w, &mut b, &flow, "sms_code").await;
    assert_eq!(status, 200, "{sent}");
    assert_eq!(sent["channel"], "sms");
    let text = nth_sms(&w, ALICE_PHONE, 0).await;
    assert!(text.contains("Relying Party"), "{text}");
    let code = code_in(&text);
    let (status, wrong) = verify(&w, &mut b, &flow, "sms_code", &other_than(&code)).await;
    assert_eq!(
        (status, wrong["error"].as_str()),
        (400, Some("invalid_code")),
        "{wrong}"
    );
    assert_eq!(wrong["attempts_left"], 4);
    let (status, done) = verify(&w, &mut b, &flow, "sms_code", &code).await;
    assert_eq!(status, 200, "{done}");
    let id_token = redeem(&w, &mut b, &flow, done["redirect_to"].as_str().unwrap()).await;
    assert_eq!(id_token["amr"], json!(["sms", "otp"]));
    assert_eq!(id_token["acr"], "urn:latchkey:acr:sfa");
    assert!(w.smtp.messages().is_empty(), "nothing was emailed");
}

async fn authenticator_app_code(stack: Stack, test: &str) {
    let w = world!(stack, test);
    let secret = w.s.confirmed_totp(&w.alice).await;
    let mut b = Browser::default();
    let (flow, failure) = failed_passkey(&w, &mut b, &[], "alice", not_on_this_device()).await;
    assert!(
        steps_of(&failure["next"]).contains(&vec!["totp".to_owned()]),
        "{failure}"
    );
    assert_eq!(choose(&w, &mut b, &flow, &["totp"]).await, "totp");
    // Nothing to send for an authenticator app.
    let (status, body) = send(&w, &mut b, &flow, "totp").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("method_not_offered"))
    );
    let now = u64::try_from(w.s.state.clock.now().0).unwrap();
    let code = secret.code_at(now).to_string();
    let (status, wrong) = verify(&w, &mut b, &flow, "totp", &other_than(&code)).await;
    assert_eq!(
        (status, wrong["error"].as_str()),
        (400, Some("invalid_code")),
        "{wrong}"
    );
    let (status, done) = verify(&w, &mut b, &flow, "totp", &code).await;
    assert_eq!(status, 200, "{done}");
    let id_token = redeem(&w, &mut b, &flow, done["redirect_to"].as_str().unwrap()).await;
    assert_eq!(id_token["amr"], json!(["otp"]));
    assert_eq!(id_token["acr"], "urn:latchkey:acr:sfa");

    // The same code in a new flow: a TOTP code is accepted once (RFC 6238 §5.2).
    let mut b = Browser::default();
    let (flow, _) = failed_passkey(&w, &mut b, &[], "alice", not_on_this_device()).await;
    choose(&w, &mut b, &flow, &["totp"]).await;
    let (status, replay) = verify(&w, &mut b, &flow, "totp", &code).await;
    assert_eq!(
        (status, replay["error"].as_str()),
        (400, Some("invalid_code")),
        "{replay}"
    );
}

async fn recovery_code_works_once(stack: Stack, test: &str) {
    let w = world!(stack, test);
    let codes = w.s.recovery_codes(&w.alice).await;
    let mut b = Browser::default();
    let (flow, failure) = failed_passkey(&w, &mut b, &[], "alice", not_on_this_device()).await;
    let steps = steps_of(&failure["next"]);
    assert_eq!(
        steps.last().unwrap(),
        &["recovery_code"],
        "the last resort is last: {failure}"
    );
    choose(&w, &mut b, &flow, &["recovery_code"]).await;
    let (status, done) = verify(&w, &mut b, &flow, "recovery_code", &codes[0]).await;
    assert_eq!(status, 200, "{done}");
    // After a recovery code the invitation always comes.
    let redirect_to = done["redirect_to"].as_str().unwrap();
    assert_eq!(redirect_to, format!("/login/nudge?flow={}", flow.id));
    let id_token = redeem(&w, &mut b, &flow, redirect_to).await;
    assert_eq!(id_token["amr"], json!(["kba"]));
    assert_eq!(id_token["acr"], "urn:latchkey:acr:sfa");

    // The same code again, in a new flow: spent.
    let mut b = Browser::default();
    let (flow, _) = failed_passkey(&w, &mut b, &[], "alice", not_on_this_device()).await;
    choose(&w, &mut b, &flow, &["recovery_code"]).await;
    let (status, spent) = verify(&w, &mut b, &flow, "recovery_code", &codes[0]).await;
    assert_eq!(
        (status, spent["error"].as_str()),
        (400, Some("invalid_code")),
        "{spent}"
    );
    assert!(spent.get("attempts_left").is_none(), "{spent}");
    // Another one, typed loosely (lower case, no dashes), still works.
    let loose = codes[1].replace('-', "").to_lowercase();
    let (status, done) = verify(&w, &mut b, &flow, "recovery_code", &loose).await;
    assert_eq!(status, 200, "{done}");
}

async fn password_only_where_enabled(stack: Stack, test: &str) {
    let mut w = world!(stack, test);
    w.s.password(&w.alice, "correct horse battery staple").await;
    // Off by default, whatever the account has.
    let mut b = Browser::default();
    let (flow, failure) = failed_passkey(&w, &mut b, &[], "alice", not_on_this_device()).await;
    assert!(
        !steps_of(&failure["next"]).contains(&vec!["password".to_owned()]),
        "{failure}"
    );
    let (status, body) = call(
        &w.s,
        &mut b,
        &flow,
        "fallback/choose",
        json!({"steps": ["password"]}),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("method_not_offered")),
        "{body}"
    );
    let (status, body) = verify(
        &w,
        &mut b,
        &flow,
        "password",
        "correct horse battery staple",
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("method_not_offered")),
        "{body}"
    );

    // An operator lists it in `[fallback] methods`.
    let mut policy = PolicyConfig::default();
    policy.methods.push("password".to_owned());
    let node = w.s.node_with_policy(policy);
    let first = std::mem::replace(&mut w.s, node);
    let mut b = Browser::default();
    let (flow, failure) = failed_passkey(&w, &mut b, &[], "alice", not_on_this_device()).await;
    let steps = steps_of(&failure["next"]);
    assert!(steps.contains(&vec!["password".to_owned()]), "{failure}");
    choose(&w, &mut b, &flow, &["password"]).await;
    let (status, wrong) = verify(&w, &mut b, &flow, "password", "Tr0ub4dor&3").await;
    assert_eq!(
        (status, wrong["error"].as_str()),
        (400, Some("invalid_code")),
        "{wrong}"
    );
    let (status, done) = verify(
        &w,
        &mut b,
        &flow,
        "password",
        "correct horse battery staple",
    )
    .await;
    assert_eq!(status, 200, "{done}");
    let id_token = redeem(&w, &mut b, &flow, done["redirect_to"].as_str().unwrap()).await;
    assert_eq!(id_token["amr"], json!(["pwd"]));
    assert_eq!(id_token["acr"], "urn:latchkey:acr:sfa");
    drop(w);
    drop(first);
}

crate::stack_tests!(
    sms_code_through_the_provider,
    authenticator_app_code,
    recovery_code_works_once,
    password_only_where_enabled,
);

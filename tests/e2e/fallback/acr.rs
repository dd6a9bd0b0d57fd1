//! A client that requires a phishing-resistant sign-in (`acr_values=phr`)
//! never gets a silent downgrade: with the passkey unavailable only passkey
//! options are offered, and giving up tells the client its requirement was
//! not met.

use super::*;

/// Give up and follow the browser back to the client: its parameters.
async fn give_up(
    w: &World,
    b: &mut Browser,
    flow: &Flow,
) -> std::collections::BTreeMap<String, String> {
    let (status, body) = call(&w.s, b, flow, "fallback/give-up", json!({})).await;
    assert_eq!(status, 200, "{body}");
    let redirect_to = body["redirect_to"].as_str().unwrap();
    assert_eq!(redirect_to, format!("/authorize/resume?flow={}", flow.id));
    let back = location(&b.get(&w.s, redirect_to).await);
    assert!(back.starts_with(REDIRECT_URI), "{back}");
    query(&back)
}

fn assert_no_email(decision: &Value) {
    let options = decision.get("options").cloned().unwrap_or(json!([]));
    let steps = steps_of(&options);
    assert!(
        steps
            .iter()
            .flatten()
            .all(|s| s.starts_with("passkey") || s == "security_key"),
        "{decision}"
    );
    for method in ["email_code", "email_link"] {
        let skipped = decision["skipped"].as_array().unwrap();
        let s = skipped.iter().find(|s| s["method"] == method).unwrap();
        assert_eq!(s["reason"]["code"], "too_weak", "{decision}");
    }
}

/// The browser cannot reach a phone: nothing reaches `phr`.
async fn phr_without_a_usable_passkey_is_unmet(stack: Stack, test: &str) {
    let w = world!(stack, test);
    let mut b = Browser::default();
    let report = json!({
        "dom_exception": "NotAllowedError",
        "elapsed_ms": 3000,
        "platform_authenticator_available": true,
        "hybrid_available": false,
    });
    let (flow, failure) =
        failed_passkey(&w, &mut b, &[("acr_values", "phr")], "alice", report).await;
    assert_eq!(failure["reason"], "no_passkey_on_this_device");
    assert_eq!(failure["next"], json!([]), "{failure}");
    assert_eq!(failure["decision"]["decision"], "refuse", "{failure}");
    assert_eq!(
        failure["decision"]["reason"]["code"], "requirement_unmet",
        "{failure}"
    );
    assert_no_email(&failure["decision"]);
    // Asking for an email code anyway is refused, and sends nothing.
    let (status, body) = call(
        &w.s,
        &mut b,
        &flow,
        "fallback/choose",
        json!({"steps": ["email_code"]}),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("method_not_offered")),
        "{body}"
    );
    let (status, body) = send(&w, &mut b, &flow, "email_code").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("method_not_offered")),
        "{body}"
    );

    let params = give_up(&w, &mut b, &flow).await;
    assert_eq!(
        params["error"], "unmet_authentication_requirements",
        "{params:?}"
    );
    assert_eq!(params["state"], "st-123");
    assert_eq!(params["iss"], w.s.state.config.issuer_str());
    assert!(!params.contains_key("code"));
    // The flow is over.
    let (status, _) = call(&w.s, &mut b, &flow, "fallback/give-up", json!({})).await;
    assert!(matches!(status, 404 | 409), "{status}");
    assert!(w.smtp.messages().is_empty(), "no email was sent");
}

/// The phone may still be reachable: only the passkey from another device
/// is offered; the user gives up on it.
async fn phr_offers_only_passkeys_and_giving_up_is_unmet(stack: Stack, test: &str) {
    let w = world!(stack, test);
    let mut b = Browser::default();
    let report = json!({"dom_exception": "NotAllowedError", "elapsed_ms": 3000});
    let (flow, failure) =
        failed_passkey(&w, &mut b, &[("acr_values", "phr")], "alice", report).await;
    assert_eq!(
        steps_of(&failure["next"]),
        [["passkey_hybrid"]],
        "{failure}"
    );
    assert_eq!(failure["next"][0]["acr"], "phr");
    assert_no_email(&failure["decision"]);
    let (status, options) = call(&w.s, &mut b, &flow, "fallback/options", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(
        steps_of(&options["options"]),
        [["passkey_hybrid"]],
        "{options}"
    );

    let params = give_up(&w, &mut b, &flow).await;
    assert_eq!(
        params["error"], "unmet_authentication_requirements",
        "{params:?}"
    );
    assert_eq!(params["state"], "st-123");
}

/// Without a requirement, giving up is the user's choice.
async fn giving_up_without_a_requirement_is_access_denied(stack: Stack, test: &str) {
    let w = world!(stack, test);
    let mut b = Browser::default();
    let (flow, _) = failed_passkey(&w, &mut b, &[], "alice", not_on_this_device()).await;
    let params = give_up(&w, &mut b, &flow).await;
    assert_eq!(params["error"], "access_denied", "{params:?}");
}

crate::stack_tests!(
    phr_without_a_usable_passkey_is_unmet,
    phr_offers_only_passkeys_and_giving_up_is_unmet,
    giving_up_without_a_requirement_is_access_denied,
);

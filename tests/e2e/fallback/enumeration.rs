//! What the fallback API tells a visitor who types an identifier: the same
//! answers whether or not the account exists; and bad input is a 400 with
//! a clear error, never a 500.

use reqwest::header::CONTENT_TYPE;

use super::*;

/// Status, body, and the names of the headers (values differ by request).
type Seen = Vec<(String, u16, Value, Vec<String>)>;

async fn observed(
    w: &World,
    b: &mut Browser,
    flow: &Flow,
    step: &str,
    route: &str,
    body: Value,
    seen: &mut Seen,
) {
    let res = post(&w.s, b, flow, route, &body).await;
    let mut names: Vec<String> = res
        .headers()
        .keys()
        .map(|k| k.as_str().to_owned())
        .filter(|k| !matches!(k.as_str(), "date" | "x-request-id" | "content-length"))
        .collect();
    names.sort();
    let (status, body) = answer(res).await;
    seen.push((step.to_owned(), status, body, names));
}

/// Walk the email-code fallback as `who`, guessing wrong until the code
/// (and the channel) is gone; everything the visitor sees.
async fn walk(w: &World, who: &str) -> Seen {
    let mut b = Browser::default();
    let mut seen = Seen::new();
    let (flow, failure) = failed_passkey(w, &mut b, &[], who, not_on_this_device()).await;
    seen.push(("failure".into(), 200, failure, vec![]));
    observed(
        w,
        &mut b,
        &flow,
        "options",
        "fallback/options",
        json!({}),
        &mut seen,
    )
    .await;
    let choice = json!({"steps": ["email_code"]});
    observed(
        w,
        &mut b,
        &flow,
        "choose",
        "fallback/choose",
        choice,
        &mut seen,
    )
    .await;
    let email = json!({"method": "email_code"});
    observed(
        w,
        &mut b,
        &flow,
        "send",
        "fallback/send",
        email.clone(),
        &mut seen,
    )
    .await;
    observed(
        w,
        &mut b,
        &flow,
        "resend",
        "fallback/send",
        email,
        &mut seen,
    )
    .await;
    for i in 0..6 {
        let guess = json!({"method": "email_code", "code": format!("00000{i}")});
        observed(
            w,
            &mut b,
            &flow,
            &format!("guess {i}"),
            "fallback/verify",
            guess,
            &mut seen,
        )
        .await;
    }
    let totp = json!({"method": "totp", "code": "123456"});
    observed(w, &mut b, &flow, "totp", "fallback/verify", totp, &mut seen).await;
    seen
}

async fn unknown_identifiers_get_the_same_answers(stack: Stack, test: &str) {
    let w = world!(stack, test);
    let alice = walk(&w, "alice").await;
    let nobody = walk(&w, "nobody@example.com").await;
    for (a, n) in alice.iter().zip(&nobody) {
        let (mut a, mut n) = (a.clone(), n.clone());
        // A second may tick between the two walks: retry times agree to it.
        if let (Some(x), Some(y)) = (
            a.2["retry_after_secs"].as_i64(),
            n.2["retry_after_secs"].as_i64(),
        ) {
            assert!((x - y).abs() <= 1, "{}: {x} and {y}", a.0);
            a.2["retry_after_secs"] = json!(0);
            n.2["retry_after_secs"] = json!(0);
        }
        assert_eq!(a, n, "{}: an account and no account answer alike", a.0);
    }
    assert_eq!(alice.len(), nobody.len());
    // The walk did meet the interesting answers.
    let errors: Vec<&str> = alice.iter().filter_map(|s| s.2["error"].as_str()).collect();
    assert!(
        errors.contains(&"invalid_code") && errors.contains(&"rate_limited"),
        "{errors:?}"
    );
    // Only the real account received anything.
    nth_mail(&w, "alice@example.com", 0).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(w.smtp.messages().len(), 1);
    assert!(w.sms.sent().is_empty());
}

async fn choose_what_is_not_offered(stack: Stack, test: &str) {
    let w = world!(stack, test);
    let mut b = Browser::default();
    let (flow, _) = failed_passkey(&w, &mut b, &[], "alice", not_on_this_device()).await;
    // Nothing chosen yet: nothing to send or check.
    let (status, body) = send(&w, &mut b, &flow, "email_code").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("method_not_offered")),
        "{body}"
    );
    let (status, body) = verify(&w, &mut b, &flow, "email_code", "123456").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("method_not_offered")),
        "{body}"
    );
    for steps in [
        json!(["sms_code"]),       // no phone
        json!(["totp"]),           // no authenticator app
        json!(["recovery_code"]),  // no codes
        json!(["password"]),       // not enabled
        json!(["passkey_hybrid"]), // a WebAuthn ceremony, not a fallback step
        json!(["email_code", "totp"]),
    ] {
        let (status, body) = call(
            &w.s,
            &mut b,
            &flow,
            "fallback/choose",
            json!({ "steps": steps }),
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("method_not_offered")),
            "{steps}: {body}"
        );
    }
    // `passkey` (try again) is a step of an option but no method: the page
    // starts a ceremony for it instead.
    for steps in [
        json!([]),
        json!(["fax"]),
        json!(["passkey"]),
        json!(["email_code", "totp", "sms_code"]),
    ] {
        let (status, body) = call(
            &w.s,
            &mut b,
            &flow,
            "fallback/choose",
            json!({ "steps": steps }),
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_request")),
            "{steps}: {body}"
        );
    }
    // Chosen email: the email link is the same step, an SMS is not.
    choose(&w, &mut b, &flow, &["email_code"]).await;
    let (status, body) = send(&w, &mut b, &flow, "sms_code").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("method_not_offered")),
        "{body}"
    );
    let (status, body) = verify(&w, &mut b, &flow, "email_link", "123456").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("method_not_offered")),
        "{body}"
    );
}

async fn malformed_requests_are_400(stack: Stack, test: &str) {
    let w = world!(stack, test);
    let mut b = Browser::default();
    let (flow, _) = failed_passkey(&w, &mut b, &[], "alice", not_on_this_device()).await;
    let long = "1".repeat(300);
    let cases: Vec<(&str, String)> = vec![
        ("fallback/options", "{".into()),
        ("fallback/options", "[]".into()),
        ("fallback/options", r#"{"hybrid_available": "yes"}"#.into()),
        ("fallback/options", r#"{"platform": true}"#.into()),
        ("fallback/choose", "".into()),
        ("fallback/choose", "null".into()),
        ("fallback/choose", r#"{"steps": "email_code"}"#.into()),
        ("fallback/choose", r#"{"steps": [1, 2]}"#.into()),
        (
            "fallback/choose",
            r#"{"steps": ["email_code"], "admin": true}"#.into(),
        ),
        ("fallback/choose", format!(r#"{{"steps": ["{long}"]}}"#)),
        ("fallback/send", r#"{"method": null}"#.into()),
        (
            "fallback/send",
            r#"{"method": "email_code", "to": "mallory@example.com"}"#.into(),
        ),
        ("fallback/send", r#"{"method": "\u0000"}"#.into()),
        ("fallback/verify", r#"{"method": "email_code"}"#.into()),
        (
            "fallback/verify",
            r#"{"method": "email_code", "code": 123456}"#.into(),
        ),
        (
            "fallback/verify",
            format!(r#"{{"method": "email_code", "code": "{long}"}}"#),
        ),
        (
            "fallback/verify",
            r#"{"method": "email_code", "code": "1", "user": "bob"}"#.into(),
        ),
        (
            "passkey/failure",
            r#"{"dom_exception": "NotAllowedError", "extra": 1}"#.into(),
        ),
    ];
    for (route, body) in &cases {
        let res = crate::passkey::post_raw(
            &w.s,
            &mut b,
            &flow.id,
            route,
            Some(&flow.csrf),
            "application/json",
            body.clone(),
        )
        .await;
        let (status, answer) = answer(res).await;
        assert_eq!(status, 400, "{route} {body}: {answer}");
        assert_eq!(
            answer["error"], "invalid_request",
            "{route} {body}: {answer}"
        );
    }
    // Not JSON at all.
    let res = crate::passkey::post_raw(
        &w.s,
        &mut b,
        &flow.id,
        "fallback/send",
        Some(&flow.csrf),
        "text/plain",
        r#"{"method": "email_code"}"#.into(),
    )
    .await;
    let (status, body) = answer(res).await;
    assert!(matches!(status, 400 | 415), "{status} {body}");
    // A huge body.
    let huge = format!(
        r#"{{"method": "email_code", "code": "{}"}}"#,
        "9".repeat(100_000)
    );
    let res = crate::passkey::post_raw(
        &w.s,
        &mut b,
        &flow.id,
        "fallback/verify",
        Some(&flow.csrf),
        "application/json",
        huge,
    )
    .await;
    let (status, body) = answer(res).await;
    assert!(matches!(status, 400 | 413), "{status} {body}");
    // No CSRF token, a flow id that is not one.
    let res =
        w.s.http
            .post(format!(
                "{}/api/login/flows/{}/fallback/send",
                w.s.base, flow.id
            ))
            .header(CONTENT_TYPE, "application/json")
            .body(r#"{"method": "email_code"}"#)
            .send()
            .await
            .unwrap();
    assert!(
        matches!(res.status().as_u16(), 403 | 404),
        "{}",
        res.status()
    );
    let res = crate::passkey::post_raw(
        &w.s,
        &mut b,
        "../../etc",
        "fallback/send",
        Some(&flow.csrf),
        "application/json",
        "{}".into(),
    )
    .await;
    assert!(res.status().is_client_error(), "{}", res.status());
    // Nothing above changed the flow or sent anything.
    assert_eq!(flow_state(&w, &b, &flow).await, "pending");
    assert!(w.smtp.messages().is_empty());
    assert_eq!(
        choose(&w, &mut b, &flow, &["email_code"]).await,
        "email_code"
    );
}

crate::stack_tests!(
    unknown_identifiers_get_the_same_answers,
    choose_what_is_not_offered,
    malformed_requests_are_400,
);

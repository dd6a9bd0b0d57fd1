//! What an attacker tries against sent codes: guessing until locked out,
//! guessing in parallel, replaying, borrowing another flow's code, waiting
//! past expiry, and steering the emailed link to another host.

use reqwest::header::{CONTENT_TYPE, COOKIE, HOST};
use tokio::task::JoinSet;

use super::*;
use crate::passkey::{CSRF, signed_in};

fn is_error(answer: &(u16, Value), status: u16, error: &str) -> bool {
    answer.0 == status && answer.1["error"] == error
}

async fn wrong_codes_lock_the_method(stack: Stack, test: &str) {
    let w = world!(stack, test);
    let mut b = Browser::default();
    let (flow, code) = email_code_sent(&w, &mut b, 0).await;
    let wrong = other_than(&code);
    for left in (1..=4).rev() {
        let (status, body) = verify(&w, &mut b, &flow, "email_code", &wrong).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_code")),
            "{body}"
        );
        assert_eq!(body["attempts_left"], left, "{body}");
    }
    // The fifth wrong guess uses the code up (and locks the channel).
    let fifth = verify(&w, &mut b, &flow, "email_code", &wrong).await;
    assert!(
        is_error(&fifth, 400, "code_expired") || is_error(&fifth, 429, "locked"),
        "{fifth:?}"
    );
    // The sixth is not checked, even when it is right.
    let sixth = verify(&w, &mut b, &flow, "email_code", &code).await;
    assert!(
        is_error(&sixth, 400, "code_expired") || is_error(&sixth, 429, "locked"),
        "{sixth:?}"
    );
    assert!(!signed_in(&b));
    assert_eq!(flow_state(&w, &b, &flow).await, "pending");

    // A new code cannot be checked while the channel is locked, and the
    // options say so; passkeys stay available.
    w.clock.advance(31);
    let (status, options) = call(&w.s, &mut b, &flow, "fallback/options", json!({})).await;
    assert_eq!(status, 200, "{options}");
    let steps = steps_of(&options["options"]);
    assert_eq!(steps, [["passkey_hybrid"]], "{options}");
    let skipped = options["skipped"].as_array().unwrap();
    let email = skipped
        .iter()
        .find(|s| s["method"] == "email_code")
        .unwrap();
    assert_eq!(email["reason"]["code"], "locked", "{options}");
    assert!(email["reason"]["retry_after_secs"].as_u64().unwrap() > 0);
    let res = post(
        &w.s,
        &mut b,
        &flow,
        "fallback/verify",
        &json!({"method": "email_code", "code": code}),
    )
    .await;
    assert_eq!(res.status(), 429);
    let retry: i64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let (_, body) = answer(res).await;
    assert_eq!(body["error"], "locked");
    assert_eq!(body["retry_after_secs"], retry);
    assert!((1..=60).contains(&retry), "{retry}");

    // After the lock, a new code works.
    w.clock.advance(61);
    choose(&w, &mut b, &flow, &["email_code"]).await;
    assert_eq!(send(&w, &mut b, &flow, "email_code").await.0, 200);
    let fresh = alice_code(&w, 1).await;
    let (status, old) = verify(&w, &mut b, &flow, "email_code", &code).await;
    assert_eq!(status, 400, "the voided code stays void: {old}");
    let (status, done) = verify(&w, &mut b, &flow, "email_code", &fresh).await;
    assert_eq!(status, 200, "{done}");
}

/// `POST` a fallback route outside the browser helper, for parallel use.
async fn raw_verify(
    http: reqwest::Client,
    url: String,
    cookie: String,
    csrf: String,
    code: String,
) -> (u16, Value) {
    let res = http
        .post(url)
        .header(CONTENT_TYPE, "application/json")
        .header(COOKIE, cookie)
        .header(CSRF, csrf)
        .body(json!({"method": "email_code", "code": code}).to_string())
        .send()
        .await
        .unwrap();
    answer(res).await
}

async fn parallel_guesses_check_at_most_five(stack: Stack, test: &str) {
    let w = world!(stack, test);
    let mut b = Browser::default();
    let (flow, code) = email_code_sent(&w, &mut b, 0).await;
    let cookie = b
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let url = format!("{}/api/login/flows/{}/fallback/verify", w.s.base, flow.id);
    let start: u32 = code.parse().unwrap();
    let mut tasks = JoinSet::new();
    for i in 1..=50u32 {
        let guess = format!("{:06}", (start + i) % 1_000_000);
        let req = raw_verify(
            w.s.http.clone(),
            url.clone(),
            cookie.clone(),
            flow.csrf.clone(),
            guess,
        );
        tasks.spawn(req);
    }
    let mut answers = Vec::new();
    while let Some(a) = tasks.join_next().await {
        answers.push(a.unwrap());
    }
    let checked = answers
        .iter()
        .filter(|a| is_error(a, 400, "invalid_code"))
        .count();
    assert!(checked <= 5, "{checked} guesses compared: {answers:?}");
    for a in &answers {
        assert!(
            is_error(a, 400, "invalid_code")
                || is_error(a, 400, "code_expired")
                || is_error(a, 429, "locked")
                || is_error(a, 429, "rate_limited"),
            "{a:?}"
        );
    }
    // And the right code is worth nothing now.
    let (status, body) = verify(&w, &mut b, &flow, "email_code", &code).await;
    assert!(matches!(status, 400 | 429), "{body}");
    assert!(!signed_in(&b));
}

/// The right code sent ten times at once (a double-click, a replaying
/// proxy) signs in once.
async fn the_right_code_at_once_signs_in_once(stack: Stack, test: &str) {
    let w = world!(stack, test);
    let mut b = Browser::default();
    let (flow, code) = email_code_sent(&w, &mut b, 0).await;
    let cookie = b
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let url = format!("{}/api/login/flows/{}/fallback/verify", w.s.base, flow.id);
    let mut tasks = JoinSet::new();
    for _ in 0..10 {
        let (http, url, cookie, csrf) = (
            w.s.http.clone(),
            url.clone(),
            cookie.clone(),
            flow.csrf.clone(),
        );
        tasks.spawn(raw_verify(http, url, cookie, csrf, code.clone()));
    }
    let mut answers = Vec::new();
    while let Some(a) = tasks.join_next().await {
        answers.push(a.unwrap());
    }
    let wins = answers.iter().filter(|a| a.0 == 200).count();
    assert_eq!(wins, 1, "{answers:?}");
    for a in answers.iter().filter(|a| a.0 != 200) {
        assert!(
            is_error(a, 400, "code_expired")
                || is_error(a, 400, "method_not_offered")
                || is_error(a, 409, "flow_not_pending"),
            "{a:?}"
        );
    }
    assert_eq!(flow_state(&w, &b, &flow).await, "authenticated");
}

async fn codes_work_once_in_their_own_flow(stack: Stack, test: &str) {
    let w = world!(stack, test);
    // Two sign-ins for Alice in two browsers, each with its code.
    let mut one = Browser::default();
    let (flow_one, code_one) = email_code_sent(&w, &mut one, 0).await;
    w.clock.advance(31);
    let mut two = Browser::default();
    let (flow_two, code_two) = email_code_sent(&w, &mut two, 1).await;
    if code_one == code_two {
        return; // one in a million: the cross-flow check means nothing
    }
    // One flow's code does not open the other.
    let borrowed = verify(&w, &mut two, &flow_two, "email_code", &code_one).await;
    assert!(is_error(&borrowed, 400, "invalid_code"), "{borrowed:?}");
    // Nor does another browser get anywhere with the right flow and code.
    let (status, _) = verify(&w, &mut two, &flow_one, "email_code", &code_one).await;
    assert_eq!(status, 404, "another browser's flow does not exist for it");

    let (status, done) = verify(&w, &mut one, &flow_one, "email_code", &code_one).await;
    assert_eq!(status, 200, "{done}");
    // Used: in its flow (finished) and anywhere else.
    let (status, _) = verify(&w, &mut one, &flow_one, "email_code", &code_one).await;
    assert_eq!(status, 409);
    let reused = verify(&w, &mut two, &flow_two, "email_code", &code_one).await;
    assert!(is_error(&reused, 400, "invalid_code"), "{reused:?}");
    let (status, done) = verify(&w, &mut two, &flow_two, "email_code", &code_two).await;
    assert_eq!(status, 200, "{done}");

    // A fresh flow that never sent a code has nothing to check against.
    w.clock.advance(31);
    let mut three = Browser::default();
    let (flow_three, _) = failed_passkey(&w, &mut three, &[], "alice", not_on_this_device()).await;
    choose(&w, &mut three, &flow_three, &["email_code"]).await;
    let unsent = verify(&w, &mut three, &flow_three, "email_code", &code_two).await;
    assert!(is_error(&unsent, 400, "code_expired"), "{unsent:?}");
}

async fn codes_expire_after_ten_minutes(stack: Stack, test: &str) {
    let w = world!(stack, test);
    let mut b = Browser::default();
    let (flow, code) = email_code_sent(&w, &mut b, 0).await;
    w.clock.advance(9 * 60);
    let (status, body) = verify(&w, &mut b, &flow, "email_code", &other_than(&code)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_code")),
        "still live at 9 minutes"
    );
    w.clock.advance(61);
    let expired = verify(&w, &mut b, &flow, "email_code", &code).await;
    assert!(is_error(&expired, 400, "code_expired"), "{expired:?}");
    assert!(!signed_in(&b));
    // A new code, in the same flow, works.
    assert_eq!(send(&w, &mut b, &flow, "email_code").await.0, 200);
    let fresh = alice_code(&w, 1).await;
    let (status, done) = verify(&w, &mut b, &flow, "email_code", &fresh).await;
    assert_eq!(status, 200, "{done}");
}

async fn spoofed_host_does_not_reach_the_email(stack: Stack, test: &str) {
    let w = world!(stack, test);
    let mut b = Browser::default();
    let (flow, _) = failed_passkey(&w, &mut b, &[], "alice", not_on_this_device()).await;
    choose(&w, &mut b, &flow, &["email_code"]).await;
    let cookie = b
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let res =
        w.s.http
            .post(format!(
                "{}/api/login/flows/{}/fallback/send",
                w.s.base, flow.id
            ))
            .header(HOST, "evil.example")
            .header("X-Forwarded-Host", "evil.example")
            .header("X-Forwarded-Proto", "https")
            .header("Forwarded", "host=evil.example;proto=https")
            .header(CONTENT_TYPE, "application/json")
            .header(COOKIE, cookie)
            .header(CSRF, &flow.csrf)
            .body(json!({"method": "email_code"}).to_string())
            .send()
            .await
            .unwrap();
    assert_eq!(res.status(), 200);
    let text = nth_mail(&w, "alice@example.com", 0).await.text_body();
    assert!(!text.contains("evil.example"), "{text}");
    assert!(
        text.contains(&format!("{}/login/email-link?token=", w.s.base)),
        "{text}"
    );
}

/// Asking for codes again and again: a cooldown per account and channel,
/// then a cap per window.
async fn resends_are_limited(stack: Stack, test: &str) {
    let w = world!(stack, test);
    // Start at the beginning of a rate-limit window (15 minutes, aligned
    // to the clock), so the sends below all fall into one.
    let now = w.s.state.clock.now().0;
    w.clock.advance(900 - now.rem_euclid(900) + 1);
    let mut b = Browser::default();
    let (flow, first) = email_code_sent(&w, &mut b, 0).await;
    let res = post(
        &w.s,
        &mut b,
        &flow,
        "fallback/send",
        &json!({"method": "email_code"}),
    )
    .await;
    assert_eq!(res.status(), 429);
    let retry: i64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let (_, body) = answer(res).await;
    assert_eq!(body["error"], "rate_limited");
    assert_eq!(body["retry_after_secs"], retry);
    assert!((1..=30).contains(&retry), "{retry}");
    // A refused resend leaves the code in flight alone.
    let (status, body) = verify(&w, &mut b, &flow, "email_code", &other_than(&first)).await;
    assert_eq!(
        (status, body["attempts_left"].as_u64()),
        (400, Some(4)),
        "{body}"
    );
    // The cooldown ends when it says it does.
    w.clock.advance(retry - 1);
    assert_eq!(send(&w, &mut b, &flow, "email_code").await.0, 429);
    w.clock.advance(1);
    assert_eq!(send(&w, &mut b, &flow, "email_code").await.0, 200);
    // Delivery runs in the background: wait for each message, so they
    // arrive in the order they were sent.
    nth_mail(&w, "alice@example.com", 1).await;
    // Five codes per account and channel in a window, then no more.
    let mut sent = 2;
    while sent < 5 {
        w.clock.advance(31);
        let (status, body) = send(&w, &mut b, &flow, "email_code").await;
        assert_eq!(status, 200, "send #{}: {body}", sent + 1);
        nth_mail(&w, "alice@example.com", sent).await;
        sent += 1;
    }
    w.clock.advance(31);
    let (status, body) = send(&w, &mut b, &flow, "email_code").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (429, Some("rate_limited")),
        "{body}"
    );
    assert!(body["retry_after_secs"].as_i64().unwrap() > 30, "{body}");
    // The last code sent is the one that works; the first is void.
    let latest = alice_code(&w, sent - 1).await;
    let (status, _) = verify(&w, &mut b, &flow, "email_code", &first).await;
    assert_eq!(status, 400);
    let (status, done) = verify(&w, &mut b, &flow, "email_code", &latest).await;
    assert_eq!(status, 200, "{done}");
}

/// 100 failures in an hour across all methods lock the account's guessable
/// methods: a right code is then refused unchecked, and the options keep
/// only passkeys, saying why.
async fn a_hundred_failures_lock_the_account(stack: Stack, test: &str) {
    use latchkey_server::limits::{self, ACCOUNT_FAILURES, Verdict};

    let w = world!(stack, test);
    let mut b = Browser::default();
    let (flow, code) = email_code_sent(&w, &mut b, 0).await;
    // Failures of other methods, other flows and other nodes count alike:
    // they all meet in the account's counter.
    let account = format!("user:{}", w.alice.id);
    for _ in 0..ACCOUNT_FAILURES.max {
        let v = limits::check(&w.s.state, ACCOUNT_FAILURES, &account)
            .await
            .unwrap();
        assert_eq!(v, Verdict::Allowed);
    }
    let (status, body) = verify(&w, &mut b, &flow, "email_code", &code).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (429, Some("locked")),
        "{body}"
    );
    assert!(body["retry_after_secs"].as_i64().unwrap() > 0, "{body}");
    assert!(!signed_in(&b));
    let (status, options) = call(&w.s, &mut b, &flow, "fallback/options", json!({})).await;
    assert_eq!(status, 200, "{options}");
    assert_eq!(
        steps_of(&options["options"]),
        [["passkey_hybrid"]],
        "{options}"
    );
    let notices = options["notices"].as_array().unwrap();
    assert!(
        notices.iter().any(|n| n["code"] == "account_locked"),
        "{options}"
    );
}

crate::stack_tests!(
    a_hundred_failures_lock_the_account,
    wrong_codes_lock_the_method,
    parallel_guesses_check_at_most_five,
    the_right_code_at_once_signs_in_once,
    codes_work_once_in_their_own_flow,
    codes_expire_after_ten_minutes,
    spoofed_host_does_not_reach_the_email,
    resends_are_limited,
);

//! Malformed JSON and base64 in every field of every route: always a 400
//! with a specific error, never a 500, and nothing issued.

use serde_json::{Value, json};

use super::*;

macro_rules! world {
    ($stack:expr, $test:expr) => {
        match world($stack, $test).await {
            Some(w) => w,
            None => return,
        }
    };
}

/// `value` with the field at `path` replaced by `new` (or removed when
/// `new` is `None`).
fn with(value: &Value, path: &[&str], new: Option<Value>) -> Value {
    let mut v = value.clone();
    let (last, parents) = path.split_last().unwrap();
    let mut at = &mut v;
    for p in parents {
        at = &mut at[*p];
    }
    match new {
        Some(n) => at[*last] = n,
        None => {
            at.as_object_mut().unwrap().remove(*last);
        }
    }
    v
}

async fn malformed_bodies_are_400_never_500(stack: Stack, test: &str) {
    let mut w = world!(stack, test);
    let mut b = Browser::default();
    let flow = start_flow(&w.s, &mut b, &w.client, &[]).await;
    let long = "x".repeat(300);
    let json_cases: Vec<(&str, String)> = vec![
        ("identify", "not json".into()),
        ("identify", "{".into()),
        ("identify", "[]".into()),
        ("identify", "{}".into()),
        ("identify", json!({"identifier": 5}).to_string()),
        ("identify", json!({"identifier": null}).to_string()),
        ("identify", json!({"identifier": ""}).to_string()),
        ("identify", json!({"identifier": "  "}).to_string()),
        ("identify", json!({"identifier": long}).to_string()),
        ("identify", json!({"identifier": "a\u{0}b"}).to_string()),
        (
            "identify",
            json!({"identifier": "alice", "admin": true}).to_string(),
        ),
        ("passkey/options", "nul\u{0}".into()),
        (
            "passkey/options",
            json!({"mediation": "silent"}).to_string(),
        ),
        ("passkey/options", json!({"mediation": 1}).to_string()),
        ("passkey/options", json!(["modal", 1]).to_string()),
        ("passkey/verify", "{}".into()),
        (
            "passkey/verify",
            json!({"ceremony_id": 1, "credential": {}}).to_string(),
        ),
        (
            "passkey/verify",
            json!({"ceremony_id": "a", "credential": null}).to_string(),
        ),
        (
            "passkey/failure",
            json!({"credential_id": "!!!"}).to_string(),
        ),
        (
            "passkey/failure",
            json!({"credential_id": URL_SAFE_NO_PAD.encode([1u8; 1024])}).to_string(),
        ),
        ("passkey/failure", json!({"credential_id": ""}).to_string()),
        ("passkey/failure", json!({"credential_id": 7}).to_string()),
        (
            "passkey/failure",
            json!({"dom_exception": "Not Allowed<script>"}).to_string(),
        ),
        ("passkey/failure", json!({"dom_exception": ""}).to_string()),
        (
            "passkey/failure",
            json!({"dom_exception": "A".repeat(65)}).to_string(),
        ),
        ("passkey/failure", json!({"dom_exception": 5}).to_string()),
        ("passkey/failure", json!({"elapsed_ms": -1}).to_string()),
        ("passkey/failure", json!({"elapsed_ms": "x"}).to_string()),
        ("passkey/failure", json!({"elapsed_ms": 1e300}).to_string()),
        (
            "passkey/failure",
            json!({"hybrid_available": "yes"}).to_string(),
        ),
        (
            "passkey/failure",
            json!({"conditional_mediation_available": 1}).to_string(),
        ),
        (
            "passkey/failure",
            json!({"platform_authenticator_available": []}).to_string(),
        ),
        ("passkey/failure", json!({"why": "extra"}).to_string()),
    ];
    for (route, body) in json_cases {
        let res = post_raw(
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
        assert_eq!(
            (status, answer["error"].as_str()),
            (400, Some("invalid_request")),
            "{route} {body}: {answer}"
        );
    }
    // Not JSON at all.
    for content_type in ["text/plain", "application/x-www-form-urlencoded"] {
        let body = json!({"identifier": "alice"}).to_string();
        let res = post_raw(
            &w.s,
            &mut b,
            &flow.id,
            "identify",
            Some(&flow.csrf),
            content_type,
            body,
        )
        .await;
        assert_error(res, 400, "invalid_request").await;
    }

    // Every field of an assertion: unreadable base64 or the wrong type is
    // refused before the ceremony is touched; readable nonsense uses the
    // ceremony up and fails verification.
    let unreadable: Vec<(&[&str], Option<Value>)> = vec![
        (&["rawId"], Some(json!("!!!"))),
        (&["rawId"], Some(json!(5))),
        (&["rawId"], None),
        (&["response", "authenticatorData"], Some(json!("%%%"))),
        (&["response", "clientDataJSON"], Some(json!("***"))),
        (&["response", "signature"], Some(json!("@@@"))),
        (&["response", "userHandle"], Some(json!("~~~"))),
        (&["response", "signature"], None),
        (&["response"], Some(json!("text"))),
        (&["response"], None),
        (&["id"], None),
        (&["id"], Some(json!(["a"]))),
        (&["type"], Some(json!(1))),
        // Readable, but contradicting the rest of the credential.
        (&["id"], Some(json!("!!!"))),
        (&["id"], Some(json!("AAAA"))),
        (&["type"], Some(json!("password"))),
    ];
    let nonsense: Vec<(&[&str], Value)> = vec![
        (
            &["response", "clientDataJSON"],
            json!(URL_SAFE_NO_PAD.encode(b"not json")),
        ),
        (
            &["response", "clientDataJSON"],
            json!(URL_SAFE_NO_PAD.encode(b"{\"type\":1}")),
        ),
        (&["response", "authenticatorData"], json!("AAAA")),
        (&["response", "authenticatorData"], json!("")),
        (&["response", "signature"], json!("AAAA")),
        (&["response", "signature"], json!("")),
        (
            &["response", "userHandle"],
            json!(URL_SAFE_NO_PAD.encode([9u8; 16])),
        ),
        (
            &["response", "userHandle"],
            json!(URL_SAFE_NO_PAD.encode([9u8; 3])),
        ),
        (&["rawId"], json!("")),
        (&["rawId"], json!("AAAA")),
    ];
    for (path, new) in unreadable {
        let (ceremony, public_key) = options(&w.s, &mut b, &flow, "modal").await;
        let credential = with(&w.device.answer(&public_key, &w.key), path, new.clone());
        let res = verify(&w.s, &mut b, &flow, &ceremony, &credential).await;
        let (status, body) = answer(res).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_request")),
            "{path:?} {new:?}: {body}"
        );
    }
    for (path, new) in nonsense {
        let (ceremony, public_key) = options(&w.s, &mut b, &flow, "modal").await;
        let mut credential = with(
            &w.device.answer(&public_key, &w.key),
            path,
            Some(new.clone()),
        );
        if path == ["rawId"] {
            // Keep `id` consistent, so the id itself is what is judged.
            credential["id"] = new.clone();
        }
        let res = verify(&w.s, &mut b, &flow, &ceremony, &credential).await;
        let (status, body) = answer(res).await;
        assert_eq!(status, 400, "{path:?} {new}: {body}");
        assert_eq!(body["error"], "passkey_failed", "{path:?} {new}: {body}");
    }
    assert!(!signed_in(&b));
    let (_, view) = answer(get_flow(&w.s, &b, &flow.id).await).await;
    assert_eq!(view["state"], "pending");
    // The server is fine: a real sign-in still works.
    let (ceremony, public_key) = options(&w.s, &mut b, &flow, "modal").await;
    let assertion = w.device.answer(&public_key, &w.key);
    let (status, body) = answer(verify(&w.s, &mut b, &flow, &ceremony, &assertion).await).await;
    assert_eq!(status, 200, "{body}");
}

crate::stack_tests!(malformed_bodies_are_400_never_500);

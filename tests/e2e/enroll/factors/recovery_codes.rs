//! Recovery codes: shown once, stored hashed, replaced as a set.

use latchkey_fallback::factors::recovery;
use latchkey_fallback::repo::{EventKind, FactorRepo as _};
use reqwest::header::CACHE_CONTROL;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{events, factors, raw, signed_in};
use crate::stack_tests;
use crate::support::{Stack, TestServer};

/// `XXXX-XXXX-XXXX-XXXX` in Crockford base32 (no I, L, O, U).
fn is_recovery_code(code: &str) -> bool {
    let groups: Vec<&str> = code.split('-').collect();
    groups.len() == 4
        && groups.iter().all(|g| {
            g.len() == 4
                && g.bytes().all(|b| {
                    b.is_ascii_digit() || (b.is_ascii_uppercase() && !b"ILOU".contains(&b))
                })
        })
}

async fn recovery_codes_are_shown_once_and_replaced(stack: Stack, test: &str) {
    let Some(server) = TestServer::start(stack, test).await else {
        return;
    };
    let (mut alice, user) = signed_in(&server, "alice").await;
    let (_, overview) = factors(&mut alice).await;
    assert_eq!(overview["recovery_codes"], json!({"left": 0}));

    let res = raw(&mut alice, Method::POST, "/api/account/recovery-codes").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[CACHE_CONTROL], "no-store");
    let first: Vec<String> =
        serde_json::from_value(res.json::<Value>().await.unwrap()["codes"].clone()).unwrap();
    assert_eq!(first.len(), 10);
    assert!(first.iter().all(|c| is_recovery_code(c)), "{first:?}");
    let mut unique = first.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 10);
    let (_, overview) = factors(&mut alice).await;
    assert_eq!(overview["recovery_codes"], json!({"left": 10}));

    let (status, body) = alice.post("/api/account/recovery-codes", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let second: Vec<String> = serde_json::from_value(body["codes"].clone()).unwrap();
    assert_eq!(second.len(), 10);
    assert!(second.iter().all(|c| !first.contains(c)));

    // Only the new set is stored, hashed.
    let stored: Vec<String> = server
        .state
        .db
        .unused_recovery_codes(&user.id)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.code_hash)
        .collect();
    assert_eq!(stored.len(), 10);
    assert!(stored.iter().all(|h| h.starts_with("$argon2id$")));
    assert_eq!(recovery::find_match(&first[0], &stored), None);
    assert!(recovery::find_match(&second[3], &stored).is_some());
    let (_, overview) = factors(&mut alice).await;
    assert_eq!(overview["recovery_codes"], json!({"left": 10}));
    assert_eq!(
        events(&server, &user.id, EventKind::FactorEnrolled).await,
        ["recovery_code", "recovery_code"]
    );
}

stack_tests!(recovery_codes_are_shown_once_and_replaced,);

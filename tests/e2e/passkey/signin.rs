//! Passkey sign-in working as intended: usernameless (button and autofill),
//! identifier-first, two nodes, and what unknown identifiers see.

use latchkey_core::UnixTime;
use latchkey_fallback::repo::FactorRepo as _;
use latchkey_passkey::CredentialRepo as _;
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

async fn usernameless_sign_in_issues_passkey_amr_and_acr(stack: Stack, test: &str) {
    let mut w = world!(stack, test);
    let mut b = Browser::default();
    let flow = start_flow(&w.s, &mut b, &w.client, &[("acr_values", "phr")]).await;
    let (_, view) = answer(get_flow(&w.s, &b, &flow.id).await).await;
    assert_eq!(view["id"], flow.id.as_str());
    assert_eq!(view["state"], "pending");
    assert_eq!(view["client_name"], "Relying Party");
    assert_eq!(view["requested_acr"], json!(["phr"]));
    assert_eq!(view["identifier"], Value::Null);
    assert_eq!(view["methods"], json!(["passkey"]));
    assert_eq!(view["csrf_token"].as_str().unwrap().len(), 32);
    assert!(view["expires_at"].as_i64().unwrap() > w.s.state.clock.now().0);
    assert!(view.get("redirect_to").is_none());

    let (ceremony, public_key) = options(&w.s, &mut b, &flow, "modal").await;
    assert_eq!(public_key["publicKey"]["allowCredentials"], json!([]));
    assert_eq!(public_key["publicKey"]["userVerification"], "required");
    assert_eq!(public_key["publicKey"]["rpId"], "localhost");
    assert!(public_key.get("mediation").is_none_or(Value::is_null));
    let assertion = w.device.answer(&public_key, &w.key);
    let res = verify(&w.s, &mut b, &flow, &ceremony, &assertion).await;
    assert_eq!(res.headers()["cache-control"], "no-store");
    let (status, body) = answer(res).await;
    assert_eq!(status, 200, "{body}");
    assert!(signed_in(&b), "the session cookie is set");
    let redirect_to = body["redirect_to"].as_str().unwrap();
    assert_eq!(redirect_to, format!("/authorize/resume?flow={}", flow.id));

    let (_, view) = answer(get_flow(&w.s, &b, &flow.id).await).await;
    assert_eq!(view["state"], "authenticated");
    assert_eq!(view["redirect_to"], redirect_to);

    let id_token = redeem(&w, &mut b, &flow, redirect_to).await;
    assert_eq!(id_token["sub"], w.alice.id.0.as_str());
    // SoftPasskey is device-bound (not backup-eligible): `hwk`.
    assert_eq!(id_token["amr"], json!(["pop", "hwk", "user", "mfa"]));
    assert_eq!(id_token["acr"], "phr");
    assert_eq!(id_token["nonce"], "n-456");
    let stored =
        w.s.state
            .db
            .credential_by_id(&w.key.credential_id)
            .await
            .unwrap()
            .unwrap();
    assert_eq!(stored.counter, 1, "the use is recorded");
    assert!(stored.last_used_at.is_some_and(|t| t > UnixTime(1_000)));
}

async fn autofill_options_are_conditional(stack: Stack, test: &str) {
    let mut w = world!(stack, test);
    let mut b = Browser::default();
    let flow = start_flow(&w.s, &mut b, &w.client, &[]).await;
    let (ceremony, public_key) = options(&w.s, &mut b, &flow, "conditional").await;
    assert_eq!(public_key["mediation"], "conditional");
    assert_eq!(public_key["publicKey"]["allowCredentials"], json!([]));
    let assertion = w.device.answer(&public_key, &w.key);
    let (status, body) = answer(verify(&w.s, &mut b, &flow, &ceremony, &assertion).await).await;
    assert_eq!(status, 200, "{body}");
    let id_token = redeem(&w, &mut b, &flow, body["redirect_to"].as_str().unwrap()).await;
    assert_eq!(id_token["acr"], "phr");
}

async fn identifier_first_sign_in(stack: Stack, test: &str) {
    let mut w = world!(stack, test);
    let mut b = Browser::default();
    let flow = start_flow(&w.s, &mut b, &w.client, &[]).await;
    assert_eq!(
        identify(&w.s, &mut b, &flow, "nobody").await,
        r#"{"next":"passkey"}"#
    );
    // A correction replaces the first identification; email works too.
    identify(&w.s, &mut b, &flow, "  Alice@Example.com ").await;
    let (_, view) = answer(get_flow(&w.s, &b, &flow.id).await).await;
    assert_eq!(view["identifier"], "Alice@Example.com");
    let (ceremony, public_key) = options(&w.s, &mut b, &flow, "conditional").await;
    let allowed = &public_key["publicKey"]["allowCredentials"];
    assert_eq!(allowed.as_array().unwrap().len(), 1);
    assert_eq!(allowed[0]["id"], w.key.credential_id.to_base64url());
    assert_eq!(allowed[0]["transports"], json!(["hybrid", "internal"]));
    assert!(
        public_key.get("mediation").is_none_or(Value::is_null),
        "identifier-first is modal"
    );
    let assertion = w.device.answer(&public_key, &w.key);
    let (status, body) = answer(verify(&w.s, &mut b, &flow, &ceremony, &assertion).await).await;
    assert_eq!(status, 200, "{body}");
    let id_token = redeem(&w, &mut b, &flow, body["redirect_to"].as_str().unwrap()).await;
    assert_eq!(id_token["sub"], w.alice.id.0.as_str());
    assert_eq!(id_token["amr"], json!(["pop", "hwk", "user", "mfa"]));
}

/// The shape of options: every key, with the values that differ between
/// requests (challenge, credential id) blanked.
fn shape(public_key: &Value) -> Value {
    let mut v = public_key.clone();
    v["publicKey"]["challenge"] = json!("-");
    if let Some(list) = v["publicKey"]["allowCredentials"].as_array_mut() {
        for c in list {
            c["id"] = json!("-");
        }
    }
    v
}

async fn unknown_identifiers_look_like_accounts(stack: Stack, test: &str) {
    let mut w = world!(stack, test);
    w.s.user("carol").await; // an account without passkeys
    // Alice has the typical profile (a passkey and a verified email), which
    // is what an unknown identifier is answered as.
    let verified =
        w.s.state
            .db
            .mark_email_verified(&w.alice.id, "alice@example.com")
            .await
            .unwrap();
    assert!(verified);
    let mut seen = Vec::new();
    for who in ["alice", "nobody@example.com", "carol"] {
        let mut b = Browser::default();
        let flow = start_flow(&w.s, &mut b, &w.client, &[]).await;
        let identified = identify(&w.s, &mut b, &flow, who).await;
        let (_, first) = options(&w.s, &mut b, &flow, "modal").await;
        let (_, again) = options(&w.s, &mut b, &flow, "modal").await;
        let ids = |o: &Value| o["publicKey"]["allowCredentials"].clone();
        assert_eq!(ids(&first).as_array().unwrap().len(), 1, "{who}: {first}");
        assert_eq!(
            ids(&first),
            ids(&again),
            "{who}: the same list on every request"
        );
        assert_ne!(
            first["publicKey"]["challenge"],
            again["publicKey"]["challenge"]
        );
        let id = URL_SAFE_NO_PAD
            .decode(ids(&first)[0]["id"].as_str().unwrap())
            .unwrap();
        assert!((16..=32).contains(&id.len()), "{who}: {} bytes", id.len());
        // A browser finds no passkey for a stand-in, and reports it.
        if who != "alice" {
            assert!(!w.device.can_answer(&first), "{who}");
        }
        let report = json!({"dom_exception": "NotAllowedError", "elapsed_ms": 3000});
        let (status, failure) =
            answer(post(&w.s, &mut b, &flow, "passkey/failure", &report).await).await;
        assert_eq!(status, 200, "{failure}");
        seen.push((identified, shape(&first), failure));
    }
    for (identified, shape, failure) in &seen[1..] {
        assert_eq!(
            identified, &seen[0].0,
            "identify answers byte for byte alike"
        );
        assert_eq!(shape, &seen[0].1, "options have the same shape");
        assert_eq!(
            failure["reason"], seen[0].2["reason"],
            "failures read alike"
        );
    }
    // The fallback options of an unknown identifier are those of a typical
    // account; they differ only for an account whose enrolled methods
    // differ (carol has no passkey and no verified email).
    assert_eq!(
        seen[1].2, seen[0].2,
        "unknown reads like alice: {}",
        seen[1].2
    );
    assert_eq!(seen[0].2["reason"], "no_passkey_on_this_device");
    let steps: Vec<Value> = seen[0].2["next"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["steps"].clone())
        .collect();
    assert_eq!(
        steps,
        vec![
            json!(["passkey_hybrid"]),
            json!(["email_code"]),
            json!(["email_link"])
        ]
    );
}

async fn failures_are_classified(stack: Stack, test: &str) {
    let w = world!(stack, test);
    let mut b = Browser::default();
    let flow = start_flow(&w.s, &mut b, &w.client, &[]).await;
    let known = w.key.credential_id.to_base64url();
    let cases = [
        (
            json!({"dom_exception": "NotAllowedError", "elapsed_ms": 2000}),
            "cancelled",
        ),
        (
            json!({"dom_exception": "NotAllowedError", "elapsed_ms": 299_500}),
            "timed_out",
        ),
        (json!({"dom_exception": "AbortError"}), "cancelled"),
        (json!({"dom_exception": "SecurityError"}), "security_error"),
        (
            json!({"dom_exception": "NotSupportedError"}),
            "not_supported",
        ),
        (json!({}), "not_supported"),
        (
            json!({"dom_exception": "InvalidStateError"}),
            "verification_failed",
        ),
        (
            json!({"credential_id": "AAAAAAAAAAAAAAAAAAAAAA"}),
            "unknown_credential",
        ),
        (json!({"credential_id": known}), "verification_failed"),
        (
            json!({
                "dom_exception": "NotAllowedError", "conditional_mediation_available": true,
                "platform_authenticator_available": false, "hybrid_available": true, "elapsed_ms": 1
            }),
            "cancelled",
        ),
    ];
    for (report, reason) in cases {
        let res = post(&w.s, &mut b, &flow, "passkey/failure", &report).await;
        let (status, body) = answer(res).await;
        assert_eq!(
            (status, body["reason"].as_str()),
            (200, Some(reason)),
            "{report}: {body}"
        );
        // Unidentified: only account-independent options (passkeys), never
        // a method that depends on what an account has enrolled.
        let next = body["next"].as_array().expect("next");
        for option in next {
            let steps = option["steps"].as_array().expect("steps");
            assert!(
                steps.iter().all(|s| {
                    matches!(
                        s.as_str(),
                        Some("passkey" | "passkey_hybrid" | "security_key")
                    )
                }),
                "{report}: {body}"
            );
        }
        assert_eq!(body["decision"]["identify_first"], true, "{body}");
    }
    // Identified as an account with passkeys, a NotAllowedError means
    // "none on this device"; a credential of another account is unknown.
    identify(&w.s, &mut b, &flow, "bob").await;
    let report = json!({"dom_exception": "NotAllowedError", "credential_id": known});
    let (_, body) = answer(post(&w.s, &mut b, &flow, "passkey/failure", &report).await).await;
    assert_eq!(body["reason"], "unknown_credential");
    identify(&w.s, &mut b, &flow, "alice").await;
    let (_, body) = answer(post(&w.s, &mut b, &flow, "passkey/failure", &report).await).await;
    assert_eq!(body["reason"], "verification_failed");
}

async fn sign_in_across_two_nodes(stack: Stack, test: &str) {
    let mut w = world!(stack, test);
    let options2 = Options {
        share_with: Some(w.s.sharing()),
        ..Options::default()
    };
    let s2 = TestServer::start_with(stack, test, options2).await.unwrap();
    let mut b = Browser::default();
    let flow = start_flow(&w.s, &mut b, &w.client, &[]).await;
    // Options from node 1, answer verified by node 2, code from node 2,
    // token from node 1.
    let (ceremony, public_key) = options(&w.s, &mut b, &flow, "modal").await;
    let assertion = w.device.answer(&public_key, &w.key);
    let (status, body) = answer(verify(&s2, &mut b, &flow, &ceremony, &assertion).await).await;
    assert_eq!(status, 200, "{body}");
    let back = location(&b.get(&s2, body["redirect_to"].as_str().unwrap()).await);
    let params = query(&back);
    assert_eq!(params["iss"], w.s.state.config.issuer_str());
    let res = rp::exchange(&w.s, &w.client, &w.secret, &params["code"], &flow.verifier).await;
    assert_eq!(res.status(), 200);
    let tokens: Value = res.json().await.unwrap();
    let id_token = claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id_token["acr"], "phr");
    assert_eq!(id_token["sub"], w.alice.id.0.as_str());
}

crate::stack_tests!(
    usernameless_sign_in_issues_passkey_amr_and_acr,
    autofill_options_are_conditional,
    identifier_first_sign_in,
    unknown_identifiers_look_like_accounts,
    failures_are_classified,
    sign_in_across_two_nodes,
);

//! A node dies (SIGKILL) between the start and the finish of a passkey
//! ceremony: nothing of the sign-in lived only in its memory, so another
//! node finishes it.

use crate::flow::{assert_passkey_claims, claims, world};
use crate::web::{http, send};

#[tokio::test]
async fn node_killed_between_ceremony_start_and_finish() {
    let Some(mut w) = world("node_killed_between_ceremony_start_and_finish").await else {
        return;
    };
    // authorize on node 0, the ceremony started on node 1…
    let (mut s, ceremony, public_key) = w.start(0, 1).await;
    let assertion = w.device.get(&public_key);

    // …which dies while the user touches the authenticator.
    w.c.nodes[1].kill();
    let gone = http().get(format!("{}/healthz", w.c.node(1))).send().await;
    assert!(gone.is_err(), "node 1 is down: {gone:?}");

    // The finish lands on node 2 and completes the sign-in.
    let done = s.verify(&w.c, 2, &ceremony, &assertion).await.ok_json();
    assert!(s.browser.signed_in());
    let redirect_to = done["redirect_to"].as_str().unwrap();
    let code = s.resume(&w.c, 0, redirect_to).await["code"].clone();
    let tokens = w.redeem(2, &code, &s.verifier).await.ok_json();
    assert_passkey_claims(&w, &claims(tokens["id_token"].as_str().unwrap()));
    let info = w
        .userinfo(0, tokens["access_token"].as_str().unwrap())
        .await
        .ok_json();
    assert_eq!(info["sub"], w.user_id.as_str());

    // The survivors keep serving new sign-ins between themselves.
    let (again, code) = w.code([2, 0, 2, 0]).await;
    let tokens = w.redeem(0, &code, &again.verifier).await.ok_json();
    assert_passkey_claims(&w, &claims(tokens["id_token"].as_str().unwrap()));
    for n in [0, 2] {
        let ready = send(http().get(format!("{}/readyz", w.c.node(n)))).await;
        assert_eq!(ready.status, 200, "node {n}: {}", ready.text);
    }
}

//! Single-use secrets presented to three nodes at once: the shared stores,
//! not any one node, decide which request wins.

use futures_util::future::join_all;

use crate::flow::{assert_passkey_claims, claims, world};
use crate::web::Res;

/// The one `200` among `results`; every other answer must be
/// `400 invalid_grant`. Returns the winner's body and the losers'
/// `error_description`s.
fn one_winner(results: &[Res]) -> (serde_json::Value, Vec<String>) {
    let winners: Vec<&Res> = results.iter().filter(|r| r.status == 200).collect();
    assert_eq!(
        winners.len(),
        1,
        "exactly one success: {:?}",
        results
            .iter()
            .map(|r| (r.status, &r.text))
            .collect::<Vec<_>>()
    );
    let losers = results
        .iter()
        .filter(|r| r.status != 200)
        .map(|r| {
            let body = r.expect_error(400, "invalid_grant");
            body["error_description"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    (winners[0].json(), losers)
}

#[tokio::test]
async fn one_code_redeemed_on_three_nodes_at_once() {
    let Some(mut w) = world("one_code_redeemed_on_three_nodes_at_once").await else {
        return;
    };
    let (s, code) = w.code([0, 1, 2, 0]).await;
    let results = join_all((0..3).map(|n| w.redeem(n, &code, &s.verifier))).await;
    let (tokens, losers) = one_winner(&results);
    eprintln!("concurrent code redemption, the losers read: {losers:?}");
    assert_passkey_claims(&w, &claims(tokens["id_token"].as_str().unwrap()));
    let access = tokens["access_token"].as_str().unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();

    // docs/oidc.md: a replayed code is refused, and the access token and
    // refresh-token family its first redemption issued are revoked (the
    // concurrent losers already did; see the test below). A later replay
    // is refused the same way.
    w.redeem(1, &code, &s.verifier)
        .await
        .expect_error(400, "invalid_grant");
    assert!(!w.active(0, access).await, "the access token is revoked");
    assert!(!w.active(2, refresh).await, "the refresh family is revoked");
    assert_eq!(w.userinfo(2, access).await.status, 401);
    w.refresh(0, refresh)
        .await
        .expect_error(400, "invalid_grant");
    assert_eq!(
        w.c.pg
            .count("SELECT count(*) FROM refresh_tokens WHERE revoked_at IS NULL"),
        0,
        "no live refresh token is left"
    );
}

#[tokio::test]
async fn one_refresh_token_rotated_on_three_nodes_at_once() {
    let Some(mut w) = world("one_refresh_token_rotated_on_three_nodes_at_once").await else {
        return;
    };
    let (s, code) = w.code([1, 2, 0, 1]).await;
    let tokens = w.redeem(2, &code, &s.verifier).await.ok_json();
    let first = tokens["refresh_token"].as_str().unwrap().to_owned();

    let results = join_all((0..3).map(|n| w.refresh(n, &first))).await;
    let (rotated, losers) = one_winner(&results);
    for why in &losers {
        assert_eq!(why, "the refresh token was already used", "{losers:?}");
    }
    let next = rotated["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(next, first);
    assert_passkey_claims(&w, &claims(rotated["id_token"].as_str().unwrap()));

    // docs/oidc.md: within the reuse grace a concurrent presentation is
    // only refused, so exactly one live token remains, the winner's.
    let live =
        "SELECT count(*) FROM refresh_tokens WHERE rotated_at IS NULL AND revoked_at IS NULL";
    assert_eq!(w.c.pg.count(live), 1, "exactly one live refresh token");
    assert_eq!(
        w.c.pg
            .count("SELECT count(*) FROM refresh_tokens WHERE revoked_at IS NOT NULL"),
        0,
        "the family was not revoked"
    );
    assert!(!w.active(0, &first).await, "the rotated token is dead");
    assert!(w.active(1, &next).await, "the winner's token is live");

    // …and it works, on any node, once.
    let after = w.refresh(2, &next).await.ok_json();
    let last = after["refresh_token"].as_str().unwrap();
    assert!(w.active(0, last).await);
    assert!(!w.active(1, &next).await);
    assert_eq!(
        w.c.pg.count(live),
        1,
        "still exactly one live refresh token"
    );
}

/// A replay that lands while the first redemption is still minting revokes
/// the winner's tokens all the same (docs/oidc.md; RFC 6749 §4.1.2): every
/// presentation is counted before the code is taken, and the winner checks
/// the count after recording what it issued.
#[tokio::test]
async fn a_concurrent_code_replay_revokes_the_winners_tokens() {
    let Some(mut w) = world("a_concurrent_code_replay_revokes_the_winners_tokens").await else {
        return;
    };
    let (s, code) = w.code([0, 1, 2, 0]).await;
    let results = join_all((0..3).map(|n| w.redeem(n, &code, &s.verifier))).await;
    let (tokens, losers) = one_winner(&results);
    let access = tokens["access_token"].as_str().unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();
    assert!(
        !w.active(0, access).await && !w.active(1, refresh).await,
        "two replays, yet the winner's tokens are live; the losers read {losers:?}"
    );
}

//! Races over real HTTP: several browsers finishing at once. Each race has
//! one winner, and the losers store nothing and burn nothing.

use reqwest::StatusCode;

use super::{Page, Soft, invite, stored, with_credential_of};
use crate::stack_tests;
use crate::support::{Stack, TestServer};

async fn concurrent_finishes_have_one_winner(stack: Stack, test: &str) {
    let Some(server) = TestServer::start(stack, test).await else {
        return;
    };
    let alice = server.user("alice").await;
    let token = invite(&server, &alice, 72).await;
    let mut pages: Vec<Page> = (0..4).map(|_| Page::new(&server)).collect();
    let mut ready = Vec::new();
    for page in &mut pages {
        let (_, started) = page
            .post(&format!("/api/enroll/{token}/options"), None)
            .await;
        let credential = Soft::new().create(&server, &started["public_key"]);
        ready.push((started, credential));
    }
    let results = futures_join(pages.iter_mut().zip(&ready).map(|(page, (s, c))| {
        let token = token.clone();
        async move { page.finish_enroll(&token, s, c, None).await.0 }
    }))
    .await;
    let won = results
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    let lost = results
        .iter()
        .filter(|s| **s == StatusCode::NOT_FOUND)
        .count();
    assert_eq!((won, lost), (1, 3), "{results:?}");
    assert_eq!(stored(&server, &alice).await, 1);
}

/// Run futures concurrently on this task (no extra dependency).
pub async fn futures_join<F: std::future::Future>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output> {
    let handles: Vec<_> = futures.map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = handles.iter().map(|_| None).collect();
    let mut handles: Vec<_> = handles.into_iter().map(Some).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (slot, out) in handles.iter_mut().zip(outputs.iter_mut()) {
            if let Some(f) = slot {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => {
                        *out = Some(v);
                        *slot = None;
                    }
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().map(Option::unwrap).collect()
}

/// Two enrollments (two users, two links) finish at once with the same
/// credential id: Alice's own passkey, and her attestation object replayed
/// into Bob's ceremony. Whichever is stored first wins; the other is
/// `credential_exists`, whether it lost at the pre-check or at the insert
/// after redeeming its link, and in both cases its link still works.
async fn a_duplicate_racing_in_keeps_the_losers_link(stack: Stack, test: &str) {
    let Some(server) = TestServer::start(stack, test).await else {
        return;
    };
    for round in 0..3 {
        let alice = server.user(&format!("alice{round}")).await;
        let bob = server.user(&format!("bob{round}")).await;
        let (a_token, b_token) = (
            invite(&server, &alice, 72).await,
            invite(&server, &bob, 72).await,
        );
        let (mut a_page, mut b_page) = (Page::new(&server), Page::new(&server));
        let (_, a_started) = a_page
            .post(&format!("/api/enroll/{a_token}/options"), None)
            .await;
        let (_, b_started) = b_page
            .post(&format!("/api/enroll/{b_token}/options"), None)
            .await;
        let genuine = Soft::new().create(&server, &a_started["public_key"]);
        let own = Soft::new().create(&server, &b_started["public_key"]);
        let forged = with_credential_of(&own, &genuine);
        let results = futures_join(
            [
                (&mut a_page, &a_token, &a_started, &genuine),
                (&mut b_page, &b_token, &b_started, &forged),
            ]
            .into_iter()
            .map(|(page, token, started, credential)| async move {
                page.finish_enroll(token, started, credential, None).await.0
            }),
        )
        .await;
        let mut sorted = results.clone();
        sorted.sort();
        assert_eq!(
            sorted,
            [StatusCode::CREATED, StatusCode::CONFLICT],
            "{results:?}"
        );
        let (loser, loser_token) = if results[0] == StatusCode::CREATED {
            (&bob, &b_token)
        } else {
            (&alice, &a_token)
        };
        assert_eq!(stored(&server, loser).await, 0);
        let (status, body, _) = Page::new(&server)
            .enroll(loser_token, &mut Soft::new(), None)
            .await;
        assert_eq!(
            status,
            StatusCode::CREATED,
            "the loser's link survived: {body}"
        );
    }
}

stack_tests!(
    concurrent_finishes_have_one_winner,
    a_duplicate_racing_in_keeps_the_losers_link,
);

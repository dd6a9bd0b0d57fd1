//! The sign-in event writer (`latchkey_server::events::EventWriter`):
//! handlers hand events over and go on; the writer puts them in the
//! database in batches, and none is lost on the way.

use std::time::{Duration, Instant};

use latchkey_core::{UnixTime, UserId};
use latchkey_fallback::repo::{EventKind, EventRepo as _, NewEvent, Outcome};
use latchkey_server::events::{EventWriter, MAX_BATCH};

use crate::support::{Stack, TestServer};

/// A linger no test waits out: only size, a flush or the end writes.
const NEVER: Duration = Duration::from_secs(3600);

fn event(user: &UserId, n: usize) -> NewEvent {
    NewEvent::new(UnixTime(1_000), EventKind::PasskeyAttempt, Outcome::Info)
        .user(user)
        .reason(format!("n{n}"))
}

/// The reasons of `user`'s recorded events, sorted.
async fn recorded(s: &TestServer, user: &UserId) -> Vec<String> {
    let events = s.state.db.events_for_user(user, 10_000).await.unwrap();
    let mut reasons: Vec<String> = events.into_iter().filter_map(|e| e.reason).collect();
    reasons.sort();
    reasons
}

fn reasons(range: std::ops::Range<usize>) -> Vec<String> {
    let mut r: Vec<String> = range.map(|n| format!("n{n}")).collect();
    r.sort();
    r
}

/// Wait until `user` has at least `n` recorded events (at most 10 s).
async fn until_recorded(s: &TestServer, user: &UserId, n: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let got = recorded(s, user).await;
        if got.len() >= n || Instant::now() > deadline {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A server, Alice, and a writer of its own with room for `queue`
/// hand-overs that never writes for lack of time.
async fn start(
    stack: Stack,
    test: &str,
    queue: usize,
) -> Option<(TestServer, UserId, EventWriter)> {
    let s = TestServer::start(stack, test).await?;
    let alice = s.user("alice").await.id;
    let writer = EventWriter::spawn_with(s.state.db.clone(), s.state.metrics.clone(), queue, NEVER);
    Some((s, alice, writer))
}

async fn events_wait_for_their_batch_and_a_flush_writes_them(stack: Stack, test: &str) {
    let Some((s, alice, writer)) = start(stack, test, 64).await else {
        return;
    };
    for n in 0..10 {
        writer.submit(vec![event(&alice, n)]).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        recorded(&s, &alice).await.is_empty(),
        "events are gathered into a batch, not written one by one"
    );
    writer.flush().await;
    assert_eq!(recorded(&s, &alice).await, reasons(0..10));
}

async fn a_full_batch_is_written_without_waiting(stack: Stack, test: &str) {
    let Some((s, alice, writer)) = start(stack, test, 4096).await else {
        return;
    };
    // A queue larger than the default one is described, not a panic.
    assert!(format!("{writer:?}").contains("queued: 0"), "{writer:?}");
    let total = MAX_BATCH + 10;
    for n in 0..total {
        writer.submit(vec![event(&alice, n)]).await;
    }
    let written = until_recorded(&s, &alice, MAX_BATCH).await;
    assert!(
        written.len() >= MAX_BATCH,
        "a batch of {MAX_BATCH} is written at once; found {}",
        written.len()
    );
    writer.flush().await;
    assert_eq!(recorded(&s, &alice).await, reasons(0..total));
}

async fn with_the_queue_full_the_handler_writes_itself(stack: Stack, test: &str) {
    // Room for one hand-over. The test runs on one thread, so the writer
    // cannot take the first before the second is handed over.
    let Some((s, alice, writer)) = start(stack, test, 1).await else {
        return;
    };
    writer.submit(vec![event(&alice, 0)]).await;
    writer.submit(vec![event(&alice, 1)]).await;
    assert_eq!(
        recorded(&s, &alice).await,
        reasons(1..2),
        "the hand-over that found the queue full was written at once; the queued one waits"
    );
    writer.flush().await;
    assert_eq!(recorded(&s, &alice).await, reasons(0..2));
}

async fn dropping_the_last_handle_writes_what_is_queued(stack: Stack, test: &str) {
    let Some((s, alice, writer)) = start(stack, test, 64).await else {
        return;
    };
    for n in 0..5 {
        writer.submit(vec![event(&alice, n)]).await;
    }
    drop(writer);
    assert_eq!(until_recorded(&s, &alice, 5).await, reasons(0..5));
}

crate::stack_tests!(
    events_wait_for_their_batch_and_a_flush_writes_them,
    a_full_batch_is_written_without_waiting,
    with_the_queue_full_the_handler_writes_itself,
    dropping_the_last_handle_writes_what_is_queued,
);

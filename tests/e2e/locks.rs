//! Locks across nodes (`latchkey_server::locks`): only the holder releases
//! its lock, so a holder that outlived the lock's TTL cannot free the lock a
//! later request took meanwhile.

use std::time::Duration;

use latchkey_server::locks::Lock;

use crate::support::{Stack, TestServer};

async fn a_lapsed_holder_cannot_release_the_next_holders_lock(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let key = || "flow-lock:locks-test".to_owned();
    let first = Lock::try_acquire(&s.state, key(), Duration::from_millis(200))
        .await
        .unwrap()
        .expect("a free lock is taken");
    assert!(
        Lock::try_acquire(&s.state, key(), Duration::from_secs(30))
            .await
            .unwrap()
            .is_none(),
        "a held lock is not taken twice"
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    let second = Lock::try_acquire(&s.state, key(), Duration::from_secs(30))
        .await
        .unwrap()
        .expect("a lapsed lock is taken again");
    first.release(&s.state).await;
    assert!(
        Lock::try_acquire(&s.state, key(), Duration::from_secs(30))
            .await
            .unwrap()
            .is_none(),
        "the lapsed holder's release left the second holder's lock in place"
    );
    second.release(&s.state).await;
    let third = Lock::try_acquire(&s.state, key(), Duration::from_secs(30))
        .await
        .unwrap()
        .expect("the owner's release frees the lock");
    third.release(&s.state).await;
}

crate::stack_tests!(a_lapsed_holder_cannot_release_the_next_holders_lock);

//! A settable clock for tests that need time to pass without sleeping
//! (expired codes, access tokens, refresh tokens).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use latchkey_core::{Clock, SystemClock, UnixTime};

/// The system clock plus an offset the test moves forward. Time keeps
/// flowing as usual; [`TestClock::advance`] jumps ahead.
#[derive(Debug, Default)]
pub struct TestClock {
    offset: AtomicI64,
}

impl TestClock {
    /// A clock that starts at the system time, shared with the server.
    #[must_use]
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Jump `secs` seconds ahead.
    pub fn advance(&self, secs: i64) {
        self.offset.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now(&self) -> UnixTime {
        SystemClock
            .now()
            .plus_secs(self.offset.load(Ordering::SeqCst))
    }
}

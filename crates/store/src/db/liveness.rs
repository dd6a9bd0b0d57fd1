//! Whether a pooled PostgreSQL connection needs a `SELECT 1` before use.
//!
//! r2d2 checks a connection at every checkout, so each statement of a
//! request cost two round trips to the server. As HikariCP does, a
//! connection whose last statement got an answer from the server less than
//! [`FRESH`] ago is handed out without the check: the server answered it
//! just now. After a statement that failed for another reason than the
//! server's answer (the connection closed, a send failed), the connection
//! counts as unchecked, so the next checkout runs `SELECT 1` and r2d2
//! replaces it if the server is gone. What this gives up: a connection that
//! died within the last [`FRESH`] (a database restart) fails one statement
//! (a 503) before it is replaced, instead of being replaced at checkout.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel::result::{DatabaseErrorKind, Error};

use super::AnyConnection;

/// How long after an answer from the server a connection is used unchecked.
pub(crate) const FRESH: Duration = Duration::from_secs(1);

/// A pooled connection and when the server last answered on it.
#[derive(Debug)]
pub struct Pooled {
    pub(crate) conn: AnyConnection,
    answered: Arc<Answered>,
}

impl Pooled {
    /// Watch `conn`'s statements (PostgreSQL); a SQLite connection is never
    /// checked at checkout and is not watched.
    pub(crate) fn new(mut conn: AnyConnection) -> Self {
        let answered = Arc::new(Answered::new());
        if let AnyConnection::Postgresql(pg) = &mut conn {
            diesel::Connection::set_instrumentation(pg, Watch(Arc::clone(&answered)));
        }
        Self { conn, answered }
    }

    /// Whether the server answered on this connection less than `fresh` ago.
    pub(crate) fn answered_within(&self, fresh: Duration) -> bool {
        self.answered.within(fresh)
    }
}

/// Milliseconds since `start` (plus one) of the last answer; 0 for none.
#[derive(Debug)]
struct Answered {
    start: Instant,
    at: AtomicU64,
}

impl Answered {
    fn new() -> Self {
        Self {
            start: Instant::now(),
            at: AtomicU64::new(0),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis())
            .unwrap_or(u64::MAX - 1)
            .saturating_add(1)
    }

    fn within(&self, fresh: Duration) -> bool {
        let at = self.at.load(Ordering::Relaxed);
        let fresh = u64::try_from(fresh.as_millis()).unwrap_or(u64::MAX);
        at != 0 && self.now().saturating_sub(at) < fresh
    }
}

/// Records each statement's outcome on the connection it ran on.
struct Watch(Arc<Answered>);

impl Instrumentation for Watch {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::FinishQuery { error, .. } = event {
            let at = if error.is_none_or(server_answered) {
                self.0.now()
            } else {
                0
            };
            self.0.at.store(at, Ordering::Relaxed);
        }
    }
}

/// Whether `e` is the server's answer (a constraint, a missing row, a
/// conversion), which proves the connection works, rather than a failure
/// to talk to the server.
fn server_answered(e: &Error) -> bool {
    match e {
        Error::DatabaseError(kind, _) => !matches!(
            kind,
            DatabaseErrorKind::ClosedConnection
                | DatabaseErrorKind::UnableToSendCommand
                | DatabaseErrorKind::Unknown
        ),
        Error::NotFound | Error::DeserializationError(_) | Error::SerializationError(_) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_only_after_an_answer_and_only_for_a_while() {
        let a = Answered::new();
        assert!(!a.within(FRESH), "never answered: check it");
        a.at.store(a.now(), Ordering::Relaxed);
        assert!(a.within(FRESH));
        assert!(!a.within(Duration::ZERO));
        let closed = Error::DatabaseError(
            DatabaseErrorKind::ClosedConnection,
            Box::new(String::from("server closed the connection")),
        );
        assert!(!server_answered(&closed));
        let unique = Error::DatabaseError(
            DatabaseErrorKind::UniqueViolation,
            Box::new(String::from("duplicate key")),
        );
        assert!(server_answered(&unique));
        assert!(server_answered(&Error::NotFound));
        assert!(!server_answered(&Error::BrokenTransactionManager));
    }
}

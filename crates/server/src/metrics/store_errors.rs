//! Store errors noticed while a request is handled.
//!
//! Store errors become [`crate::ApiError`] through `From` impls that have
//! no access to the application state, so they cannot reach the registry
//! directly. Instead the metrics middleware runs each request inside
//! [`track`], which gives the request a tally in a task-local; the `From`
//! impls [`note`] into it, and the middleware adds the tally to the
//! request's own server's registry when the request ends. Outside a
//! request (the CLI, background tasks) noting does nothing. No global
//! counter: every server in a test process keeps its own counts.

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;

use latchkey_core::{EphemeralError, RepoError};

/// Which store failed and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreError {
    /// The database did not answer in time or the pool is exhausted.
    DatabaseUnavailable,
    /// The database answered with an unexpected error.
    DatabaseBackend,
    /// The ephemeral store (Redis) did not answer in time.
    EphemeralUnavailable,
    /// The in-memory ephemeral store is at its bound.
    EphemeralFull,
    /// The ephemeral store held something that could not be read.
    EphemeralInvalid,
}

impl StoreError {
    /// Every value, in label order.
    pub const ALL: [StoreError; 5] = [
        Self::DatabaseUnavailable,
        Self::DatabaseBackend,
        Self::EphemeralUnavailable,
        Self::EphemeralFull,
        Self::EphemeralInvalid,
    ];

    /// The `store` label.
    #[must_use]
    pub fn store(self) -> &'static str {
        match self {
            Self::DatabaseUnavailable | Self::DatabaseBackend => "database",
            Self::EphemeralUnavailable | Self::EphemeralFull | Self::EphemeralInvalid => {
                "ephemeral"
            }
        }
    }

    /// The `kind` label.
    #[must_use]
    pub fn kind(self) -> &'static str {
        match self {
            Self::DatabaseUnavailable | Self::EphemeralUnavailable => "unavailable",
            Self::DatabaseBackend => "backend",
            Self::EphemeralFull => "full",
            Self::EphemeralInvalid => "invalid",
        }
    }

    /// A repository error that is a failure of the store. `NotFound` and
    /// `Conflict` are answers, not failures: `None`.
    #[must_use]
    pub fn of_repo(e: &RepoError) -> Option<Self> {
        match e {
            RepoError::Unavailable(_) => Some(Self::DatabaseUnavailable),
            RepoError::Backend(_) => Some(Self::DatabaseBackend),
            RepoError::NotFound | RepoError::Conflict(_) => None,
        }
    }

    /// Every ephemeral-store error is a failure of the store.
    #[must_use]
    pub fn of_ephemeral(e: &EphemeralError) -> Self {
        match e {
            EphemeralError::Unavailable(_) => Self::EphemeralUnavailable,
            EphemeralError::Full(_) => Self::EphemeralFull,
            EphemeralError::Invalid(_) => Self::EphemeralInvalid,
        }
    }

    fn index(self) -> usize {
        match self {
            Self::DatabaseUnavailable => 0,
            Self::DatabaseBackend => 1,
            Self::EphemeralUnavailable => 2,
            Self::EphemeralFull => 3,
            Self::EphemeralInvalid => 4,
        }
    }
}

/// The store errors of one request, by [`StoreError`].
#[derive(Debug, Default)]
pub struct Tally([Cell<u32>; 5]);

impl Tally {
    /// The count of each error noticed, zeros left out.
    pub fn counts(&self) -> impl Iterator<Item = (StoreError, u32)> + '_ {
        StoreError::ALL
            .into_iter()
            .map(|e| (e, self.0[e.index()].get()))
            .filter(|(_, n)| *n > 0)
    }

    fn add(&self, e: StoreError) {
        let cell = &self.0[e.index()];
        cell.set(cell.get().saturating_add(1));
    }
}

tokio::task_local! {
    static TALLY: Rc<Tally>;
}

/// Note a store error for the request being handled, if any.
pub fn note(e: StoreError) {
    // Outside `track` there is no tally; that is not an error.
    let _ = TALLY.try_with(|t| t.add(e));
}

/// Run `fut` (one request) with a fresh tally; its output and the tally.
pub async fn track<F: Future>(fut: F) -> (F::Output, Rc<Tally>) {
    let tally = Rc::new(Tally::default());
    let out = TALLY.scope(Rc::clone(&tally), fut).await;
    (out, tally)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn errors_are_tallied_per_request_and_ignored_outside() {
        note(StoreError::DatabaseBackend);
        let ((), tally) = track(async {
            note(StoreError::DatabaseUnavailable);
            note(StoreError::DatabaseUnavailable);
            if let Some(e) = StoreError::of_repo(&RepoError::NotFound) {
                note(e);
            }
            note(StoreError::of_ephemeral(&EphemeralError::Full(3)));
        })
        .await;
        let counts: Vec<_> = tally.counts().collect();
        assert_eq!(
            counts,
            [
                (StoreError::DatabaseUnavailable, 2),
                (StoreError::EphemeralFull, 1)
            ]
        );
        let ((), other) = track(async {}).await;
        assert_eq!(other.counts().count(), 0);
    }

    #[test]
    fn labels_are_fixed_words() {
        for e in StoreError::ALL {
            assert!(matches!(e.store(), "database" | "ephemeral"));
            assert!(!e.kind().is_empty());
        }
    }
}

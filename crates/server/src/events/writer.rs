//! Writing sign-in events to the database in batches, off the request.
//!
//! The `auth_events` table is the operators' record of what happened; no
//! request reads it. A handler therefore hands its events to one writer
//! task and goes on; the task gathers what arrives within [`LINGER`] (at
//! most [`MAX_BATCH`] events) and writes it in one transaction. Under load
//! that is one write for many sign-ins instead of one each (on PostgreSQL
//! also one connection checkout and round trip); at rest an event is in the
//! table within [`LINGER`].
//!
//! Nothing is dropped for lack of room: when the queue is full the handler
//! writes its events itself, as it did before there was a queue. At
//! shutdown `latchkey serve` waits for [`EventWriter::flush`] after the last
//! request. What a crash loses is at most the last [`LINGER`] of events,
//! which are also log lines and already counted in the metrics.

use std::time::Duration;

use latchkey_fallback::repo::{EventRepo as _, NewEvent};
use latchkey_store::Db;
use tokio::sync::{mpsc, oneshot};

use crate::metrics::{Metrics, StoreError};

/// How long the writer waits for more events after the first of a batch.
pub const LINGER: Duration = Duration::from_millis(100);

/// The most events written in one transaction.
pub const MAX_BATCH: usize = 256;

/// How many hand-overs the queue holds before handlers write themselves.
const QUEUE: usize = 1024;

enum Msg {
    Events(Vec<NewEvent>),
    /// Write everything queued before this, then answer.
    Flush(oneshot::Sender<()>),
}

/// The handle handlers use (in `AppState`); cheap to clone.
#[derive(Clone)]
pub struct EventWriter {
    tx: mpsc::Sender<Msg>,
    db: Db,
    metrics: std::sync::Arc<Metrics>,
}

impl std::fmt::Debug for EventWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventWriter")
            .field("queued", &(self.tx.max_capacity() - self.tx.capacity()))
            .finish_non_exhaustive()
    }
}

impl EventWriter {
    /// Start the writer task on the current runtime. It ends when every
    /// handle is gone, after writing what was queued.
    #[must_use]
    pub fn spawn(db: Db, metrics: std::sync::Arc<Metrics>) -> Self {
        Self::spawn_with(db, metrics, QUEUE, LINGER)
    }

    /// [`EventWriter::spawn`] with another queue size and linger (tests).
    #[must_use]
    pub fn spawn_with(
        db: Db,
        metrics: std::sync::Arc<Metrics>,
        queue: usize,
        linger: Duration,
    ) -> Self {
        let (tx, rx) = mpsc::channel(queue.max(1));
        tokio::spawn(run(rx, db.clone(), std::sync::Arc::clone(&metrics), linger));
        Self { tx, db, metrics }
    }

    /// Queue `events` (already counted and logged by the caller) to be
    /// written together, in order. When the queue is full, or the writer
    /// is gone, they are written now instead.
    pub async fn submit(&self, events: Vec<NewEvent>) {
        if events.is_empty() {
            return;
        }
        match self.tx.try_send(Msg::Events(events)) {
            Ok(()) => {}
            Err(
                mpsc::error::TrySendError::Full(Msg::Events(events))
                | mpsc::error::TrySendError::Closed(Msg::Events(events)),
            ) => write(&self.db, &self.metrics, &events).await,
            Err(_) => {}
        }
    }

    /// Wait until everything submitted before this call is in the
    /// database (or was found unwritable and logged).
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Msg::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}

/// The writer task: one batch at a time, each in one transaction.
async fn run(
    mut rx: mpsc::Receiver<Msg>,
    db: Db,
    metrics: std::sync::Arc<Metrics>,
    linger: Duration,
) {
    let mut batch: Vec<NewEvent> = Vec::new();
    while let Some(first) = rx.recv().await {
        let mut flushes = Vec::new();
        match first {
            Msg::Events(events) => batch.extend(events),
            Msg::Flush(done) => flushes.push(done),
        }
        let deadline = tokio::time::Instant::now() + linger;
        while flushes.is_empty() && batch.len() < MAX_BATCH {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(Msg::Events(events))) => batch.extend(events),
                Ok(Some(Msg::Flush(done))) => flushes.push(done),
                Ok(None) | Err(_) => break,
            }
        }
        // A batch may pass MAX_BATCH by the last hand-over's size; that
        // bounds it well below what a transaction or SQLite's variable
        // limit can take.
        write(&db, &metrics, &batch).await;
        batch.clear();
        for done in flushes {
            let _ = done.send(());
        }
    }
}

/// Write `events` in one transaction; a failure is logged and counted,
/// never passed on (analytics must not fail a sign-in).
async fn write(db: &Db, metrics: &Metrics, events: &[NewEvent]) {
    if events.is_empty() {
        return;
    }
    if let Err(e) = db.record_events(events).await {
        if let Some(error) = StoreError::of_repo(&e) {
            metrics.store_errors(error, 1);
        }
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        tracing::warn!(error = %e, kinds = ?kinds, "sign-in events not recorded");
    }
}

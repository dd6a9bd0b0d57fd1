//! Where queries run: SQLite's keyed statements on the calling thread,
//! scans and all of PostgreSQL's on the blocking pool; and the SQLite
//! checkpointer that keeps the write-ahead log short without automatic
//! checkpoints on the request connection.

use std::thread;
use std::time::Duration;

use diesel::connection::SimpleConnection as _;
use latchkey_store::{Backend, Db, DbOptions};

async fn keyed_statements_run_inline_on_sqlite_only(db: &Db) {
    let here = thread::current().id();
    let keyed = db.run(|_| thread::current().id()).await.unwrap();
    let long = db.run_long(|_| thread::current().id()).await.unwrap();
    assert_ne!(long, here, "run_long must leave the calling thread");
    match db.backend() {
        Backend::Sqlite => assert_eq!(keyed, here, "SQLite keyed statements run inline"),
        Backend::Postgres => assert_ne!(keyed, here, "PostgreSQL queries use the pool"),
    }
}

latchkey_store::db_tests!(keyed_statements_run_inline_on_sqlite_only);

/// 3,000 one-row transactions of 3 KiB each write at least 12 MiB of log
/// frames. The request connection never checkpoints, so without the
/// checkpointer the log would hold all of them; with it the log restarts
/// from its beginning every round and the file stays a fraction of that.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_checkpointer_keeps_the_sqlite_log_short_under_steady_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latchkey.db");
    let options = DbOptions {
        checkpoint_interval: Duration::from_millis(10),
        ..DbOptions::default()
    };
    let db = Db::connect(&format!("sqlite://{}", path.display()), options)
        .await
        .unwrap();
    db.run(|c| c.batch_execute("CREATE TABLE filler (body BLOB NOT NULL)"))
        .await
        .unwrap()
        .unwrap();
    const WRITES: usize = 3_000;
    for i in 0..WRITES {
        db.run(|c| c.batch_execute("INSERT INTO filler (body) VALUES (zeroblob(3072))"))
            .await
            .unwrap()
            .unwrap();
        // Room for the checkpointer between batches of 100 (about 1.2 MiB
        // of log), so the bound below holds on a busy machine too.
        if i % 100 == 99 {
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
    }
    let written = WRITES * 4096;
    let wal = std::fs::metadata(dir.path().join("latchkey.db-wal"))
        .unwrap()
        .len();
    assert!(
        usize::try_from(wal).unwrap() < written / 4,
        "the log grew to {wal} bytes of {written} written"
    );
    let rows = db
        .run_long(|c| {
            use diesel::prelude::*;
            diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
                "(SELECT COUNT(*) FROM filler)",
            ))
            .get_result::<i64>(c)
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        rows,
        i64::try_from(WRITES).unwrap(),
        "every write is readable"
    );
}

//! PostgreSQL connections are checked with `SELECT 1` at checkout unless
//! the server answered on them within the last second (`db::liveness`):
//! a connection killed just after an answer fails one statement and is
//! then replaced; one killed longer ago is caught by the check.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use latchkey_store::{Backend, Db, testing};

#[derive(QueryableByName)]
struct Pid {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pid: i32,
}

/// The server process behind the connection the next statement gets
/// (r2d2 hands out the most recently returned idle connection).
async fn backend_pid(db: &Db) -> Result<i32, String> {
    db.run(|c| {
        diesel::sql_query("SELECT pg_backend_pid() AS pid")
            .get_result::<Pid>(c)
            .map(|p| p.pid)
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

/// End server process `pid` from outside the pool, and wait until it is gone.
async fn kill(pid: i32) {
    tokio::task::spawn_blocking(move || {
        let mut admin = PgConnection::establish(&testing::postgres_url()).unwrap();
        diesel::sql_query(format!("SELECT pg_terminate_backend({pid})"))
            .execute(&mut admin)
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            let alive: i64 = diesel::dsl::sql::<diesel::sql_types::BigInt>(&format!(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE pid = {pid}"
            ))
            .get_result(&mut admin)
            .unwrap();
            if alive == 0 {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        panic!("backend {pid} did not end");
    })
    .await
    .unwrap();
}

/// A PostgreSQL test database whose most recently used pooled connection
/// the server has just answered on and then ended; and that backend's pid.
async fn answered_then_killed(test: &str) -> Option<(testing::TestDb, i32)> {
    let t = testing::test_db(Backend::Postgres, test).await?;
    let pid = backend_pid(&t.db).await.unwrap();
    kill(pid).await;
    Some((t, pid))
}

#[tokio::test]
async fn a_connection_answered_just_now_is_used_unchecked_then_replaced() {
    let test = "liveness::a_connection_answered_just_now_is_used_unchecked_then_replaced";
    let Some((t, pid)) = answered_then_killed(test).await else {
        return;
    };
    let first = backend_pid(&t.db).await;
    assert!(
        first.is_err(),
        "the connection was answered on less than a second ago, so it is \
         used without SELECT 1 and its statement fails: {first:?}"
    );
    let next = backend_pid(&t.db).await.unwrap();
    assert_ne!(next, pid, "the failed connection was checked and replaced");
}

#[tokio::test]
async fn a_connection_idle_for_a_while_is_checked_at_checkout() {
    let test = "liveness::a_connection_idle_for_a_while_is_checked_at_checkout";
    let Some((t, pid)) = answered_then_killed(test).await else {
        return;
    };
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    let next = backend_pid(&t.db).await.unwrap();
    assert_ne!(
        next, pid,
        "SELECT 1 found the dead connection; a live one answered"
    );
}

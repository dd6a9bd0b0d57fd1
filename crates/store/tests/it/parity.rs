//! The two migration folders must not drift: same migration names, the
//! same tables with the same columns on both backends, exactly the tables
//! of the hand-kept schema, each of which answers; and SQLite connections
//! carry their settings.

use std::collections::BTreeMap;
use std::path::Path;

use diesel::prelude::*;
use latchkey_store::db::schema::TABLES;
use latchkey_store::{Backend, Db, testing};

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = diesel::sql_types::Text)]
    table_name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    column_name: String,
}

/// Every table the migrations made (diesel's own bookkeeping aside), with
/// its column names, read from the database's catalog.
async fn catalog(db: &Db) -> BTreeMap<String, Vec<String>> {
    let sql = match db.backend() {
        Backend::Sqlite => {
            "SELECT m.name AS table_name, c.name AS column_name \
             FROM sqlite_master m, pragma_table_info(m.name) c \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'"
        }
        Backend::Postgres => {
            "SELECT CAST(table_name AS TEXT) AS table_name, CAST(column_name AS TEXT) AS column_name \
             FROM information_schema.columns WHERE table_schema = current_schema()"
        }
    };
    let rows: Vec<Column> = db
        .run_long(move |c| diesel::sql_query(sql).load(c))
        .await
        .unwrap()
        .unwrap();
    let mut tables: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in rows
        .into_iter()
        .filter(|r| r.table_name != "__diesel_schema_migrations")
    {
        tables
            .entry(row.table_name)
            .or_default()
            .push(row.column_name);
    }
    tables.values_mut().for_each(|columns| columns.sort());
    tables
}

/// SQLite and PostgreSQL end up with the same tables and columns, and
/// those tables are exactly the schema's.
#[tokio::test]
async fn both_backends_have_the_same_tables_and_columns() {
    let sqlite = testing::test_db(Backend::Sqlite, "same_tables")
        .await
        .unwrap();
    let Some(postgres) = testing::test_db(Backend::Postgres, "same_tables").await else {
        return;
    };
    let (sqlite, postgres) = (catalog(&sqlite.db).await, catalog(&postgres.db).await);
    assert_eq!(sqlite, postgres, "the migrations have drifted");
    let mut schema: Vec<&str> = TABLES.to_vec();
    schema.sort_unstable();
    let made: Vec<&str> = sqlite.keys().map(String::as_str).collect();
    assert_eq!(made, schema, "schema::TABLES and the migrations disagree");
}

#[derive(QueryableByName)]
struct Setting {
    #[diesel(sql_type = diesel::sql_types::Text)]
    value: String,
}

/// One PRAGMA's value on connection `c`.
fn pragma(c: &mut latchkey_store::db::AnyConnection, name: &str) -> String {
    // The table-valued pragma's column is named after it, except this one.
    let column = if name == "busy_timeout" {
        "timeout"
    } else {
        name
    };
    let sql = format!("SELECT CAST({column} AS TEXT) AS value FROM pragma_{name}");
    diesel::sql_query(sql)
        .get_result::<Setting>(c)
        .unwrap()
        .value
}

/// Both SQLite connections, the request one and the pooled ones, enforce
/// foreign keys, use the write-ahead log and wait for a lock.
#[tokio::test]
async fn sqlite_connections_carry_their_settings() {
    let t = testing::test_db(Backend::Sqlite, "sqlite_settings")
        .await
        .unwrap();
    let read = |c: &mut latchkey_store::db::AnyConnection| {
        ["foreign_keys", "journal_mode", "busy_timeout"].map(|name| pragma(c, name))
    };
    let expected = ["1", "wal", "5000"].map(str::to_owned);
    assert_eq!(
        t.db.run(read).await.unwrap(),
        expected,
        "request connection"
    );
    assert_eq!(
        t.db.run_long(read).await.unwrap(),
        expected,
        "pooled connection"
    );
}

fn migration_names(backend: &str) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../migrations")
        .join(backend);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn migration_folders_carry_the_same_names() {
    let sqlite = migration_names("sqlite");
    let postgres = migration_names("postgres");
    assert!(!sqlite.is_empty());
    assert_eq!(
        sqlite, postgres,
        "migrations/sqlite and migrations/postgres have drifted"
    );
    for backend in ["sqlite", "postgres"] {
        for name in migration_names(backend) {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../migrations")
                .join(backend)
                .join(&name);
            assert!(
                dir.join("up.sql").is_file(),
                "{backend}/{name}/up.sql missing"
            );
            assert!(
                dir.join("down.sql").is_file(),
                "{backend}/{name}/down.sql missing"
            );
        }
    }
}

async fn every_table_is_queryable(db: &Db) {
    db.check_tables().await.unwrap();
    db.ping().await.unwrap();
    // The binary embeds exactly the migrations on disk (no stale build).
    let on_disk = migration_names(db.backend().as_str());
    assert_eq!(db.embedded_migrations(), on_disk);
}

async fn migrating_twice_is_a_no_op(db: &Db) {
    assert!(db.migrate().await.unwrap().is_empty());
}

latchkey_store::db_tests!(every_table_is_queryable, migrating_twice_is_a_no_op);

//! The two migration folders must not drift: same migration names, and every
//! table of the hand-kept schema exists and answers on both backends.

use std::path::Path;

use latchkey_store::Db;

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

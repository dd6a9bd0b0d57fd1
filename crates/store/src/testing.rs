//! Test fixtures shared by the store, server and end-to-end suites
//! (feature `testing`).
//!
//! Backend suites run against real services. Where a service cannot be
//! reached, a test says so loudly on stderr and returns early; with `CI=true`
//! (or `LATCHKEY_REQUIRE_BACKENDS=1`) it fails instead, so CI never skips.

#![allow(clippy::expect_used, clippy::unwrap_used)]

/// The Redis URL the suites use: `LATCHKEY_TEST_REDIS_URL`, default
/// `redis://127.0.0.1:6379`.
#[must_use]
pub fn redis_url() -> String {
    std::env::var("LATCHKEY_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// The PostgreSQL URL the suites use: `LATCHKEY_TEST_POSTGRES_URL`, default
/// `postgres://postgres@127.0.0.1:5432/latchkey_test`, with
/// `sslmode=disable` unless the URL chooses a mode.
///
/// Why not TLS: libpq prefers it when the server offers it (Debian's
/// PostgreSQL does), and then OpenSSL registers an exit handler that frees
/// its state while connections of finished tests are still being closed on
/// other threads: the test process crashed in libcrypto after every test
/// had passed (SIGSEGV, about one run in six). The suites test Latchkey, not
/// TLS to a loopback database.
#[must_use]
pub fn postgres_url() -> String {
    let url = std::env::var("LATCHKEY_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/latchkey_test".into());
    if url.contains("sslmode=") {
        url
    } else if url.contains('?') {
        format!("{url}&sslmode=disable")
    } else {
        format!("{url}?sslmode=disable")
    }
}

/// Whether an unreachable backend must fail the test instead of skipping it.
#[must_use]
pub fn backends_required() -> bool {
    let set = |k: &str| std::env::var(k).is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"));
    set("CI") || set("LATCHKEY_REQUIRE_BACKENDS")
}

/// Report that `service` is unreachable: panics when backends are required,
/// otherwise prints a loud skip notice. Call it and `return` from the test.
pub fn unreachable(service: &str, test: &str, why: &dyn std::fmt::Display) {
    if backends_required() {
        panic!("{service} is required (CI=true) but unreachable in {test}: {why}");
    }
    eprintln!(
        "\n!!! SKIPPED {test}: {service} unreachable ({why}).\n!!! Start it or set the \
         LATCHKEY_TEST_* URL; CI=true turns this skip into a failure.\n"
    );
}

/// A random key prefix so parallel tests never share Redis keys.
#[must_use]
pub fn unique_prefix(test: &str) -> String {
    format!("lktest:{test}:{}:", latchkey_core::id::random_hex(8))
}

/// A migrated database for one test: a fresh SQLite file in a temporary
/// directory, or a fresh schema in the PostgreSQL test database (dropped when
/// the value is dropped).
#[derive(Debug)]
pub struct TestDb {
    pub db: crate::Db,
    /// The URL the database was opened with (to start a server on it).
    pub url: String,
    _guard: Guard,
}

#[derive(Debug)]
enum Guard {
    Dir(#[allow(dead_code)] tempfile::TempDir),
    Schema { admin_url: String, schema: String },
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Guard::Schema { admin_url, schema } = self {
            use diesel::Connection as _;
            use diesel::connection::SimpleConnection as _;
            if let Ok(mut c) = diesel::PgConnection::establish(admin_url) {
                let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
            }
        }
    }
}

/// A fresh, migrated database on `backend`, or `None` (after a loud notice)
/// when PostgreSQL is unreachable outside CI.
pub async fn test_db(backend: crate::Backend, test: &str) -> Option<TestDb> {
    let (url, guard) = match backend {
        crate::Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}/latchkey.db", dir.path().display());
            (url, Guard::Dir(dir))
        }
        crate::Backend::Postgres => {
            let admin_url = postgres_url();
            let schema = format!("t_{}", latchkey_core::id::random_hex(8));
            let setup = {
                let (admin_url, schema) = (admin_url.clone(), schema.clone());
                tokio::task::spawn_blocking(move || create_schema(&admin_url, &schema))
                    .await
                    .expect("setup task")
            };
            if let Err(why) = setup {
                unreachable("PostgreSQL", test, &why);
                return None;
            }
            let mut url = url::Url::parse(&admin_url).expect("postgres URL");
            url.query_pairs_mut()
                .append_pair("options", &format!("-csearch_path={schema}"));
            (url.to_string(), Guard::Schema { admin_url, schema })
        }
    };
    let options = crate::DbOptions {
        pool_size: 4,
        ..crate::DbOptions::default()
    };
    let db = crate::Db::connect(&url, options)
        .await
        .expect("connect test database");
    db.migrate().await.expect("migrate test database");
    Some(TestDb {
        db,
        url,
        _guard: guard,
    })
}

/// Create the test database if it is missing, then a fresh schema in it.
fn create_schema(admin_url: &str, schema: &str) -> Result<(), String> {
    use diesel::Connection as _;
    use diesel::connection::SimpleConnection as _;
    let mut conn = match diesel::PgConnection::establish(admin_url) {
        Ok(c) => c,
        Err(e) if e.to_string().contains("does not exist") => {
            let mut server = url::Url::parse(admin_url).map_err(|e| e.to_string())?;
            let name = server.path().trim_start_matches('/').to_owned();
            server.set_path("/postgres");
            let mut c =
                diesel::PgConnection::establish(server.as_str()).map_err(|e| e.to_string())?;
            // Parallel tests may race to create it; a duplicate is fine.
            let _ = c.batch_execute(&format!("CREATE DATABASE \"{name}\""));
            diesel::PgConnection::establish(admin_url).map_err(|e| e.to_string())?
        }
        Err(e) => return Err(e.to_string()),
    };
    conn.batch_execute(&format!("CREATE SCHEMA {schema}"))
        .map_err(|e| e.to_string())
}

/// Generate one `#[tokio::test]` per database backend from an
/// `async fn(&Db)` case: `db_tests!(case_a, case_b);`.
#[macro_export]
macro_rules! db_tests {
    ($($case:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $case() {
                    let t = $crate::testing::test_db($crate::Backend::Sqlite, stringify!($case))
                        .await
                        .expect("sqlite is always available");
                    super::$case(&t.db).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $case() {
                    let Some(t) = $crate::testing::test_db($crate::Backend::Postgres, stringify!($case)).await
                    else { return };
                    super::$case(&t.db).await;
                }
            )+
        }
    };
}

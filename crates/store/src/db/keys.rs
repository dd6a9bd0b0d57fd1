//! `KeyRepo` on the database. The private key column holds the sealed value
//! only (see `latchkey_oidc::keys::seal`); this module never sees key
//! material in the clear.

use diesel::prelude::*;
use latchkey_core::{RepoError, UnixTime};
use latchkey_oidc::SigningAlg;
use latchkey_oidc::keys::{KeyRepo, StoredKey};

use super::schema::signing_keys;
use super::{AnyConnection, Db, repo_error, rows_changed};

/// Names the transaction-scoped advisory lock that serialises the first-key
/// insertion of PostgreSQL nodes starting together ("LKSIGNKY").
const PG_FIRST_KEYS_LOCK: i64 = 0x4c4b_5349_474e_4b59;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = signing_keys)]
struct KeyRow {
    kid: String,
    alg: String,
    public_jwk: String,
    private_key: String,
    created_at: i64,
    activates_at: i64,
    retires_at: Option<i64>,
    expires_at: Option<i64>,
}

impl KeyRow {
    fn from_key(k: &StoredKey) -> Self {
        Self {
            kid: k.kid.clone(),
            alg: k.alg.as_str().to_owned(),
            public_jwk: k.public_jwk.clone(),
            private_key: k.private_key.clone(),
            created_at: k.created_at.0,
            activates_at: k.activates_at.0,
            retires_at: k.retires_at.map(|t| t.0),
            expires_at: k.expires_at.map(|t| t.0),
        }
    }

    fn into_key(self) -> Result<StoredKey, RepoError> {
        let alg = SigningAlg::parse(&self.alg).ok_or_else(|| {
            RepoError::Backend(format!("signing key {} has alg {:?}", self.kid, self.alg))
        })?;
        Ok(StoredKey {
            kid: self.kid,
            alg,
            public_jwk: self.public_jwk,
            private_key: self.private_key,
            created_at: UnixTime(self.created_at),
            activates_at: UnixTime(self.activates_at),
            retires_at: self.retires_at.map(UnixTime),
            expires_at: self.expires_at.map(UnixTime),
        })
    }
}

/// Make the current transaction the only one that can insert first keys:
/// PostgreSQL takes an advisory lock released at commit; SQLite starts
/// writing at once (a write that matches nothing still takes the database
/// write lock), so a second writer waits on `busy_timeout` instead of
/// reading a stale "empty" and inserting too.
fn lock_for_first_keys(conn: &mut AnyConnection) -> QueryResult<()> {
    let sql = match conn {
        AnyConnection::Postgresql(_) => {
            format!("SELECT pg_advisory_xact_lock({PG_FIRST_KEYS_LOCK})")
        }
        AnyConnection::Sqlite(_) => "DELETE FROM signing_keys WHERE 0 = 1".to_owned(),
    };
    diesel::sql_query(sql).execute(conn).map(|_| ())
}

impl KeyRepo for Db {
    async fn insert_key(&self, key: &StoredKey) -> Result<(), RepoError> {
        let row = KeyRow::from_key(key);
        self.run(move |conn| {
            diesel::insert_into(signing_keys::table)
                .values(&row)
                .execute(conn)
                .map(|_| ())
                .map_err(|e| repo_error(e, &["kid"]))
        })
        .await?
    }

    async fn insert_keys_if_empty(&self, keys: &[StoredKey]) -> Result<bool, RepoError> {
        let rows: Vec<KeyRow> = keys.iter().map(KeyRow::from_key).collect();
        self.run(move |conn| {
            conn.transaction(|conn| {
                lock_for_first_keys(conn)?;
                let existing: i64 = signing_keys::table.count().get_result(conn)?;
                if existing > 0 {
                    return Ok(false);
                }
                // One statement per row: batch inserts are not available
                // over diesel's MultiConnection. Three rows, once per install.
                for row in &rows {
                    diesel::insert_into(signing_keys::table)
                        .values(row)
                        .execute(conn)?;
                }
                Ok(true)
            })
            .map_err(|e| repo_error(e, &["kid"]))
        })
        .await?
    }

    async fn list_keys(&self) -> Result<Vec<StoredKey>, RepoError> {
        self.run(move |conn| {
            signing_keys::table
                .order((signing_keys::created_at.asc(), signing_keys::kid.asc()))
                .select(KeyRow::as_select())
                .load(conn)
                .map_err(|e| repo_error(e, &[]))?
                .into_iter()
                .map(KeyRow::into_key)
                .collect()
        })
        .await?
    }

    async fn retire_key(
        &self,
        kid: &str,
        retires_at: UnixTime,
        expires_at: UnixTime,
    ) -> Result<(), RepoError> {
        let kid = kid.to_owned();
        self.run(move |conn| {
            diesel::update(signing_keys::table.find(kid))
                .set((
                    signing_keys::retires_at.eq(Some(retires_at.0)),
                    signing_keys::expires_at.eq(Some(expires_at.0)),
                ))
                .execute(conn)
                .map_err(|e| repo_error(e, &[]))
                .and_then(rows_changed)
        })
        .await?
    }

    async fn delete_expired_keys(&self, now: UnixTime) -> Result<u64, RepoError> {
        self.run(move |conn| {
            diesel::delete(signing_keys::table.filter(signing_keys::expires_at.le(now.0)))
                .execute(conn)
                .map(|n| n as u64)
                .map_err(|e| repo_error(e, &[]))
        })
        .await?
    }
}

//! `ConsentRepo` on the database: one row per agreed scope, so granting
//! more scopes only inserts (no read-modify-write to race).

use diesel::prelude::*;
use latchkey_core::{RepoError, UnixTime, UserId};
use latchkey_oidc::{ClientId, Consent, ConsentRepo};

use super::factors::{on_backend, write_error};
use super::schema::consents as cs;
use super::{AnyConnection, Db, repo_error, storable_key};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = cs)]
struct ScopeRow {
    user_id: String,
    client_id: String,
    scope: String,
    granted_at: i64,
}

fn keys_ok(user: &UserId, client: &ClientId) -> bool {
    storable_key(&user.0) && storable_key(&client.0)
}

/// Fold one user's rows (ordered by client) into consents.
fn fold(rows: Vec<ScopeRow>) -> Vec<Consent> {
    let mut out: Vec<Consent> = Vec::new();
    for r in rows {
        match out.last_mut() {
            Some(c) if c.client.0 == r.client_id => {
                c.scopes.push(r.scope);
                c.granted_at = c.granted_at.max(UnixTime(r.granted_at));
            }
            _ => out.push(Consent {
                user: UserId(r.user_id),
                client: ClientId(r.client_id),
                scopes: vec![r.scope],
                granted_at: UnixTime(r.granted_at),
            }),
        }
    }
    out
}

/// Every consent of `user` (a user has a few): the one of a client is
/// picked out of them.
fn load(conn: &mut AnyConnection, user: &str) -> Result<Vec<Consent>, RepoError> {
    let rows = cs::table
        .filter(cs::user_id.eq(user.to_owned()))
        .order((cs::client_id.asc(), cs::granted_at.asc(), cs::scope.asc()))
        .select(ScopeRow::as_select())
        .load(conn)
        .map_err(|e| repo_error(e, &[]))?;
    Ok(fold(rows))
}

fn load_one(
    conn: &mut AnyConnection,
    user: &str,
    client: &str,
) -> Result<Option<Consent>, RepoError> {
    Ok(load(conn, user)?.into_iter().find(|c| c.client.0 == client))
}

impl ConsentRepo for Db {
    async fn consent(
        &self,
        user: &UserId,
        client: &ClientId,
    ) -> Result<Option<Consent>, RepoError> {
        if !keys_ok(user, client) {
            return Ok(None);
        }
        let (u, c) = (user.0.clone(), client.0.clone());
        self.run(move |conn| load_one(conn, &u, &c)).await?
    }

    async fn grant_consent(
        &self,
        user: &UserId,
        client: &ClientId,
        scopes: &[String],
        now: UnixTime,
    ) -> Result<Consent, RepoError> {
        if !keys_ok(user, client) || scopes.iter().any(String::is_empty) {
            return Err(RepoError::NotFound);
        }
        let (u, c) = (user.0.clone(), client.0.clone());
        let scopes = scopes.to_vec();
        self.run(move |conn| {
            conn.transaction(|conn| {
                // One statement per row: batch inserts are not available
                // over diesel's MultiConnection. A handful of scopes.
                for scope in &scopes {
                    let row = ScopeRow {
                        user_id: u.clone(),
                        client_id: c.clone(),
                        scope: scope.clone(),
                        granted_at: now.0,
                    };
                    on_backend!(conn, conn => diesel::insert_into(cs::table)
                        .values(&row)
                        .on_conflict((cs::user_id, cs::client_id, cs::scope))
                        .do_update()
                        .set(cs::granted_at.eq(now.0))
                        .execute(conn))?;
                }
                Ok(())
            })
            .map_err(|e| write_error(e, &[]))?;
            load_one(conn, &u, &c)?
                .ok_or_else(|| RepoError::Backend("consent vanished after writing".into()))
        })
        .await?
    }

    async fn consents_of(&self, user: &UserId) -> Result<Vec<Consent>, RepoError> {
        if !storable_key(&user.0) {
            return Ok(Vec::new());
        }
        let u = user.0.clone();
        let mut all = self.run(move |conn| load(conn, &u)).await??;
        all.sort_by(|a, b| {
            b.granted_at
                .cmp(&a.granted_at)
                .then(a.client.0.cmp(&b.client.0))
        });
        Ok(all)
    }

    async fn revoke_consent(&self, user: &UserId, client: &ClientId) -> Result<bool, RepoError> {
        if !keys_ok(user, client) {
            return Ok(false);
        }
        let (u, c) = (user.0.clone(), client.0.clone());
        self.run(move |conn| {
            diesel::delete(
                cs::table
                    .filter(cs::user_id.eq(u))
                    .filter(cs::client_id.eq(c)),
            )
            .execute(conn)
            .map(|n| n > 0)
            .map_err(|e| repo_error(e, &[]))
        })
        .await?
    }
}

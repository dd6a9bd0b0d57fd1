//! `RefreshTokenRepo` on the database.

use diesel::prelude::*;
use latchkey_core::{RepoError, UnixTime, UserId};
use latchkey_oidc::refresh::{RefreshRecord, RefreshTokenRepo, Rotation};
use latchkey_oidc::{Acr, ClientId, grant::Grant};

use super::schema::refresh_tokens as rt;
use super::{AnyConnection, Db, repo_error};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = rt)]
struct Row {
    token_hash: String,
    family_id: String,
    client_id: String,
    subject: String,
    scope: String,
    auth_time: i64,
    amr: String,
    acr: String,
    sid: Option<String>,
    created_at: i64,
    expires_at: i64,
    family_expires_at: i64,
    rotated_at: Option<i64>,
    revoked_at: Option<i64>,
    fallback_reason: Option<String>,
}

impl Row {
    fn from_record(r: &RefreshRecord) -> Result<Self, RepoError> {
        Ok(Self {
            token_hash: r.token_hash.clone(),
            family_id: r.family_id.clone(),
            client_id: r.grant.client_id.0.clone(),
            subject: r.grant.subject.0.clone(),
            scope: r.grant.scopes.join(" "),
            auth_time: r.grant.auth_time.0,
            amr: serde_json::to_string(&r.grant.amr)
                .map_err(|e| RepoError::Backend(e.to_string()))?,
            acr: r.grant.acr.as_str().to_owned(),
            sid: r.grant.sid.clone(),
            created_at: r.created_at.0,
            expires_at: r.expires_at.0,
            family_expires_at: r.family_expires_at.0,
            rotated_at: r.rotated_at.map(|t| t.0),
            revoked_at: r.revoked_at.map(|t| t.0),
            fallback_reason: r.grant.fallback_reason.clone(),
        })
    }

    fn into_record(self) -> Result<RefreshRecord, RepoError> {
        let acr = Acr::parse(&self.acr)
            .ok_or_else(|| RepoError::Backend(format!("refresh token has acr {:?}", self.acr)))?;
        let amr: Vec<String> =
            serde_json::from_str(&self.amr).map_err(|e| RepoError::Backend(e.to_string()))?;
        Ok(RefreshRecord {
            token_hash: self.token_hash,
            family_id: self.family_id,
            grant: Grant {
                client_id: ClientId(self.client_id),
                subject: UserId(self.subject),
                scopes: self
                    .scope
                    .split(' ')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
                auth_time: UnixTime(self.auth_time),
                amr,
                acr,
                sid: self.sid,
                fallback_reason: self.fallback_reason,
            },
            created_at: UnixTime(self.created_at),
            expires_at: UnixTime(self.expires_at),
            family_expires_at: UnixTime(self.family_expires_at),
            rotated_at: self.rotated_at.map(UnixTime),
            revoked_at: self.revoked_at.map(UnixTime),
        })
    }
}

/// What the rotation transaction decided, before conversion to the domain.
enum Outcome {
    Rotated(Box<Row>),
    Invalid,
    Reused(String, i64),
}

fn load(conn: &mut AnyConnection, hash: &str) -> Result<Option<RefreshRecord>, RepoError> {
    rt::table
        .find(hash)
        .select(Row::as_select())
        .get_result(conn)
        .optional()
        .map_err(|e| repo_error(e, &[]))?
        .map(Row::into_record)
        .transpose()
}

impl RefreshTokenRepo for Db {
    async fn insert_refresh(&self, record: &RefreshRecord) -> Result<(), RepoError> {
        let row = Row::from_record(record)?;
        self.run(move |conn| {
            diesel::insert_into(rt::table)
                .values(&row)
                .execute(conn)
                .map(|_| ())
                .map_err(|e| repo_error(e, &["token"]))
        })
        .await?
    }

    async fn rotate_refresh(
        &self,
        old_hash: &str,
        client_id: &str,
        new_hash: &str,
        now: UnixTime,
        ttl_secs: i64,
    ) -> Result<Rotation, RepoError> {
        let (old, client, new) = (
            old_hash.to_owned(),
            client_id.to_owned(),
            new_hash.to_owned(),
        );
        self.run(move |conn| {
            let outcome = conn.transaction::<Outcome, diesel::result::Error, _>(|conn| {
                // The conditional update is the arbiter: of concurrent
                // rotations, only one finds rotated_at still NULL.
                let won = diesel::update(
                    rt::table
                        .filter(rt::token_hash.eq(&old))
                        .filter(rt::client_id.eq(&client))
                        .filter(rt::rotated_at.is_null())
                        .filter(rt::revoked_at.is_null())
                        .filter(rt::expires_at.gt(now.0))
                        .filter(rt::family_expires_at.gt(now.0)),
                )
                .set(rt::rotated_at.eq(now.0))
                .execute(conn)?;
                let current = rt::table
                    .find(&old)
                    .select(Row::as_select())
                    .get_result(conn)
                    .optional()?;
                let Some(current) = current else {
                    return Ok(Outcome::Invalid);
                };
                if current.client_id != client {
                    return Ok(Outcome::Invalid);
                }
                if won == 1 {
                    let successor = Row {
                        token_hash: new.clone(),
                        created_at: now.0,
                        expires_at: (now.0 + ttl_secs).min(current.family_expires_at),
                        rotated_at: None,
                        revoked_at: None,
                        ..current
                    };
                    diesel::insert_into(rt::table)
                        .values(&successor)
                        .execute(conn)?;
                    return Ok(Outcome::Rotated(Box::new(successor)));
                }
                match (current.revoked_at, current.rotated_at) {
                    (None, Some(at)) => Ok(Outcome::Reused(current.family_id, at)),
                    _ => Ok(Outcome::Invalid),
                }
            });
            match outcome.map_err(|e| repo_error(e, &[]))? {
                Outcome::Rotated(row) => row.into_record().map(|r| Rotation::Rotated(Box::new(r))),
                Outcome::Invalid => Ok(Rotation::Invalid),
                Outcome::Reused(family_id, at) => Ok(Rotation::Reused {
                    family_id,
                    rotated_at: UnixTime(at),
                }),
            }
        })
        .await?
    }

    async fn revoke_family(&self, family_id: &str, now: UnixTime) -> Result<u64, RepoError> {
        let family = family_id.to_owned();
        self.run(move |conn| {
            diesel::update(
                rt::table
                    .filter(rt::family_id.eq(&family))
                    .filter(rt::revoked_at.is_null()),
            )
            .set(rt::revoked_at.eq(now.0))
            .execute(conn)
            .map(|n| n as u64)
            .map_err(|e| repo_error(e, &[]))
        })
        .await?
    }

    async fn revoke_for_client(
        &self,
        subject: &str,
        client_id: &str,
        now: UnixTime,
    ) -> Result<u64, RepoError> {
        let (subject, client) = (subject.to_owned(), client_id.to_owned());
        self.run(move |conn| {
            diesel::update(
                rt::table
                    .filter(rt::subject.eq(&subject))
                    .filter(rt::client_id.eq(&client))
                    .filter(rt::revoked_at.is_null()),
            )
            .set(rt::revoked_at.eq(now.0))
            .execute(conn)
            .map(|n| n as u64)
            .map_err(|e| repo_error(e, &[]))
        })
        .await?
    }

    async fn refresh_by_hash(&self, token_hash: &str) -> Result<Option<RefreshRecord>, RepoError> {
        let hash = token_hash.to_owned();
        self.run(move |conn| load(conn, &hash)).await?
    }
}

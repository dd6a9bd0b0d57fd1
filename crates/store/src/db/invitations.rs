//! `InvitationRepo` on the database. Redemption is one conditional UPDATE
//! (unused and unexpired), so whichever of several concurrent redemptions
//! the database applies first wins and every other one changes no row.

use diesel::prelude::*;
use latchkey_core::{RepoError, UnixTime, UserId};
use latchkey_passkey::invitation::{Invitation, InvitationRepo};

use super::schema::invitations;
use super::{Db, repo_error, storable_key};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = invitations)]
struct Row {
    token_hash: String,
    user_id: String,
    created_at: i64,
    expires_at: i64,
    used_at: Option<i64>,
}

impl Row {
    fn into_invitation(self) -> Invitation {
        Invitation {
            token_hash: self.token_hash,
            user_id: UserId(self.user_id),
            created_at: UnixTime(self.created_at),
            expires_at: UnixTime(self.expires_at),
            used_at: self.used_at.map(UnixTime),
        }
    }
}

impl InvitationRepo for Db {
    async fn create_invitation(&self, invitation: &Invitation) -> Result<(), RepoError> {
        let row = Row {
            token_hash: invitation.token_hash.clone(),
            user_id: invitation.user_id.0.clone(),
            created_at: invitation.created_at.0,
            expires_at: invitation.expires_at.0,
            used_at: invitation.used_at.map(|t| t.0),
        };
        self.run(move |conn| {
            diesel::insert_into(invitations::table)
                .values(&row)
                .execute(conn)
                .map(|_| ())
                .map_err(|e| repo_error(e, &["invitation"]))
        })
        .await?
    }

    async fn invitation_by_hash(&self, token_hash: &str) -> Result<Option<Invitation>, RepoError> {
        if !storable_key(token_hash) {
            return Ok(None);
        }
        let hash = token_hash.to_owned();
        self.run(move |conn| {
            invitations::table
                .find(hash)
                .select(Row::as_select())
                .get_result(conn)
                .optional()
                .map(|row| row.map(Row::into_invitation))
                .map_err(|e| repo_error(e, &[]))
        })
        .await?
    }

    async fn redeem_invitation(
        &self,
        token_hash: &str,
        now: UnixTime,
    ) -> Result<Option<UserId>, RepoError> {
        if !storable_key(token_hash) {
            return Ok(None);
        }
        let hash = token_hash.to_owned();
        self.run(move |conn| {
            let won = diesel::update(
                invitations::table
                    .filter(invitations::token_hash.eq(&hash))
                    .filter(invitations::used_at.is_null())
                    .filter(invitations::expires_at.gt(now.0)),
            )
            .set(invitations::used_at.eq(Some(now.0)))
            .execute(conn)
            .map_err(|e| repo_error(e, &[]))?;
            if won == 0 {
                return Ok(None);
            }
            // The winner reads the owner back; the row can only have gone
            // since if the user was deleted (ON DELETE CASCADE), which is
            // "no invitation" as well.
            invitations::table
                .find(&hash)
                .select(invitations::user_id)
                .get_result::<String>(conn)
                .optional()
                .map(|id| id.map(UserId))
                .map_err(|e| repo_error(e, &[]))
        })
        .await?
    }

    async fn release_invitation(
        &self,
        token_hash: &str,
        used_at: UnixTime,
    ) -> Result<bool, RepoError> {
        if !storable_key(token_hash) {
            return Ok(false);
        }
        let hash = token_hash.to_owned();
        self.run(move |conn| {
            diesel::update(
                invitations::table
                    .filter(invitations::token_hash.eq(&hash))
                    .filter(invitations::used_at.eq(Some(used_at.0))),
            )
            .set(invitations::used_at.eq(None::<i64>))
            .execute(conn)
            .map(|n| n > 0)
            .map_err(|e| repo_error(e, &[]))
        })
        .await?
    }
}

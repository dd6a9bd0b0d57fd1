//! `CredentialRepo` on the database. Credential ids are stored as base64url
//! text (the primary key, so unique across all users); transports as a JSON
//! list; the AAGUID as a hyphenated UUID.

use diesel::prelude::*;
use latchkey_core::{RepoError, UnixTime, User, UserId};
use latchkey_passkey::{CredentialId, CredentialRepo, CredentialUse, PasskeyCredential};

use super::schema::{passkeys, users};
use super::users::UserRow;
use super::{AnyConnection, Db, repo_error, rows_changed};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = passkeys)]
struct PasskeyRow {
    credential_id: String,
    user_id: String,
    passkey: String,
    counter: i64,
    backup_eligible: bool,
    backup_state: bool,
    transports: String,
    aaguid: String,
    friendly_name: String,
    created_at: i64,
    last_used_at: Option<i64>,
    user_agent: Option<String>,
    hardware_attested: bool,
}

impl PasskeyRow {
    fn from_credential(c: &PasskeyCredential) -> Result<Self, RepoError> {
        Ok(Self {
            credential_id: c.credential_id.to_base64url(),
            user_id: c.user_id.0.clone(),
            passkey: c.passkey.clone(),
            counter: i64::from(c.counter),
            backup_eligible: c.backup_eligible,
            backup_state: c.backup_state,
            transports: serde_json::to_string(&c.transports)
                .map_err(|e| RepoError::Backend(e.to_string()))?,
            aaguid: c.aaguid.hyphenated().to_string(),
            friendly_name: c.friendly_name.clone(),
            created_at: c.created_at.0,
            last_used_at: c.last_used_at.map(|t| t.0),
            user_agent: c.user_agent.clone(),
            hardware_attested: c.hardware_attested,
        })
    }

    fn into_credential(self) -> Result<PasskeyCredential, RepoError> {
        let id = self.credential_id;
        let bad = |field: &str, e: &dyn std::fmt::Display| {
            RepoError::Backend(format!("passkey {id} has a bad {field}: {e}"))
        };
        Ok(PasskeyCredential {
            credential_id: CredentialId::from_base64url(&id).map_err(|e| bad("id", &e))?,
            user_id: UserId(self.user_id),
            passkey: self.passkey,
            counter: u32::try_from(self.counter).map_err(|e| bad("counter", &e))?,
            backup_eligible: self.backup_eligible,
            backup_state: self.backup_state,
            transports: serde_json::from_str(&self.transports)
                .map_err(|e| bad("transports", &e))?,
            aaguid: uuid::Uuid::parse_str(&self.aaguid).map_err(|e| bad("aaguid", &e))?,
            friendly_name: self.friendly_name,
            created_at: UnixTime(self.created_at),
            last_used_at: self.last_used_at.map(UnixTime),
            user_agent: self.user_agent,
            hardware_attested: self.hardware_attested,
        })
    }
}

/// The credential with (base64url) id `id`, on a connection the caller holds.
fn find_credential(
    conn: &mut AnyConnection,
    id: String,
) -> Result<Option<PasskeyCredential>, RepoError> {
    passkeys::table
        .find(id)
        .select(PasskeyRow::as_select())
        .get_result(conn)
        .optional()
        .map_err(|e| repo_error(e, &[]))?
        .map(PasskeyRow::into_credential)
        .transpose()
}

impl CredentialRepo for Db {
    async fn insert_credential(&self, credential: &PasskeyCredential) -> Result<(), RepoError> {
        let row = PasskeyRow::from_credential(credential)?;
        self.run(move |conn| {
            diesel::insert_into(passkeys::table)
                .values(&row)
                .execute(conn)
                .map(|_| ())
                .map_err(|e| repo_error(e, &["credential"]))
        })
        .await?
    }

    async fn credential_by_id(
        &self,
        id: &CredentialId,
    ) -> Result<Option<PasskeyCredential>, RepoError> {
        let id = id.to_base64url();
        self.run(move |conn| find_credential(conn, id)).await?
    }

    async fn credential_with_owner(
        &self,
        id: &CredentialId,
    ) -> Result<Option<(PasskeyCredential, Option<User>)>, RepoError> {
        let id = id.to_base64url();
        self.run(move |conn| {
            let found: Option<(PasskeyRow, Option<UserRow>)> = passkeys::table
                .left_join(users::table)
                .filter(passkeys::credential_id.eq(id))
                .select((PasskeyRow::as_select(), Option::<UserRow>::as_select()))
                .get_result(conn)
                .optional()
                .map_err(|e| repo_error(e, &[]))?;
            let Some((credential, owner)) = found else {
                return Ok(None);
            };
            Ok(Some((
                credential.into_credential()?,
                owner.map(UserRow::into_user).transpose()?,
            )))
        })
        .await?
    }

    async fn credentials_for_user(
        &self,
        user: &UserId,
    ) -> Result<Vec<PasskeyCredential>, RepoError> {
        let user = user.0.clone();
        self.run(move |conn| {
            passkeys::table
                .filter(passkeys::user_id.eq(user))
                .order((passkeys::created_at.asc(), passkeys::credential_id.asc()))
                .select(PasskeyRow::as_select())
                .load(conn)
                .map_err(|e| repo_error(e, &[]))?
                .into_iter()
                .map(PasskeyRow::into_credential)
                .collect()
        })
        .await?
    }

    async fn record_credential_use(
        &self,
        id: &CredentialId,
        usage: &CredentialUse,
    ) -> Result<(), RepoError> {
        let id = id.to_base64url();
        let usage = usage.clone();
        self.run(move |conn| {
            let new = i64::from(usage.counter);
            let changes = (
                passkeys::counter.eq(new),
                passkeys::backup_state.eq(usage.backup_state),
                passkeys::last_used_at.eq(Some(usage.last_used_at.0)),
                passkeys::passkey.eq(&usage.passkey),
            );
            let target = passkeys::table.filter(passkeys::credential_id.eq(&id));
            // The counter rule (`latchkey_passkey::check_counter`) as one
            // conditional UPDATE, so two nodes verifying assertions of a
            // cloned authenticator at once cannot both move the counter to
            // the same value.
            let n = if new == 0 {
                diesel::update(target.filter(passkeys::counter.eq(0_i64)))
                    .set(changes)
                    .execute(conn)
            } else {
                diesel::update(target.filter(passkeys::counter.lt(new)))
                    .set(changes)
                    .execute(conn)
            }
            .map_err(|e| repo_error(e, &[]))?;
            if n > 0 {
                return Ok(());
            }
            let exists = passkeys::table
                .find(&id)
                .select(passkeys::credential_id)
                .get_result::<String>(conn)
                .optional()
                .map_err(|e| repo_error(e, &[]))?
                .is_some();
            Err(if exists {
                RepoError::Conflict("counter")
            } else {
                RepoError::NotFound
            })
        })
        .await?
    }

    async fn rename_credential(
        &self,
        user: &UserId,
        id: &CredentialId,
        friendly_name: &str,
    ) -> Result<(), RepoError> {
        let (user, id, name) = (user.0.clone(), id.to_base64url(), friendly_name.to_owned());
        self.run(move |conn| {
            diesel::update(
                passkeys::table
                    .filter(passkeys::credential_id.eq(id))
                    .filter(passkeys::user_id.eq(user)),
            )
            .set(passkeys::friendly_name.eq(name))
            .execute(conn)
            .map_err(|e| repo_error(e, &[]))
            .and_then(rows_changed)
        })
        .await?
    }

    async fn delete_credential(&self, user: &UserId, id: &CredentialId) -> Result<(), RepoError> {
        let (user, id) = (user.0.clone(), id.to_base64url());
        self.run(move |conn| {
            diesel::delete(
                passkeys::table
                    .filter(passkeys::credential_id.eq(id))
                    .filter(passkeys::user_id.eq(user)),
            )
            .execute(conn)
            .map_err(|e| repo_error(e, &[]))
            .and_then(rows_changed)
        })
        .await?
    }

    async fn count_credentials_for_user(&self, user: &UserId) -> Result<u64, RepoError> {
        let user = user.0.clone();
        self.run(move |conn| {
            let n: i64 = passkeys::table
                .filter(passkeys::user_id.eq(user))
                .count()
                .get_result(conn)
                .map_err(|e| repo_error(e, &[]))?;
            u64::try_from(n).map_err(|e| RepoError::Backend(e.to_string()))
        })
        .await?
    }
}

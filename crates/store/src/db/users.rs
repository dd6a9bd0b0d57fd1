//! `UserRepo` on the database.

use diesel::prelude::*;
use latchkey_core::{Clock, NewUser, RepoError, SystemClock, User, UserId, UserRepo, UserStatus};

use super::schema::users;
use super::{Db, repo_error, rows_changed};

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = users)]
pub(super) struct UserRow {
    id: String,
    username: String,
    email: Option<String>,
    email_verified: bool,
    display_name: String,
    status: String,
    created_at: i64,
}

impl UserRow {
    pub(super) fn into_user(self) -> Result<User, RepoError> {
        let status = UserStatus::parse(&self.status).ok_or_else(|| {
            RepoError::Backend(format!("user {} has status {:?}", self.id, self.status))
        })?;
        Ok(User {
            id: UserId(self.id),
            username: self.username,
            email: self.email,
            email_verified: self.email_verified,
            display_name: self.display_name,
            status,
            created_at: latchkey_core::UnixTime(self.created_at),
        })
    }
}

const UNIQUE: &[&str] = &["username", "email"];

impl UserRepo for Db {
    async fn create_user(&self, user: NewUser) -> Result<User, RepoError> {
        let row = UserRow {
            id: latchkey_core::id::new_uuid(),
            username: user.username,
            email: user.email,
            email_verified: user.email_verified,
            display_name: user.display_name,
            status: UserStatus::Active.as_str().to_owned(),
            created_at: SystemClock.now().0,
        };
        self.run(move |conn| {
            diesel::insert_into(users::table)
                .values(&row)
                .execute(conn)
                .map_err(|e| repo_error(e, UNIQUE))?;
            row.into_user()
        })
        .await?
    }

    async fn user_by_id(&self, id: &UserId) -> Result<Option<User>, RepoError> {
        if !super::storable_key(&id.0) {
            return Ok(None);
        }
        let id = id.0.clone();
        self.run(move |conn| {
            users::table
                .find(id)
                .select(UserRow::as_select())
                .get_result(conn)
                .optional()
                .map_err(|e| repo_error(e, &[]))?
                .map(UserRow::into_user)
                .transpose()
        })
        .await?
    }

    async fn user_by_identifier(&self, identifier: &str) -> Result<Option<User>, RepoError> {
        if !super::storable_key(identifier) {
            return Ok(None);
        }
        let ident = identifier.trim().to_lowercase();
        self.run(move |conn| {
            users::table
                .filter(users::username.eq(&ident).or(users::email.eq(&ident)))
                .select(UserRow::as_select())
                .get_result(conn)
                .optional()
                .map_err(|e| repo_error(e, &[]))?
                .map(UserRow::into_user)
                .transpose()
        })
        .await?
    }

    async fn list_users(&self, limit: u32) -> Result<Vec<User>, RepoError> {
        self.run_long(move |conn| {
            users::table
                .order((users::created_at.asc(), users::id.asc()))
                .limit(i64::from(limit))
                .select(UserRow::as_select())
                .load(conn)
                .map_err(|e| repo_error(e, &[]))?
                .into_iter()
                .map(UserRow::into_user)
                .collect()
        })
        .await?
    }

    async fn set_user_status(&self, id: &UserId, status: UserStatus) -> Result<(), RepoError> {
        let id = id.0.clone();
        self.run(move |conn| {
            diesel::update(users::table.find(id))
                .set(users::status.eq(status.as_str()))
                .execute(conn)
                .map_err(|e| repo_error(e, &[]))
                .and_then(rows_changed)
        })
        .await?
    }
    async fn set_display_name(&self, id: &UserId, display_name: &str) -> Result<bool, RepoError> {
        let id = id.0.clone();
        let display_name = display_name.to_owned();
        self.run(move |conn| {
            diesel::update(users::table.find(id))
                .set(users::display_name.eq(display_name))
                .execute(conn)
                .map(|n| n > 0)
                .map_err(|e| repo_error(e, &[]))
        })
        .await?
    }
}

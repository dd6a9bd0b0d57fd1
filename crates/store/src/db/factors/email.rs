//! The account email's verification and change (on the `users` row).

use diesel::prelude::*;
use latchkey_core::{RepoError, UserId};

use crate::db::schema::users;
use crate::db::{Db, repo_error, rows_changed, storable_key};

pub(super) async fn mark_verified(db: &Db, user: &UserId, email: &str) -> Result<bool, RepoError> {
    if !storable_key(&user.0) || !storable_key(email) {
        return Ok(false);
    }
    let (user, email) = (user.0.clone(), email.trim().to_lowercase());
    db.run(move |conn| {
        diesel::update(
            users::table
                .filter(users::id.eq(user))
                .filter(users::email.eq(email)),
        )
        .set(users::email_verified.eq(true))
        .execute(conn)
        .map(|n| n > 0)
        .map_err(|e| repo_error(e, &[]))
    })
    .await?
}

pub(super) async fn change(db: &Db, user: &UserId, email: Option<&str>) -> Result<(), RepoError> {
    if !storable_key(&user.0) {
        return Err(RepoError::NotFound);
    }
    let email = email.map(|e| e.trim().to_lowercase());
    if email.as_deref().is_some_and(|e| !storable_key(e)) {
        return Err(RepoError::Backend("email is not storable".into()));
    }
    let user = user.0.clone();
    db.run(move |conn| {
        // Only a different address resets verification.
        let current: Option<String> = users::table
            .find(&user)
            .select(users::email)
            .get_result(conn)
            .optional()
            .map_err(|e| repo_error(e, &[]))?
            .ok_or(RepoError::NotFound)?;
        if current == email {
            return Ok(());
        }
        diesel::update(users::table.find(&user))
            .set((users::email.eq(&email), users::email_verified.eq(false)))
            .execute(conn)
            .map_err(|e| repo_error(e, &["email"]))
            .and_then(rows_changed)
    })
    .await?
}

//! `UserRepo` on both database backends.

use latchkey_core::{NewUser, RepoError, UserId, UserRepo, UserStatus};
use latchkey_store::Db;

fn new_user(name: &str, email: Option<&str>) -> NewUser {
    NewUser::normalised(name, email, None).unwrap()
}

async fn create_and_find(db: &Db) {
    let u = db
        .create_user(new_user("Alice", Some("Alice@Example.com")))
        .await
        .unwrap();
    assert_eq!(u.username, "alice");
    assert_eq!(u.status, UserStatus::Active);
    assert!(!u.email_verified);
    assert_eq!(db.user_by_id(&u.id).await.unwrap().as_ref(), Some(&u));
    let imported = new_user("imported", Some("imported@example.com")).with_verified_email();
    let imported = db.create_user(imported).await.unwrap();
    assert!(
        imported.email_verified,
        "an imported, verified email stays verified"
    );
    let found = db.user_by_id(&imported.id).await.unwrap().unwrap();
    assert!(found.email_verified);
    assert_eq!(
        db.user_by_identifier("ALICE").await.unwrap().as_ref(),
        Some(&u)
    );
    assert_eq!(
        db.user_by_identifier(" alice@example.com ")
            .await
            .unwrap()
            .as_ref(),
        Some(&u)
    );
    assert_eq!(db.user_by_identifier("nobody").await.unwrap(), None);
    assert_eq!(
        db.user_by_id(&UserId("missing".into())).await.unwrap(),
        None
    );
}

async fn duplicate_username_and_email_conflict(db: &Db) {
    db.create_user(new_user("bob", Some("bob@example.com")))
        .await
        .unwrap();
    let err = db.create_user(new_user("BOB", None)).await.unwrap_err();
    assert!(matches!(err, RepoError::Conflict("username")), "{err:?}");
    let err = db
        .create_user(new_user("bobby", Some("bob@example.com")))
        .await
        .unwrap_err();
    assert!(matches!(err, RepoError::Conflict("email")), "{err:?}");
    // Nothing half-written: only the first user exists.
    assert_eq!(db.list_users(10).await.unwrap().len(), 1);
}

async fn users_without_email_do_not_conflict(db: &Db) {
    db.create_user(new_user("carol", None)).await.unwrap();
    db.create_user(new_user("dave", None)).await.unwrap();
    assert_eq!(db.list_users(10).await.unwrap().len(), 2);
}

async fn list_is_ordered_and_limited(db: &Db) {
    for n in ["u1", "u2", "u3"] {
        db.create_user(new_user(n, None)).await.unwrap();
    }
    let all = db.list_users(10).await.unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(db.list_users(2).await.unwrap().len(), 2);
}

async fn disable_user(db: &Db) {
    let u = db.create_user(new_user("erin", None)).await.unwrap();
    db.set_user_status(&u.id, UserStatus::Disabled)
        .await
        .unwrap();
    assert_eq!(
        db.user_by_id(&u.id).await.unwrap().unwrap().status,
        UserStatus::Disabled
    );
    let err = db
        .set_user_status(&UserId("missing".into()), UserStatus::Disabled)
        .await;
    assert!(matches!(err, Err(RepoError::NotFound)));
}

async fn change_display_name(db: &Db) {
    let u = db.create_user(new_user("frank", None)).await.unwrap();
    let other = db.create_user(new_user("grace", None)).await.unwrap();
    assert!(db.set_display_name(&u.id, "Frank Ünicode").await.unwrap());
    let stored = db.user_by_id(&u.id).await.unwrap().unwrap();
    assert_eq!(stored.display_name, "Frank Ünicode");
    // Only that user changes; username and email are untouched.
    assert_eq!(stored.username, "frank");
    assert_eq!(
        db.user_by_id(&other.id)
            .await
            .unwrap()
            .unwrap()
            .display_name,
        other.display_name
    );
    assert!(
        !db.set_display_name(&UserId("missing".into()), "x")
            .await
            .unwrap()
    );
}

latchkey_store::db_tests!(
    create_and_find,
    duplicate_username_and_email_conflict,
    users_without_email_do_not_conflict,
    list_is_ordered_and_limited,
    disable_user,
    change_display_name,
);

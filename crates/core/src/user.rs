//! People who sign in.

use serde::{Deserialize, Serialize};

use crate::{RepoError, UnixTime};

/// A user's stable identifier: the OIDC `sub` claim (OpenID Connect Core
/// §5.1). A random UUID, never reassigned.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(pub String);

impl std::fmt::Display for UserId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether a user may sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    /// May sign in.
    Active,
    /// May not sign in; existing sessions are not honoured.
    Disabled,
}

impl UserStatus {
    /// The stored spelling.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Disabled => "disabled",
        }
    }

    /// Parse the stored spelling.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(Self::Active),
            "disabled" => Some(Self::Disabled),
            _ => None,
        }
    }
}

/// A user record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    /// Unique, case-insensitive (stored lowercased) sign-in name.
    pub username: String,
    /// Unique when present, stored lowercased.
    pub email: Option<String>,
    pub email_verified: bool,
    pub display_name: String,
    pub status: UserStatus,
    pub created_at: UnixTime,
}

/// What is needed to create a user; the id and creation time are assigned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub username: String,
    pub email: Option<String>,
    /// Whether the email is known to be the user's (an operator importing
    /// users from a system that verified it); `false` from [`Self::normalised`].
    pub email_verified: bool,
    pub display_name: String,
}

/// Why a new user's fields were rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserInputError {
    #[error("username must be 1 to 64 characters of letters, digits, '.', '_', '-' or '@'")]
    Username,
    #[error("email must look like name@domain and be at most 254 characters")]
    Email,
    #[error("display name must be 1 to 64 characters without control characters")]
    DisplayName,
}

/// Longest display name, in characters: it has to fit a passkey manager's
/// list row and a page heading.
pub const MAX_DISPLAY_NAME_CHARS: usize = 64;

/// The display name as stored: trimmed, 1 to [`MAX_DISPLAY_NAME_CHARS`]
/// characters, no control characters (a newline or NUL would reach ID
/// tokens and passkey managers). The one rule for enrollment and the
/// account API alike.
pub fn normalise_display_name(raw: &str) -> Result<String, UserInputError> {
    let name = raw.trim();
    let count = name.chars().count();
    if count == 0 || count > MAX_DISPLAY_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(UserInputError::DisplayName);
    }
    Ok(name.to_owned())
}

impl NewUser {
    /// Normalise (trim, lowercase identifiers) and validate.
    pub fn normalised(
        username: &str,
        email: Option<&str>,
        display_name: Option<&str>,
    ) -> Result<Self, UserInputError> {
        let username = username.trim().to_lowercase();
        let ok_char = |c: char| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@');
        if username.is_empty() || username.chars().count() > 64 || !username.chars().all(ok_char) {
            return Err(UserInputError::Username);
        }
        let email = match email.map(str::trim).filter(|e| !e.is_empty()) {
            None => None,
            Some(e) => {
                let e = e.to_lowercase();
                let valid = e.len() <= 254
                    && !e.chars().any(char::is_whitespace)
                    && e.split_once('@').is_some_and(|(local, domain)| {
                        !local.is_empty() && domain.contains('.') && !domain.contains('@')
                    });
                if !valid {
                    return Err(UserInputError::Email);
                }
                Some(e)
            }
        };
        let display_name = match display_name.map(str::trim).filter(|d| !d.is_empty()) {
            Some(d) => normalise_display_name(d)?,
            None => username.clone(),
        };
        Ok(Self {
            username,
            email,
            email_verified: false,
            display_name,
        })
    }

    /// The same user with the email marked verified (only when there is one).
    #[must_use]
    pub fn with_verified_email(self) -> Self {
        Self {
            email_verified: self.email.is_some(),
            ..self
        }
    }
}

/// Durable user storage, implemented by `latchkey-store`.
#[allow(async_fn_in_trait)]
pub trait UserRepo {
    /// Insert a new user; `Conflict("username"|"email")` when taken.
    async fn create_user(&self, user: NewUser) -> Result<User, RepoError>;
    /// A user by id.
    async fn user_by_id(&self, id: &UserId) -> Result<Option<User>, RepoError>;
    /// A user by username or email (both matched lowercased).
    async fn user_by_identifier(&self, identifier: &str) -> Result<Option<User>, RepoError>;
    /// All users, oldest first, at most `limit`.
    async fn list_users(&self, limit: u32) -> Result<Vec<User>, RepoError>;
    /// Change a user's status; `NotFound` when there is no such user.
    async fn set_user_status(&self, id: &UserId, status: UserStatus) -> Result<(), RepoError>;
    /// Change a user's display name (already validated by the caller);
    /// `false` when there is no such user.
    async fn set_display_name(&self, id: &UserId, display_name: &str) -> Result<bool, RepoError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_name_rules() {
        let ok = |s: &str| normalise_display_name(s).ok();
        assert_eq!(ok("  Alice  ").as_deref(), Some("Alice"));
        assert_eq!(ok(&"é".repeat(64)).map(|n| n.len()), Some(128));
        assert_eq!(ok(&"a".repeat(65)), None);
        assert_eq!(ok("   "), None);
        assert_eq!(ok(""), None);
        assert_eq!(ok("a\u{0}b"), None);
        assert_eq!(ok("a\nb"), None);
        assert_eq!(ok("a\u{7f}b"), None);
        assert!(NewUser::normalised("eve", None, Some("a\nb")).is_err());
    }

    #[test]
    fn normalises_and_defaults_display_name() {
        let u = NewUser::normalised("  Alice ", Some(" Alice@Example.COM "), None).unwrap();
        assert_eq!(u.username, "alice");
        assert_eq!(u.email.as_deref(), Some("alice@example.com"));
        assert_eq!(u.display_name, "alice");
    }

    #[test]
    fn rejects_bad_fields() {
        assert_eq!(
            NewUser::normalised("", None, None),
            Err(UserInputError::Username)
        );
        assert_eq!(
            NewUser::normalised("a b", None, None),
            Err(UserInputError::Username)
        );
        assert_eq!(
            NewUser::normalised(&"x".repeat(65), None, None),
            Err(UserInputError::Username)
        );
        assert_eq!(
            NewUser::normalised("bob", Some("bob"), None),
            Err(UserInputError::Email)
        );
        assert_eq!(
            NewUser::normalised("bob", Some("b@c@d.e"), None),
            Err(UserInputError::Email)
        );
        assert_eq!(
            NewUser::normalised("bob", None, Some(&"y".repeat(129))),
            Err(UserInputError::DisplayName)
        );
        assert!(NewUser::normalised("bob", Some(""), Some("Bob B.")).is_ok());
    }
}

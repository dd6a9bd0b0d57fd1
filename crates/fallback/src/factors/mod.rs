//! Secrets of the fallback methods: generating, hashing and verifying them.
//!
//! Pure functions with no I/O. The server stores what these return, delivers
//! codes over its channels, counts attempts and applies rate limits; this
//! module makes sure each secret is strong enough, is stored only as a hash
//! and is compared in constant time.
//!
//! | method | secret | entropy | stored as | module |
//! | --- | --- | --- | --- | --- |
//! | email / SMS code | 6–8 decimal digits | 20–27 bits | HMAC-SHA256 with a server key | [`otp`] |
//! | email magic link | 32 random bytes, base64url | 256 bits | HMAC-SHA256 with a server key | [`otp`] |
//! | authenticator app | RFC 6238 TOTP, SHA-1, 6 digits, 30 s | 160-bit key | the key itself (encrypt at rest) | [`totp`] |
//! | recovery code | 16 Crockford base32 symbols | 80 bits | argon2id PHC string | [`recovery`] |
//! | password (opt-in) | user-chosen | unknown | argon2id PHC string | [`password`] |
//!
//! Why two kinds of hash: a slow hash protects a secret only if the secret has
//! enough entropy to make offline guessing expensive. A short code has too
//! little for that (see [`otp`]), so it gets a keyed MAC, short lifetime and an
//! attempt limit; recovery codes and passwords live for months, so they get
//! argon2id with the OWASP parameters (m = 19 MiB, t = 2, p = 1).
//!
//! Secrets are wrapped in types whose `Debug` prints `[redacted]` and whose
//! memory is zeroized on drop.

pub mod otp;
pub mod password;
pub mod recovery;
pub mod totp;

mod hashing;

pub use otp::{LinkToken, OneTimeCode};
pub use password::{PasswordRule, check_new_password, hash_password, verify_password};
pub use recovery::{RecoveryCode, RecoveryCodes};
pub use totp::{TotpError, TotpSecret};

/// What can go wrong while creating or hashing a factor secret.
///
/// Verification never returns this: a wrong or malformed presented secret is
/// `false` (or a [`TotpError`]), never an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FactorError {
    /// A one-time code must have 6 to 8 digits (RFC 4226 §5.3 bounds).
    #[error("a one-time code has 6 to 8 digits, not {0}")]
    InvalidCodeLength(u8),
    /// A TOTP secret was not base32, or not 16 to 64 bytes long.
    #[error("not a valid TOTP secret (base32 of 16 to 64 bytes)")]
    InvalidTotpSecret,
    /// The data did not fit in a QR code.
    #[error("could not encode the QR code")]
    Qr(#[source] qrcode::types::QrError),
    /// The input to hash is longer than any legitimate secret (over 1 KiB).
    #[error("input too long to hash")]
    InputTooLong,
    /// argon2id failed (allocation or parameter error); internal, log only.
    #[error("argon2id hashing failed")]
    Hash(#[source] argon2::password_hash::Error),
}

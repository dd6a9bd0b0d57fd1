//! Optional passwords (off unless an operator enables them).
//!
//! Rules follow NIST SP 800-63B §5.1.1.2: at least 8 characters, up to 256
//! accepted (so passphrases fit), any characters including spaces and emoji,
//! and no composition rules ("one digit, one symbol") or forced rotation.
//! Characters are Unicode scalar values; the password is hashed as the UTF-8
//! bytes it arrives as, without normalisation, so what a user types on one
//! keyboard is what they must type on another.
//!
//! Hashing is argon2id with the OWASP Password Storage Cheat Sheet parameters
//! (m = 19456 KiB, t = 2, p = 1) and a random 16-byte salt, stored as a PHC
//! string.
//!
//! # Cost
//!
//! One hash or verification takes about **20–25 ms of one core and 19 MiB
//! of memory** (release build, 2-core development machine: 18–24 ms per hash,
//! 22–28 ms per verification while other builds ran; run `cargo run
//! --release -p latchkey-fallback --example argon2_cost` to measure yours). Call these functions from a
//! blocking thread (`spawn_blocking`), behind a semaphore that caps how many
//! run at once: N concurrent hashes hold N × 19 MiB.
//!
//! # Accounts without a password
//!
//! To avoid telling apart "no such account / no password" from "wrong
//! password" by timing, call [`verify_against_dummy`] in that case: it runs
//! the same verification against a fixed hash with the same parameters and
//! always returns `false`.

use super::{FactorError, hashing};

/// Fewest characters in a new password (NIST SP 800-63B §5.1.1.2).
pub const MIN_CHARS: usize = 8;
/// Most characters in a new password (NIST asks for at least 64).
pub const MAX_CHARS: usize = 256;

/// An argon2id (m=19456, t=2, p=1) hash of a random string nobody knows,
/// verified against when an account has no password.
const DUMMY_PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$\
                         ZohFHoSGyb3d2pSvx6HAvA$\
                         Oc2/Twu9BeGpKORybr4l8wnLdLpMpezsLhWeoVatnmY";

/// Why a new password is not accepted. The messages name the rule, for the
/// form to show next to the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PasswordRule {
    /// Fewer than [`MIN_CHARS`] characters.
    #[error("use at least {min} characters")]
    TooShort {
        /// The minimum.
        min: usize,
    },
    /// More than [`MAX_CHARS`] characters.
    #[error("use at most {max} characters")]
    TooLong {
        /// The maximum.
        max: usize,
    },
    /// Nothing but white space.
    #[error("a password cannot be only spaces")]
    AllWhitespace,
}

/// Checks a password a user is choosing against the NIST length rules.
///
/// # Errors
/// The first [`PasswordRule`] it breaks.
pub fn check_new_password(password: &str) -> Result<(), PasswordRule> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(PasswordRule::TooShort { min: MIN_CHARS });
    }
    if chars > MAX_CHARS {
        return Err(PasswordRule::TooLong { max: MAX_CHARS });
    }
    if password.chars().all(char::is_whitespace) {
        return Err(PasswordRule::AllWhitespace);
    }
    Ok(())
}

/// The argon2id PHC string of `password`. Call [`check_new_password`] first;
/// this only refuses input over 1 KiB (more than 256 characters can take).
///
/// # Errors
/// [`FactorError::InputTooLong`] over 1 KiB; [`FactorError::Hash`] if argon2id
/// fails (internal).
pub fn hash_password(password: &str) -> Result<String, FactorError> {
    hashing::hash(password.as_bytes())
}

/// Whether `password` matches the stored PHC string. Wrong password, input
/// over 1 KiB, or an unparseable or non-argon2id hash are all `false`.
pub fn verify_password(password: &str, phc: &str) -> bool {
    hashing::verify(password.as_bytes(), phc)
}

/// Spends the time of a [`verify_password`] and returns `false`: for accounts
/// that do not exist or have no password, so timing does not tell them apart.
pub fn verify_against_dummy(password: &str) -> bool {
    let matched = hashing::verify(password.as_bytes(), DUMMY_PHC);
    // Keep the work from being optimised away; the answer is always no.
    let _ = std::hint::black_box(matched);
    false
}

/// Whether a stored hash uses other parameters than today's, so the server
/// can re-hash the password after a successful sign-in.
pub fn needs_rehash(phc: &str) -> bool {
    hashing::needs_rehash(phc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn length_rules_count_characters_not_bytes() {
        assert_eq!(
            check_new_password(""),
            Err(PasswordRule::TooShort { min: 8 })
        );
        assert_eq!(
            check_new_password("1234567"),
            Err(PasswordRule::TooShort { min: 8 })
        );
        assert_eq!(check_new_password("12345678"), Ok(()));
        // 7 characters, 28 bytes: still too short.
        assert!(check_new_password("🔑🔑🔑🔑🔑🔑🔑").is_err());
        assert_eq!(check_new_password("🔑🔑🔑🔑🔑🔑🔑🔑"), Ok(()));
        assert_eq!(check_new_password(&"é".repeat(256)), Ok(()));
        assert_eq!(
            check_new_password(&"a".repeat(257)),
            Err(PasswordRule::TooLong { max: 256 })
        );
    }

    #[test]
    fn no_composition_rules_but_not_only_spaces() {
        assert_eq!(check_new_password("correct horse battery staple"), Ok(()));
        assert_eq!(check_new_password("aaaaaaaa"), Ok(()));
        assert_eq!(
            check_new_password("        "),
            Err(PasswordRule::AllWhitespace)
        );
        assert_eq!(
            check_new_password("\t\n \u{3000}    "),
            Err(PasswordRule::AllWhitespace)
        );
        assert_eq!(check_new_password("  pass  word  "), Ok(()));
    }

    #[test]
    fn hash_and_verify() {
        let phc = hash_password("correct horse").expect("hash");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password("correct horse", &phc));
        assert!(!verify_password("correct horse ", &phc));
        assert!(!verify_password("Correct horse", &phc));
        assert!(!verify_password("", &phc));
        assert!(!needs_rehash(&phc));
        // Non-ASCII round trip.
        let phc = hash_password("pässwörd 🔑").expect("hash");
        assert!(verify_password("pässwörd 🔑", &phc));
        assert!(!verify_password("passwörd 🔑", &phc));
    }

    #[test]
    fn bad_stored_hashes_and_oversized_input_are_false() {
        for phc in [
            "",
            "plain",
            "$argon2id$",
            "$argon2d$v=19$m=19456,t=2,p=1$YQ$YQ",
            DUMMY_PHC,
        ] {
            assert!(!verify_password("password", phc), "{phc:?}");
        }
        let huge = "a".repeat(1_000_000);
        assert!(matches!(
            hash_password(&huge),
            Err(FactorError::InputTooLong)
        ));
        assert!(!verify_password(&huge, DUMMY_PHC));
        assert!(hash_password(&"🔑".repeat(256)).is_ok());
    }

    #[test]
    fn dummy_hash_is_a_current_parameter_hash() {
        assert!(!needs_rehash(DUMMY_PHC));
        assert!(!verify_against_dummy("password"));
        assert!(!verify_against_dummy(""));
    }

    #[test]
    fn dummy_costs_about_as_much_as_a_real_verify() {
        let phc = hash_password("some password").expect("hash");
        let time = |f: &dyn Fn() -> bool| {
            let start = Instant::now();
            for _ in 0..3 {
                f();
            }
            start.elapsed()
        };
        let real = time(&|| verify_password("wrong password", &phc));
        let dummy = time(&|| verify_against_dummy("wrong password"));
        // Same parameters, same code path; allow wide noise on shared CI.
        let (lo, hi) = if real < dummy {
            (real, dummy)
        } else {
            (dummy, real)
        };
        assert!(
            hi < lo * 3 + Duration::from_millis(50),
            "real {real:?}, dummy {dummy:?}"
        );
    }
}

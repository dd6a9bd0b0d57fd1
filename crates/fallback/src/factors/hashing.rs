//! argon2id with the OWASP Password Storage Cheat Sheet parameters, shared by
//! recovery codes and passwords.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{ARGON2ID_IDENT, Algorithm, Argon2, Params, Version};
use rand::RngCore;

use super::FactorError;

/// Memory cost in KiB (OWASP: 19 MiB).
pub(crate) const M_COST: u32 = 19 * 1024;
/// Iterations (OWASP: 2 with 19 MiB).
pub(crate) const T_COST: u32 = 2;
/// Lanes (OWASP: 1).
pub(crate) const P_COST: u32 = 1;
/// Salt length in bytes (PHC string format recommendation).
const SALT_LEN: usize = 16;

// Upper bounds accepted when verifying a stored hash. Stored hashes are ours,
// but a corrupted or tampered row must not make one verification allocate
// gigabytes or run for minutes; 256 MiB / 16 passes leaves room to raise the
// parameters later.
const MAX_M_COST: u32 = 256 * 1024;
const MAX_T_COST: u32 = 16;
const MAX_P_COST: u32 = 8;

/// Largest input hashed or verified, in bytes. Longer input is refused
/// before any work (a password is capped at 256 characters, at most 1 KiB).
pub(crate) const MAX_INPUT_BYTES: usize = 1024;

fn hasher() -> Result<Argon2<'static>, FactorError> {
    let params =
        Params::new(M_COST, T_COST, P_COST, None).map_err(|e| FactorError::Hash(e.into()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes `secret` with argon2id and a fresh random salt into a PHC string
/// (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`).
pub(crate) fn hash(secret: &[u8]) -> Result<String, FactorError> {
    if secret.len() > MAX_INPUT_BYTES {
        return Err(FactorError::InputTooLong);
    }
    let mut salt = [0u8; SALT_LEN];
    rand::rng().fill_bytes(&mut salt);
    let phc = hasher()?
        .hash_password_with_salt(secret, &salt)
        .map_err(FactorError::Hash)?;
    Ok(phc.to_string())
}

/// Verifies `secret` against a stored PHC string. Anything unparseable, not
/// argon2id, or with out-of-bounds costs is `false`; never panics.
pub(crate) fn verify(secret: &[u8], phc: &str) -> bool {
    if secret.len() > MAX_INPUT_BYTES {
        return false;
    }
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    if parsed.algorithm != ARGON2ID_IDENT {
        return false;
    }
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    if params.m_cost() > MAX_M_COST || params.t_cost() > MAX_T_COST || params.p_cost() > MAX_P_COST
    {
        return false;
    }
    // The verifier re-derives with the parameters in `parsed`, not its own,
    // and compares the outputs in constant time (phc::Output's PartialEq).
    Argon2::default().verify_password(secret, &parsed).is_ok()
}

/// Whether a stored PHC string uses other parameters than today's (so the
/// server may re-hash after a successful verification). Unparseable is `true`.
pub(crate) fn needs_rehash(phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return true;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return true;
    };
    parsed.algorithm != ARGON2ID_IDENT
        || parsed.version != Some(Version::V0x13.into())
        || params.m_cost() != M_COST
        || params.t_cost() != T_COST
        || params.p_cost() != P_COST
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_has_owasp_parameters_and_verifies() {
        let phc = hash(b"secret").expect("hash");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify(b"secret", &phc));
        assert!(!verify(b"Secret", &phc));
        assert!(!verify(b"", &phc));
        assert!(!needs_rehash(&phc));
    }

    #[test]
    fn same_secret_gets_different_salts() {
        assert_ne!(hash(b"x").expect("hash"), hash(b"x").expect("hash"));
    }

    #[test]
    fn garbage_and_foreign_hashes_are_false() {
        for phc in [
            "",
            "$",
            "not a hash",
            "$argon2id$",
            "$argon2id$v=19$m=19456,t=2,p=1$",
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$",
            "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$5L1nFsPnCAC1KxDbl2mTf1ZtVPj0IrQTUmC1j9pJSdE",
            "$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHRzYWx0$5L1nFsPnCAC1KxDbl2mTf1ZtVPj0IrQTUmC1j9pJSdE",
            "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
            "$argon2id$v=19$m=19456,t=2,p=1$\u{e9}\u{e9}$\u{e9}",
        ] {
            assert!(!verify(b"secret", phc), "{phc:?}");
            assert!(needs_rehash(phc) || phc.contains("m=19456"), "{phc:?}");
        }
    }

    #[test]
    fn oversized_input_is_refused_without_work() {
        let big = vec![b'a'; MAX_INPUT_BYTES + 1];
        assert!(hash(&big).is_err());
        let phc = hash(b"a").expect("hash");
        assert!(!verify(&big, &phc));
    }

    #[test]
    fn weaker_parameters_need_rehash_but_still_verify() {
        let weak = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8 * 1024, 1, 1, None).expect("params"),
        )
        .hash_password_with_salt(b"pw", b"0123456789abcdef")
        .expect("hash")
        .to_string();
        assert!(verify(b"pw", &weak));
        assert!(needs_rehash(&weak));
    }
}

//! Client secrets: generated, shown once, stored only as a hash.
//!
//! A generated secret carries 256 bits of entropy, so a fast hash is as
//! strong as a slow one here: nobody can enumerate 2^256 candidates. A slow
//! KDF (argon2id) would only turn every token request into a CPU-cost lever
//! for an attacker. argon2id stays for low-entropy secrets (OTPs, recovery
//! codes, passwords).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

const PREFIX: &str = "sha256$";

/// A freshly generated secret: the plaintext (shown once) and its stored hash.
#[derive(Debug)]
pub struct GeneratedSecret {
    pub plaintext: String,
    pub hash: String,
}

/// Generate a 256-bit secret, base64url-encoded (43 characters).
#[must_use]
pub fn generate() -> GeneratedSecret {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let plaintext = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash(&plaintext);
    GeneratedSecret { plaintext, hash }
}

/// The stored form of a secret.
#[must_use]
pub fn hash(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(digest))
}

/// Compare a presented secret with a stored hash in constant time.
#[must_use]
pub fn verify(stored: &str, presented: &str) -> bool {
    if !stored.starts_with(PREFIX) {
        return false;
    }
    let candidate = hash(presented);
    candidate.as_bytes().ct_eq(stored.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secret_verifies_and_others_do_not() {
        let s = generate();
        assert_eq!(s.plaintext.len(), 43);
        assert!(!s.hash.contains(&s.plaintext));
        assert!(verify(&s.hash, &s.plaintext));
        assert!(!verify(&s.hash, "wrong"));
        assert!(!verify("plain", "plain"));
        assert_ne!(generate().plaintext, s.plaintext);
    }
}

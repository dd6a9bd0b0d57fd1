//! Private keys at rest: AES-256-GCM under `keys.encryption_key`.
//!
//! Format: `v1.<base64url nonce>.<base64url ciphertext‖tag>`, with a random
//! 96-bit nonce per seal (NIST SP 800-38D §8.2.2: random nonces are safe far
//! beyond the few keys a deployment ever seals). The additional
//! authenticated data binds the ciphertext to its `kid`, so a sealed key
//! copied into another row does not open there, and to this purpose (the
//! `AAD_PREFIX`), so a value sealed for something else under the same
//! encryption key can never be opened as a signing key.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use zeroize::Zeroizing;

use super::KeyError;

const VERSION: &str = "v1";
const AAD_PREFIX: &str = "latchkey/signing-key/";
const NONCE_LEN: usize = 12;

fn aad(kid: &str) -> Vec<u8> {
    format!("{AAD_PREFIX}{kid}").into_bytes()
}

/// Seal a private key (PKCS#8 DER) for the row whose kid is `kid`.
pub fn seal(enc_key: &[u8; 32], kid: &str, der: &[u8]) -> Result<String, KeyError> {
    let cipher = Aes256Gcm::new(enc_key.into());
    let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
    let aad = aad(kid);
    let ct = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: der,
                aad: &aad,
            },
        )
        .map_err(|_| KeyError::Seal)?;
    Ok(format!(
        "{VERSION}.{}.{}",
        B64.encode(nonce),
        B64.encode(ct)
    ))
}

/// Open what [`seal`] produced for `kid`. A wrong encryption key, another
/// row's value, a tampered or malformed value all give `KeyError::Open`.
pub fn open(enc_key: &[u8; 32], kid: &str, sealed: &str) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let fail = || KeyError::Open(kid.to_owned());
    let mut parts = sealed.split('.');
    let (Some(VERSION), Some(nonce), Some(ct), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(fail());
    };
    let nonce = B64.decode(nonce).map_err(|_| fail())?;
    let ct = B64.decode(ct).map_err(|_| fail())?;
    if nonce.len() != NONCE_LEN {
        return Err(fail());
    }
    let cipher = Aes256Gcm::new(enc_key.into());
    let aad = aad(kid);
    cipher
        .decrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: &ct,
                aad: &aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| fail())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [7; 32];

    #[test]
    fn roundtrip_and_fresh_nonce() {
        let a = seal(&KEY, "kid1", b"secret der").unwrap();
        let b = seal(&KEY, "kid1", b"secret der").unwrap();
        assert!(a.starts_with("v1."));
        assert_ne!(a, b, "a new nonce every time");
        assert_eq!(open(&KEY, "kid1", &a).unwrap().as_slice(), b"secret der");
        assert!(!a.contains("secret"));
    }

    #[test]
    fn wrong_key_fails() {
        let s = seal(&KEY, "kid1", b"der").unwrap();
        assert!(matches!(open(&[8; 32], "kid1", &s), Err(KeyError::Open(k)) if k == "kid1"));
    }

    #[test]
    fn other_kid_fails() {
        let s = seal(&KEY, "kid1", b"der").unwrap();
        assert!(open(&KEY, "kid2", &s).is_err());
    }

    #[test]
    fn tampered_or_malformed_fails() {
        let s = seal(&KEY, "kid1", b"some der bytes").unwrap();
        let (head, ct) = s.rsplit_once('.').unwrap();
        let mut raw = B64.decode(ct).unwrap();
        raw[0] ^= 1;
        let tampered = format!("{head}.{}", B64.encode(raw));
        assert!(open(&KEY, "kid1", &tampered).is_err());
        for bad in [
            "",
            "v1",
            "v1..",
            "v2.AAAA.AAAA",
            "v1.!!!.AAAA",
            "v1.AAAA.AAAA",
            &format!("{s}.extra"),
        ] {
            assert!(open(&KEY, "kid1", bad).is_err(), "{bad:?}");
        }
    }
}

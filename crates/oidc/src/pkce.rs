//! Proof Key for Code Exchange, S256 only (RFC 7636 §4.6).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Why a code verifier was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PkceError {
    #[error("code_verifier must be 43 to 128 characters of [A-Za-z0-9-._~] (RFC 7636 §4.1)")]
    Malformed,
    #[error("code_verifier does not match the code_challenge")]
    Mismatch,
    #[error("code_verifier is required: the authorization request had a code_challenge")]
    Missing,
    #[error("code_verifier was sent but the authorization request had no code_challenge")]
    Unexpected,
}

/// `BASE64URL(SHA256(verifier))`.
#[must_use]
pub fn s256_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Check a token request's verifier against the authorization request's
/// challenge. A verifier without a challenge is refused too: otherwise an
/// attacker holding a stolen code of a non-PKCE request could not be told
/// apart from the client (RFC 9700 §4.8.2, PKCE downgrade).
pub fn verify(challenge: Option<&str>, verifier: Option<&str>) -> Result<(), PkceError> {
    match (challenge, verifier) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(PkceError::Unexpected),
        (Some(_), None) => Err(PkceError::Missing),
        (Some(challenge), Some(verifier)) => {
            let ok_len = (43..=128).contains(&verifier.len());
            let ok_chars = verifier
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
            if !ok_len || !ok_chars {
                return Err(PkceError::Malformed);
            }
            let computed = s256_challenge(verifier);
            if bool::from(computed.as_bytes().ct_eq(challenge.as_bytes())) {
                Ok(())
            } else {
                Err(PkceError::Mismatch)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b_example() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert_eq!(
            s256_challenge(verifier),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert_eq!(
            verify(
                Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"),
                Some(verifier)
            ),
            Ok(())
        );
    }

    #[test]
    fn refusals() {
        let c = s256_challenge(&"a".repeat(43));
        assert_eq!(
            verify(Some(&c), Some(&"b".repeat(43))),
            Err(PkceError::Mismatch)
        );
        assert_eq!(verify(Some(&c), Some("short")), Err(PkceError::Malformed));
        assert_eq!(
            verify(Some(&c), Some(&format!("{}!", "a".repeat(43)))),
            Err(PkceError::Malformed)
        );
        assert_eq!(verify(Some(&c), None), Err(PkceError::Missing));
        assert_eq!(
            verify(None, Some(&"a".repeat(43))),
            Err(PkceError::Unexpected)
        );
        assert_eq!(verify(None, None), Ok(()));
        // The plain method (challenge == verifier) never passes.
        let v = "a".repeat(43);
        assert_eq!(verify(Some(&v), Some(&v)), Err(PkceError::Mismatch));
    }
}

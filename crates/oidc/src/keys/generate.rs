//! Key-pair generation and the public JWK of a private key.
//!
//! The public JWK is always *derived* from the private key (never trusted
//! from storage on its own), and the `kid` is the key's RFC 7638 thumbprint,
//! so a `kid` names exactly one public key and anyone can recompute it.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::KeyError;
use crate::alg::SigningAlg;

/// RSA modulus size. 2048 bits is the floor RFC 7518 §3.3 sets and what
/// every relying party accepts; larger keys cost signing time on every token.
const RSA_BITS: usize = 2048;

/// A freshly generated key pair.
pub struct GeneratedKey {
    /// RFC 7638 thumbprint (SHA-256, base64url) of the public key.
    pub kid: String,
    pub alg: SigningAlg,
    /// PKCS#8 DER of the private key; zeroed when dropped.
    pub private_der: Zeroizing<Vec<u8>>,
    /// The public JWK: key members plus `kid`, `alg` and `use: "sig"`.
    pub public_jwk: Value,
}

impl std::fmt::Debug for GeneratedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeneratedKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("public_jwk", &self.public_jwk)
            .finish_non_exhaustive()
    }
}

/// Generate a new key pair for `alg` from the operating system's RNG.
pub fn generate(alg: SigningAlg) -> Result<GeneratedKey, KeyError> {
    // p256, rsa and ed25519-dalek use rand_core 0.6; aes-gcm re-exports that
    // version's OsRng (the workspace `rand` is 0.9, a different trait).
    let mut rng = aes_gcm::aead::OsRng;
    let der: Zeroizing<Vec<u8>> = match alg {
        SigningAlg::ES256 => {
            use p256::pkcs8::EncodePrivateKey as _;
            let key = p256::ecdsa::SigningKey::random(&mut rng);
            let doc = key.to_pkcs8_der().map_err(gen_err)?;
            Zeroizing::new(doc.as_bytes().to_vec())
        }
        SigningAlg::RS256 => {
            use rsa::pkcs8::EncodePrivateKey as _;
            let key = rsa::RsaPrivateKey::new(&mut rng, RSA_BITS).map_err(gen_err)?;
            let doc = key.to_pkcs8_der().map_err(gen_err)?;
            Zeroizing::new(doc.as_bytes().to_vec())
        }
        SigningAlg::EdDSA => {
            use ed25519_dalek::pkcs8::EncodePrivateKey as _;
            let key = ed25519_dalek::SigningKey::generate(&mut rng);
            let doc = key.to_pkcs8_der().map_err(gen_err)?;
            Zeroizing::new(doc.as_bytes().to_vec())
        }
    };
    let (kid, public_jwk) = public_jwk(alg, &der).map_err(|reason| KeyError::Malformed {
        kid: "(new)".into(),
        reason,
    })?;
    Ok(GeneratedKey {
        kid,
        alg,
        private_der: der,
        public_jwk,
    })
}

fn gen_err(e: impl std::fmt::Display) -> KeyError {
    KeyError::Generate(e.to_string())
}

/// The `kid` and public JWK of a PKCS#8 private key. Only public members
/// are ever written (RFC 7517 §9.3: a JWKS must not carry private members).
pub(super) fn public_jwk(alg: SigningAlg, der: &[u8]) -> Result<(String, Value), String> {
    let members = public_members(alg, der)?;
    let kid = thumbprint(&members);
    let mut jwk = Map::new();
    for (name, value) in members {
        jwk.insert(name.to_owned(), Value::String(value));
    }
    jwk.insert("kid".into(), Value::String(kid.clone()));
    jwk.insert("alg".into(), Value::String(alg.as_str().to_owned()));
    jwk.insert("use".into(), Value::String("sig".into()));
    Ok((kid, Value::Object(jwk)))
}

/// The required public members of the key, in lexicographic order as the
/// RFC 7638 §3.2 thumbprint input needs them.
fn public_members(alg: SigningAlg, der: &[u8]) -> Result<Vec<(&'static str, String)>, String> {
    Ok(match alg {
        SigningAlg::ES256 => {
            use p256::pkcs8::DecodePrivateKey as _;
            let key = p256::ecdsa::SigningKey::from_pkcs8_der(der).map_err(|e| e.to_string())?;
            let point = key.verifying_key().to_encoded_point(false);
            let (Some(x), Some(y)) = (point.x(), point.y()) else {
                return Err("P-256 public key has no affine coordinates".into());
            };
            vec![
                ("crv", "P-256".to_owned()),
                ("kty", "EC".to_owned()),
                ("x", B64.encode(x)),
                ("y", B64.encode(y)),
            ]
        }
        SigningAlg::RS256 => {
            use rsa::pkcs8::DecodePrivateKey as _;
            use rsa::traits::PublicKeyParts as _;
            let key = rsa::RsaPrivateKey::from_pkcs8_der(der).map_err(|e| e.to_string())?;
            if key.size() * 8 < RSA_BITS {
                return Err("RSA key is shorter than 2048 bits".into());
            }
            vec![
                ("e", B64.encode(key.e().to_bytes_be())),
                ("kty", "RSA".to_owned()),
                ("n", B64.encode(key.n().to_bytes_be())),
            ]
        }
        SigningAlg::EdDSA => {
            use ed25519_dalek::pkcs8::DecodePrivateKey as _;
            let key = ed25519_dalek::SigningKey::from_pkcs8_der(der).map_err(|e| e.to_string())?;
            // RFC 8037 §2: an Ed25519 public key is an OKP JWK.
            vec![
                ("crv", "Ed25519".to_owned()),
                ("kty", "OKP".to_owned()),
                ("x", B64.encode(key.verifying_key().to_bytes())),
            ]
        }
    })
}

/// RFC 7638 §3: SHA-256 over the canonical JSON of the required members
/// (sorted, no whitespace), base64url. Values are base64url or fixed
/// names, so no JSON escaping is ever needed.
fn thumbprint(members: &[(&'static str, String)]) -> String {
    let body: Vec<String> = members
        .iter()
        .map(|(k, v)| format!("\"{k}\":\"{v}\""))
        .collect();
    let canonical = format!("{{{}}}", body.join(","));
    B64.encode(Sha256::digest(canonical.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7638_example_thumbprint() {
        // RFC 7638 §3.1 example key and its published thumbprint.
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        let members = vec![
            ("e", "AQAB".to_owned()),
            ("kty", "RSA".to_owned()),
            ("n", n.to_owned()),
        ];
        assert_eq!(
            thumbprint(&members),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn jwk_members_by_alg() {
        for alg in SigningAlg::ALL {
            let k = generate(alg).unwrap();
            let jwk = k.public_jwk.as_object().unwrap();
            assert_eq!(jwk["kid"], k.kid.as_str());
            assert_eq!(jwk["alg"], alg.as_str());
            assert_eq!(jwk["use"], "sig");
            assert_eq!(k.kid.len(), 43, "full SHA-256 thumbprint");
            let expected: &[&str] = match alg {
                SigningAlg::ES256 => &["alg", "crv", "kid", "kty", "use", "x", "y"],
                SigningAlg::RS256 => &["alg", "e", "kid", "kty", "n", "use"],
                SigningAlg::EdDSA => &["alg", "crv", "kid", "kty", "use", "x"],
            };
            let mut names: Vec<&str> = jwk.keys().map(String::as_str).collect();
            names.sort_unstable();
            assert_eq!(names, expected, "{alg}");
            // Deriving again from the private key gives the same JWK.
            assert_eq!(public_jwk(alg, &k.private_der).unwrap().1, k.public_jwk);
        }
    }

    #[test]
    fn garbage_der_is_an_error() {
        for alg in SigningAlg::ALL {
            assert!(public_jwk(alg, b"not a key").is_err());
        }
        let ec = generate(SigningAlg::ES256).unwrap();
        assert!(public_jwk(SigningAlg::EdDSA, &ec.private_der).is_err());
    }
}

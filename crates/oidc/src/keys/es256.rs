//! ES256 signing with a key parsed once, and verification, both with ring (RFC 7518 §3.4).
//!
//! `jsonwebtoken` keeps an ES256 `EncodingKey` as PKCS#8 DER and, with its
//! RustCrypto backend, parses it on every signature; parsing a P-256 private
//! key derives its public point, a full scalar multiplication. Profiling the
//! token endpoint showed that second multiplication as a third of its CPU
//! (`docs/performance.md`). Here the key is parsed when the key set is
//! built, and each token costs one signature.
//!
//! The signature itself comes from `ring` (already in the build for
//! rustls), whose assembly P-256 signs about 14 times faster than the pure
//! Rust implementation (`docs/performance.md`). Its nonces are random
//! rather than RFC 6979's; both are valid ES256 (RFC 7518 §3.4) and verify
//! with the published JWK, which a test checks with `jsonwebtoken`.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Header;
use p256::ecdsa::SigningKey;
use p256::pkcs8::DecodePrivateKey as _;
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use serde::Serialize;

use super::KeyError;

/// A parsed P-256 private key.
#[derive(Clone)]
pub(super) struct Es256Signer {
    key: Arc<EcdsaKeyPair>,
    rng: SystemRandom,
}

impl Es256Signer {
    /// Parse a PKCS#8 DER private key.
    pub(super) fn from_pkcs8_der(der: &[u8]) -> Result<Self, String> {
        // p256 reads every PKCS#8 form we store; ring gets the raw scalar
        // and point, so it need not care whether the document carries the
        // public key.
        let parsed = SigningKey::from_pkcs8_der(der).map_err(|e| e.to_string())?;
        let scalar = parsed.to_bytes();
        let point = parsed.verifying_key().to_encoded_point(false);
        let rng = SystemRandom::new();
        let key = EcdsaKeyPair::from_private_key_and_public_key(
            &ECDSA_P256_SHA256_FIXED_SIGNING,
            &scalar,
            point.as_bytes(),
            &rng,
        )
        .map_err(|e| format!("P-256 key refused: {e}"))?;
        Ok(Self {
            key: Arc::new(key),
            rng,
        })
    }

    /// The compact JWS of `claims` under `header` (whose `alg` is ES256).
    pub(super) fn sign<T: Serialize>(
        &self,
        header: &Header,
        claims: &T,
    ) -> Result<String, KeyError> {
        let sign_err = |e: serde_json::Error| KeyError::Sign(e.to_string());
        let header = serde_json::to_vec(header).map_err(sign_err)?;
        let claims = serde_json::to_vec(claims).map_err(sign_err)?;
        let mut jws = String::with_capacity((header.len() + claims.len()) * 4 / 3 + 100);
        URL_SAFE_NO_PAD.encode_string(header, &mut jws);
        jws.push('.');
        URL_SAFE_NO_PAD.encode_string(claims, &mut jws);
        let signature = self
            .key
            .sign(&self.rng, jws.as_bytes())
            .map_err(|e| KeyError::Sign(e.to_string()))?;
        jws.push('.');
        URL_SAFE_NO_PAD.encode_string(signature.as_ref(), &mut jws);
        Ok(jws)
    }
}

/// A P-256 public key for verifying our own ES256 tokens with `ring`
/// (introspection, `id_token_hint`, logout): about six times cheaper than
/// the pure Rust verification `jsonwebtoken` would run
/// (`docs/performance.md`).
#[derive(Clone)]
pub(super) struct Es256Verifier {
    /// The uncompressed point, `0x04 || x || y` (SEC 1 §2.3.3).
    point: Vec<u8>,
}

impl Es256Verifier {
    /// From a public JWK (`kty` EC, `crv` P-256, `x`, `y`; RFC 7518 §6.2.1).
    pub(super) fn from_jwk(jwk: &serde_json::Value) -> Result<Self, String> {
        let coordinate = |name: &str| {
            jwk[name]
                .as_str()
                .and_then(|v| URL_SAFE_NO_PAD.decode(v).ok())
                .filter(|v| v.len() == 32)
                .ok_or_else(|| format!("the JWK's {name} is not a P-256 coordinate"))
        };
        let mut point = Vec::with_capacity(65);
        point.push(0x04);
        point.extend(coordinate("x")?);
        point.extend(coordinate("y")?);
        Ok(Self { point })
    }

    /// Whether `signature` (base64url, the 64-byte `r || s` of RFC 7518
    /// §3.4) signs `signing_input` (`header.payload`).
    pub(super) fn verify(&self, signing_input: &[u8], signature: &str) -> bool {
        let Ok(signature) = URL_SAFE_NO_PAD.decode(signature) else {
            return false;
        };
        ring::signature::UnparsedPublicKey::new(
            &ring::signature::ECDSA_P256_SHA256_FIXED,
            &self.point,
        )
        .verify(signing_input, &signature)
        .is_ok()
    }
}

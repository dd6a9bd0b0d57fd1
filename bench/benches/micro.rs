//! Micro-benchmarks of the hot pure functions: signing a token, validating
//! an ID token, and the fallback engine's decision.
//!
//! `cargo bench -p latchkey-bench --bench micro`

// Fixed inputs built in the benchmark itself: a failure is a broken
// benchmark, and a panic says so.
#![allow(clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use latchkey_core::{PasskeyFailure, UnixTime};
use latchkey_fallback::engine::{DeviceSignals, Enrollment, Requirement, Situation, decide};
use latchkey_oidc::SigningAlg;
use latchkey_oidc::claims::{ACCESS_TOKEN_TYP, AccessTokenClaims, IdTokenClaims};
use latchkey_oidc::keys::{KeySet, initial_keys};
use serde_json::Value;

const NOW: UnixTime = UnixTime(1_800_000_000);
const ISSUER: &str = "https://id.example.com";

fn key_set() -> KeySet {
    let enc = [7u8; 32];
    let stored = initial_keys(&enc, UnixTime(NOW.0 - 10)).unwrap();
    KeySet::from_stored(&stored, &enc, NOW).unwrap()
}

fn access_claims() -> AccessTokenClaims {
    AccessTokenClaims {
        iss: ISSUER.into(),
        sub: "svc-1".into(),
        aud: ISSUER.into(),
        exp: NOW.0 + 600,
        iat: NOW.0,
        jti: "0123456789abcdef0123456789abcdef".into(),
        client_id: "svc-1".into(),
        scope: "api:read api:write".into(),
        auth_time: None,
        acr: None,
        amr: None,
        sid: None,
    }
}

fn id_claims() -> IdTokenClaims {
    IdTokenClaims {
        iss: ISSUER.into(),
        sub: "6f1c2b7e-0d7a-4c53-9f4e-2f0d5c1a9b11".into(),
        aud: "rp-1".into(),
        exp: NOW.0 + 600,
        iat: NOW.0,
        auth_time: NOW.0,
        nonce: Some("n-456".into()),
        acr: "phr".into(),
        amr: vec!["pop".into(), "hwk".into(), "user".into(), "mfa".into()],
        azp: "rp-1".into(),
        sid: Some("sid-1".into()),
        at_hash: Some("a-hash".into()),
        latchkey_fallback: None,
        user: serde_json::Map::new(),
    }
}

fn tokens(c: &mut Criterion) {
    let keys = key_set();
    let claims = access_claims();
    c.bench_function("sign ES256 access token", |b| {
        b.iter(|| {
            keys.sign(SigningAlg::ES256, ACCESS_TOKEN_TYP, &claims, NOW)
                .unwrap()
        });
    });
    let id = id_claims();
    c.bench_function("sign ES256 ID token", |b| {
        b.iter(|| keys.sign(SigningAlg::ES256, "JWT", &id, NOW).unwrap());
    });
    let token = keys.sign(SigningAlg::ES256, "JWT", &id, NOW).unwrap();
    c.bench_function("validate ES256 ID token (KeySet::verify)", |b| {
        b.iter(|| {
            keys.verify::<Value>(&token, Some("JWT"), NOW, false)
                .unwrap()
        });
    });
    // What a relying party does with the published JWK.
    let jwks: jsonwebtoken::jwk::JwkSet = serde_json::from_value(keys.jwks(NOW)).unwrap();
    let kid = jsonwebtoken::decode_header(&token).unwrap().kid.unwrap();
    let jwk = jwks.find(&kid).unwrap();
    let key = jsonwebtoken::DecodingKey::from_jwk(jwk).unwrap();
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
    v.set_audience(&["rp-1"]);
    v.set_issuer(&[ISSUER]);
    v.validate_exp = false;
    c.bench_function("validate ES256 ID token (RP, jsonwebtoken)", |b| {
        b.iter(|| jsonwebtoken::decode::<Value>(&token, &key, &v).unwrap());
    });
}

fn engine(c: &mut Criterion) {
    let situation = Situation {
        identified: true,
        enrolled: Enrollment::stand_in(),
        failure: Some(PasskeyFailure::NoPasskeyOnThisDevice),
        device: DeviceSignals {
            platform_authenticator: Some(true),
            hybrid: Some(true),
            ..DeviceSignals::default()
        },
        now: NOW,
        ..Situation::default()
    };
    c.bench_function("fallback decide (no passkey on this device)", |b| {
        b.iter(|| decide(std::hint::black_box(&situation)));
    });
    let phr = Situation {
        requirement: Requirement::AtLeast(latchkey_oidc::Acr::PhishingResistant),
        ..situation.clone()
    };
    c.bench_function("fallback decide (phr required)", |b| {
        b.iter(|| decide(std::hint::black_box(&phr)));
    });
}

/// The raw ECDSA P-256 operations under the tokens: RustCrypto's `p256`
/// (what jsonwebtoken's `rust_crypto` backend and `KeySet` use) against
/// ring's assembly implementation, for the note in docs/performance.md.
fn p256_backends(c: &mut Criterion) {
    use p256::ecdsa::signature::{Signer as _, Verifier as _};
    use p256::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _};
    use ring::signature::{self as rs, KeyPair as _};
    let msg = [42u8; 300];
    let key = p256::ecdsa::SigningKey::from_slice(&[5u8; 32]).unwrap();
    let der = key.to_pkcs8_der().unwrap();
    c.bench_function(
        "p256: parse PKCS#8 + sign (jsonwebtoken rust_crypto path)",
        |b| {
            b.iter(|| {
                let k = p256::ecdsa::SigningKey::from_pkcs8_der(der.as_bytes()).unwrap();
                let s: p256::ecdsa::Signature = k.sign(&msg);
                s
            });
        },
    );
    c.bench_function("p256: sign with a parsed key", |b| {
        b.iter(|| {
            let s: p256::ecdsa::Signature = key.sign(&msg);
            s
        });
    });
    let sig: p256::ecdsa::Signature = key.sign(&msg);
    let vk = *key.verifying_key();
    c.bench_function("p256: verify", |b| {
        b.iter(|| vk.verify(&msg, &sig).unwrap())
    });
    let rng = ring::rand::SystemRandom::new();
    let pair =
        rs::EcdsaKeyPair::from_pkcs8(&rs::ECDSA_P256_SHA256_FIXED_SIGNING, der.as_bytes(), &rng)
            .unwrap();
    c.bench_function("ring: sign with a parsed key", |b| {
        b.iter(|| pair.sign(&rng, &msg).unwrap());
    });
    let rsig = pair.sign(&rng, &msg).unwrap();
    let public = rs::UnparsedPublicKey::new(
        &rs::ECDSA_P256_SHA256_FIXED,
        pair.public_key().as_ref().to_vec(),
    );
    c.bench_function("ring: verify", |b| {
        b.iter(|| public.verify(&msg, rsig.as_ref()).unwrap())
    });
}

criterion_group!(benches, tokens, engine, p256_backends);
criterion_main!(benches);

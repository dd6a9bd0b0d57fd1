//! The parsed key set: built once from the stored keys (decrypting and
//! parsing is not something to do per token), then shared read-only.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use latchkey_core::UnixTime;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::es256::{Es256Signer, Es256Verifier};
use super::generate::public_jwk;
use super::{KeyError, StoredKey, TokenError, open};
use crate::alg::SigningAlg;

/// Tolerated clock difference, in seconds, when checking `exp` and `nbf`.
/// The tokens verified here are our own, minted by nodes whose clocks are
/// synchronised; a few seconds absorbs the skew between them (a token minted
/// with `nbf = now` on a node slightly ahead) without stretching lifetimes
/// noticeably (RFC 7519 §4.1.4 allows "some small leeway").
pub const CLOCK_SKEW_LEEWAY_SECS: i64 = 5;

struct Entry {
    kid: String,
    alg: SigningAlg,
    jwk: Value,
    created_at: UnixTime,
    activates_at: UnixTime,
    retires_at: Option<UnixTime>,
    expires_at: Option<UnixTime>,
    /// Only for keys that may still sign; retired keys' private halves are
    /// never decrypted into long-lived memory.
    encoding: Option<EncodingKey>,
    /// ES256 keys that may sign, parsed once (see `es256.rs`).
    es256: Option<Es256Signer>,
    /// ES256 keys, for verifying with `ring` (see `es256.rs`).
    es256_verifier: Option<Es256Verifier>,
    decoding: DecodingKey,
}

impl Entry {
    fn published(&self, now: UnixTime) -> bool {
        self.created_at <= now && self.expires_at.is_none_or(|e| e > now)
    }

    fn signs(&self, now: UnixTime) -> bool {
        self.encoding.is_some()
            && self.activates_at <= now
            && self.retires_at.is_none_or(|r| r > now)
            && self.expires_at.is_none_or(|e| e > now)
    }
}

/// Every usable key, parsed. Cheap to share behind an `Arc`; rebuilt (not
/// mutated) when the stored keys change.
pub struct KeySet {
    entries: Vec<Entry>,
    /// The serialised JWKS and the time until which it stays exact (the
    /// next key to be published or to expire), so `/jwks` serialises once
    /// per change rather than per request.
    jwks_document: std::sync::Mutex<Option<(UnixTime, UnixTime, Arc<str>)>>,
}

impl std::fmt::Debug for KeySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kids: Vec<(&str, SigningAlg)> = self
            .entries
            .iter()
            .map(|e| (e.kid.as_str(), e.alg))
            .collect();
        f.debug_struct("KeySet").field("keys", &kids).finish()
    }
}

fn jwt_alg(alg: SigningAlg) -> Algorithm {
    match alg {
        SigningAlg::ES256 => Algorithm::ES256,
        SigningAlg::RS256 => Algorithm::RS256,
        SigningAlg::EdDSA => Algorithm::EdDSA,
    }
}

fn our_alg(alg: Algorithm) -> Option<SigningAlg> {
    match alg {
        Algorithm::ES256 => Some(SigningAlg::ES256),
        Algorithm::RS256 => Some(SigningAlg::RS256),
        Algorithm::EdDSA => Some(SigningAlg::EdDSA),
        _ => None,
    }
}

/// `typ` values compare case-insensitively, with or without the
/// `application/` prefix (RFC 7515 §4.1.9, RFC 8725 §3.11).
fn normalize_typ(typ: &str) -> String {
    let lower = typ.to_ascii_lowercase();
    match lower.strip_prefix("application/") {
        Some(rest) => rest.to_owned(),
        None => lower,
    }
}

fn malformed(kid: &str, reason: impl Into<String>) -> KeyError {
    KeyError::Malformed {
        kid: kid.to_owned(),
        reason: reason.into(),
    }
}

fn entry(key: &StoredKey, enc_key: &[u8; 32], now: UnixTime) -> Result<Entry, KeyError> {
    let der = open(enc_key, &key.kid, &key.private_key)?;
    // The public half is derived from the sealed private key and must match
    // what is stored: a row whose public key was swapped (to publish a key
    // someone else holds) is refused rather than served.
    let (kid, jwk) = public_jwk(key.alg, &der).map_err(|r| malformed(&key.kid, r))?;
    if kid != key.kid {
        return Err(malformed(
            &key.kid,
            "kid is not the key's RFC 7638 thumbprint",
        ));
    }
    let stored: Value = serde_json::from_str(&key.public_jwk)
        .map_err(|e| malformed(&key.kid, format!("public JWK: {e}")))?;
    if stored != jwk {
        return Err(malformed(
            &key.kid,
            "public JWK does not match the private key",
        ));
    }
    let may_sign = key.retires_at.is_none_or(|r| r > now);
    let encoding = if may_sign {
        Some(match key.alg {
            SigningAlg::ES256 => EncodingKey::from_ec_der(&der),
            SigningAlg::EdDSA => EncodingKey::from_ed_der(&der),
            SigningAlg::RS256 => {
                // jsonwebtoken's RSA signer takes PKCS#1; we store PKCS#8.
                use rsa::pkcs1::EncodeRsaPrivateKey as _;
                use rsa::pkcs8::DecodePrivateKey as _;
                let rsa = rsa::RsaPrivateKey::from_pkcs8_der(&der)
                    .map_err(|e| malformed(&key.kid, e.to_string()))?;
                let pkcs1 = rsa
                    .to_pkcs1_der()
                    .map_err(|e| malformed(&key.kid, e.to_string()))?;
                EncodingKey::from_rsa_der(pkcs1.as_bytes())
            }
        })
    } else {
        None
    };
    let es256 = match key.alg {
        SigningAlg::ES256 if may_sign => {
            Some(Es256Signer::from_pkcs8_der(&der).map_err(|e| malformed(&key.kid, e))?)
        }
        _ => None,
    };
    let es256_verifier = match key.alg {
        SigningAlg::ES256 => {
            Some(Es256Verifier::from_jwk(&jwk).map_err(|e| malformed(&key.kid, e))?)
        }
        _ => None,
    };
    let parsed: Jwk =
        serde_json::from_value(jwk.clone()).map_err(|e| malformed(&key.kid, e.to_string()))?;
    let decoding =
        DecodingKey::from_jwk(&parsed).map_err(|e| malformed(&key.kid, e.to_string()))?;
    Ok(Entry {
        kid,
        alg: key.alg,
        jwk,
        created_at: key.created_at,
        activates_at: key.activates_at,
        retires_at: key.retires_at,
        expires_at: key.expires_at,
        encoding,
        es256,
        es256_verifier,
        decoding,
    })
}

impl KeySet {
    /// Decrypt and parse `keys` as of `now`. Expired keys are skipped. Any
    /// other key that cannot be opened or does not match its public half is
    /// an error: serving a partial set would fail later and less clearly.
    pub fn from_stored(
        keys: &[StoredKey],
        enc_key: &[u8; 32],
        now: UnixTime,
    ) -> Result<KeySet, KeyError> {
        // jsonwebtoken picks its crypto backend from its features and panics
        // at first use if feature unification ever enables two; choosing it
        // explicitly keeps that failure impossible. Err means already chosen.
        let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
        let mut entries = keys
            .iter()
            .filter(|k| k.expires_at.is_none_or(|e| e > now))
            .map(|k| entry(k, enc_key, now))
            .collect::<Result<Vec<_>, _>>()?;
        // Stable JWKS order: by algorithm (default first), newest first.
        let rank = |a: SigningAlg| SigningAlg::ALL.iter().position(|x| *x == a);
        entries.sort_by(|a, b| {
            (rank(a.alg), b.activates_at, &b.kid).cmp(&(rank(b.alg), a.activates_at, &a.kid))
        });
        Ok(KeySet {
            entries,
            jwks_document: std::sync::Mutex::new(None),
        })
    }

    fn signer(&self, alg: SigningAlg, now: UnixTime) -> Option<&Entry> {
        self.entries
            .iter()
            .filter(|e| e.alg == alg && e.signs(now))
            .max_by(|a, b| {
                (a.activates_at, a.created_at, &a.kid).cmp(&(b.activates_at, b.created_at, &b.kid))
            })
    }

    /// Whether some key of `alg` can sign at `now`.
    #[must_use]
    pub fn has_active(&self, alg: SigningAlg, now: UnixTime) -> bool {
        self.signer(alg, now).is_some()
    }

    /// The kid that [`KeySet::sign`] would use for `alg` at `now`.
    #[must_use]
    pub fn signing_kid(&self, alg: SigningAlg, now: UnixTime) -> Option<&str> {
        self.signer(alg, now).map(|e| e.kid.as_str())
    }

    /// Sign `claims` as a compact JWS with the newest active key of `alg`.
    /// The header carries `alg`, `kid` (so verifiers pick the key without
    /// trying each, OpenID Connect Core §10.1) and `typ` (explicit typing,
    /// RFC 8725 §3.11: `JWT`, `at+jwt` (RFC 9068), `logout+jwt`, …).
    pub fn sign<T: Serialize>(
        &self,
        alg: SigningAlg,
        typ: &str,
        claims: &T,
        now: UnixTime,
    ) -> Result<String, KeyError> {
        let entry = self.signer(alg, now).ok_or(KeyError::NoActiveKey(alg))?;
        let key = entry.encoding.as_ref().ok_or(KeyError::NoActiveKey(alg))?;
        let mut header = Header::new(jwt_alg(alg));
        header.typ = Some(typ.to_owned());
        header.kid = Some(entry.kid.clone());
        if let Some(fast) = &entry.es256 {
            return fast.sign(&header, claims);
        }
        jsonwebtoken::encode(&header, claims, key).map_err(|e| KeyError::Sign(e.to_string()))
    }

    /// Verify a JWS signed by one of our keys and return its claims.
    ///
    /// Checks: the header `alg` is one we sign with and is the algorithm of
    /// the key named by `kid` (so `none`, HMAC and key-confusion forgeries
    /// fail, RFC 8725 §3.1–3.2); no `crit` (RFC 7515 §4.1.11: we understand
    /// no extensions); `typ` when `expected_typ` is given; the signature;
    /// `exp` unless `allow_expired` (an `id_token_hint` may be expired,
    /// OpenID Connect Core §3.1.2.1) and `nbf` when present, both with
    /// [`CLOCK_SKEW_LEEWAY_SECS`].
    ///
    /// Deliberately **not** checked here: `iss`, `aud`, `sub`, `iat`. Their
    /// expected values differ by use (ID token, access token, logout token,
    /// hint), so every caller checks them itself.
    pub fn verify<T: DeserializeOwned>(
        &self,
        token: &str,
        expected_typ: Option<&str>,
        now: UnixTime,
        allow_expired: bool,
    ) -> Result<T, KeyError> {
        let header = jsonwebtoken::decode_header(token).map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidAlgorithmName => TokenError::Algorithm,
            _ => TokenError::Malformed,
        })?;
        let alg = our_alg(header.alg).ok_or(TokenError::Algorithm)?;
        if header.crit.is_some() {
            return Err(TokenError::Critical.into());
        }
        let kid = header.kid.as_deref().ok_or(TokenError::UnknownKey)?;
        let entry = self
            .entries
            .iter()
            .find(|e| e.kid == kid && e.expires_at.is_none_or(|x| x > now))
            .ok_or(TokenError::UnknownKey)?;
        if entry.alg != alg {
            return Err(TokenError::Algorithm.into());
        }
        if let Some(want) = expected_typ {
            let got = header.typ.as_deref().ok_or(TokenError::Type)?;
            if normalize_typ(got) != normalize_typ(want) {
                return Err(TokenError::Type.into());
            }
        }
        let claims = match &entry.es256_verifier {
            Some(verifier) => verify_es256(verifier, token)?,
            None => verify_other(entry, alg, token)?,
        };
        check_times(&claims, now, allow_expired)?;
        serde_json::from_value(claims).map_err(|e| TokenError::Claims(e.to_string()).into())
    }

    /// The JWK Set to publish (RFC 7517 §5): every key created by `now` and
    /// not yet expired, so pre-published and retired-but-unexpired keys
    /// included. Public members only.
    #[must_use]
    pub fn jwks(&self, now: UnixTime) -> Value {
        let keys: Vec<Value> = self
            .entries
            .iter()
            .filter(|e| e.published(now))
            .map(|e| e.jwk.clone())
            .collect();
        serde_json::json!({ "keys": keys })
    }

    /// [`KeySet::jwks`] serialised, computed once for as long as the set of
    /// published keys stays the same.
    #[must_use]
    pub fn jwks_document(&self, now: UnixTime) -> Arc<str> {
        let mut cached = self
            .jwks_document
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((from, until, doc)) = cached.as_ref()
            && *from <= now
            && now < *until
        {
            return Arc::clone(doc);
        }
        let doc: Arc<str> = self.jwks(now).to_string().into();
        // The published set changes when a pre-published key's creation
        // time passes or a key expires; a clock that steps back simply
        // recomputes (never reuses a document from the future).
        let until = self
            .entries
            .iter()
            .flat_map(|e| [Some(e.created_at), e.expires_at])
            .flatten()
            .filter(|t| *t > now)
            .min()
            .unwrap_or(UnixTime(i64::MAX));
        *cached = Some((now, until, Arc::clone(&doc)));
        doc
    }
}

/// The claims of an ES256 compact JWS whose signature `verifier` accepts.
fn verify_es256(verifier: &Es256Verifier, token: &str) -> Result<Value, TokenError> {
    if token.bytes().filter(|b| *b == b'.').count() != 2 {
        return Err(TokenError::Malformed);
    }
    let (signing_input, signature) = token.rsplit_once('.').ok_or(TokenError::Malformed)?;
    let (_, payload) = signing_input.split_once('.').ok_or(TokenError::Malformed)?;
    if !verifier.verify(signing_input.as_bytes(), signature) {
        return Err(TokenError::Signature);
    }
    let payload = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| TokenError::Malformed)?;
    serde_json::from_slice(&payload).map_err(|_| TokenError::Malformed)
}

/// The claims of a JWS signed with an RS256 or EdDSA key, through
/// `jsonwebtoken`.
fn verify_other(entry: &Entry, alg: SigningAlg, token: &str) -> Result<Value, TokenError> {
    // Time claims are checked by the caller against our clock (`now`),
    // not the library's, so expiry is testable; aud/iss are the caller's.
    let mut validation = Validation::new(jwt_alg(alg));
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.leeway = 0;
    jsonwebtoken::decode::<Value>(token, &entry.decoding, &validation)
        .map(|data| data.claims)
        .map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidSignature => TokenError::Signature,
            jsonwebtoken::errors::ErrorKind::InvalidAlgorithm => TokenError::Algorithm,
            _ => TokenError::Malformed,
        })
}

/// A NumericDate claim (RFC 7519 §2): seconds, possibly fractional.
fn numeric_date(
    claims: &serde_json::Map<String, Value>,
    name: &str,
) -> Result<Option<i64>, TokenError> {
    match claims.get(name) {
        None => Ok(None),
        Some(v) => v
            .as_i64()
            .or_else(|| {
                v.as_f64()
                    .filter(|f| f.is_finite())
                    .map(|f| f.floor() as i64)
            })
            .map(Some)
            .ok_or_else(|| TokenError::Claims(format!("{name} is not a NumericDate"))),
    }
}

fn check_times(claims: &Value, now: UnixTime, allow_expired: bool) -> Result<(), TokenError> {
    let claims = claims
        .as_object()
        .ok_or_else(|| TokenError::Claims("payload is not a JSON object".into()))?;
    let exp = numeric_date(claims, "exp")?;
    let nbf = numeric_date(claims, "nbf")?;
    if !allow_expired {
        // RFC 7519 §4.1.4: valid only while now is before exp.
        let exp = exp.ok_or_else(|| TokenError::Claims("exp is required".into()))?;
        if now.0 >= exp.saturating_add(CLOCK_SKEW_LEEWAY_SECS) {
            return Err(TokenError::Expired);
        }
    }
    // RFC 7519 §4.1.5.
    if let Some(nbf) = nbf
        && nbf > now.0.saturating_add(CLOCK_SKEW_LEEWAY_SECS)
    {
        return Err(TokenError::NotYetValid);
    }
    Ok(())
}

//! KeySet behaviour: signing, verification and its refusals, JWKS contents,
//! and rotation over time.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use latchkey_core::UnixTime;
use serde::{Deserialize, Serialize};

use super::*;

const ENC: [u8; 32] = [9; 32];
const T0: UnixTime = UnixTime(1_800_000_000);

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Claims {
    sub: String,
    exp: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    nbf: Option<i64>,
}

fn claims(exp: i64) -> Claims {
    Claims {
        sub: "alice".into(),
        exp,
        nbf: None,
    }
}

fn set_at(keys: &[StoredKey], now: UnixTime) -> KeySet {
    KeySet::from_stored(keys, &ENC, now).unwrap()
}

fn token_error(r: Result<Claims, KeyError>) -> TokenError {
    match r {
        Err(KeyError::Token(t)) => t,
        other => panic!("expected a token error, got {other:?}"),
    }
}

fn header_of(token: &str) -> serde_json::Value {
    let head = token.split('.').next().unwrap();
    serde_json::from_slice(&B64.decode(head).unwrap()).unwrap()
}

#[test]
fn every_alg_signs_and_verifies() {
    let keys = initial_keys(&ENC, T0).unwrap();
    let set = set_at(&keys, T0);
    for alg in SigningAlg::ALL {
        assert!(set.has_active(alg, T0));
        let token = set.sign(alg, "JWT", &claims(T0.0 + 60), T0).unwrap();
        let header = header_of(&token);
        assert_eq!(header["alg"], alg.as_str());
        assert_eq!(header["typ"], "JWT");
        assert_eq!(header["kid"], set.signing_kid(alg, T0).unwrap());
        let back: Claims = set.verify(&token, Some("JWT"), T0, false).unwrap();
        assert_eq!(back, claims(T0.0 + 60));
    }
}

#[test]
fn expiry_and_not_before() {
    let set = set_at(&initial_keys(&ENC, T0).unwrap(), T0);
    let token = set
        .sign(SigningAlg::ES256, "JWT", &claims(T0.0 + 60), T0)
        .unwrap();
    let late = T0.plus_secs(60 + CLOCK_SKEW_LEEWAY_SECS);
    assert_eq!(
        token_error(set.verify(&token, None, late, false)),
        TokenError::Expired
    );
    let hint: Claims = set.verify(&token, None, late, true).unwrap();
    assert_eq!(hint.sub, "alice");

    let future = Claims {
        nbf: Some(T0.0 + 600),
        ..claims(T0.0 + 900)
    };
    let token = set.sign(SigningAlg::EdDSA, "JWT", &future, T0).unwrap();
    assert_eq!(
        token_error(set.verify(&token, None, T0, false)),
        TokenError::NotYetValid
    );
    let no_exp = serde_json::json!({"sub": "x"});
    let token = set.sign(SigningAlg::EdDSA, "JWT", &no_exp, T0).unwrap();
    assert!(
        set.verify::<serde_json::Value>(&token, None, T0, false)
            .is_err()
    );
    assert!(
        set.verify::<serde_json::Value>(&token, None, T0, true)
            .is_ok()
    );
}

#[test]
fn typ_is_checked_with_optional_application_prefix() {
    let set = set_at(&initial_keys(&ENC, T0).unwrap(), T0);
    let token = set
        .sign(SigningAlg::ES256, "at+jwt", &claims(T0.0 + 60), T0)
        .unwrap();
    for ok in ["at+jwt", "AT+JWT", "application/at+jwt"] {
        assert!(
            set.verify::<Claims>(&token, Some(ok), T0, false).is_ok(),
            "{ok}"
        );
    }
    assert_eq!(
        token_error(set.verify(&token, Some("logout+jwt"), T0, false)),
        TokenError::Type
    );
    let prefixed = set
        .sign(
            SigningAlg::ES256,
            "application/logout+jwt",
            &claims(T0.0 + 60),
            T0,
        )
        .unwrap();
    assert!(
        set.verify::<Claims>(&prefixed, Some("logout+jwt"), T0, false)
            .is_ok()
    );
}

#[test]
fn forgeries_are_refused() {
    let keys = initial_keys(&ENC, T0).unwrap();
    let set = set_at(&keys, T0);
    let ec = keys.iter().find(|k| k.alg == SigningAlg::ES256).unwrap();
    let payload = B64.encode(serde_json::to_vec(&claims(T0.0 + 60)).unwrap());

    // alg "none" (RFC 8725 §2.1).
    let head = B64.encode(format!(
        r#"{{"alg":"none","kid":"{}","typ":"JWT"}}"#,
        ec.kid
    ));
    let none = format!("{head}.{payload}.");
    assert!(matches!(
        token_error(set.verify(&none, None, T0, false)),
        TokenError::Algorithm | TokenError::Malformed
    ));

    // Key confusion: HS256 with the public key as the HMAC secret.
    for alg in [
        jsonwebtoken::Algorithm::HS256,
        jsonwebtoken::Algorithm::HS512,
    ] {
        let mut header = jsonwebtoken::Header::new(alg);
        header.kid = Some(ec.kid.clone());
        let secret = jsonwebtoken::EncodingKey::from_secret(ec.public_jwk.as_bytes());
        let forged = jsonwebtoken::encode(&header, &claims(T0.0 + 60), &secret).unwrap();
        assert_eq!(
            token_error(set.verify(&forged, None, T0, false)),
            TokenError::Algorithm,
            "{alg:?}"
        );
    }

    // A real signature relabelled with another of our algorithms.
    let rs = keys.iter().find(|k| k.alg == SigningAlg::RS256).unwrap();
    let token = set
        .sign(SigningAlg::ES256, "JWT", &claims(T0.0 + 60), T0)
        .unwrap();
    let (_, rest) = token.split_once('.').unwrap();
    let relabelled = format!(
        "{}.{rest}",
        B64.encode(format!(r#"{{"alg":"RS256","kid":"{}"}}"#, ec.kid))
    );
    assert_eq!(
        token_error(set.verify(&relabelled, None, T0, false)),
        TokenError::Algorithm
    );
    let moved = format!(
        "{}.{rest}",
        B64.encode(format!(r#"{{"alg":"RS256","kid":"{}"}}"#, rs.kid))
    );
    assert_eq!(
        token_error(set.verify(&moved, None, T0, false)),
        TokenError::Signature
    );

    // Unknown kid, missing kid, unknown critical header.
    for header in [
        r#"{"alg":"ES256","kid":"nope"}"#.to_owned(),
        r#"{"alg":"ES256"}"#.to_owned(),
    ] {
        let t = format!("{}.{rest}", B64.encode(header));
        assert_eq!(
            token_error(set.verify(&t, None, T0, false)),
            TokenError::UnknownKey
        );
    }
    let crit = format!(
        "{}.{rest}",
        B64.encode(format!(
            r#"{{"alg":"ES256","kid":"{}","crit":["exp"]}}"#,
            ec.kid
        ))
    );
    assert_eq!(
        token_error(set.verify(&crit, None, T0, false)),
        TokenError::Critical
    );

    // Tampered payload; garbage.
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts[1] = B64.encode(br#"{"sub":"mallory","exp":9999999999}"#);
    assert_eq!(
        token_error(set.verify(&parts.join("."), None, T0, false)),
        TokenError::Signature
    );
    // A valid ES256 token with a fourth segment; a cut signature.
    assert_eq!(
        token_error(set.verify(&format!("{token}.x"), None, T0, false)),
        TokenError::Malformed
    );
    assert_eq!(
        token_error(set.verify(&token[..token.len() - 4], None, T0, false)),
        TokenError::Signature
    );
    for junk in ["", "a", "a.b", "a.b.c", "....", "\u{0}.\u{1}.\u{2}"] {
        assert!(
            set.verify::<Claims>(junk, None, T0, false).is_err(),
            "{junk:?}"
        );
    }
}

#[test]
fn rotation_prepublishes_then_switches_and_keeps_old_until_expiry() {
    let mut keys = initial_keys(&ENC, T0).unwrap();
    let old_set = set_at(&keys, T0);
    let old_kid = old_set
        .signing_kid(SigningAlg::ES256, T0)
        .unwrap()
        .to_owned();
    let old_token = old_set
        .sign(SigningAlg::ES256, "JWT", &claims(T0.0 + 7200), T0)
        .unwrap();

    let now = T0.plus_secs(100);
    let rotation = rotate(&keys, SigningAlg::ES256, &ENC, now, 3600, 86_400).unwrap();
    let new_kid = rotation.key.kid.clone();
    rotation.apply_to(&mut keys);
    let set = set_at(&keys, now);

    // Pre-published: in the JWKS, but the old key still signs.
    let kids = |s: &KeySet, at| -> Vec<String> {
        // The cached document agrees with the set at every time asked.
        let document: serde_json::Value = serde_json::from_str(&s.jwks_document(at)).unwrap();
        assert_eq!(document, s.jwks(at));
        s.jwks(at)["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(kids(&set, now).contains(&new_kid));
    // Asked about a time before the new key existed (a clock stepped
    // back), the cached document is not reused.
    assert!(!kids(&set, T0).contains(&new_kid));
    assert!(kids(&set, now.plus_secs(1)).contains(&new_kid));
    assert_eq!(
        set.signing_kid(SigningAlg::ES256, now),
        Some(old_kid.as_str())
    );
    let after = now.plus_secs(3600);
    assert_eq!(
        set.signing_kid(SigningAlg::ES256, after),
        Some(new_kid.as_str())
    );
    // Other algorithms are untouched.
    assert_eq!(
        set.signing_kid(SigningAlg::RS256, after),
        old_set.signing_kid(SigningAlg::RS256, T0)
    );

    // A token signed by the now-retired key still verifies...
    let later = set_at(&keys, after);
    assert!(
        later
            .verify::<Claims>(&old_token, None, after, false)
            .is_ok()
    );
    assert!(kids(&later, after).contains(&old_kid));
    // ...until the key expires and leaves the JWKS.
    let gone = after.plus_secs(86_400);
    let expired = set_at(&keys, gone);
    assert!(!kids(&expired, gone).contains(&old_kid));
    assert_eq!(
        token_error(expired.verify(&old_token, None, gone, true)),
        TokenError::UnknownKey
    );
    assert_eq!(kids(&expired, gone).len(), 3);
}

#[test]
fn jwks_has_no_private_members() {
    let mut keys = initial_keys(&ENC, T0).unwrap();
    for alg in SigningAlg::ALL {
        rotate(&keys.clone(), alg, &ENC, T0, 60, 60)
            .unwrap()
            .apply_to(&mut keys);
    }
    let set = set_at(&keys, T0);
    let jwks = set.jwks(T0);
    let list = jwks["keys"].as_array().unwrap();
    assert_eq!(list.len(), 6);
    for k in list {
        for private in ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] {
            assert!(k.get(private).is_none(), "{private} in {k}");
        }
        assert_eq!(k["use"], "sig");
    }
    // Nothing created after `now` is published yet.
    assert_eq!(
        set.jwks(UnixTime(T0.0 - 1))["keys"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

#[test]
fn bad_records_are_refused() {
    let keys = initial_keys(&ENC, T0).unwrap();
    assert!(matches!(
        KeySet::from_stored(&keys, &[1; 32], T0),
        Err(KeyError::Open(_))
    ));
    // Another key's public JWK in this row.
    let mut swapped = keys.clone();
    swapped[0].public_jwk = keys[1].public_jwk.clone();
    assert!(matches!(
        KeySet::from_stored(&swapped, &ENC, T0),
        Err(KeyError::Malformed { .. })
    ));
    // Another row's sealed private key.
    let mut moved = keys.clone();
    moved[0].private_key = keys[1].private_key.clone();
    assert!(KeySet::from_stored(&moved, &ENC, T0).is_err());
    // Expired keys are not even opened.
    let mut expired = keys.clone();
    expired[0].private_key = "garbage".into();
    expired[0].retires_at = Some(T0);
    expired[0].expires_at = Some(T0);
    assert!(KeySet::from_stored(&expired, &ENC, T0).is_ok());
}

#[test]
fn no_active_key_is_an_error() {
    let set = KeySet::from_stored(&[], &ENC, T0).unwrap();
    assert!(!set.has_active(SigningAlg::ES256, T0));
    assert!(matches!(
        set.sign(SigningAlg::ES256, "JWT", &claims(1), T0),
        Err(KeyError::NoActiveKey(SigningAlg::ES256))
    ));
    assert_eq!(set.jwks(T0), serde_json::json!({"keys": []}));
}

/// The parsed-once ES256 signer (`es256.rs`, on ring) is a pure speed-up:
/// its tokens have jsonwebtoken's header and claims encoding (only the
/// randomised signature differs) and verify with the published JWK as a
/// relying party does.
#[test]
fn es256_fast_path_matches_jsonwebtoken() {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let keys = initial_keys(&ENC, T0).unwrap();
    let set = set_at(&keys, T0);
    let stored = keys.iter().find(|k| k.alg == SigningAlg::ES256).unwrap();
    let der = open(&ENC, &stored.kid, &stored.private_key).unwrap();
    let c = claims(T0.0 + 60);
    let ours = set.sign(SigningAlg::ES256, "at+jwt", &c, T0).unwrap();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
    header.typ = Some("at+jwt".into());
    header.kid = Some(stored.kid.clone());
    let theirs =
        jsonwebtoken::encode(&header, &c, &jsonwebtoken::EncodingKey::from_ec_der(&der)).unwrap();
    let signed_part = |jws: &str| jws.rsplit_once('.').unwrap().0.to_owned();
    assert_eq!(signed_part(&ours), signed_part(&theirs));
    let sig = ours.rsplit_once('.').unwrap().1;
    assert_eq!(URL_SAFE_NO_PAD.decode(sig).unwrap().len(), 64, "r || s");

    let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_str(&stored.public_jwk).unwrap();
    let key = jsonwebtoken::DecodingKey::from_jwk(&jwk).unwrap();
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
    v.validate_exp = false;
    let back = jsonwebtoken::decode::<Claims>(&ours, &key, &v).unwrap();
    assert_eq!(back.claims, c);
    // A flipped signature bit is refused by our own verifier too.
    let mut forged = ours.into_bytes();
    let last = forged.len() - 2;
    forged[last] = if forged[last] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    let r: Result<Claims, KeyError> = set.verify(&forged, None, T0, false);
    assert!(r.is_err());
}

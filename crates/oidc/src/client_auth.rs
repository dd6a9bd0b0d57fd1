//! Client authentication at the token, revocation and introspection
//! endpoints (RFC 6749 §2.3, OpenID Connect Core §9, RFC 7523 §2.2).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, jwk::Jwk};
use latchkey_core::UnixTime;
use serde::Deserialize;

use crate::client::{Client, TokenAuthMethod};
use crate::client_secret;

/// The `client_assertion_type` for JWT client authentication (RFC 7523 §2.2).
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Longest lifetime accepted for a client assertion: a short-lived proof,
/// not a credential (and it bounds how long its `jti` must be remembered).
pub const MAX_ASSERTION_LIFETIME_SECS: i64 = 300;

/// The algorithms a client assertion may be signed with, as discovery
/// advertises them (`*_endpoint_auth_signing_alg_values_supported`). Only
/// asymmetric ones: `none` cannot be parsed by jsonwebtoken, and HMAC would
/// let anyone who knows the public key forge (key confusion).
pub const ASSERTION_ALG_NAMES: [&str; 4] = ["RS256", "PS256", "ES256", "EdDSA"];

/// [`ASSERTION_ALG_NAMES`] as jsonwebtoken's algorithms (same order).
const ASSERTION_ALGS: [Algorithm; 4] = [
    Algorithm::RS256,
    Algorithm::PS256,
    Algorithm::ES256,
    Algorithm::EdDSA,
];

/// Clock skew tolerated on an assertion's `exp`.
const ASSERTION_LEEWAY_SECS: i64 = 30;

/// What the request presented to authenticate the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presented {
    Basic { client_id: String, secret: String },
    Post { client_id: String, secret: String },
    Assertion { client_id: String, jwt: String },
    None { client_id: String },
}

impl Presented {
    /// The client id the request claims to be.
    #[must_use]
    pub fn client_id(&self) -> &str {
        match self {
            Self::Basic { client_id, .. }
            | Self::Post { client_id, .. }
            | Self::Assertion { client_id, .. }
            | Self::None { client_id } => client_id,
        }
    }

    /// Whether the client tried HTTP Basic (a failure then answers with
    /// `WWW-Authenticate`, RFC 6749 §5.2).
    #[must_use]
    pub fn is_basic(&self) -> bool {
        matches!(self, Self::Basic { .. })
    }
}

/// Why client authentication failed. Each variant is one row of the error
/// mapping in `docs/oidc.md` (RFC 6749 §5.2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientAuthError {
    /// A malformed request (`invalid_request`, 400): more than one method
    /// (RFC 6749 §2.3 "MUST NOT use more than one"), a body `client_id`
    /// contradicting the Basic one, `client_secret` without `client_id`, a
    /// `client_assertion` without the JWT bearer type (RFC 7521 §4.2).
    #[error("{0}")]
    Malformed(String),
    /// The `Authorization` header holds no usable Basic credentials: another
    /// scheme (Bearer, Digest, …) or a Basic value that is not base64 of
    /// UTF-8 `id:secret`. `invalid_client` with the Basic challenge: the
    /// client tried the header, so the answer is 401 naming the scheme it
    /// must use (RFC 6749 §5.2).
    #[error("{0}")]
    BadHeader(String),
    /// No client authentication at all: no header, no `client_id`, no
    /// credentials (`invalid_client`, RFC 6749 §5.2 "no client
    /// authentication included").
    #[error("client authentication is required")]
    Missing,
    /// Unknown client, wrong secret, wrong method, bad assertion
    /// (`invalid_client`). The message is for logs; clients get a generic one.
    #[error("{0}")]
    Failed(String),
}

/// Decode one form-urlencoded value (`+` is a space). A literal `&` or `=`
/// is kept as itself rather than splitting the value.
fn form_decode(s: &str) -> Option<String> {
    let escaped = s.replace('&', "%26").replace('=', "%3D");
    url::form_urlencoded::parse(format!("x={escaped}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
}

/// The client id and secret of a `Basic` header value (RFC 7617 §2, with
/// RFC 6749 §2.3.1's form-encoding of both parts), or why it has none.
fn basic_credentials(header: &str) -> Result<(String, String), ClientAuthError> {
    let bad = |m: &str| ClientAuthError::BadHeader(m.to_owned());
    let encoded = match header.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("basic") => rest.trim(),
        _ if header.eq_ignore_ascii_case("basic") => "",
        _ => return Err(bad("unsupported Authorization scheme; use Basic")),
    };
    if encoded.is_empty() {
        return Err(bad("the Basic credentials are empty"));
    }
    let raw = STANDARD
        .decode(encoded)
        .map_err(|_| bad("the Basic credentials are not base64"))?;
    let raw = String::from_utf8(raw).map_err(|_| bad("the Basic credentials are not UTF-8"))?;
    let (id, secret) = raw
        .split_once(':')
        .ok_or_else(|| bad("the Basic credentials have no ':'"))?;
    let undecodable = || bad("the Basic credentials are not form-urlencoded");
    Ok((
        form_decode(id).ok_or_else(undecodable)?,
        form_decode(secret).ok_or_else(undecodable)?,
    ))
}

/// Find the method the request used. `get` reads a body parameter.
pub fn presented<'a>(
    authorization: Option<&str>,
    get: impl Fn(&str) -> Option<&'a str>,
) -> Result<Presented, ClientAuthError> {
    let malformed = |m: &str| ClientAuthError::Malformed(m.to_owned());
    let basic = authorization.map(basic_credentials).transpose()?;
    let secret = get("client_secret");
    let assertion = get("client_assertion");
    let assertion_type = get("client_assertion_type");
    let body_id = get("client_id");
    let methods = usize::from(basic.is_some())
        + usize::from(secret.is_some())
        + usize::from(assertion.is_some());
    if methods > 1 {
        return Err(malformed(
            "use exactly one client authentication method (RFC 6749 §2.3)",
        ));
    }
    if let Some((client_id, secret)) = basic {
        if body_id.is_some_and(|b| b != client_id) {
            return Err(malformed(
                "client_id in the body differs from the Basic credentials",
            ));
        }
        return Ok(Presented::Basic { client_id, secret });
    }
    if let Some(secret) = secret {
        let client_id = body_id.ok_or_else(|| malformed("client_secret needs client_id"))?;
        return Ok(Presented::Post {
            client_id: client_id.to_owned(),
            secret: secret.to_owned(),
        });
    }
    if let Some(jwt) = assertion {
        if assertion_type != Some(JWT_BEARER) {
            return Err(malformed(
                "client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ));
        }
        let client_id = match body_id {
            Some(id) => id.to_owned(),
            // An assertion that names no client is an invalid assertion
            // (RFC 7521 §4.2.1: `invalid_client`), not a malformed request.
            None => unverified_issuer(jwt).ok_or_else(|| {
                ClientAuthError::Failed("client_assertion has no readable iss".into())
            })?,
        };
        return Ok(Presented::Assertion {
            client_id,
            jwt: jwt.to_owned(),
        });
    }
    match body_id {
        Some(id) => Ok(Presented::None {
            client_id: id.to_owned(),
        }),
        None => Err(ClientAuthError::Missing),
    }
}

/// The `iss` of an assertion before verification, only to find the client
/// whose keys will verify it.
fn unverified_issuer(jwt: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct Iss {
        iss: String,
    }
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    serde_json::from_slice::<Iss>(&bytes).ok().map(|i| i.iss)
}

/// A verified assertion's replay-relevant facts: the server must remember
/// `jti` until `exp` and refuse it a second time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssertionId {
    pub jti: String,
    pub exp: UnixTime,
}

/// Authenticate `presented` as `client`. `audiences` are the values an
/// assertion's `aud` may take (the endpoint URL and the issuer, RFC 7523 §3).
pub fn authenticate(
    presented: &Presented,
    client: &Client,
    audiences: &[&str],
    now: UnixTime,
) -> Result<Option<AssertionId>, ClientAuthError> {
    let fail = |m: &str| ClientAuthError::Failed(m.to_owned());
    let method = client.token_endpoint_auth_method;
    match (presented, method) {
        (Presented::Basic { secret, .. }, TokenAuthMethod::ClientSecretBasic)
        | (Presented::Post { secret, .. }, TokenAuthMethod::ClientSecretPost) => {
            let stored = client
                .secret_hash
                .as_deref()
                .ok_or_else(|| fail("client has no secret"))?;
            if client_secret::verify(stored, secret) {
                Ok(None)
            } else {
                Err(fail("wrong client secret"))
            }
        }
        (Presented::None { .. }, TokenAuthMethod::None) => Ok(None),
        (Presented::Assertion { jwt, .. }, TokenAuthMethod::PrivateKeyJwt) => {
            verify_assertion(jwt, client, audiences, now).map(Some)
        }
        _ => Err(fail(&format!("client must authenticate with {method}"))),
    }
}

#[derive(Debug, Deserialize)]
struct AssertionClaims {
    iss: String,
    sub: String,
    exp: i64,
    jti: Option<String>,
}

fn verify_assertion(
    jwt: &str,
    client: &Client,
    audiences: &[&str],
    now: UnixTime,
) -> Result<AssertionId, ClientAuthError> {
    let fail = |m: &str| ClientAuthError::Failed(m.to_owned());
    let header =
        jsonwebtoken::decode_header(jwt).map_err(|_| fail("client_assertion is not a JWT"))?;
    let alg = header.alg;
    if !ASSERTION_ALGS.contains(&alg) {
        return Err(fail(
            "client_assertion must be signed with RS256, PS256, ES256 or EdDSA",
        ));
    }
    let jwks = client
        .jwks
        .as_ref()
        .ok_or_else(|| fail("client has no registered keys"))?;
    let keys: Vec<Jwk> = jwks["keys"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|k| serde_json::from_value(k.clone()).ok())
                .collect()
        })
        .unwrap_or_default();
    let candidates: Vec<&Jwk> = match &header.kid {
        Some(kid) => keys
            .iter()
            .filter(|k| k.common.key_id.as_deref() == Some(kid))
            .collect(),
        None => keys.iter().collect(),
    };
    let mut validation = Validation::new(alg);
    validation.set_audience(audiences);
    validation.set_issuer(&[client.id.0.as_str()]);
    validation.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
    // Expiry is checked below against the caller's clock, like every other
    // time rule in Latchkey, so it is testable and consistent.
    validation.validate_exp = false;
    validation.validate_nbf = false;
    let mut last = fail("no registered key verifies client_assertion");
    for jwk in candidates {
        let Ok(key) = DecodingKey::from_jwk(jwk) else {
            continue;
        };
        match jsonwebtoken::decode::<AssertionClaims>(jwt, &key, &validation) {
            Ok(data) => {
                let c = data.claims;
                if c.sub != client.id.0 || c.iss != client.id.0 {
                    return Err(fail("client_assertion iss and sub must be the client_id"));
                }
                if c.exp + ASSERTION_LEEWAY_SECS < now.0 {
                    return Err(fail("client_assertion has expired"));
                }
                if c.exp - now.0 > MAX_ASSERTION_LIFETIME_SECS {
                    return Err(fail("client_assertion lives too long (max 300 s)"));
                }
                let jti = c.jti.filter(|j| !j.is_empty() && j.len() <= 256);
                let jti = jti.ok_or_else(|| fail("client_assertion needs a jti"))?;
                return Ok(AssertionId {
                    jti,
                    exp: UnixTime(c.exp),
                });
            }
            Err(e) => last = ClientAuthError::Failed(format!("client_assertion rejected: {e}")),
        }
    }
    Err(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<&'a str> {
        move |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| *v)
    }

    #[test]
    fn advertised_assertion_algs_are_the_verified_ones() {
        let parsed: Vec<Algorithm> = ASSERTION_ALG_NAMES
            .iter()
            .map(|n| n.parse().unwrap())
            .collect();
        assert_eq!(parsed, ASSERTION_ALGS);
    }

    #[test]
    fn basic_is_form_decoded() {
        let h = format!("Basic {}", STANDARD.encode("my%20app:p%3Ass+w"));
        let p = presented(Some(&h), params(&[])).unwrap();
        assert_eq!(
            p,
            Presented::Basic {
                client_id: "my app".into(),
                secret: "p:ss w".into()
            }
        );
    }

    #[test]
    fn exactly_one_method() {
        let h = format!("Basic {}", STANDARD.encode("a:b"));
        assert!(matches!(
            presented(Some(&h), params(&[("client_secret", "x")])),
            Err(ClientAuthError::Malformed(_))
        ));
        assert!(matches!(
            presented(
                None,
                params(&[("client_id", "a"), ("client_assertion", "x.y.z")])
            ),
            Err(ClientAuthError::Malformed(_))
        ));
        assert!(matches!(
            presented(Some(&h), params(&[("client_id", "other")])),
            Err(ClientAuthError::Malformed(_))
        ));
        assert!(matches!(
            presented(None, params(&[("client_secret", "s")])),
            Err(ClientAuthError::Malformed(_))
        ));
        assert_eq!(
            presented(None, params(&[("client_id", "spa")])).unwrap(),
            Presented::None {
                client_id: "spa".into()
            }
        );
        let post = presented(None, params(&[("client_id", "a"), ("client_secret", "s")])).unwrap();
        assert_eq!(
            post,
            Presented::Post {
                client_id: "a".into(),
                secret: "s".into()
            }
        );
    }

    #[test]
    fn no_authentication_is_missing() {
        assert_eq!(presented(None, params(&[])), Err(ClientAuthError::Missing));
        assert_eq!(
            presented(None, params(&[("grant_type", "client_credentials")])),
            Err(ClientAuthError::Missing)
        );
    }

    #[test]
    fn unusable_authorization_headers_are_bad_headers() {
        let b64 = |raw: &[u8]| format!("Basic {}", STANDARD.encode(raw));
        for h in [
            "Bearer x".to_owned(),
            "Digest username=\"x\"".to_owned(),
            "Basicx".to_owned(),
            "Basic".to_owned(),
            "Basic ".to_owned(),
            "Basic !!!".to_owned(),
            b64(b"nocolon"),
            b64(b"\xff\xfe:\xff"),
            String::new(),
        ] {
            assert!(
                matches!(
                    presented(Some(&h), params(&[("client_id", "a")])),
                    Err(ClientAuthError::BadHeader(_))
                ),
                "{h:?}"
            );
        }
        // The scheme is case-insensitive (RFC 7235 §2.1).
        let h = format!("bAsIc {}", STANDARD.encode("a:b"));
        assert!(matches!(
            presented(Some(&h), params(&[])),
            Ok(Presented::Basic { .. })
        ));
    }

    #[test]
    fn an_assertion_naming_no_client_fails_authentication() {
        let p = params(&[
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", "garbage"),
        ]);
        assert!(matches!(
            presented(None, p),
            Err(ClientAuthError::Failed(_))
        ));
        let p = params(&[
            ("client_id", "a"),
            ("client_assertion_type", "urn:evil"),
            ("client_assertion", "x.y.z"),
        ]);
        assert!(matches!(
            presented(None, p),
            Err(ClientAuthError::Malformed(_))
        ));
    }
}

//! Tests of the authorization request, named after what they prove.

mod codes;
mod duplicates;
mod params;
mod pipeline;
mod redirect_uri;
mod response;

use latchkey_core::UnixTime;
use url::form_urlencoded;

use super::{AuthorizationRequest, AuthorizeError, Params, validate};
use crate::client::{Client, ClientType, NewClient, RegistrationMode};

/// `BASE64URL(SHA256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"))`,
/// RFC 7636 Appendix B.
pub(super) const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

pub(super) const WEB_URI: &str = "https://app.example.com/callback";
pub(super) const LOOPBACK_URI: &str = "http://127.0.0.1:8765/cb";

fn build(id: &str, client_type: ClientType, uris: &[&str], grants: &[&str]) -> Client {
    let new = NewClient {
        id: Some(id.to_owned()),
        name: id.to_owned(),
        client_type: Some(client_type),
        redirect_uris: uris.iter().map(|u| (*u).to_owned()).collect(),
        grant_types: grants.iter().map(|g| (*g).to_owned()).collect(),
        scopes: vec!["openid".into(), "profile".into(), "email".into()],
        ..NewClient::default()
    };
    let hash = match client_type {
        ClientType::Public => None,
        ClientType::Confidential => Some("sha256$x".to_owned()),
    };
    // As a dev instance registers them: a confidential client may then
    // have an http loopback URI, which `web_loopback` needs.
    new.into_client_in(
        RegistrationMode::Development,
        "generated".into(),
        hash,
        UnixTime(1),
    )
    .unwrap()
}

/// A public (native) client with both URIs the mutation tests attack.
pub(super) fn native() -> Client {
    build("native", ClientType::Public, &[WEB_URI, LOOPBACK_URI], &[])
}

/// A confidential web client.
pub(super) fn web() -> Client {
    build("web", ClientType::Confidential, &[WEB_URI], &[])
}

/// A confidential client with the same URIs as `native` (possible in dev
/// mode only): no port exception for it.
pub(super) fn web_loopback() -> Client {
    build(
        "web-loopback",
        ClientType::Confidential,
        &[WEB_URI, LOOPBACK_URI],
        &[],
    )
}

/// A public client with the other loopback spellings registered.
pub(super) fn loopbacks() -> Client {
    build(
        "loopbacks",
        ClientType::Public,
        &["http://[::1]:4000/cb", "http://localhost:3000/cb"],
        &[],
    )
}

/// A confidential client that may only use client_credentials.
pub(super) fn machine() -> Client {
    build(
        "machine",
        ClientType::Confidential,
        &[],
        &["client_credentials"],
    )
}

/// Form-encode `pairs` and parse them, as the server would.
pub(super) fn params(pairs: &[(&str, &str)]) -> Params {
    let raw = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter())
        .finish();
    Params::parse(raw.as_bytes()).unwrap()
}

/// A valid request for `native`, with `edits` applied: `Some(v)` sets (or
/// adds) a parameter, `None` removes it.
pub(super) fn request(edits: &[(&str, Option<&str>)]) -> Params {
    let mut pairs: Vec<(&str, &str)> = vec![
        ("client_id", "native"),
        ("redirect_uri", WEB_URI),
        ("response_type", "code"),
        ("scope", "openid profile"),
        ("state", "st-1"),
        ("nonce", "n-1"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    for (name, value) in edits {
        pairs.retain(|(n, _)| n != name);
        if let Some(v) = value {
            pairs.push((name, v));
        }
    }
    params(&pairs)
}

/// Validate against whichever test client the request names.
pub(super) fn run(p: &Params) -> Result<AuthorizationRequest, AuthorizeError> {
    let clients = [native(), web(), web_loopback(), loopbacks(), machine()];
    let client = p
        .get("client_id")
        .and_then(|id| clients.iter().find(|c| c.id.0 == id));
    validate(p, client)
}

//! Checks 1–4: the client and its redirect URI. Nothing is verified yet, so
//! every error here is a page, never a redirect (RFC 6749 §4.1.2.1).

use super::{VerifiedRedirectUri, page, repeated};
use crate::authorize::matching::redirect_uri_matches;
use crate::authorize::{AuthorizeError, Params};
use crate::client::{Client, ClientType, GrantType};

/// Check 1: `client_id` is required (RFC 6749 §4.1.1), once: with two
/// copies there is no telling which client the request is for.
pub(in crate::authorize) fn client_id_present(params: &Params) -> Result<&str, AuthorizeError> {
    if params.is_duplicated("client_id") {
        return Err(page("invalid_request", repeated("client_id")));
    }
    params
        .get("client_id")
        .ok_or_else(|| page("invalid_request", "client_id is missing"))
}

/// Check 2: The client is registered. The caller looked it up by `client_id`; a
/// record for another id is treated as unknown rather than trusted.
pub(in crate::authorize) fn client_known<'c>(
    client_id: &str,
    client: Option<&'c Client>,
) -> Result<&'c Client, AuthorizeError> {
    match client {
        Some(c) if c.id.0 == client_id => Ok(c),
        _ => Err(page("invalid_client", "unknown client")),
    }
}

/// Check 2: The client is registered for the code flow: only then were its
/// redirect URIs registered for this purpose (RFC 6749 §4.1.2.1 allows no
/// redirect before they are trusted).
pub(in crate::authorize) fn client_uses_code_flow(client: &Client) -> Result<(), AuthorizeError> {
    if client.allows_grant(GrantType::AuthorizationCode) {
        Ok(())
    } else {
        Err(page(
            "unauthorized_client",
            "this client is not registered for the authorization code flow",
        ))
    }
}

/// Check 3: `redirect_uri` is REQUIRED in OpenID Connect (Core §3.1.2.1), even
/// when only one is registered; once, since with two copies there is no
/// verified place to send an error to.
pub(in crate::authorize) fn redirect_uri_present(params: &Params) -> Result<&str, AuthorizeError> {
    if params.is_duplicated("redirect_uri") {
        return Err(page("invalid_request", repeated("redirect_uri")));
    }
    params
        .get("redirect_uri")
        .ok_or_else(|| page("invalid_request", "redirect_uri is missing"))
}

/// Check 4: The redirect URI is one the client registered (see `matching`):
/// exactly, or for a public (native) client a registered loopback URI with
/// another port (RFC 8252 §7.3). The page does not echo the URI: showing
/// attacker-chosen text on our own page helps phishing.
pub(in crate::authorize) fn redirect_uri_registered<'a>(
    requested: &'a str,
    client: &Client,
) -> Result<VerifiedRedirectUri<'a>, AuthorizeError> {
    let native = client.client_type == ClientType::Public;
    if client
        .redirect_uris
        .iter()
        .any(|registered| redirect_uri_matches(requested, registered, native))
    {
        Ok(VerifiedRedirectUri(requested))
    } else {
        Err(page(
            "invalid_request",
            "redirect_uri is not registered for this client",
        ))
    }
}

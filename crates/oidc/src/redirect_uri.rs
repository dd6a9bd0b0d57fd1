//! Redirect URIs as registered by a client.
//!
//! Registration is strict so that matching at the authorization endpoint can
//! be an exact string comparison (OAuth 2.0 Security BCP, RFC 9700 §4.1.3):
//! absolute, no fragment (RFC 6749 §3.1.2), no wildcards, no userinfo, https
//! except plain-http loopback and private-use schemes for native apps
//! (RFC 8252 §7.1, §7.3).

use serde::{Deserialize, Serialize};
use url::Url;

/// A registered redirect URI, stored exactly as registered (RFC 6749 §3.1.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RedirectUri(String);

/// Why a redirect URI cannot be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RedirectUriError {
    #[error("{0:?} is not an absolute URI")]
    NotAbsolute(String),
    #[error("{0:?} has a fragment; redirect URIs must not (RFC 6749 §3.1.2)")]
    Fragment(String),
    #[error("{0:?} contains a wildcard; only exact URIs can be registered")]
    Wildcard(String),
    #[error("{0:?} contains user information ('user@'); not allowed")]
    UserInfo(String),
    #[error(
        "{0:?} uses http on a non-loopback host; use https (http is only for 127.0.0.1, [::1] or localhost)"
    )]
    InsecureHttp(String),
    #[error(
        "{0:?} uses a scheme that is neither https, loopback http nor a private-use scheme like com.example.app (RFC 8252 §7.1)"
    )]
    Scheme(String),
    #[error("{0:?} is longer than 2000 characters")]
    TooLong(String),
    #[error("{0:?} is not in canonical form (write it as {1:?})")]
    NotCanonical(String, String),
}

impl RedirectUri {
    /// Validate a URI for registration. The stored form must already be the
    /// canonical one the `url` crate produces, so that what the client sends
    /// and what we compare are the same characters.
    pub fn parse(raw: &str) -> Result<Self, RedirectUriError> {
        let owned = || raw.to_owned();
        if raw.len() > 2000 {
            return Err(RedirectUriError::TooLong(owned()));
        }
        if raw.contains('*') {
            return Err(RedirectUriError::Wildcard(owned()));
        }
        if raw.contains('#') {
            return Err(RedirectUriError::Fragment(owned()));
        }
        let url = Url::parse(raw).map_err(|_| RedirectUriError::NotAbsolute(owned()))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(RedirectUriError::UserInfo(owned()));
        }
        match url.scheme() {
            "https" => {}
            "http" if is_loopback_host(&url) => {}
            "http" => return Err(RedirectUriError::InsecureHttp(owned())),
            s if is_private_use_scheme(s) => {}
            _ => return Err(RedirectUriError::Scheme(owned())),
        }
        if url.cannot_be_a_base() && url.scheme().starts_with("http") {
            return Err(RedirectUriError::NotAbsolute(owned()));
        }
        if url.as_str() != raw {
            return Err(RedirectUriError::NotCanonical(
                owned(),
                url.as_str().to_owned(),
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The URI exactly as registered.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is an http loopback URI, whose port a native client may
    /// vary at request time (RFC 8252 §7.3).
    #[must_use]
    pub fn is_loopback(&self) -> bool {
        Url::parse(&self.0).is_ok_and(|u| u.scheme() == "http" && is_loopback_host(&u))
    }
}

impl std::fmt::Display for RedirectUri {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    }
}

/// Private-use schemes are reverse domain names (RFC 8252 §7.1), so they
/// contain a dot; this excludes `javascript:`, `data:`, `file:` and the like.
fn is_private_use_scheme(scheme: &str) -> bool {
    scheme.contains('.')
        && scheme.split('.').all(|label| !label.is_empty())
        && !matches!(scheme, "javascript" | "data" | "file" | "vbscript")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_https_loopback_and_private_use() {
        for ok in [
            "https://app.example.com/callback",
            "https://app.example.com:8443/cb?x=1",
            "http://127.0.0.1/callback",
            "http://127.0.0.1:4000/callback",
            "http://[::1]:4000/cb",
            "http://localhost:3000/cb",
            "com.example.app:/oauth2redirect",
        ] {
            assert!(RedirectUri::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_unsafe_uris() {
        let cases = [
            ("/relative", "NotAbsolute"),
            ("https://app.example.com/cb#frag", "Fragment"),
            ("https://*.example.com/cb", "Wildcard"),
            ("https://user@app.example.com/cb", "UserInfo"),
            ("http://app.example.com/cb", "InsecureHttp"),
            ("http://localhost.evil.test/cb", "InsecureHttp"),
            ("javascript:alert(1)", "Scheme"),
            ("ftp://example.com/cb", "Scheme"),
            ("HTTPS://app.example.com/cb", "NotCanonical"),
            ("https://app.example.com", "NotCanonical"),
        ];
        for (raw, want) in cases {
            let err = RedirectUri::parse(raw).unwrap_err();
            assert!(format!("{err:?}").starts_with(want), "{raw}: {err:?}");
        }
        assert!(matches!(
            RedirectUri::parse(&format!("https://e.com/{}", "a".repeat(2000))),
            Err(RedirectUriError::TooLong(_))
        ));
    }

    #[test]
    fn loopback_detection() {
        assert!(
            RedirectUri::parse("http://127.0.0.1:1/cb")
                .unwrap()
                .is_loopback()
        );
        assert!(
            !RedirectUri::parse("https://127.0.0.1/cb")
                .unwrap()
                .is_loopback()
        );
    }
}

//! Checks of single values that need more than a type: URL shapes and
//! schemes. Pure functions, so every rule is testable on its own.

use url::{Host, Url};

/// OIDC compares issuers as exact strings (OpenID Connect Discovery 1.0 §3,
/// §4.3): the issuer must be an https URL with no query or fragment, and a
/// trailing slash would make `…/` and `…` two different issuers. Http is
/// allowed only in dev mode and only on a loopback host: browsers treat
/// `http://localhost` as a secure context, so WebAuthn works there, and
/// nothing crosses a network unencrypted.
pub(super) fn issuer(raw: &str, dev_mode: bool) -> Result<Url, String> {
    let url = Url::parse(raw).map_err(|e| e.to_string())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("the scheme is {:?}", url.scheme()));
    }
    if url.host().is_none() {
        return Err("there is no host".to_owned());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("it contains credentials".to_owned());
    }
    if url.query().is_some() {
        return Err("it has a query".to_owned());
    }
    if url.fragment().is_some() {
        return Err("it has a fragment".to_owned());
    }
    if raw.ends_with('/') {
        return Err(
            "it ends with a trailing slash; OIDC compares issuers as exact strings, so write it without one"
                .to_owned(),
        );
    }
    if url.scheme() == "http" && !dev_mode {
        return Err(
            "it uses http while dev_mode is false; production needs https \
             (for local development set dev_mode = true or run `latchkey serve --dev`)"
                .to_owned(),
        );
    }
    if url.scheme() == "http" && !is_loopback(&url) {
        return Err(
            "http is allowed only on a loopback host (localhost, 127.0.0.1, [::1]), \
             even in dev mode: browsers give passkeys only to secure contexts, \
             and tokens must not cross a network in clear text"
                .to_owned(),
        );
    }
    Ok(url)
}

/// `localhost`, `*.localhost`, 127.0.0.0/8 or `::1`.
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d == "localhost" || d.ends_with(".localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// `None` if the URL selects a supported backend. The detail never quotes the
/// URL, which may carry a password; the scheme is safe to show.
pub(super) fn database_url(url: &str) -> Option<String> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        if path.is_empty() || path.contains('?') {
            return Some(" (a sqlite URL names a file: sqlite://relative/path.db or sqlite:///absolute/path.db)".to_owned());
        }
        return None;
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Url::parse(url)
            .err()
            .map(|e| format!(" (the URL does not parse: {e})"));
    }
    Some(found_scheme(url))
}

pub(super) fn ephemeral_url(url: &str) -> Option<String> {
    match scheme(url).map(str::to_ascii_lowercase).as_deref() {
        Some("memory") => None,
        Some("redis") => Url::parse(url)
            .err()
            .map(|e| format!(" (the URL does not parse: {e})")),
        // Refused at start rather than failing at the first connection.
        Some("rediss") => Some(
            " (rediss:// (Redis over TLS) is not supported yet; use redis:// on a private \
             network or a TLS sidecar)"
                .to_owned(),
        ),
        _ => Some(found_scheme(url)),
    }
}

fn scheme(url: &str) -> Option<&str> {
    let (scheme, _) = url.split_once(':')?;
    let valid = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then_some(scheme)
}

fn found_scheme(url: &str) -> String {
    match scheme(url) {
        Some(s) => format!(" (found scheme {s:?})"),
        None => " (found no URL scheme)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuer_rules() {
        assert!(issuer("https://id.example.com", false).is_ok());
        assert!(issuer("https://id.example.com/tenant", false).is_ok());
        assert!(issuer("http://localhost:8080", true).is_ok());
        assert!(issuer("http://localhost:8080", false).is_err());
        assert!(issuer("http://127.0.0.1:41234", true).is_ok());
        assert!(issuer("http://[::1]:8080", true).is_ok());
        assert!(issuer("http://app.localhost", true).is_ok());
        assert!(issuer("http://192.168.1.5:8080", true).is_err());
        assert!(issuer("http://id.example.com", true).is_err());
        assert!(issuer("https://id.example.com/", true).is_err());
        assert!(issuer("https://id.example.com/tenant/", true).is_err());
        assert!(issuer("urn:example:idp", true).is_err());
    }

    #[test]
    fn storage_urls() {
        assert_eq!(database_url("sqlite://data/latchkey.db"), None);
        assert_eq!(database_url("sqlite:///var/lib/latchkey.db"), None);
        assert_eq!(database_url("postgres://u:p@db:5432/x"), None);
        assert_eq!(database_url("postgresql://db/x"), None);
        assert!(database_url("sqlite://").is_some());
        assert!(database_url("sqlite://x.db?mode=ro").is_some());
        assert!(database_url("mysql://db/x").is_some());
        assert_eq!(ephemeral_url("memory://"), None);
        assert_eq!(ephemeral_url("redis://:pw@cache:6379/0"), None);
        let tls = ephemeral_url("rediss://cache").unwrap();
        assert!(tls.contains("not supported yet"), "{tls}");
        assert!(ephemeral_url("memcached://cache").is_some());
        assert!(ephemeral_url("cache:6379").is_some());
    }
}

//! Matching a requested redirect URI against a registered one.
//!
//! Exact string comparison (RFC 9700 §4.1.3, RFC 6749 §3.1.2.3 with
//! OpenID Connect Core §3.1.2.1 "MUST exactly match"): no case folding, no
//! trailing-slash or dot-segment normalisation, no percent-decoding. Every
//! normalisation is a place where the check and the browser could disagree
//! about where the code goes.
//!
//! The one exception is RFC 8252 §7.3: for a registered `http` loopback URI
//! a native app (a public client) may ask for any port, because it opens an
//! ephemeral port at request time. Only the port may differ; everything else
//! is still compared character by character. A confidential client runs on a
//! server with a fixed address, so it gets the exact comparison always: any
//! process on the machine can listen on another loopback port, and a port
//! exception it does not need would only widen where its codes may go.

use url::Url;

use crate::redirect_uri::RedirectUri;

/// Whether `requested` (as sent by the client) matches `registered`.
/// `native`: the client is a public one, which may vary a loopback port.
#[must_use]
pub(super) fn redirect_uri_matches(
    requested: &str,
    registered: &RedirectUri,
    native: bool,
) -> bool {
    if requested == registered.as_str() {
        return true;
    }
    native && registered.is_loopback() && loopback_port_variant(requested, registered.as_str())
}

/// Whether `requested` is `registered` with another (or no) port.
///
/// Built as: the registered URL with the requested URL's port put in,
/// serialised, must be byte-identical to the request. Because the expected
/// string is produced by the serialiser, a request that `url` would first
/// normalise (upper-case scheme or host, `..`, backslashes, whitespace, tabs,
/// `127.1`, `:08765`, userinfo, IPv6 spellings) can never be equal to it, and
/// scheme, host, path and query must match exactly since they are copied
/// from the registered URI. A port written as the scheme default (`:80`) is
/// elided by the serialiser and therefore refused; a client on port 80 omits
/// it (`http://127.0.0.1/cb`), which is accepted.
fn loopback_port_variant(requested: &str, registered: &str) -> bool {
    let (Ok(request), Ok(mut expected)) = (Url::parse(requested), Url::parse(registered)) else {
        return false;
    };
    if expected.set_port(request.port()).is_err() {
        return false;
    }
    expected.as_str() == requested
}

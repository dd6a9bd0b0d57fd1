//! Check 13: length bounds and character rules for the free-text parameters.
//! They bound what we store in the login flow and later echo into URLs, HTML
//! and ID tokens.

use super::ReplyTo;
use crate::authorize::{AuthorizeError, Params};

/// Longest `state` (opaque to us; generous for clients that pack data in it).
const STATE_MAX: usize = 2048;
/// Longest `nonce`.
const NONCE_MAX: usize = 512;
/// Longest `login_hint` (an email address or phone number in practice).
const LOGIN_HINT_MAX: usize = 256;
/// Longest `acr_values`.
const ACR_VALUES_MAX: usize = 1024;
/// Longest `ui_locales`.
const UI_LOCALES_MAX: usize = 256;
/// Longest `id_token_hint` (a signed JWT).
const ID_TOKEN_HINT_MAX: usize = 8192;

/// Check 13: `state`: bounded, and no control characters (it is echoed into
/// URLs and HTML forms).
pub(in crate::authorize) fn state(
    params: &Params,
    reply: &ReplyTo<'_>,
) -> Result<Option<String>, AuthorizeError> {
    text(params, "state", STATE_MAX, reply)
}

/// Check 13: `nonce`: bounded, no control characters (copied into the ID token).
pub(in crate::authorize) fn nonce(
    params: &Params,
    reply: &ReplyTo<'_>,
) -> Result<Option<String>, AuthorizeError> {
    text(params, "nonce", NONCE_MAX, reply)
}

/// Check 13: `login_hint`: bounded, no control characters (shown on our pages).
pub(in crate::authorize) fn login_hint(
    params: &Params,
    reply: &ReplyTo<'_>,
) -> Result<Option<String>, AuthorizeError> {
    text(params, "login_hint", LOGIN_HINT_MAX, reply)
}

/// Check 13: `acr_values`: bounded, no control characters; space-separated, in
/// order of preference, duplicates dropped.
pub(in crate::authorize) fn acr_values(
    params: &Params,
    reply: &ReplyTo<'_>,
) -> Result<Vec<String>, AuthorizeError> {
    Ok(words(text(params, "acr_values", ACR_VALUES_MAX, reply)?))
}

/// Check 13: `ui_locales`: bounded; space-separated language tags made of
/// `[A-Za-z0-9-]` (BCP 47's alphabet; whether we have the language is the
/// pages' business, OpenID Connect Core §3.1.2.1 says it is no error).
pub(in crate::authorize) fn ui_locales(
    params: &Params,
    reply: &ReplyTo<'_>,
) -> Result<Vec<String>, AuthorizeError> {
    let tags = words(text(params, "ui_locales", UI_LOCALES_MAX, reply)?);
    let tag_ok = |t: &String| t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if tags.iter().all(tag_ok) {
        Ok(tags)
    } else {
        Err(reply.invalid_request(
            "ui_locales must be space-separated language tags of letters, digits and '-'",
        ))
    }
}

/// Check 13: `id_token_hint`: bounded only; the server verifies the signature.
pub(in crate::authorize) fn id_token_hint(
    params: &Params,
    reply: &ReplyTo<'_>,
) -> Result<Option<String>, AuthorizeError> {
    let value = params.get("id_token_hint");
    if value.is_some_and(|v| v.len() > ID_TOKEN_HINT_MAX) {
        return Err(reply.invalid_request(format!(
            "id_token_hint is longer than {ID_TOKEN_HINT_MAX} bytes"
        )));
    }
    Ok(value.map(str::to_owned))
}

/// A text parameter of at most `max` bytes with no control characters
/// (below 0x20, or 0x7f).
fn text(
    params: &Params,
    name: &str,
    max: usize,
    reply: &ReplyTo<'_>,
) -> Result<Option<String>, AuthorizeError> {
    let Some(value) = params.get(name) else {
        return Ok(None);
    };
    if value.len() > max {
        return Err(reply.invalid_request(format!("{name} is longer than {max} bytes")));
    }
    if value.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err(reply.invalid_request(format!("{name} contains control characters")));
    }
    Ok(Some(value.to_owned()))
}

/// Space-separated values, empty ones skipped, duplicates dropped.
pub(super) fn words(value: Option<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in value
        .as_deref()
        .unwrap_or("")
        .split(' ')
        .filter(|w| !w.is_empty())
    {
        if !out.iter().any(|o| o == w) {
            out.push(w.to_owned());
        }
    }
    out
}

//! Checks 5–12: what the verified client asks for. Errors go back to it.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::ReplyTo;
use super::bounds::words;
use crate::authorize::response::printable;
use crate::authorize::{AuthorizeError, Params, Prompt, ResponseMode};
use crate::client::{Client, ClientType};

/// Largest `max_age`: 2^31 seconds (about 68 years) keeps arithmetic on
/// instants far from overflow.
const MAX_AGE_MAX: u64 = 1 << 31;

/// Check 5: `response_mode`: `query` (the default for `code`) or `form_post`
/// (OAuth 2.0 Form Post Response Mode §2). `fragment` is refused: a code in a
/// fragment is readable by any script on the client's page. Errors here are
/// delivered in query mode, the only mode known to be acceptable. A
/// repeated `response_mode` reads as absent (query), and check 6 refuses
/// the request in that mode.
pub(in crate::authorize) fn response_mode(
    params: &Params,
    reply: &ReplyTo<'_>,
) -> Result<ResponseMode, AuthorizeError> {
    match params.get("response_mode") {
        None | Some("query") => Ok(ResponseMode::Query),
        Some("form_post") => Ok(ResponseMode::FormPost),
        Some(other) => Err(reply.invalid_request(format!(
            "response_mode '{}' is not supported; use query or form_post",
            printable(other, 40)
        ))),
    }
}

/// Check 6: No parameter may be included more than once (RFC 6749 §3.1).
/// `client_id` and `redirect_uri` were checked for it before anything was
/// verified (pages); any other repetition goes back to the client, naming
/// the parameter.
pub(in crate::authorize) fn no_repeated_parameters(
    params: &Params,
    reply: &ReplyTo<'_>,
) -> Result<(), AuthorizeError> {
    match params.first_duplicate() {
        Some(name) => Err(reply.invalid_request(super::repeated(name))),
        None => Ok(()),
    }
}

/// Check 7: Request objects and client registration by value are not supported,
/// with the error codes OpenID Connect Core §3.1.2.6 defines for that.
pub(in crate::authorize) fn no_request_objects(
    params: &Params,
    reply: &ReplyTo<'_>,
) -> Result<(), AuthorizeError> {
    if params.get("request").is_some() {
        return Err(reply.error(
            "request_not_supported",
            "the request parameter is not supported",
        ));
    }
    if params.get("request_uri").is_some() {
        return Err(reply.error(
            "request_uri_not_supported",
            "the request_uri parameter is not supported",
        ));
    }
    if params.get("registration").is_some() {
        return Err(reply.error(
            "registration_not_supported",
            "the registration parameter is not supported",
        ));
    }
    Ok(())
}

/// Check 8: Only the authorization code flow (`response_type=code`); the implicit
/// and hybrid flows put tokens in the front channel (RFC 9700 §2.1.2).
pub(in crate::authorize) fn response_type_is_code(
    params: &Params,
    reply: &ReplyTo<'_>,
) -> Result<(), AuthorizeError> {
    match params.get("response_type") {
        None => Err(reply.invalid_request("response_type is missing")),
        Some("code") => Ok(()),
        Some(other) => Err(reply.error(
            "unsupported_response_type",
            format!(
                "response_type '{}' is not supported; use code",
                printable(other, 40)
            ),
        )),
    }
}

/// Check 9: `scope` must include `openid` (this is an OpenID provider, Core
/// §3.1.2.1) and every scope must be allowed for the client. Split on spaces
/// (RFC 6749 §3.3); repeated spaces are tolerated and duplicates dropped,
/// keeping request order.
pub(in crate::authorize) fn scopes(
    params: &Params,
    client: &Client,
    reply: &ReplyTo<'_>,
) -> Result<Vec<String>, AuthorizeError> {
    let scopes = words(params.get("scope").map(str::to_owned));
    if !scopes.iter().any(|s| s == "openid") {
        return Err(reply.error("invalid_scope", "scope must include openid"));
    }
    if let Some(denied) = scopes.iter().find(|s| !client.scopes.contains(s)) {
        return Err(reply.error(
            "invalid_scope",
            format!(
                "scope '{}' is not allowed for this client",
                printable(denied, 64)
            ),
        ));
    }
    Ok(scopes)
}

/// Check 10: PKCE (RFC 7636), S256 only. `plain` offers no protection when the
/// challenge leaks, and a challenge without a method defaults to `plain`
/// (RFC 7636 §4.3), so both are refused. Required for public clients, which
/// have nothing else binding the code to them (RFC 9700 §2.1.1).
pub(in crate::authorize) fn pkce(
    params: &Params,
    client: &Client,
    reply: &ReplyTo<'_>,
) -> Result<Option<String>, AuthorizeError> {
    let challenge = params.get("code_challenge");
    match (params.get("code_challenge_method"), challenge) {
        (Some(method), _) if method != "S256" => {
            Err(reply.invalid_request("code_challenge_method: only S256 is supported"))
        }
        (None, Some(_)) => Err(reply.invalid_request(
            "code_challenge_method is missing; the default (plain) is not supported, use S256",
        )),
        (Some(_), None) => {
            Err(reply.invalid_request("code_challenge_method was sent without code_challenge"))
        }
        (Some(_), Some(challenge)) if !is_s256_challenge(challenge) => Err(reply.invalid_request(
            "code_challenge must be the base64url encoding of a SHA-256 digest (43 characters)",
        )),
        (_, Some(challenge)) => Ok(Some(challenge.to_owned())),
        (None, None) if client.client_type == ClientType::Public => {
            Err(reply.invalid_request("PKCE is required for public clients (code_challenge)"))
        }
        (None, None) => Ok(None),
    }
}

/// `BASE64URL(SHA256(verifier))` (RFC 7636 §4.2): exactly 43 characters of
/// the base64url alphabet, no padding, decoding to 32 bytes. The decoder also
/// refuses non-zero trailing bits, so only a string that a real S256
/// computation can produce passes; anything else could never match later.
fn is_s256_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && URL_SAFE_NO_PAD
            .decode(challenge)
            .is_ok_and(|digest| digest.len() == 32)
}

/// Check 11: `prompt` (OpenID Connect Core §3.1.2.1): a space-separated subset of
/// `none login consent select_account`; `none` with any other value is an
/// error, since it asks for no interaction and for interaction at once.
pub(in crate::authorize) fn prompt(
    params: &Params,
    reply: &ReplyTo<'_>,
) -> Result<Prompt, AuthorizeError> {
    let mut prompt = Prompt::default();
    let Some(raw) = params.get("prompt") else {
        return Ok(prompt);
    };
    let mut count = 0;
    for value in raw.split(' ').filter(|v| !v.is_empty()) {
        let flag = match value {
            "none" => &mut prompt.none,
            "login" => &mut prompt.login,
            "consent" => &mut prompt.consent,
            "select_account" => &mut prompt.select_account,
            other => {
                return Err(reply.invalid_request(format!(
                    "prompt value '{}' is not supported; use none, login, consent or select_account",
                    printable(other, 40)
                )));
            }
        };
        if !*flag {
            *flag = true;
            count += 1;
        }
    }
    if prompt.none && count > 1 {
        return Err(reply.invalid_request("prompt none cannot be combined with other values"));
    }
    Ok(prompt)
}

/// Check 12: `max_age` (OpenID Connect Core §3.1.2.1): a non-negative integer of
/// seconds. Digits only: Rust's integer parser would also take `+5`.
pub(in crate::authorize) fn max_age(
    params: &Params,
    reply: &ReplyTo<'_>,
) -> Result<Option<u64>, AuthorizeError> {
    let Some(raw) = params.get("max_age") else {
        return Ok(None);
    };
    let parsed = raw
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| raw.parse::<u64>().ok())
        .flatten()
        .filter(|&n| n <= MAX_AGE_MAX);
    match parsed {
        Some(n) => Ok(Some(n)),
        None => Err(reply.invalid_request(format!(
            "max_age must be a whole number of seconds from 0 to {MAX_AGE_MAX}"
        ))),
    }
}

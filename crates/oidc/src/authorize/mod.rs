//! The authorization request (OpenID Connect Core 1.0 §3.1.2.1–§3.1.2.6,
//! RFC 6749 §4.1, RFC 7636, RFC 8252 §7.3, RFC 9207, OAuth 2.0 Form Post
//! Response Mode) as pure code: parsing, one function per rule, one pipeline
//! ([`validate`]) listing the rules in order, and building the response URL.
//!
//! The one distinction that matters most for security: until the client and
//! its redirect URI are verified, every error is an error *page*; redirecting
//! to an unverified URI would make Latchkey an open redirector and could leak
//! the error (and later, codes) to an attacker (RFC 6749 §4.1.2.1, §10.15;
//! RFC 9700 §4.11). After that point errors go back to the client, with
//! `state` and `iss` (RFC 9207).
//!
//! Supported: `response_type=code` only, `response_mode` `query` or
//! `form_post`, PKCE with `S256` only. Not supported, and refused with the
//! standard error codes: request objects (`request`, `request_uri`) and
//! `registration` (OpenID Connect Core §6, §7.2.1). Accepted and ignored:
//! `display`, `claims_locales` and `claims` (discovery advertises
//! `claims_parameter_supported: false`).

mod checks;
mod matching;
mod params;
mod response;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

use crate::client::{Client, ClientId};

pub use params::{MAX_PARAMS, MAX_PARAMS_BYTES, Params, ParamsError};
pub use response::query_redirect;

/// How the authorization response is delivered (OAuth 2.0 Multiple Response
/// Type Encoding Practices §2.1; OAuth 2.0 Form Post Response Mode §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseMode {
    /// Parameters in the redirect URI's query (the default for `code`).
    Query,
    /// An auto-submitting HTML form POSTed to the redirect URI; keeps the
    /// code out of browser history and `Referer` headers.
    FormPost,
}

impl ResponseMode {
    /// The protocol spelling (`response_mode` value).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Query => "query",
            Self::FormPost => "form_post",
        }
    }
}

/// The `prompt` parameter (OpenID Connect Core §3.1.2.1). `none` never comes
/// with another value: the pipeline refuses that combination.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prompt {
    /// Do not show any page; fail with `login_required` & co. instead.
    pub none: bool,
    /// Re-authenticate even with a valid session.
    pub login: bool,
    /// Ask for consent even if it was given before.
    pub consent: bool,
    /// Let the user choose an account.
    pub select_account: bool,
}

/// A validated authorization request: everything the rest of the flow needs.
/// Stored inside the login flow in the ephemeral store, hence serde.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationRequest {
    pub client_id: ClientId,
    /// The redirect URI exactly as the client sent it (which matched a
    /// registered one). For a public client's loopback URI its port may
    /// differ from the registered one (RFC 8252 §7.3); the code must go to
    /// the port the client is listening on, and the token request must
    /// repeat this value (RFC 6749 §4.1.3).
    pub redirect_uri: String,
    pub response_mode: ResponseMode,
    pub state: Option<String>,
    /// Requested scopes, deduplicated, in request order; always has `openid`.
    pub scopes: Vec<String>,
    pub nonce: Option<String>,
    /// The PKCE challenge; the method is always S256 (RFC 7636 §4.3).
    pub code_challenge: Option<String>,
    pub prompt: Prompt,
    /// Maximum authentication age in seconds (OpenID Connect Core §3.1.2.1).
    pub max_age: Option<u64>,
    pub login_hint: Option<String>,
    /// Requested `acr` values, in order of preference.
    pub acr_values: Vec<String>,
    /// Preferred UI languages (BCP 47 tags), in order of preference.
    pub ui_locales: Vec<String>,
    /// Raw; the server verifies it with its own keys.
    pub id_token_hint: Option<String>,
}

/// Why an authorization request was refused, and how the refusal may be
/// delivered (RFC 6749 §4.1.2.1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthorizeError {
    /// Render an error page; NEVER redirect. Used when the client is unknown,
    /// the redirect URI is missing or unregistered, or the parameters could
    /// not be parsed before the client was known.
    #[error("{error}: {description}")]
    Page {
        error: &'static str,
        description: String,
    },
    /// Redirect to the (verified) redirect URI with `error`,
    /// `error_description`, `state` and `iss`.
    #[error("{0}")]
    Redirect(ErrorRedirect),
}

impl AuthorizeError {
    /// The OAuth error code (RFC 6749 §4.1.2.1, OpenID Connect Core §3.1.2.6).
    #[must_use]
    pub fn error(&self) -> &'static str {
        match self {
            Self::Page { error, .. } => error,
            Self::Redirect(r) => r.error,
        }
    }

    /// The human-readable description.
    #[must_use]
    pub fn description(&self) -> &str {
        match self {
            Self::Page { description, .. } => description,
            Self::Redirect(r) => &r.description,
        }
    }
}

/// Unparseable parameters: nothing, not even the client, is verified yet, so
/// this can only be a page.
impl From<ParamsError> for AuthorizeError {
    fn from(e: ParamsError) -> Self {
        Self::Page {
            error: "invalid_request",
            description: e.to_string(),
        }
    }
}

/// An error response to send back to a verified redirect URI.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}: {description}")]
pub struct ErrorRedirect {
    pub redirect_uri: String,
    pub response_mode: ResponseMode,
    /// The request's `state`, echoed as received (RFC 6749 §4.1.2.1 requires
    /// it whenever the request had one).
    pub state: Option<String>,
    pub error: &'static str,
    pub description: String,
}

/// The pipeline: every check the authorization endpoint makes, in order.
///
/// `params` is the result of [`Params::parse_keeping_duplicates`] (a
/// [`ParamsError`] becomes a page through `From` before this is called):
/// whether a repeated parameter is an error page (`client_id`,
/// `redirect_uri`) or an `invalid_request` sent back to the client (any
/// other) is decided here. `client` is the client the caller looked up by
/// `params`' `client_id`; `None` when unknown.
pub fn validate(
    params: &Params,
    client: Option<&Client>,
) -> Result<AuthorizationRequest, AuthorizeError> {
    // Nothing is verified yet: every error below is a page, never a redirect.
    let client_id = checks::client_id_present(params)?; // 1
    let client = checks::client_known(client_id, client)?; // 2
    checks::client_uses_code_flow(client)?; // 2
    let redirect_uri = checks::redirect_uri_present(params)?; // 3
    let verified = checks::redirect_uri_registered(redirect_uri, client)?; // 4

    // The redirect URI is the client's own: errors go back to it. A repeated
    // `state` reads as absent, so neither copy is echoed.
    let reply = checks::ReplyTo::new(verified, ResponseMode::Query, params.get("state"));
    let response_mode = checks::response_mode(params, &reply)?; // 5
    let reply = reply.with_mode(response_mode);
    checks::no_repeated_parameters(params, &reply)?; // 6
    checks::no_request_objects(params, &reply)?; // 7
    checks::response_type_is_code(params, &reply)?; // 8
    let scopes = checks::scopes(params, client, &reply)?; // 9
    let code_challenge = checks::pkce(params, client, &reply)?; // 10
    let prompt = checks::prompt(params, &reply)?; // 11
    let max_age = checks::max_age(params, &reply)?; // 12
    let state = checks::state(params, &reply)?; // 13
    let nonce = checks::nonce(params, &reply)?; // 13
    let login_hint = checks::login_hint(params, &reply)?; // 13
    let acr_values = checks::acr_values(params, &reply)?; // 13
    let ui_locales = checks::ui_locales(params, &reply)?; // 13
    let id_token_hint = checks::id_token_hint(params, &reply)?; // 13
    // `display`, `claims_locales`, `claims`: accepted and ignored.

    Ok(AuthorizationRequest {
        client_id: client.id.clone(),
        redirect_uri: redirect_uri.to_owned(),
        response_mode,
        state,
        scopes,
        nonce,
        code_challenge,
        prompt,
        max_age,
        login_hint,
        acr_values,
        ui_locales,
        id_token_hint,
    })
}

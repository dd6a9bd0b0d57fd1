//! One function per rule of the authorization request. [`super::validate`]
//! calls them in order; read that function for the sequence.
//!
//! Checks 1–4 run before the redirect URI is verified and can only produce
//! error pages. Checks 5–13 take a [`ReplyTo`], which only exists once check 4
//! has passed, and send their errors back to the client.

mod bounds;
mod client;
mod request;

pub(super) use bounds::{acr_values, id_token_hint, login_hint, nonce, state, ui_locales};
pub(super) use client::{
    client_id_present, client_known, client_uses_code_flow, redirect_uri_present,
    redirect_uri_registered,
};
pub(super) use request::{
    max_age, no_repeated_parameters, no_request_objects, pkce, prompt, response_mode,
    response_type_is_code, scopes,
};

use super::response::printable;
use super::{AuthorizeError, ErrorRedirect, ParamsError, ResponseMode};

/// An error page: nothing about the redirect URI can be trusted yet.
fn page(error: &'static str, description: impl Into<String>) -> AuthorizeError {
    AuthorizeError::Page {
        error,
        description: description.into(),
    }
}

/// The description for a parameter given more than once (RFC 6749 §3.1);
/// the name may be attacker-chosen, hence sanitised.
fn repeated(name: &str) -> String {
    ParamsError::Duplicate(printable(name, 40)).to_string()
}

/// A redirect URI that check 4 found registered for the client. Only
/// [`client::redirect_uri_registered`] creates one, so an error redirect cannot be
/// built for an unverified URI.
#[derive(Debug, Clone, Copy)]
pub(super) struct VerifiedRedirectUri<'a>(&'a str);

/// Where errors of checks 5–13 go: the verified redirect URI, in the
/// response mode known so far, with the request's `state` (none when the
/// request repeated it: neither copy is echoed).
#[derive(Debug, Clone, Copy)]
pub(super) struct ReplyTo<'a> {
    redirect_uri: VerifiedRedirectUri<'a>,
    response_mode: ResponseMode,
    state: Option<&'a str>,
}

impl<'a> ReplyTo<'a> {
    pub(super) fn new(
        redirect_uri: VerifiedRedirectUri<'a>,
        response_mode: ResponseMode,
        state: Option<&'a str>,
    ) -> Self {
        Self {
            redirect_uri,
            response_mode,
            state,
        }
    }

    pub(super) fn with_mode(self, response_mode: ResponseMode) -> Self {
        Self {
            response_mode,
            ..self
        }
    }

    fn error(&self, error: &'static str, description: impl Into<String>) -> AuthorizeError {
        AuthorizeError::Redirect(ErrorRedirect {
            redirect_uri: self.redirect_uri.0.to_owned(),
            response_mode: self.response_mode,
            state: self.state.map(str::to_owned),
            error,
            description: description.into(),
        })
    }

    fn invalid_request(&self, description: impl Into<String>) -> AuthorizeError {
        self.error("invalid_request", description)
    }
}

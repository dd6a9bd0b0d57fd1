//! One view model per hosted page: plain data the server fills in, and a
//! `render()` that turns it into HTML through an askama template in the
//! top-level `templates/` folder. Every value is HTML-escaped by askama; the
//! texts come from the catalogue of the page's [`Lang`].

use askama::Template;

use crate::Lang;
use crate::assets::{FORM_POST_JS_URL, STYLE_CSS_URL};
use crate::i18n::{CLIENT_PLACEHOLDER, Messages};

/// Rendering a page failed.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The template engine failed (in practice only a formatting error).
    #[error("template rendering failed: {0}")]
    Template(#[from] askama::Error),
    /// A `form_post` target that is not an `http(s)` URL. Registration already
    /// refuses such redirect URIs; refusing here too means a bug elsewhere
    /// cannot turn the page into a `javascript:` launcher.
    #[error("form_post action is not an http or https URL")]
    UnsafeAction,
}

/// What the shared layout (`base.html`) needs from every page; shared by
/// every page module of this crate.
#[derive(Debug)]
pub(crate) struct Chrome {
    pub(crate) lang: Lang,
    pub(crate) m: &'static Messages,
    pub(crate) style_url: &'static str,
}

impl Chrome {
    pub(crate) fn new(lang: Lang) -> Self {
        Self {
            lang,
            m: lang.messages(),
            style_url: STYLE_CSS_URL,
        }
    }
}

/// Why an error page is shown instead of a redirect to the client; picks the
/// title and message from the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The `client_id` is not registered.
    UnknownClient,
    /// The `redirect_uri` is missing or not registered for the client.
    UnregisteredRedirectUri,
    /// A request that cannot be processed and cannot be answered by redirect.
    InvalidRequest,
    /// The login flow expired or was never started here (an old tab, a
    /// bookmarked sign-in page).
    SessionExpired,
    /// A failure on the server's side.
    ServerError,
}

/// An error that must not redirect to the client (RFC 6749 §4.1.2.1: unknown
/// client or unregistered redirect URI), so the user reads it here. Plain
/// words and a way on; never internal details. Title and message come from
/// the catalogue through [`ErrorPage::new`], so they are in the user's
/// language; protocol descriptions belong in logs, not here.
///
/// ```
/// use latchkey_pages::{ErrorKind, ErrorPage, Lang};
/// let html = ErrorPage::new(Lang::De, ErrorKind::UnknownClient)
///     .with_error_code("invalid_request")
///     .with_request_id("3f2a9c1d0b7e4a65")
///     .render()?;
/// assert!(html.contains("Diese Anwendung ist nicht bekannt"));
/// # Ok::<(), latchkey_pages::RenderError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorPage {
    /// Language of the page and its texts.
    pub lang: Lang,
    /// Heading and window title.
    pub title: String,
    /// What went wrong, in a sentence or two.
    pub message: String,
    /// The protocol error code (`invalid_request`), shown for support.
    pub error_code: Option<String>,
    /// The request id (`X-Request-Id`), so support can find the log lines.
    pub request_id: Option<String>,
}

impl ErrorPage {
    /// The page for `kind` with title and message from the catalogue.
    #[must_use]
    pub fn new(lang: Lang, kind: ErrorKind) -> Self {
        let m = lang.messages();
        let (title, message) = match kind {
            ErrorKind::UnknownClient => {
                (m.error_unknown_client_title, m.error_unknown_client_message)
            }
            ErrorKind::UnregisteredRedirectUri => {
                (m.error_redirect_uri_title, m.error_redirect_uri_message)
            }
            ErrorKind::InvalidRequest => (
                m.error_invalid_request_title,
                m.error_invalid_request_message,
            ),
            ErrorKind::SessionExpired => (
                m.error_session_expired_title,
                m.error_session_expired_message,
            ),
            ErrorKind::ServerError => (m.error_server_title, m.error_server_message),
        };
        Self {
            lang,
            title: title.to_owned(),
            message: message.to_owned(),
            error_code: None,
            request_id: None,
        }
    }

    /// With the protocol error code shown.
    #[must_use]
    pub fn with_error_code(mut self, code: impl Into<String>) -> Self {
        self.error_code = Some(code.into());
        self
    }

    /// With the request id shown.
    #[must_use]
    pub fn with_request_id(mut self, id: impl Into<String>) -> Self {
        self.request_id = Some(id.into());
        self
    }

    /// The page as HTML.
    ///
    /// # Errors
    /// [`RenderError::Template`] if the template engine fails.
    pub fn render(&self) -> Result<String, RenderError> {
        Ok(ErrorHtml {
            c: Chrome::new(self.lang),
            page: self,
        }
        .render()?)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorHtml<'a> {
    c: Chrome,
    page: &'a ErrorPage,
}

/// OAuth 2.0 Form Post Response Mode: the authorization response as hidden
/// fields of a form that `form_post.js` submits to the client's redirect URI,
/// with a visible Continue button for browsers without script.
///
/// The server must send this page with a CSP whose `form-action` allows
/// `action`, and with `Cache-Control: no-store` (it carries a code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormPostPage {
    /// Language of the page's texts.
    pub lang: Lang,
    /// The client's registered redirect URI.
    pub action: String,
    /// Response parameters (`code`, `state`, `iss`, or `error`, …), in order.
    pub fields: Vec<(String, String)>,
}

impl FormPostPage {
    /// The page as HTML.
    ///
    /// # Errors
    /// [`RenderError::UnsafeAction`] if `action` is not an `http` or `https`
    /// URL; [`RenderError::Template`] if the engine fails.
    pub fn render(&self) -> Result<String, RenderError> {
        let scheme = self.action.split_once(':').map(|(s, _)| s);
        let web = scheme
            .is_some_and(|s| s.eq_ignore_ascii_case("https") || s.eq_ignore_ascii_case("http"));
        if !web {
            return Err(RenderError::UnsafeAction);
        }
        Ok(FormPostHtml {
            c: Chrome::new(self.lang),
            page: self,
            script_url: FORM_POST_JS_URL,
        }
        .render()?)
    }
}

#[derive(Template)]
#[template(path = "form_post.html")]
struct FormPostHtml<'a> {
    c: Chrome,
    page: &'a FormPostPage,
    script_url: &'static str,
}

/// RP-initiated logout: asks before signing out, so a link on another site
/// cannot sign the user out silently. The form posts to `/logout` with the
/// CSRF token and the logout request's parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoutConfirmPage {
    /// Language of the page's texts.
    pub lang: Lang,
    /// Display name of the client that asked, when it is known.
    pub client_name: Option<String>,
    /// Sent as the hidden field `csrf_token`.
    pub csrf_token: String,
    /// Carried through the POST: `id_token_hint`, `post_logout_redirect_uri`,
    /// `state`, `client_id`, `ui_locales`. A `csrf_token` entry here is
    /// dropped so a request parameter can never shadow the real token.
    pub hidden: Vec<(String, String)>,
}

impl LogoutConfirmPage {
    /// The page as HTML.
    ///
    /// # Errors
    /// [`RenderError::Template`] if the template engine fails.
    pub fn render(&self) -> Result<String, RenderError> {
        let m = self.lang.messages();
        Ok(LogoutConfirmHtml {
            c: Chrome::new(self.lang),
            page: self,
            client_line: self
                .client_name
                .as_deref()
                .filter(|n| !n.trim().is_empty())
                .map(|n| m.logout_client_asked.replace(CLIENT_PLACEHOLDER, n)),
            hidden: self
                .hidden
                .iter()
                .filter(|(name, _)| name != "csrf_token")
                .collect(),
        }
        .render()?)
    }
}

#[derive(Template)]
#[template(path = "logout_confirm.html")]
struct LogoutConfirmHtml<'a> {
    c: Chrome,
    page: &'a LogoutConfirmPage,
    client_line: Option<String>,
    hidden: Vec<&'a (String, String)>,
}

/// Shown after a logout that has no (valid) `post_logout_redirect_uri`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedOutPage {
    /// Language of the page's texts.
    pub lang: Lang,
}

impl SignedOutPage {
    /// The page as HTML.
    ///
    /// # Errors
    /// [`RenderError::Template`] if the template engine fails.
    pub fn render(&self) -> Result<String, RenderError> {
        Ok(SignedOutHtml {
            c: Chrome::new(self.lang),
        }
        .render()?)
    }
}

#[derive(Template)]
#[template(path = "signed_out.html")]
struct SignedOutHtml {
    c: Chrome,
}

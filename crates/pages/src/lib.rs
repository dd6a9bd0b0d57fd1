//! Hosted pages: view models, the message catalogue and the static assets.
//!
//! The server fills a page struct and calls `render()` to get HTML; it needs
//! no template engine of its own. Templates live in the top-level
//! `templates/` folder (see `askama.toml`); CSS and JS live in `static/`, are
//! embedded in the binary and are addressed by content hash, so pages work
//! under a CSP that forbids inline script and style.
//!
//! This crate holds data only: no HTTP types, no I/O.

mod assets;
mod i18n;
mod lang;
mod pages;

#[cfg(test)]
mod template_lint;
#[cfg(test)]
mod tests;

pub use assets::{FORM_POST_JS_URL, STATIC_PREFIX, STYLE_CSS_URL, asset, asset_url};
pub use i18n::Messages;
pub use lang::Lang;
pub use pages::{
    ErrorKind, ErrorPage, FormPostPage, LogoutConfirmPage, RenderError, SignedOutPage,
};

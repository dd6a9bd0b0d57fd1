//! Hosted pages: view models, the message catalogue and the static assets.
//!
//! The server fills a page struct and calls `render()` to get HTML; it needs
//! no template engine of its own. Templates live in the top-level
//! `templates/` folder (see `askama.toml`); CSS and JS live in `static/`, are
//! embedded in the binary and are addressed by content hash, so pages work
//! under a CSP that forbids inline script and style.
//!
//! This crate holds data only: no HTTP types, no I/O.

mod account_page;
mod assets;
mod consent_page;
mod demo_page;
mod dev_outbox;
mod enroll_page;
mod fallback_pages;
mod i18n;
mod lang;
mod login;
mod pages;

#[cfg(test)]
mod template_lint;
#[cfg(test)]
mod tests;

pub use account_page::{Account, AccountPage, AppItem, Contact, PasskeyItem};
pub use assets::{ACCOUNT_JS_URL, ENROLL_JS_URL};
pub use assets::{FORM_POST_JS_URL, LOGIN_JS_URL, STATIC_PREFIX, STYLE_CSS_URL, asset, asset_url};
pub use consent_page::ConsentPage;
pub use demo_page::{
    DemoClaim, DemoMethod, DemoPage, DemoProblem, DemoResult, DemoStart, DemoSummary, DemoView,
};
pub use dev_outbox::{DevOutboxEntry, DevOutboxPage};
pub use enroll_page::EnrollPage;
pub use fallback_pages::{EmailLinkPage, EmailLinkState, NudgePage};
pub use i18n::Messages;
pub use lang::Lang;
pub use login::{
    Feedback, LoginMethod, LoginNotice, LoginOption, LoginPage, LoginView, OptionReason,
    OptionsView, PasskeyProblem, Refusal, RefusedView, StartView, StepView,
};
pub use pages::{
    ErrorKind, ErrorPage, FormPostPage, LogoutConfirmPage, RenderError, SignedOutPage,
};

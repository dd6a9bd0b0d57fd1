//! The development outbox page (`GET /dev/outbox`, dev mode only): the
//! email Latchkey wrote to files instead of sending, newest first.
//!
//! English only and outside the message catalogue: it is a developer's
//! tool that production never serves, not a page users see.

use askama::Template;

use crate::pages::Chrome;
use crate::{Lang, RenderError};

/// One message in the outbox, decoded for display. Every field is shown
/// HTML-escaped, as text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DevOutboxEntry {
    /// The `.eml` file's name.
    pub file_name: String,
    /// The `Date` header.
    pub date: String,
    /// The `From` header.
    pub from: String,
    /// The `To` header.
    pub to: String,
    /// The `Subject` header.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
}

/// The outbox listing.
///
/// ```
/// use latchkey_pages::{DevOutboxEntry, DevOutboxPage};
/// let html = DevOutboxPage {
///     outbox_dir: Some("data/outbox".into()),
///     transport: "outbox".into(),
///     entries: vec![DevOutboxEntry { subject: "<code>".into(), ..Default::default() }],
/// }
/// .render()?;
/// assert!(html.contains("&#60;code&#62;") || html.contains("&lt;code&gt;"));
/// # Ok::<(), latchkey_pages::RenderError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevOutboxPage {
    /// The outbox directory, when the outbox is the email transport.
    pub outbox_dir: Option<String>,
    /// The email transport in use (`outbox`, `smtp`, `disabled`), named
    /// when the outbox is not in use.
    pub transport: String,
    /// The messages, newest first.
    pub entries: Vec<DevOutboxEntry>,
}

impl DevOutboxPage {
    /// The page as HTML.
    ///
    /// # Errors
    /// [`RenderError::Template`] if the template engine fails.
    pub fn render(&self) -> Result<String, RenderError> {
        let lang = Lang::En;
        Ok(DevOutboxHtml {
            c: Chrome::new(lang),
            page: self,
        }
        .render()?)
    }
}

#[derive(Template)]
#[template(path = "dev_outbox.html")]
struct DevOutboxHtml<'a> {
    c: Chrome,
    page: &'a DevOutboxPage,
}

//! The invitation page (`/enroll?token=…`): the link `latchkey user invite`
//! prints. It only renders; `enroll.js` creates the passkey through the
//! enrollment API (`POST /api/enroll/{token}/options` and `…/finish`),
//! which checks the invitation. The page cannot tell a used or expired link
//! from a good one, and need not: the API's answer says so, in words the
//! page holds ready (the `data-e-*` attributes).

use askama::Template;

use crate::Lang;
use crate::assets::ENROLL_JS_URL;
use crate::pages::{Chrome, RenderError};

/// The invitation page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrollPage {
    /// Language of the page and its texts.
    pub lang: Lang,
    /// The link's token, when it is well-formed; `None` renders the "this
    /// link does not work" state with no button.
    pub token: Option<String>,
}

impl EnrollPage {
    /// The page as HTML.
    ///
    /// # Errors
    /// [`RenderError::Template`] if the template engine fails.
    pub fn render(&self) -> Result<String, RenderError> {
        let m = self.lang.messages();
        Ok(EnrollHtml {
            c: Chrome::new(self.lang),
            page: self,
            title: if self.token.is_some() {
                m.enroll_title
            } else {
                m.enroll_invalid_title
            },
            script_url: ENROLL_JS_URL,
            // API error code (or DOMException name) → words; enroll.js
            // falls back to `other`.
            errors: vec![
                ("invitation_invalid", m.enroll_error_used),
                ("registration_invalid", m.enroll_error_setup_expired),
                ("registration_failed", m.enroll_error_failed),
                ("credential_exists", m.enroll_error_exists),
                ("NotAllowedError", m.enroll_error_cancelled),
                ("AbortError", m.enroll_error_cancelled),
                ("InvalidStateError", m.enroll_error_on_device),
                ("other", m.enroll_error_other),
            ],
        }
        .render()?)
    }
}

#[derive(Template)]
#[template(path = "enroll.html")]
struct EnrollHtml<'a> {
    c: Chrome,
    page: &'a EnrollPage,
    title: &'static str,
    script_url: &'static str,
    errors: Vec<(&'static str, &'static str)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_usable_link_offers_the_button_only_with_script() -> Result<(), RenderError> {
        for lang in Lang::ALL {
            let m = lang.messages();
            let html = EnrollPage {
                lang,
                token: Some("ab".repeat(32)),
            }
            .render()?;
            assert!(html.contains(m.enroll_title), "{lang}");
            assert!(html.contains(m.enroll_text), "{lang}");
            assert!(html.contains(ENROLL_JS_URL), "{lang}");
            assert!(
                html.contains(&format!("data-token=\"{}\"", "ab".repeat(32))),
                "{lang}"
            );
            assert!(html.contains("id=\"enroll-create\" hidden"), "{lang}");
            assert!(html.contains(m.enroll_needs_browser), "{lang}");
            assert!(html.contains("data-e-NotAllowedError="), "{lang}");
            assert!(
                !html.contains(&format!("<h1>{}</h1>", m.enroll_invalid_title)),
                "{lang}"
            );
        }
        Ok(())
    }

    #[test]
    fn a_malformed_link_says_so_and_offers_nothing() -> Result<(), RenderError> {
        for lang in Lang::ALL {
            let m = lang.messages();
            let html = EnrollPage { lang, token: None }.render()?;
            assert!(html.contains(m.enroll_invalid_title), "{lang}");
            assert!(html.contains(m.enroll_invalid_text), "{lang}");
            assert!(!html.contains("enroll-create"), "{lang}");
            assert!(!html.contains(ENROLL_JS_URL), "{lang}");
        }
        Ok(())
    }

    #[test]
    fn the_token_is_escaped() -> Result<(), RenderError> {
        let html = EnrollPage {
            lang: Lang::En,
            token: Some("\"><script>x</script>".into()),
        }
        .render()?;
        assert!(!html.contains("<script>x"));
        Ok(())
    }
}

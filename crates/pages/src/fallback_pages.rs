//! Pages of the fallback sign-in that must exist without script: the
//! magic-link landing and the passkey invitation after a fallback.

use askama::Template;

use crate::Lang;
use crate::assets::NUDGE_JS_URL;
use crate::pages::{Chrome, RenderError};

/// What the magic-link landing can say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailLinkState {
    /// The link is live and this is the browser that asked: offer Continue.
    Usable,
    /// The link is live but this is another browser: explain, no button.
    OtherDevice,
    /// Expired, used or unknown.
    Invalid,
}

/// The magic-link landing page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailLinkPage {
    pub lang: Lang,
    pub state: EmailLinkState,
    /// The link's token, posted back by Continue (only when usable).
    pub token: Option<String>,
}

impl EmailLinkPage {
    /// The page as HTML.
    ///
    /// # Errors
    /// [`RenderError::Template`] if the template engine fails.
    pub fn render(&self) -> Result<String, RenderError> {
        let m = self.lang.messages();
        let (title, text) = match self.state {
            EmailLinkState::Usable => (m.email_link_title, m.email_link_text),
            EmailLinkState::OtherDevice => (
                m.email_link_other_device_title,
                m.email_link_other_device_text,
            ),
            EmailLinkState::Invalid => (m.email_link_invalid_title, m.email_link_invalid_text),
        };
        let page = Self {
            token: self
                .token
                .clone()
                .filter(|_| self.state == EmailLinkState::Usable),
            ..self.clone()
        };
        Ok(EmailLinkHtml {
            c: Chrome::new(self.lang),
            page: &page,
            title,
            text,
        }
        .render()?)
    }
}

/// The passkey invitation after a fallback sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NudgePage {
    pub lang: Lang,
    /// The login flow the invitation belongs to.
    pub flow_id: String,
    /// The flow's anti-CSRF token, posted back with every choice.
    pub csrf_token: String,
}

impl NudgePage {
    /// The page as HTML.
    ///
    /// # Errors
    /// [`RenderError::Template`] if the template engine fails.
    pub fn render(&self) -> Result<String, RenderError> {
        Ok(NudgeHtml {
            c: Chrome::new(self.lang),
            page: self,
            script_url: NUDGE_JS_URL,
        }
        .render()?)
    }
}

#[derive(Template)]
#[template(path = "email_link.html")]
struct EmailLinkHtml<'a> {
    c: Chrome,
    page: &'a EmailLinkPage,
    title: &'static str,
    text: &'static str,
}

#[derive(Template)]
#[template(path = "nudge.html")]
struct NudgeHtml<'a> {
    c: Chrome,
    page: &'a NudgePage,
    script_url: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_link_offers_continue_only_when_usable() -> Result<(), RenderError> {
        for lang in [Lang::En, Lang::De] {
            let usable = EmailLinkPage {
                lang,
                state: EmailLinkState::Usable,
                token: Some("tok<en>".into()),
            }
            .render()?;
            assert!(usable.contains("action=\"/login/email-link\""));
            assert!(
                usable.contains("value=\"tok&#60;en&#62;\"") || usable.contains("tok&lt;en&gt;")
            );
            for state in [EmailLinkState::OtherDevice, EmailLinkState::Invalid] {
                let html = EmailLinkPage {
                    lang,
                    state,
                    token: Some("secret".into()),
                }
                .render()?;
                assert!(
                    !html.contains("<form"),
                    "{state:?} must not offer a sign-in"
                );
                assert!(!html.contains("secret"));
            }
        }
        Ok(())
    }

    #[test]
    fn nudge_works_without_script() -> Result<(), RenderError> {
        let html = NudgePage {
            lang: Lang::En,
            flow_id: "f".repeat(32),
            csrf_token: "c".repeat(32),
        }
        .render()?;
        assert!(html.contains("value=\"not_now\""));
        assert!(html.contains("value=\"never\""));
        assert!(
            html.contains("id=\"nudge-create\" hidden"),
            "create needs script"
        );
        assert!(html.contains(NUDGE_JS_URL));
        Ok(())
    }
}

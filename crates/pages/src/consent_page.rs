//! The consent page (`/consent?flow=…`): after signing in, a user agrees
//! (or not) that an application which asks for permission may receive their
//! identity and the listed scopes. A plain form: it works without script.

use askama::Template;

use crate::Lang;
use crate::i18n::{CLIENT_PLACEHOLDER, Messages};
use crate::pages::{Chrome, RenderError};

const IDENTIFIER: &str = "{identifier}";
const SCOPE: &str = "{scope}";

/// The consent page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentPage {
    /// Language of the page's texts.
    pub lang: Lang,
    /// The login flow this consent answers.
    pub flow_id: String,
    /// The flow's anti-CSRF token, posted back with the answer.
    pub csrf_token: String,
    /// The application's display name.
    pub client_name: String,
    /// Who is signed in (username or email).
    pub user_label: String,
    /// The requested scopes, in request order.
    pub scopes: Vec<String>,
}

/// One line per scope, in plain words; `openid` first.
pub(crate) fn scope_lines(m: &Messages, scopes: &[String]) -> Vec<String> {
    let mut ordered: Vec<&str> = scopes.iter().map(String::as_str).collect();
    ordered.sort_by_key(|s| *s != "openid");
    ordered
        .into_iter()
        .map(|s| match s {
            "openid" => m.consent_scope_openid.to_owned(),
            "profile" => m.consent_scope_profile.to_owned(),
            "email" => m.consent_scope_email.to_owned(),
            "phone" => m.consent_scope_phone.to_owned(),
            "offline_access" => m.consent_scope_offline_access.to_owned(),
            "latchkey_fallback" => m.consent_scope_fallback.to_owned(),
            other => m.consent_scope_other.replace(SCOPE, other),
        })
        .collect()
}

impl ConsentPage {
    /// The page as HTML.
    ///
    /// # Errors
    /// [`RenderError::Template`] if the template engine fails.
    pub fn render(&self) -> Result<String, RenderError> {
        let m = self.lang.messages();
        let client = self.client_name.trim();
        Ok(ConsentHtml {
            c: Chrome::new(self.lang),
            page: self,
            title: m.consent_title.replace(CLIENT_PLACEHOLDER, client),
            signed_in_as: m.consent_signed_in_as.replace(IDENTIFIER, &self.user_label),
            receives: m.consent_receives.replace(CLIENT_PLACEHOLDER, client),
            scopes: scope_lines(m, &self.scopes),
        }
        .render()?)
    }
}

#[derive(Template)]
#[template(path = "consent.html")]
struct ConsentHtml<'a> {
    c: Chrome,
    page: &'a ConsentPage,
    title: String,
    signed_in_as: String,
    receives: String,
    scopes: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(lang: Lang) -> ConsentPage {
        ConsentPage {
            lang,
            flow_id: "f".repeat(32),
            csrf_token: "c".repeat(32),
            client_name: "Partner <App>".into(),
            user_label: "alice@example.com".into(),
            scopes: ["email", "openid", "weird"].map(str::to_owned).to_vec(),
        }
    }

    #[test]
    fn asks_in_plain_words_with_both_answers() -> Result<(), RenderError> {
        let html = page(Lang::En).render()?;
        assert!(
            html.contains("Allow Partner &#60;App&#62; to sign you in?"),
            "{html}"
        );
        assert!(html.contains("You are signed in as alice@example.com."));
        let openid = html.find("An identifier for your account");
        let email = html.find("Your email address");
        assert!(openid.is_some() && openid < email, "openid first");
        assert!(html.contains("Other access: weird"));
        assert!(html.contains("action=\"/consent\""));
        assert!(html.contains(&format!("name=\"csrf_token\" value=\"{}\"", "c".repeat(32))));
        assert!(html.contains("name=\"decision\" value=\"allow\""));
        assert!(html.contains("name=\"decision\" value=\"deny\""));
        Ok(())
    }

    #[test]
    fn german_page_is_german() -> Result<(), RenderError> {
        let html = page(Lang::De).render()?;
        assert!(html.contains("lang=\"de\""));
        assert!(html.contains("Ihre E-Mail-Adresse"));
        assert!(html.contains("Nicht erlauben"));
        Ok(())
    }
}

//! Building authorization responses (RFC 6749 §4.1.2, §4.1.2.1; RFC 9207).

use url::form_urlencoded;

use super::ErrorRedirect;

/// Build the redirect for a response (success or error) in query mode: the
/// redirect URI with `params` appended to its query, keeping any query it
/// already has (RFC 6749 §3.1.2: the query component "MUST be retained when
/// adding additional query parameters"), values form-urlencoded
/// (RFC 6749 §4.1.2, Appendix B).
///
/// Works on the string, not on a parsed URL: re-serialising could change the
/// bytes of the URI the client registered. Never adds a fragment; a verified
/// redirect URI has none (RFC 6749 §3.1.2), and if one slipped through it is
/// dropped rather than having the parameters land after the `#`.
#[must_use]
pub fn query_redirect(redirect_uri: &str, params: &[(&str, &str)]) -> String {
    let base = redirect_uri
        .split_once('#')
        .map_or(redirect_uri, |(before, _)| before);
    if params.is_empty() {
        return base.to_owned();
    }
    let encoded = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params.iter())
        .finish();
    let separator = if !base.contains('?') {
        "?"
    } else if base.ends_with('?') || base.ends_with('&') {
        ""
    } else {
        "&"
    };
    format!("{base}{separator}{encoded}")
}

impl ErrorRedirect {
    /// The response parameters, in order: `error`, `error_description`,
    /// `state` (if the request had one, RFC 6749 §4.1.2.1) and `iss`
    /// (RFC 9207 §2, so the client can detect mix-up attacks).
    ///
    /// The description is reduced to the characters RFC 6749 §4.1.2.1 allows
    /// (`%x20-21 / %x23-5B / %x5D-7E`), since parts of it may come from the
    /// request.
    #[must_use]
    pub fn response_params(&self, issuer: &str) -> Vec<(&'static str, String)> {
        let mut out = vec![
            ("error", self.error.to_owned()),
            ("error_description", printable(&self.description, 500)),
        ];
        if let Some(state) = &self.state {
            out.push(("state", state.clone()));
        }
        out.push(("iss", issuer.to_owned()));
        out
    }
}

/// `s` reduced to the `error_description` alphabet (RFC 6749 §4.1.2.1) and
/// at most `max` characters, for echoing attacker-chosen text in an error:
/// `"` becomes `'`, anything else outside the alphabet becomes `?`.
pub(super) fn printable(s: &str, max: usize) -> String {
    let mut out: String = s
        .chars()
        .take(max)
        .map(|c| match c {
            '"' => '\'',
            ' ' | '!' | '#'..='[' | ']'..='~' => c,
            _ => '?',
        })
        .collect();
    if s.chars().nth(max).is_some() {
        out.push_str("...");
    }
    out
}

//! The languages the hosted pages speak, and choosing one per request.

use std::fmt;

use crate::i18n::{DE, EN, Messages};

/// A language with a complete catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// English; the fallback when nothing the user asked for is supported.
    #[default]
    En,
    /// German.
    De,
}

impl Lang {
    /// Every supported language, for tests and for listing in docs.
    pub const ALL: [Self; 2] = [Self::En, Self::De];

    /// The BCP 47 primary language subtag (`en`, `de`), as used in
    /// `<html lang>`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::De => "de",
        }
    }

    /// This language's texts.
    #[must_use]
    pub const fn messages(self) -> &'static Messages {
        match self {
            Self::En => &EN,
            Self::De => &DE,
        }
    }

    /// Pick the page language.
    ///
    /// `ui_locales` (OpenID Connect Core §3.1.2.1: space-separated BCP 47
    /// tags, most preferred first) wins when it names a supported language,
    /// because the relying party asked for it explicitly. Otherwise the
    /// browser's `Accept-Language` (RFC 9110 §12.5.4) entry with the highest
    /// `q` that we support, the earlier entry on a tie. Otherwise English.
    /// Malformed entries are skipped, never an error: a bad header must not
    /// stop anyone from signing in.
    #[must_use]
    pub fn negotiate(ui_locales: Option<&str>, accept_language: Option<&str>) -> Self {
        if let Some(lang) = ui_locales
            .into_iter()
            .flat_map(str::split_ascii_whitespace)
            .find_map(Self::from_tag)
        {
            return lang;
        }
        let mut best: Option<(u16, Self)> = None;
        for entry in accept_language.into_iter().flat_map(|h| h.split(',')) {
            let mut parts = entry.split(';');
            let Some(lang) = parts.next().and_then(|tag| Self::from_tag(tag.trim())) else {
                continue;
            };
            let Some(q) = quality(parts) else { continue };
            if q > 0 && best.is_none_or(|(top, _)| q > top) {
                best = Some((q, lang));
            }
        }
        best.map_or(Self::En, |(_, lang)| lang)
    }

    /// The supported language a BCP 47 tag asks for, by its primary subtag
    /// (`de-CH` → German). `_` is accepted as a separator because some
    /// clients send POSIX locales (`de_DE`).
    fn from_tag(tag: &str) -> Option<Self> {
        let primary = tag.split(['-', '_']).next().unwrap_or_default();
        Self::ALL
            .into_iter()
            .find(|l| primary.eq_ignore_ascii_case(l.as_str()))
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `q` parameter of one Accept-Language entry in thousandths (1000 when
/// absent), or `None` when it is not a valid qvalue (RFC 9110 §12.4.2).
fn quality<'a>(params: impl Iterator<Item = &'a str>) -> Option<u16> {
    for param in params {
        let Some((name, value)) = param.split_once('=') else {
            continue;
        };
        if name.trim().eq_ignore_ascii_case("q") {
            return parse_qvalue(value.trim());
        }
    }
    Some(1000)
}

fn parse_qvalue(value: &str) -> Option<u16> {
    let (int, frac) = value.split_once('.').unwrap_or((value, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut thousandths = 0u16;
    for (i, b) in frac.bytes().enumerate() {
        thousandths += u16::from(b - b'0') * [100, 10, 1][i];
    }
    match int {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ui_locales_wins_with_its_first_supported_tag() {
        assert_eq!(Lang::negotiate(Some("de"), Some("en")), Lang::De);
        assert_eq!(
            Lang::negotiate(Some("fr-CA de-AT en"), Some("en")),
            Lang::De
        );
        assert_eq!(Lang::negotiate(Some("EN-gb de"), Some("de")), Lang::En);
        assert_eq!(Lang::negotiate(Some("de_DE"), None), Lang::De);
    }

    #[test]
    fn unsupported_ui_locales_fall_through_to_accept_language() {
        assert_eq!(Lang::negotiate(Some("fr ja"), Some("de")), Lang::De);
        assert_eq!(Lang::negotiate(Some(""), Some("de-DE,de;q=0.9")), Lang::De);
        assert_eq!(Lang::negotiate(Some("   "), None), Lang::En);
    }

    #[test]
    fn accept_language_takes_the_highest_supported_q() {
        assert_eq!(Lang::negotiate(None, Some("en;q=0.5, de;q=0.8")), Lang::De);
        assert_eq!(
            Lang::negotiate(None, Some("fr, de;q=0.3, en;q=0.2")),
            Lang::De
        );
        assert_eq!(
            Lang::negotiate(None, Some("fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7,de;q=0.6")),
            Lang::En
        );
        // A tie goes to the earlier entry; absent q means 1.
        assert_eq!(Lang::negotiate(None, Some("de, en")), Lang::De);
        assert_eq!(Lang::negotiate(None, Some("en;q=0.5,de;Q=0.500")), Lang::En);
        assert_eq!(Lang::negotiate(None, Some("de;q=0.001")), Lang::De);
    }

    #[test]
    fn refused_wildcard_and_malformed_entries_are_skipped() {
        // q=0 means "not acceptable".
        assert_eq!(Lang::negotiate(None, Some("de;q=0, en;q=0.1")), Lang::En);
        assert_eq!(Lang::negotiate(None, Some("de;q=0")), Lang::En);
        assert_eq!(Lang::negotiate(None, Some("*;q=1, de;q=0.5")), Lang::De);
        for bad in [
            "de;q=2",
            "de;q=1.5",
            "de;q=0.1234",
            "de;q=abc",
            "de;q=",
            "de;q=-1",
        ] {
            assert_eq!(
                Lang::negotiate(None, Some(&format!("{bad}, en;q=0.1"))),
                Lang::En,
                "{bad}"
            );
        }
        // Parameters other than q are ignored.
        assert_eq!(
            Lang::negotiate(None, Some("de;foo=bar;q=0.9, en;q=0.5")),
            Lang::De
        );
    }

    #[test]
    fn english_when_nothing_matches() {
        assert_eq!(Lang::negotiate(None, None), Lang::En);
        assert_eq!(Lang::negotiate(None, Some("")), Lang::En);
        assert_eq!(Lang::negotiate(Some("fr"), Some("ja, zh;q=0.9")), Lang::En);
        assert_eq!(Lang::negotiate(None, Some(",,;;,=,q=")), Lang::En);
        // Only the primary subtag counts: "deu" and "e" are not German/English.
        assert_eq!(Lang::negotiate(Some("deu"), Some("e")), Lang::En);
    }

    #[test]
    fn tags_for_html() {
        assert_eq!(Lang::En.to_string(), "en");
        assert_eq!(Lang::De.as_str(), "de");
        assert_eq!(Lang::default(), Lang::En);
    }
}

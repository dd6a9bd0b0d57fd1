//! The message catalogue: every user-visible string of the hosted pages, one
//! table per language.
//!
//! A struct rather than a key→text map: a key missing from one language is a
//! compile error (every `const` below must name every field), and a template
//! that names an unknown key does not compile, so a raw key can never reach
//! a page. Adding a language is one more file with one more `const`.

/// Defines [`Messages`] from a list of keys, plus (for tests) an iterator
/// over `(key, text)` pairs so parity and leak checks need no second list.
macro_rules! messages {
    ($( $(#[doc = $doc:literal])+ $key:ident, )+) => {
        /// The strings of the hosted pages in one language; see
        /// [`Lang::messages`](crate::Lang::messages).
        #[derive(Debug)]
        pub struct Messages {
            $( $(#[doc = $doc])+ pub $key: &'static str, )+
        }

        #[cfg(test)]
        impl Messages {
            /// Every `(key, text)` pair, in declaration order.
            pub(crate) fn entries(&self) -> Vec<(&'static str, &'static str)> {
                vec![$( (stringify!($key), self.$key), )+]
            }
        }
    };
}

// After the macro: `keys` invokes it.
mod de;
mod en;
mod keys;

pub(crate) use de::DE;
pub(crate) use en::EN;
pub use keys::Messages;

/// Placeholder in [`Messages::logout_client_asked`].
pub(crate) const CLIENT_PLACEHOLDER: &str = "{client}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_key() {
        // The compiler already enforces this (each `const` names every
        // field); this test keeps the promise visible and catches a future
        // switch to a map-based catalogue.
        let en: Vec<_> = EN.entries().into_iter().map(|(k, _)| k).collect();
        let de: Vec<_> = DE.entries().into_iter().map(|(k, _)| k).collect();
        assert_eq!(en, de);
        assert!(!en.is_empty());
    }

    #[test]
    fn texts_are_present_and_tidy() {
        for (lang, m) in [("en", &EN), ("de", &DE)] {
            for (key, text) in m.entries() {
                assert!(!text.trim().is_empty(), "{lang}.{key} is empty");
                assert_eq!(text, text.trim(), "{lang}.{key} has outer whitespace");
                // Texts are plain; markup would be escaped and show up raw.
                assert!(!text.contains(['<', '>']), "{lang}.{key} contains markup");
                // Keys contain `_`, so a leaked key is easy to spot in a page.
                assert!(key.contains('_'), "key {key} needs an underscore");
            }
            assert!(m.logout_client_asked.contains(CLIENT_PLACEHOLDER), "{lang}");
        }
    }

    #[test]
    fn german_is_translated() {
        // The same text in both languages is almost always a forgotten
        // translation; the product name is the exception.
        for ((key, en), (_, de)) in EN.entries().into_iter().zip(DE.entries()) {
            if key != "brand_name" {
                assert_ne!(en, de, "{key} is not translated");
            }
        }
    }
}

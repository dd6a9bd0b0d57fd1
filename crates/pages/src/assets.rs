//! Static assets (CSS, JS) embedded in the binary and addressed by content
//! hash. The server serves them with a year-long `immutable` cache lifetime;
//! that is safe only because a changed file gets a new name (see `build.rs`).
//! Only names listed here are served: an old hash is a 404, not the current
//! file, so a cached page can never pair with assets it was not built for.

// `STYLE_CSS_FILE`, `STYLE_CSS_URL`, `FORM_POST_JS_FILE`, `FORM_POST_JS_URL`.
include!(concat!(env!("OUT_DIR"), "/asset_names.rs"));

/// Path under which the server mounts the assets; the generated URLs start
/// with it.
pub const STATIC_PREFIX: &str = "/static/";

/// One embedded file.
#[derive(Debug)]
struct Asset {
    /// Logical name, as templates and callers know it (`style.css`).
    name: &'static str,
    /// Hashed file name, the last path segment of `url`.
    file: &'static str,
    url: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "style.css",
        file: STYLE_CSS_FILE,
        url: STYLE_CSS_URL,
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../static/style.css"),
    },
    Asset {
        name: "form_post.js",
        file: FORM_POST_JS_FILE,
        url: FORM_POST_JS_URL,
        // RFC 9239 §6: text/javascript is the one registered type for JS.
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../static/form_post.js"),
    },
    Asset {
        name: "nudge.js",
        file: NUDGE_JS_FILE,
        url: NUDGE_JS_URL,
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../static/nudge.js"),
    },
    Asset {
        name: "login.js",
        file: LOGIN_JS_FILE,
        url: LOGIN_JS_URL,
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../static/login.js"),
    },
    Asset {
        name: "enroll.js",
        file: ENROLL_JS_FILE,
        url: ENROLL_JS_URL,
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../static/enroll.js"),
    },
    Asset {
        name: "account.js",
        file: ACCOUNT_JS_FILE,
        url: ACCOUNT_JS_URL,
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../static/account.js"),
    },
];

/// The content and content type of the asset whose hashed file name is
/// `file` (the part after `/static/`), or `None` for an unknown name or a
/// stale hash.
#[must_use]
pub fn asset(file: &str) -> Option<(&'static [u8], &'static str)> {
    ASSETS
        .iter()
        .find(|a| a.file == file)
        .map(|a| (a.bytes, a.content_type))
}

/// The hashed URL of the asset with logical name `name` (`style.css`,
/// `form_post.js`), or `None` when there is no such asset.
#[must_use]
pub fn asset_url(name: &str) -> Option<&'static str> {
    ASSETS.iter().find(|a| a.name == name).map(|a| a.url)
}

#[cfg(test)]
mod tests {
    use sha2::{Digest as _, Sha256};

    use super::*;

    fn hex16(bytes: &[u8]) -> String {
        Sha256::digest(bytes)
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    #[test]
    fn urls_carry_the_hash_of_the_embedded_bytes() {
        for a in ASSETS {
            let (stem, ext) = a.name.rsplit_once('.').unwrap();
            let expected = format!("{stem}.{}.{ext}", hex16(a.bytes));
            assert_eq!(a.file, expected, "{}", a.name);
            assert_eq!(a.url, format!("{STATIC_PREFIX}{expected}"));
            assert_eq!(asset_url(a.name), Some(a.url));
        }
        assert_eq!(asset_url("style.css"), Some(STYLE_CSS_URL));
        assert_eq!(asset_url("form_post.js"), Some(FORM_POST_JS_URL));
    }

    #[test]
    fn lookup_by_hashed_name_only() {
        let (css, ct) = asset(STYLE_CSS_FILE).unwrap();
        assert_eq!(ct, "text/css; charset=utf-8");
        assert!(!css.is_empty());
        let (_, ct) = asset(FORM_POST_JS_FILE).unwrap();
        assert!(ct.starts_with("text/javascript"));
        for bad in [
            "style.css",
            "style.0000000000000000.css",
            "form_post.js",
            "",
            "../style.css",
            STYLE_CSS_URL,
        ] {
            assert!(asset(bad).is_none(), "{bad}");
        }
        assert!(asset_url("nope.css").is_none());
    }
}

//! The hosted pages' static assets on a running server: hashed URLs, the
//! right content types, cached forever, and 404 for anything else.

use crate::support::{Stack, TestServer};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

async fn hashed_assets_are_served_immutable(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    for (url, content_type, needle) in [
        (
            latchkey_pages::STYLE_CSS_URL,
            "text/css; charset=utf-8",
            ":focus-visible",
        ),
        (
            latchkey_pages::FORM_POST_JS_URL,
            "text/javascript; charset=utf-8",
            "data-autosubmit",
        ),
    ] {
        let res = s.get(url).await;
        assert_eq!(res.status(), 200, "{url}");
        let h = res.headers();
        assert_eq!(h["content-type"], content_type, "{url}");
        assert_eq!(h["cache-control"], IMMUTABLE, "{url}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{url}");
        let body = res.text().await.unwrap();
        assert!(body.contains(needle), "{url}");
    }
    assert_eq!(
        latchkey_pages::asset_url("style.css"),
        Some(latchkey_pages::STYLE_CSS_URL)
    );
}

async fn unknown_and_stale_assets_are_404(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let css = latchkey_pages::STYLE_CSS_URL;
    // Same stem and extension, another hash: an old deploy's URL.
    let (stem, rest) = css.split_once('.').unwrap();
    let stale = format!("{stem}.{}{}", "0".repeat(16), &rest[16..]);
    assert_ne!(stale, css);
    for path in [
        stale.as_str(),
        "/static/style.css",
        "/static/form_post.js",
        "/static/nothing.0123456789abcdef.css",
        "/static/..%2fCargo.toml",
        "/static/",
    ] {
        let res = s.get(path).await;
        assert_eq!(res.status(), 404, "{path}");
        assert_ne!(res.headers()["cache-control"], IMMUTABLE, "{path}");
    }
}

crate::stack_tests!(
    hashed_assets_are_served_immutable,
    unknown_and_stale_assets_are_404,
);

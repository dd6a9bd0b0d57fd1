//! The harness checks itself on a page that is broken on purpose: axe-core
//! must find its accessibility faults and the browser log its CSP
//! violation, or a clean journey would prove nothing.

use base64::Engine as _;

use super::Browser;

const BROKEN: &str = "<!doctype html><html><head>\
<meta http-equiv=\"Content-Security-Policy\" content=\"script-src 'none'\">\
</head><body><main><img src=\"/missing.png\" width=\"40\" height=\"40\">\
<button></button><p style=\"color:#ddd;background-color:#fff\">Hard to read</p>\
<script>document.title = 'ran';</script></main></body></html>";

#[actix_web::test]
async fn the_harness_sees_what_a_broken_page_gets_wrong() {
    let test = concat!(
        module_path!(),
        "::the_harness_sees_what_a_broken_page_gets_wrong"
    );
    let Some(mut b) = Browser::launch(test).await else {
        return;
    };
    let url = format!(
        "data:text/html;charset=utf-8;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(BROKEN)
    );
    b.goto(&url).await;
    let found = b.snapshot("broken-on-purpose").await;
    let mut ids: Vec<(&str, &str)> = found
        .iter()
        .map(|v| (v.id.as_str(), v.impact.as_str()))
        .collect();
    ids.sort_unstable();
    for want in [
        ("button-name", "critical"),
        ("color-contrast", "serious"),
        ("html-has-lang", "serious"),
        ("image-alt", "critical"),
    ] {
        assert!(ids.contains(&want), "axe-core missed {want:?}: {ids:?}");
    }
    assert!(!b.take_axe_failures().is_empty());
    assert!(
        b.screenshots().join("01-broken-on-purpose.png").is_file(),
        "no screenshot in {}",
        b.screenshots().display()
    );
    // The inline script did not run, and the browser said why.
    assert_eq!(b.eval("document.title").await, "");
    let errors = b.take_page_errors();
    assert!(
        errors.iter().any(|l| l.contains("Content Security Policy")),
        "{errors:?}"
    );
    b.finish().await;
}

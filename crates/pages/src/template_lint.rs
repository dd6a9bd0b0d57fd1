//! The CSP forbids inline script and style; a template that used either
//! would break in the browser, not in a test. So this test reads every
//! template and fails on `<style>`, a `<script>` without `src` or with a
//! body, a `style=` attribute, an `on…=` event handler, or `javascript:`.

use std::path::{Path, PathBuf};

/// The problems found in one template's source, as readable lines.
fn lint(source: &str) -> Vec<String> {
    let lower = source.to_ascii_lowercase();
    let mut problems = Vec::new();
    if lower.contains("javascript:") {
        problems.push("javascript: URL".to_owned());
    }
    let mut rest = lower.as_str();
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        let name_len = rest
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(rest.len());
        let name = &rest[..name_len];
        if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
            continue; // `</x>`, `<!doctype>`, a `<` in text
        }
        let (attrs, tag_len) = attributes(&rest[name_len..]);
        for attr in &attrs {
            if attr == "style" || attr.starts_with("on") {
                problems.push(format!("<{name}> has attribute {attr}"));
            }
        }
        match name {
            "style" => problems.push("<style> element".to_owned()),
            "script" => {
                if !attrs.iter().any(|a| a == "src") {
                    problems.push("<script> without src".to_owned());
                }
                let body = &rest[name_len + tag_len..];
                if !body.trim_start().starts_with("</script") {
                    problems.push("<script> with a body".to_owned());
                }
            }
            _ => {}
        }
    }
    problems
}

/// Attribute names of a start tag whose text (after the element name) is
/// `tag`, and the length up to and including its `>`.
fn attributes(tag: &str) -> (Vec<String>, usize) {
    let bytes = tag.as_bytes();
    let mut names = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'>' => return (names, i + 1),
            b if b.is_ascii_whitespace() || b == b'/' => i += 1,
            b'=' => {
                i += 1;
                while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                    i += 1;
                }
                match bytes.get(i) {
                    Some(&q @ (b'"' | b'\'')) => {
                        let close = tag[i + 1..]
                            .find(q as char)
                            .map_or(bytes.len(), |p| i + 1 + p);
                        i = close + 1;
                    }
                    _ => {
                        while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>'
                        {
                            i += 1;
                        }
                    }
                }
            }
            _ => {
                let start = i;
                while i < bytes.len()
                    && !matches!(bytes[i], b'=' | b'>' | b'/')
                    && !bytes[i].is_ascii_whitespace()
                {
                    i += 1;
                }
                names.push(tag[start..i].to_owned());
            }
        }
    }
    (names, bytes.len())
}

fn template_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../templates");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn templates_have_no_inline_script_or_style() {
    let files = template_files();
    assert!(files.len() >= 5, "templates not found: {files:?}");
    let mut problems = Vec::new();
    for file in files {
        let source = std::fs::read_to_string(&file).unwrap();
        for p in lint(&source) {
            problems.push(format!("{}: {p}", file.display()));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_lint_catches_what_it_should() {
    for bad in [
        "<script>alert(1)</script>",
        "<SCRIPT src=\"/a.js\">x()</SCRIPT>",
        "<script defer></script>",
        "<style>p{}</style>",
        "<p style=\"color:red\">x</p>",
        "<p STYLE = 'x'>x</p>",
        "<button onclick=\"x()\">x</button>",
        "<body onLoad=x()>",
        "<img src=x onerror=alert(1)>",
        "<a href=\"javascript:x()\">x</a>",
    ] {
        assert!(!lint(bad).is_empty(), "not caught: {bad}");
    }
    for good in [
        "<script src=\"{{ url }}\" defer></script>",
        "<script src=/a.js>\n</script>",
        "<p class=\"note\" data-on=\"x\">one < two</p>",
        "<a href=\"/\" title=\"style=x onclick=y\">x</a>",
        "<!doctype html><html lang=\"en\"></html>",
    ] {
        assert!(
            lint(good).is_empty(),
            "false alarm: {good}: {:?}",
            lint(good)
        );
    }
}

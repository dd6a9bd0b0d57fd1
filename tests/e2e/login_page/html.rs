//! Reading the sign-in page like a browser without script: GET with a
//! language, the forms and their fields, submitting one, finding a tag.

use reqwest::header::{ACCEPT_LANGUAGE, COOKIE};

use crate::support::TestServer;
use crate::support::browser::Browser;

/// A page as the browser got it.
pub(super) struct Page {
    pub status: u16,
    pub csp: String,
    pub cache: String,
    pub html: String,
}

/// `GET path` in `b`, with `Accept-Language: lang`.
pub(super) async fn get_page(s: &TestServer, b: &mut Browser, path: &str, lang: &str) -> Page {
    let mut req = s
        .http
        .get(format!("{}{path}", s.base))
        .header(ACCEPT_LANGUAGE, lang);
    if !b.cookies.is_empty() {
        let cookies: Vec<String> = b.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
        req = req.header(COOKIE, cookies.join("; "));
    }
    let res = req.send().await.unwrap();
    b.absorb(&res);
    let header = |name: &str| {
        res.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let (csp, cache) = (header("content-security-policy"), header("cache-control"));
    let status = res.status().as_u16();
    Page {
        status,
        csp,
        cache,
        html: res.text().await.unwrap(),
    }
}

/// One `<form>` of a page: where it posts, and its fields with their
/// values (hidden fields and submit buttons with a value).
#[derive(Debug, Clone)]
pub(super) struct Form {
    pub action: String,
    pub fields: Vec<(String, String)>,
    pub html: String,
}

impl Form {
    pub(super) fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Undo askama's escaping of attribute values.
pub(super) fn unescape(v: &str) -> String {
    v.replace("&#38;", "&")
        .replace("&amp;", "&")
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#60;", "<")
        .replace("&lt;", "<")
        .replace("&#62;", ">")
        .replace("&gt;", ">")
}

/// The value of attribute `name` in the tag text `tag`.
pub(super) fn attr(tag: &str, name: &str) -> Option<String> {
    let needle = format!(" {name}=\"");
    let start = tag.find(&needle)? + needle.len();
    let end = tag[start..].find('"')? + start;
    Some(unescape(&tag[start..end]))
}

/// Every form of `html`, in order.
pub(super) fn forms(html: &str) -> Vec<Form> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<form ") {
        let end = rest[start..].find("</form>").expect("closed form") + start;
        let body = &rest[start..end];
        let open = &body[..body.find('>').unwrap()];
        let mut fields = Vec::new();
        for tag in body.split('<').skip(1) {
            let tag = tag.split('>').next().unwrap_or_default();
            let hidden =
                tag.starts_with("input ") && attr(tag, "type").as_deref() == Some("hidden");
            if (hidden || tag.starts_with("button "))
                && let (Some(n), Some(v)) = (attr(tag, "name"), attr(tag, "value"))
            {
                fields.push((n, v));
            }
        }
        out.push(Form {
            action: attr(open, "action").unwrap_or_default(),
            fields,
            html: body.to_owned(),
        });
        rest = &rest[end..];
    }
    out
}

/// The only form posting to `action` (with `steps=`/`action=` `value` when
/// several do).
pub(super) fn form(html: &str, action: &str, value: Option<(&str, &str)>) -> Form {
    let found: Vec<Form> = forms(html)
        .into_iter()
        .filter(|f| f.action == action)
        .filter(|f| value.is_none_or(|(k, v)| f.field(k) == Some(v)))
        .collect();
    assert_eq!(found.len(), 1, "one form to {action} {value:?} in:\n{html}");
    found.into_iter().next().unwrap()
}

/// Submit `form` with its fields plus `extra` (which replace fields of
/// the same name) in `b`.
pub(super) async fn submit(
    s: &TestServer,
    b: &mut Browser,
    form: &Form,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let mut fields: Vec<(String, String)> = form
        .fields
        .iter()
        .filter(|(n, _)| !extra.iter().any(|(k, _)| k == n))
        .cloned()
        .collect();
    fields.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    b.post_form(s, &form.action, &pairs).await
}

/// The `id` attribute's tag (`<input … id="code" …>`) in `html`.
pub(super) fn tag_with_id<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in:\n{html}"));
    let start = html[..at].rfind('<').unwrap();
    let end = html[at..].find('>').unwrap() + at;
    &html[start..=end]
}

/// No inline script or style (the CSP forbids them).
pub(super) fn assert_no_inline(html: &str) {
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("<style"), "{html}");
    assert!(!lower.contains(" style="), "{html}");
    assert!(!lower.contains("javascript:"), "{html}");
    for script in lower.split("<script").skip(1) {
        let (tag, body) = script.split_once('>').unwrap();
        assert!(tag.contains(" src="), "inline script: {html}");
        assert!(body.starts_with("</script"), "script with a body: {html}");
    }
}

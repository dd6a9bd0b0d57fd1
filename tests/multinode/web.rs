//! HTTP as one browser sees it (a cookie jar shared by every node: cookies
//! are per host, not per port) and the rule every scenario keeps: no
//! request ever gets a 500 (nor any 5xx other than 503).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use reqwest::header::{COOKIE, HeaderMap, LOCATION, SET_COOKIE};
use serde_json::Value;

/// A client that follows no redirects, with a timeout a hung node cannot
/// exceed.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("an HTTP client")
}

/// A response read in full.
#[derive(Debug)]
pub struct Res {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
    /// `METHOD url`, for messages.
    pub what: String,
}

impl Res {
    /// The body as JSON (panics, with the body, when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| {
            panic!(
                "{}: {} body is not JSON ({e}): {}",
                self.what, self.status, self.text
            )
        })
    }

    /// The `Location` of a redirect.
    pub fn location(&self) -> String {
        assert!(
            (300..400).contains(&self.status),
            "{}: expected a redirect, got {}: {}",
            self.what,
            self.status,
            self.text
        );
        self.headers[LOCATION]
            .to_str()
            .expect("ASCII Location")
            .to_owned()
    }

    /// Assert `status` and a JSON `error` code; returns the body.
    pub fn expect_error(&self, status: u16, error: &str) -> Value {
        let body = self.json();
        assert_eq!(
            (self.status, body["error"].as_str()),
            (status, Some(error)),
            "{}: {body}",
            self.what
        );
        body
    }

    /// Assert `200` and return the JSON body.
    pub fn ok_json(&self) -> Value {
        assert_eq!(self.status, 200, "{}: {}", self.what, self.text);
        self.json()
    }
}

/// Send `req` and read the answer. A 500 (or a 5xx other than 503) fails
/// the test at once, with the body.
pub async fn send(req: reqwest::RequestBuilder) -> Res {
    let built = req.build().expect("a valid request");
    let what = format!("{} {}", built.method(), built.url());
    let res = http()
        .execute(built)
        .await
        .unwrap_or_else(|e| panic!("{what}: no answer: {e:?}"));
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let text = res.text().await.unwrap_or_default();
    assert!(
        status < 500 || status == 503,
        "{what} answered {status} (never a 500): {text}"
    );
    Res {
        status,
        headers,
        text,
        what,
    }
}

/// Cookies by name, as one browser holds them for `localhost`: the nodes
/// differ only in port, which cookies ignore (RFC 6265 §8.5).
#[derive(Debug, Default, Clone)]
pub struct Browser {
    pub cookies: BTreeMap<String, String>,
}

impl Browser {
    fn absorb(&mut self, headers: &HeaderMap) {
        for v in headers.get_all(SET_COOKIE) {
            let v = v.to_str().expect("ASCII Set-Cookie");
            let pair = v.split(';').next().unwrap_or_default();
            let Some((name, value)) = pair.split_once('=') else {
                continue;
            };
            if value.is_empty() || v.to_ascii_lowercase().contains("max-age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    fn with_cookies(&self, mut req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        if !self.cookies.is_empty() {
            let header: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            req = req.header(COOKIE, header.join("; "));
        }
        req
    }

    /// `GET base+path` (or an absolute URL when `path` is one).
    pub async fn get(&mut self, base: &str, path: &str) -> Res {
        let url = if path.starts_with('/') {
            format!("{base}{path}")
        } else {
            path.to_owned()
        };
        let res = send(self.with_cookies(http().get(url))).await;
        self.absorb(&res.headers);
        res
    }

    /// `POST` JSON to `base+path`, with `X-Latchkey-CSRF` when given.
    pub async fn post_json(
        &mut self,
        base: &str,
        path: &str,
        csrf: Option<&str>,
        body: &Value,
    ) -> Res {
        let mut req = http().post(format!("{base}{path}")).json(body);
        if let Some(token) = csrf {
            req = req.header("X-Latchkey-CSRF", token);
        }
        let res = send(self.with_cookies(req)).await;
        self.absorb(&res.headers);
        res
    }

    /// Whether this browser holds a Latchkey session.
    pub fn signed_in(&self) -> bool {
        self.cookies.contains_key("__Host-latchkey-session")
    }
}

/// The query parameters of a URL.
pub fn query(url: &str) -> BTreeMap<String, String> {
    url::Url::parse(url)
        .expect("an absolute URL")
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Poll `/readyz` of node `n` until it answers `want`; its body.
pub async fn readyz(base: &str, want: u16, within: Duration) -> serde_json::Value {
    let deadline = Instant::now() + within;
    loop {
        let res = send(http().get(format!("{base}/readyz"))).await;
        assert!(
            res.status == 200 || res.status == 503,
            "readyz answered {}",
            res.status
        );
        if res.status == want {
            return res.json();
        }
        assert!(
            Instant::now() < deadline,
            "{base}/readyz did not answer {want} within {within:?}: {}",
            res.text
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A 503 with a JSON error body: unavailable, said clearly.
pub fn assert_unavailable(res: &Res) {
    assert_eq!(res.status, 503, "{}: {}", res.what, res.text);
    let body = res.json();
    assert!(body["error"].is_string(), "{}: {body}", res.what);
}

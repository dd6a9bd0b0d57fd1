//! One simulated browser: a cookie jar, a client IP (sent as
//! `X-Forwarded-For`, see `server.rs`) and the CSRF token of its page.

use std::collections::BTreeMap;

use anyhow::{Context as _, bail};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::{Client, Response, StatusCode};
use serde_json::Value;

/// The harness's HTTP client: keep-alive, no redirects followed,
/// `localhost` pinned to 127.0.0.1.
pub fn client(port: u16) -> anyhow::Result<Client> {
    Ok(Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .resolve(
            "localhost",
            std::net::SocketAddr::from(([127, 0, 0, 1], port)),
        )
        .pool_max_idle_per_host(1024)
        .build()?)
}

/// A random documentation-range-free client address.
#[must_use]
pub fn random_ip() -> String {
    let [a, b, c] = rand::random::<[u8; 3]>();
    format!("10.{a}.{b}.{}", c.max(1))
}

/// A browser.
#[derive(Debug, Clone)]
pub struct Browser {
    pub cookies: BTreeMap<String, String>,
    pub ip: String,
    pub csrf: Option<String>,
}

impl Default for Browser {
    fn default() -> Self {
        Self {
            cookies: BTreeMap::new(),
            ip: random_ip(),
            csrf: None,
        }
    }
}

impl Browser {
    fn absorb(&mut self, res: &Response) {
        for v in res.headers().get_all(SET_COOKIE) {
            let Ok(v) = v.to_str() else { continue };
            let pair = v.split(';').next().unwrap_or("");
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

    fn prepare(&self, mut req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        if !self.cookies.is_empty() {
            let h: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            req = req.header(COOKIE, h.join("; "));
        }
        if let Some(csrf) = &self.csrf {
            req = req.header("X-Latchkey-CSRF", csrf);
        }
        req.header("X-Forwarded-For", &self.ip)
    }

    /// `GET` and return the `Location` of the redirect it must answer with.
    pub async fn redirect(&mut self, http: &Client, url: &str) -> anyhow::Result<String> {
        let res = self.prepare(http.get(url)).send().await?;
        self.absorb(&res);
        if !res.status().is_redirection() {
            bail!(
                "GET {url}: {} {}",
                res.status(),
                res.text().await.unwrap_or_default()
            );
        }
        Ok(res
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .context("a redirect without Location")?
            .to_owned())
    }

    /// `GET` JSON, expecting 200.
    pub async fn get_json(&mut self, http: &Client, url: &str) -> anyhow::Result<Value> {
        let res = self.prepare(http.get(url)).send().await?;
        self.absorb(&res);
        expect(res, StatusCode::OK, url).await
    }

    /// `POST` JSON, expecting `want`.
    pub async fn post_json(
        &mut self,
        http: &Client,
        url: &str,
        body: &Value,
        want: StatusCode,
    ) -> anyhow::Result<Value> {
        let res = self.prepare(http.post(url)).json(body).send().await?;
        self.absorb(&res);
        expect(res, want, url).await
    }
}

/// The JSON body of a response with status `want`, or an error naming it.
pub async fn expect(res: Response, want: StatusCode, what: &str) -> anyhow::Result<Value> {
    let status = res.status();
    let text = res.text().await?;
    if status != want {
        bail!("{what}: {status} {text}");
    }
    if text.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(&text).with_context(|| format!("{what}: not JSON: {text}"))
}

/// The query parameters of a URL or path.
#[must_use]
pub fn query(url: &str) -> BTreeMap<String, String> {
    let q = url.split_once('?').map_or("", |(_, q)| q);
    url::form_urlencoded::parse(q.as_bytes())
        .into_owned()
        .collect()
}

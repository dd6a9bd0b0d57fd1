//! A minimal browser for protocol tests: follows nothing by itself, keeps
//! cookies (including `Secure` ones on loopback, as browsers do for
//! localhost), and completes login flows in-process the way an
//! authentication layer would.

use std::collections::BTreeMap;

use actix_web::test::TestRequest;
use latchkey_core::{UnixTime, UserId};
use latchkey_oidc::{AuthMethod, AuthnResult};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

use super::TestServer;

/// Cookies by name, as one browser holds them.
#[derive(Debug, Default, Clone)]
pub struct Browser {
    pub cookies: BTreeMap<String, String>,
}

impl Browser {
    /// Remember the cookies a response sets (and forget removed ones).
    pub fn absorb(&mut self, res: &reqwest::Response) {
        for v in res.headers().get_all(SET_COOKIE) {
            let v = v.to_str().unwrap();
            let pair = v.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            let removed = v.to_ascii_lowercase().contains("max-age=0") || value.is_empty();
            if removed {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    fn header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// GET `url` (absolute, or a path on the server) with this browser's
    /// cookies; no redirects are followed.
    pub async fn get(&mut self, server: &TestServer, url: &str) -> reqwest::Response {
        let url = if url.starts_with('/') {
            format!("{}{url}", server.base)
        } else {
            url.to_owned()
        };
        let mut req = server.http.get(url);
        if !self.cookies.is_empty() {
            req = req.header(COOKIE, self.header());
        }
        let res = req.send().await.unwrap();
        self.absorb(&res);
        res
    }

    /// POST a form with this browser's cookies.
    pub async fn post_form(
        &mut self,
        server: &TestServer,
        path: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut req = server
            .http
            .post(format!("{}{path}", server.base))
            .form(form);
        if !self.cookies.is_empty() {
            req = req.header(COOKIE, self.header());
        }
        let res = req.send().await.unwrap();
        self.absorb(&res);
        res
    }

    /// Complete the login flow `flow_id` as the authentication layer would,
    /// for `subject` with `methods`, in-process (no HTTP route does this).
    /// Returns the resume path the browser goes to next.
    pub async fn sign_in(
        &mut self,
        server: &TestServer,
        flow_id: &str,
        subject: &UserId,
        methods: Vec<AuthMethod>,
    ) -> String {
        let now = UnixTime(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs() as i64,
        );
        let authn = AuthnResult::new(subject.clone(), methods, now);
        self.sign_in_with(server, flow_id, authn).await
    }

    /// [`Browser::sign_in`] with a whole `AuthnResult` (a fallback reason,
    /// say).
    pub async fn sign_in_with(
        &mut self,
        server: &TestServer,
        flow_id: &str,
        authn: AuthnResult,
    ) -> String {
        let mut req = TestRequest::default();
        for (k, v) in &self.cookies {
            req = req.cookie(actix_web::cookie::Cookie::new(k.clone(), v.clone()));
        }
        let req = req.to_http_request();
        let done = latchkey_server::flows::complete(&server.state, &req, flow_id, authn, None)
            .await
            .map_err(|e| format!("{e:?}"))
            .unwrap();
        if let Some(c) = done.session_cookie {
            self.cookies
                .insert(c.name().to_owned(), c.value().to_owned());
        }
        done.redirect_to
    }
}

/// The `Location` of a redirect response.
pub fn location(res: &reqwest::Response) -> String {
    assert!(
        res.status().is_redirection(),
        "expected a redirect, got {}",
        res.status()
    );
    res.headers()[LOCATION].to_str().unwrap().to_owned()
}

/// The flow id from a `/login?flow=…` location.
pub fn flow_id(location: &str) -> String {
    let (_, id) = location.split_once("flow=").expect("a login redirect");
    id.to_owned()
}

/// The query parameters of a URL.
pub fn query(url: &str) -> BTreeMap<String, String> {
    let url = reqwest::Url::parse(url).unwrap();
    url.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

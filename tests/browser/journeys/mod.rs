//! Sign-in journeys in a real browser, each through the real OIDC redirect:
//! a test application sends the browser to `/authorize`, the user signs in
//! on Latchkey's pages, the browser comes back to the application's
//! callback (a tiny HTTP listener), and the test redeems the code at
//! `/token` with PKCE and checks the signed ID token.
//!
//! The journeys run on the embedded stack (SQLite + memory); the storage
//! matrix is tests/e2e's job.

mod account_page;
mod autofill;
mod cancelled;
mod consent_narrow;
mod email_link;
mod new_device;
mod passkey_button;
mod phr_unmet;

use std::time::Duration;

use base64::Engine as _;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{DecodingKey, Validation};
use latchkey_core::User;
use latchkey_passkey::CredentialRepo as _;
use latchkey_passkey::invitation::{InvitationRepo as _, issue};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

use crate::harness::{Browser, WAIT};
use crate::support::smtp::SmtpServer;
use crate::support::{Options, Stack, TestServer, fixtures, rp};

/// The page texts the journeys look for (English: the browser asks for
/// `en-US`).
pub fn m() -> &'static latchkey_pages::Messages {
    latchkey_pages::Lang::En.messages()
}

/// A Latchkey server with email delivery over SMTP, a test application
/// (client and callback) and Alice, who has a verified email and no
/// passkey yet.
pub struct World {
    pub s: TestServer,
    pub smtp: SmtpServer,
    pub rp: TestRp,
    pub client: String,
    pub secret: String,
    pub alice: User,
}

impl World {
    pub async fn start(test: &str) -> Self {
        let smtp = SmtpServer::start().await;
        let options = Options {
            env: smtp.env("Latchkey <login@example.test>"),
            ..Options::default()
        };
        let s = TestServer::start_with(Stack::Embedded, test, options)
            .await
            .expect("the embedded stack needs no services");
        let rp = TestRp::start().await;
        let (client, secret) = s
            .client_with(latchkey_oidc::NewClient {
                name: "Test Application".into(),
                redirect_uris: vec![rp.callback.clone()],
                ..fixtures::confidential()
            })
            .await;
        let alice = s.user("alice").await;
        s.verify_email(&alice).await;
        Self {
            s,
            smtp,
            rp,
            client: client.id.0,
            secret: secret.unwrap(),
            alice,
        }
    }

    /// Send `b` to `/authorize` as the application does (PKCE S256, state,
    /// nonce; plus `extra` parameters) and wait for the sign-in page.
    pub async fn authorize(&self, b: &Browser, extra: &[(&str, &str)]) -> SignIn {
        self.authorize_to(b, extra, "/login?flow=").await
    }

    /// [`World::authorize`], waiting for the Latchkey page at `path`
    /// (`/consent?flow=` when the session answers but consent is due).
    pub async fn authorize_to(&self, b: &Browser, extra: &[(&str, &str)], path: &str) -> SignIn {
        let (verifier, challenge) = rp::pkce();
        let state = latchkey_core::id::random_hex(8);
        let nonce = latchkey_core::id::random_hex(8);
        let mut params = vec![
            ("redirect_uri", self.rp.callback.as_str()),
            ("state", state.as_str()),
            ("nonce", nonce.as_str()),
        ];
        params.extend_from_slice(extra);
        let url = rp::authorize_url(&self.s, &self.client, &challenge, &params);
        b.goto(&url).await;
        let page = format!("{}{path}", self.s.base);
        b.wait_for_url(path, |u| u.starts_with(&page)).await;
        SignIn {
            verifier,
            state,
            nonce,
        }
    }

    /// Wait until `b` is back at the application, take a snapshot there,
    /// redeem the code and return the verified ID token's claims.
    pub async fn back_at_rp(&self, b: &mut Browser, sign_in: &SignIn) -> Value {
        let callback = self.rp.callback.clone();
        let url = b
            .wait_for_url("the redirect back to the application", |u| {
                u.starts_with(&callback)
            })
            .await;
        b.snapshot("back-at-the-application").await;
        let params: std::collections::BTreeMap<String, String> = url::Url::parse(&url)
            .unwrap()
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        assert_eq!(params.get("state"), Some(&sign_in.state), "{url}");
        assert_eq!(params.get("iss"), Some(&self.s.base), "RFC 9207 iss: {url}");
        let code = params
            .get("code")
            .unwrap_or_else(|| panic!("no code in {url}"));
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", callback.as_str()),
            ("code_verifier", sign_in.verifier.as_str()),
        ];
        let auth = rp::basic(&self.client, &self.secret);
        let res = rp::post(&self.s, "/token", Some(&auth), &form).await;
        let status = res.status();
        let tokens: Value = res.json().await.unwrap();
        assert_eq!(status, 200, "{tokens}");
        let claims = self.verified(tokens["id_token"].as_str().unwrap()).await;
        assert_eq!(claims["nonce"], sign_in.nonce.as_str(), "{claims}");
        claims
    }

    /// The claims of `jwt` after checking its signature against the served
    /// JWKS, its issuer and its audience, as an application does.
    async fn verified(&self, jwt: &str) -> Value {
        let jwks: Value = self.s.get("/jwks").await.json().await.unwrap();
        let header = jsonwebtoken::decode_header(jwt).unwrap();
        let kid = header.kid.clone().unwrap();
        let jwk = jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kid"] == kid.as_str())
            .unwrap_or_else(|| panic!("no key {kid} in {jwks}"));
        let jwk: Jwk = serde_json::from_value(jwk.clone()).unwrap();
        let key = DecodingKey::from_jwk(&jwk).unwrap();
        let mut validation = Validation::new(header.alg);
        validation.set_audience(&[&self.client]);
        validation.set_issuer(&[&self.s.base]);
        jsonwebtoken::decode::<Value>(jwt, &key, &validation)
            .unwrap()
            .claims
    }

    /// A single-use enrollment link for `user`, as `latchkey user invite`
    /// issues it.
    pub async fn invite(&self, user: &User) -> String {
        let issued = issue(&user.id, 1, self.s.state.clock.now()).unwrap();
        self.s
            .state
            .db
            .create_invitation(&issued.invitation)
            .await
            .unwrap();
        issued.token
    }

    /// Enroll a passkey for `user` in `b`'s virtual authenticator on the
    /// invitation page (`/enroll?token=…`, as `latchkey user invite` links
    /// to it), then end the session the enrollment started, as a later
    /// visit finds it. The new credential's id.
    pub async fn enroll_in_browser(&self, b: &mut Browser, user: &User) -> String {
        let before = self.passkeys(user).await;
        let token = self.invite(user).await;
        b.goto(&format!("{}/enroll?token={token}", self.s.base))
            .await;
        b.wait_visible("#enroll-create").await;
        b.snapshot("enroll").await;
        b.click("#enroll-create").await;
        b.wait_for(
            "the invitation page to say the passkey was created",
            "!document.getElementById('enroll-done').hidden",
        )
        .await;
        b.snapshot("enrolled").await;
        b.clear_cookies().await;
        let mut created: Vec<String> = self.passkeys(user).await;
        created.retain(|id| !before.contains(id));
        assert_eq!(created.len(), 1, "one new passkey: {created:?}");
        created.remove(0)
    }

    /// The ids (base64url) of `user`'s stored passkeys.
    pub async fn passkeys(&self, user: &User) -> Vec<String> {
        self.s
            .state
            .db
            .credentials_for_user(&user.id)
            .await
            .unwrap()
            .iter()
            .map(|c| c.credential_id.to_base64url())
            .collect()
    }

    /// The sign-in code in the `n`th (0-based) email to Alice.
    pub async fn alice_code(&self, n: usize) -> String {
        code_in(&self.alice_mail(n).await)
    }

    /// The sign-in link in the `n`th (0-based) email to Alice.
    pub async fn alice_link(&self, n: usize) -> String {
        let text = self.alice_mail(n).await;
        let prefix = format!("{}/login/email-link?token=", self.s.base);
        let start = text
            .find(&prefix)
            .unwrap_or_else(|| panic!("no sign-in link in {text:?}"));
        text[start..]
            .split(|c: char| c.is_whitespace() || c == '>' || c == '"')
            .next()
            .unwrap()
            .to_owned()
    }

    /// The text of the `n`th (0-based) email to Alice, once it arrived.
    async fn alice_mail(&self, n: usize) -> String {
        let to = self.alice.email.clone().unwrap();
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let mails: Vec<_> = self
                .smtp
                .messages()
                .into_iter()
                .filter(|m| m.rcpt_to.iter().any(|r| r.eq_ignore_ascii_case(&to)))
                .collect();
            if let Some(mail) = mails.get(n) {
                return mail.text_body();
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no email #{n} to {to} within {WAIT:?}: {mails:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// An authorization request in flight.
#[derive(Debug)]
pub struct SignIn {
    pub verifier: String,
    pub state: String,
    pub nonce: String,
}

/// The test application's callback: an HTTP listener on a loopback port
/// that answers every request with a small "signed in" page (the test reads
/// the code from the browser's URL).
#[derive(Debug)]
pub struct TestRp {
    pub callback: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestRp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

const RP_PAGE: &str = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>Test application</title></head><body><main><h1>Test application</h1>\
<p>The sign-in came back to the application.</p></main></body></html>\n";

impl TestRp {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let callback = format!("http://{}/callback", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            while let Ok((mut conn, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut request = Vec::new();
                    let mut buf = [0u8; 4096];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                        match conn.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buf[..n]),
                        }
                    }
                    let (status, body) = if request.starts_with(b"GET /callback") {
                        ("200 OK", RP_PAGE)
                    } else {
                        ("404 Not Found", "")
                    };
                    let head = format!(
                        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\n\
                         Content-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = conn.write_all(head.as_bytes()).await;
                    let _ = conn.write_all(body.as_bytes()).await;
                    let _ = conn.shutdown().await;
                });
            }
        });
        Self { callback, task }
    }
}

/// The first run of exactly six digits in `text`: the code.
pub fn code_in(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    chars
        .windows(6)
        .enumerate()
        .find(|(i, w)| {
            w.iter().all(char::is_ascii_digit)
                && !(*i > 0 && chars[i - 1].is_ascii_digit())
                && chars.get(i + 6).is_none_or(|c| !c.is_ascii_digit())
        })
        .map(|(_, w)| w.iter().collect())
        .unwrap_or_else(|| panic!("no code in {text:?}"))
}

/// The user handle a discoverable credential of `user` carries: the 16
/// bytes of the UUID, base64 as `WebAuthn.getCredentials` reports it.
pub fn user_handle(user: &User) -> String {
    let hex: String = user.id.0.chars().filter(|c| *c != '-').collect();
    let bytes: Vec<u8> = (0..hex.len() / 2)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// `{"amr": …, "acr": …}` of a passkey sign-in on a device-bound
/// (not backup-eligible) passkey, as Chromium's virtual authenticator
/// creates them by default.
pub fn device_bound_passkey() -> Value {
    json!({ "amr": ["pop", "hwk", "user", "mfa"], "acr": "phr" })
}

/// The `amr` and `acr` of `claims`.
pub fn method_of(claims: &Value) -> Value {
    json!({ "amr": claims["amr"], "acr": claims["acr"] })
}

/// The id of a credential as `WebAuthn.getCredentials` reports it
/// (base64), in the base64url form Latchkey and `PublicKeyCredential.id`
/// use.
pub fn credential_id(held: &Value) -> String {
    let raw = base64::engine::general_purpose::STANDARD
        .decode(held["credentialId"].as_str().unwrap())
        .unwrap();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

/// Click `selector`, whose click opens a `confirm()` dialog, and accept the
/// dialog (CDP `Page.handleJavaScriptDialog`, answered as soon as it
/// shows). The question the element asks (its `data-confirm`).
pub async fn accept_next_dialog(b: &Browser, selector: &str) -> String {
    let question = b
        .eval(&format!(
            "document.querySelector({}).getAttribute('data-confirm')",
            json!(selector)
        ))
        .await
        .as_str()
        .unwrap_or_else(|| panic!("{selector} asks no question"))
        .to_owned();
    let accept = async {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            match b
                .try_call("Page.handleJavaScriptDialog", json!({ "accept": true }))
                .await
            {
                Ok(_) => return,
                Err(e) => assert!(
                    tokio::time::Instant::now() < deadline,
                    "no dialog after clicking {selector} within {WAIT:?}: {e}"
                ),
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::join!(b.click(selector), accept);
    question
}

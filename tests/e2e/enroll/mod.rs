//! Passkey enrollment over real HTTP: invitation links (`invite`) and the
//! signed-in account API (`account`), on both stacks.
//!
//! The authenticator is webauthn-authenticator-rs's `SoftPasskey`, playing
//! the browser's part the way `crates/passkey/tests/it/support.rs` does:
//! it cannot create discoverable credentials, so the copy of the options it
//! sees asks for `residentKey: "discouraged"` (after the tests check the
//! server asked for `required`). `residentKey` is covered by no signature,
//! so every server-side check runs unchanged.

mod account;
mod factors;
mod invite;
mod races;

use latchkey_core::User;
use latchkey_passkey::invitation::{InvitationRepo as _, issue};
use latchkey_passkey::webauthn::CreationChallengeResponse;
use reqwest::header::COOKIE;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;

use crate::support::TestServer;
use crate::support::browser::Browser;

/// A software authenticator (with user verification) on one device.
pub struct Soft(WebauthnAuthenticator<SoftPasskey>);

impl Soft {
    pub fn new() -> Self {
        Self(WebauthnAuthenticator::new(SoftPasskey::new(true)))
    }

    /// `navigator.credentials.create()` on `origin` with the `public_key`
    /// field of an options response; the response as the page would send it.
    pub fn create_on(&mut self, origin: &str, public_key: &Value) -> Value {
        let mut options = public_key.clone();
        let selection = &mut options["publicKey"]["authenticatorSelection"];
        assert_eq!(selection["residentKey"], "required");
        assert_eq!(selection["userVerification"], "required");
        selection["residentKey"] = json!("discouraged");
        selection["requireResidentKey"] = json!(false);
        let options: CreationChallengeResponse = serde_json::from_value(options).unwrap();
        let response = self
            .0
            .do_registration(url::Url::parse(origin).unwrap(), options)
            .unwrap();
        serde_json::to_value(response).unwrap()
    }

    /// [`Soft::create_on`] the server's own origin.
    pub fn create(&mut self, server: &TestServer, public_key: &Value) -> Value {
        self.create_on(&server.base, public_key)
    }

    /// `navigator.credentials.get()` on the server's origin with the
    /// `public_key` of an identifier-first options response (this soft
    /// authenticator's credentials are not discoverable, so it answers
    /// only when `allowCredentials` names one of them).
    pub fn get(&mut self, server: &TestServer, public_key: &Value) -> Value {
        let options: latchkey_passkey::webauthn::RequestChallengeResponse =
            serde_json::from_value(public_key.clone()).unwrap();
        let response = self
            .0
            .do_authentication(url::Url::parse(&server.base).unwrap(), options)
            .unwrap();
        serde_json::to_value(response).unwrap()
    }
}

/// `credential`, a registration response, with its attestation object
/// rewritten to the `none` format (WebAuthn L3 §8.7) carrying `donor`'s
/// authenticator data (and so its credential id and public key). A client
/// may convey any attestation as `none` when the RP asked for none (L3
/// §5.4.7), and `none` signs nothing over the client data, so this is what
/// anyone who saw the donor's registration can send.
pub fn with_credential_of(credential: &Value, donor: &Value) -> Value {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let b64 = |v: &Value| {
        let s = v.as_str().unwrap().trim_end_matches('=');
        URL_SAFE_NO_PAD.decode(s).unwrap()
    };
    let donor_object = b64(&donor["response"]["attestationObject"]);
    let auth_data = cbor_bytes_after(&donor_object, b"\x68authData");
    let mut object = vec![0xa3];
    object.extend(b"\x63fmt\x64none\x67attStmt\xa0\x68authData\x59");
    object.extend(u16::try_from(auth_data.len()).unwrap().to_be_bytes());
    object.extend(auth_data);
    let mut forged = credential.clone();
    forged["id"] = donor["id"].clone();
    forged["rawId"] = donor["rawId"].clone();
    forged["response"]["attestationObject"] = json!(URL_SAFE_NO_PAD.encode(object));
    forged
}

/// The CBOR byte string that follows `key` (a CBOR text string) in `cbor`.
fn cbor_bytes_after<'a>(cbor: &'a [u8], key: &[u8]) -> &'a [u8] {
    let at = cbor.windows(key.len()).position(|w| w == key).unwrap() + key.len();
    let (len, start) = match cbor[at] {
        h @ 0x40..=0x57 => (usize::from(h - 0x40), at + 1),
        0x58 => (usize::from(cbor[at + 1]), at + 2),
        0x59 => (
            usize::from(u16::from_be_bytes([cbor[at + 1], cbor[at + 2]])),
            at + 3,
        ),
        other => panic!("authData is not a short byte string (0x{other:02x})"),
    };
    &cbor[start..start + len]
}

/// A browser with a cookie jar, speaking JSON.
pub struct Page<'a> {
    pub server: &'a TestServer,
    pub browser: Browser,
    /// Sent as `X-Latchkey-CSRF` when set.
    pub csrf: Option<String>,
}

impl<'a> Page<'a> {
    pub fn new(server: &'a TestServer) -> Self {
        Self {
            server,
            browser: Browser::default(),
            csrf: None,
        }
    }

    /// Send `method path` with an optional JSON body; status and JSON body.
    pub async fn call(
        &mut self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .server
            .http
            .request(method, format!("{}{path}", self.server.base));
        if let Some(body) = body {
            req = req.json(&body);
        }
        self.send(req).await
    }

    /// Send a prepared request with this page's cookies and CSRF header.
    pub async fn send(&mut self, mut req: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let cookies: Vec<String> = self
            .browser
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if !cookies.is_empty() {
            req = req.header(COOKIE, cookies.join("; "));
        }
        if let Some(csrf) = &self.csrf {
            req = req.header("X-Latchkey-CSRF", csrf);
        }
        let res = req.send().await.unwrap();
        self.browser.absorb(&res);
        let status = res.status();
        let text = res.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
        (status, body)
    }

    pub async fn post(&mut self, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        self.call(Method::POST, path, body).await
    }

    /// Whether the browser holds a session cookie.
    pub fn signed_in(&self) -> bool {
        self.browser
            .cookies
            .contains_key(latchkey_server::session::SESSION_COOKIE)
    }

    /// `GET /api/account/passkeys`, remembering the CSRF token it returns.
    pub async fn passkeys(&mut self) -> (StatusCode, Value) {
        let (status, body) = self.call(Method::GET, "/api/account/passkeys", None).await;
        if status == StatusCode::OK {
            self.csrf = Some(body["csrf_token"].as_str().unwrap().to_owned());
        }
        (status, body)
    }

    /// Enroll through an invitation link with `soft`: options, create,
    /// finish. Returns the finish response and the credential sent.
    pub async fn enroll(
        &mut self,
        token: &str,
        soft: &mut Soft,
        name: Option<&str>,
    ) -> (StatusCode, Value, Value) {
        let (status, started) = self
            .post(&format!("/api/enroll/{token}/options"), None)
            .await;
        if status != StatusCode::OK {
            return (status, started, Value::Null);
        }
        let credential = soft.create(self.server, &started["public_key"]);
        let (status, body) = self.finish_enroll(token, &started, &credential, name).await;
        (status, body, credential)
    }

    /// `POST /api/enroll/{token}/finish` for an options response `started`.
    pub async fn finish_enroll(
        &mut self,
        token: &str,
        started: &Value,
        credential: &Value,
        name: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut body = json!({
            "registration_id": started["registration_id"],
            "credential": credential,
        });
        if let Some(name) = name {
            body["friendly_name"] = json!(name);
        }
        let (status, res) = self
            .post(&format!("/api/enroll/{token}/finish"), Some(body))
            .await;
        if status == StatusCode::CREATED {
            self.csrf = Some(res["csrf_token"].as_str().unwrap().to_owned());
        }
        (status, res)
    }

    /// Add a passkey through the account API with `soft`.
    pub async fn add_passkey(
        &mut self,
        soft: &mut Soft,
        name: Option<&str>,
    ) -> (StatusCode, Value) {
        let (status, started) = self.post("/api/account/passkeys/options", None).await;
        assert_eq!(status, StatusCode::OK, "{started}");
        let credential = soft.create(self.server, &started["public_key"]);
        let mut body = json!({
            "registration_id": started["registration_id"],
            "credential": credential,
        });
        if let Some(name) = name {
            body["friendly_name"] = json!(name);
        }
        self.post("/api/account/passkeys/finish", Some(body)).await
    }
}

/// Issue an invitation for `user` the way `latchkey user invite` does, on
/// the server's clock; returns the token.
pub async fn invite(server: &TestServer, user: &User, ttl_hours: u32) -> String {
    let issued = issue(&user.id, ttl_hours, server.state.clock.now()).unwrap();
    server
        .state
        .db
        .create_invitation(&issued.invitation)
        .await
        .unwrap();
    issued.token
}

/// A new user enrolled through an invitation, signed in on `page`, with the
/// CSRF token at hand. Returns the user and the credential id.
pub async fn enrolled(page: &mut Page<'_>, soft: &mut Soft, name: &str) -> (User, String) {
    let user = page.server.user(name).await;
    let token = invite(page.server, &user, 72).await;
    let (status, body, _) = page.enroll(&token, soft, None).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["credential"]["id"].as_str().unwrap().to_owned();
    (user, id)
}

/// How many passkeys `user` has in the database.
pub async fn stored(server: &TestServer, user: &User) -> usize {
    use latchkey_passkey::CredentialRepo as _;
    server
        .state
        .db
        .credentials_for_user(&user.id)
        .await
        .unwrap()
        .len()
}

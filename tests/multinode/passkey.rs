//! The device: webauthn-authenticator-rs's `SoftPasskey` and the
//! browser's WebAuthn part, for passkeys enrolled over HTTP.
//!
//! A thin variant of `tests/e2e/support/authenticator.rs` (which registers
//! in-process through a `TestServer`): `SoftPasskey` keeps no discoverable
//! credentials, so, as there, the copy of the creation options it sees
//! relaxes `residentKey` (after checking the server asked for `required`),
//! and a usernameless request is answered the way the browser's account
//! picker would: the chosen credential put into `allowCredentials` and the
//! user handle a discoverable credential returns set (WebAuthn L3 §6.3.3).
//! Neither value is covered by a signature; every server check runs.

use latchkey_passkey::webauthn::{CreationChallengeResponse, RequestChallengeResponse};
use serde_json::{Value, json};
use url::Url;
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;

/// One device holding one passkey, in a browser at the issuer's origin
/// (whichever node served the page: they are one site).
pub struct Passkey {
    inner: WebauthnAuthenticator<SoftPasskey>,
    origin: Url,
    /// The credential id (base64url) once created.
    pub credential_id: String,
    /// The WebAuthn user handle: the 16 bytes of the user's UUID.
    user_handle: Vec<u8>,
}

impl std::fmt::Debug for Passkey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Passkey")
            .field("origin", &self.origin.as_str())
            .field("credential_id", &self.credential_id)
            .finish_non_exhaustive()
    }
}

impl Passkey {
    /// A device that verifies its user, at `issuer`'s origin.
    pub fn new(issuer: &str) -> Self {
        Self {
            inner: WebauthnAuthenticator::new(SoftPasskey::new(true)),
            origin: Url::parse(issuer).expect("issuer URL"),
            credential_id: String::new(),
            user_handle: Vec::new(),
        }
    }

    /// `navigator.credentials.create()` with the `public_key` of an
    /// enrollment options response; the credential JSON the page sends.
    pub fn create(&mut self, public_key: &Value) -> Value {
        let mut options = public_key.clone();
        let selection = &mut options["publicKey"]["authenticatorSelection"];
        assert_eq!(selection["residentKey"], "required", "{public_key}");
        selection["residentKey"] = json!("discouraged");
        selection["requireResidentKey"] = json!(false);
        let options: CreationChallengeResponse =
            serde_json::from_value(options).expect("creation options");
        let response = self
            .inner
            .do_registration(self.origin.clone(), options)
            .expect("the soft authenticator creates a passkey");
        let credential = serde_json::to_value(response).expect("credential JSON");
        self.credential_id = credential["id"].as_str().expect("id").to_owned();
        let user_id = public_key["publicKey"]["user"]["id"]
            .as_str()
            .expect("user.id");
        self.user_handle = b64url(user_id);
        credential
    }

    /// `navigator.credentials.get()` with the `public_key` of a sign-in
    /// options response; the assertion JSON the page sends to verify.
    pub fn get(&mut self, public_key: &Value) -> Value {
        let discoverable = public_key["publicKey"]["allowCredentials"]
            .as_array()
            .is_none_or(Vec::is_empty);
        let mut options = public_key.clone();
        if discoverable {
            options["publicKey"]["allowCredentials"] =
                json!([{"type": "public-key", "id": self.credential_id}]);
        }
        let options: RequestChallengeResponse =
            serde_json::from_value(options).expect("request options");
        let mut response = self
            .inner
            .do_authentication(self.origin.clone(), options)
            .expect("the soft authenticator holds an allowed passkey");
        if discoverable {
            response.response.user_handle = Some(self.user_handle.clone().into());
        }
        serde_json::to_value(response).expect("assertion JSON")
    }
}

fn b64url(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s.trim_end_matches('='))
        .expect("base64url")
}

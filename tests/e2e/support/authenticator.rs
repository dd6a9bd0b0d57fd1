//! A passkey authenticator and the browser's WebAuthn part, for sign-in
//! tests over HTTP, on webauthn-authenticator-rs's `SoftPasskey`.
//!
//! `SoftPasskey` keeps no discoverable credentials: it refuses
//! `residentKey: "required"`, cannot answer a request with an empty
//! `allowCredentials`, and sends no user handle. As in the passkey crate's
//! own tests (`crates/passkey/tests/it/support.rs`), this helper plays the
//! part of a discoverable-capable browser where needed: it relaxes
//! `residentKey` in the copy of the creation options the authenticator sees
//! (after checking the server asked for `required`), answers a usernameless
//! request by putting the chosen credential into the request (what the
//! account picker does) and sets the user handle a discoverable credential
//! returns (WebAuthn L3 §6.3.3). Neither value is covered by a signature,
//! so every server-side check runs unchanged.
//!
//! Registration happens in-process through the server's own
//! `PasskeyService` and database (enrollment over HTTP is tested
//! elsewhere); sign-in goes over HTTP.

use latchkey_core::{UnixTime, User};
use latchkey_passkey::webauthn::{
    CreationChallengeResponse, RegisterPublicKeyCredential, RequestChallengeResponse,
};
use latchkey_passkey::{CredentialRepo as _, PasskeyCredential, RegistrationContext};
use serde_json::{Value, json};
use url::Url;
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;

use super::TestServer;

/// One device holding passkeys, and the browser on it.
pub struct Authenticator {
    inner: WebauthnAuthenticator<SoftPasskey>,
    /// The origin the browser puts into `clientDataJSON`.
    pub origin: Url,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("origin", &self.origin.as_str())
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    /// A device that performs user verification, in a browser at the
    /// server's issuer origin.
    pub fn new(server: &TestServer) -> Self {
        Self {
            inner: WebauthnAuthenticator::new(SoftPasskey::new(true)),
            origin: server.state.config.issuer.clone(),
        }
    }

    /// Create a passkey for `user` and store it, as enrollment would. The
    /// browser reports the transports a platform passkey has
    /// (`["hybrid", "internal"]`, L3 §5.2.1).
    pub async fn register(&mut self, server: &TestServer, user: &User) -> PasskeyCredential {
        let svc = &server.state.passkeys;
        let existing = server
            .state
            .db
            .credentials_for_user(&user.id)
            .await
            .unwrap();
        let (options, state) = svc.start_registration(user, &existing).unwrap();
        let response = self
            .inner
            .do_registration(self.origin.clone(), soft_creation(&options))
            .unwrap();
        let mut json = serde_json::to_value(&response).unwrap();
        json["response"]["transports"] = json!(["hybrid", "internal"]);
        let response: RegisterPublicKeyCredential = serde_json::from_value(json).unwrap();
        let context = RegistrationContext {
            now: UnixTime(1_000),
            user_agent: Some("Mozilla/5.0 (e2e)".into()),
            friendly_name: None,
        };
        let credential = svc.finish_registration(&response, &state, context).unwrap();
        server
            .state
            .db
            .insert_credential(&credential)
            .await
            .unwrap();
        credential
    }

    /// Answer the `public_key` of an options response (a
    /// `RequestChallengeResponse` as JSON) with `credential`: for
    /// usernameless options the picker chooses it and the user handle is
    /// set; for identifier-first options the authenticator answers as
    /// asked. Returns the `PublicKeyCredential` JSON to send to verify.
    pub fn answer(&mut self, public_key: &Value, credential: &PasskeyCredential) -> Value {
        let discoverable = public_key["publicKey"]["allowCredentials"]
            .as_array()
            .is_none_or(Vec::is_empty);
        let mut options = public_key.clone();
        if discoverable {
            options["publicKey"]["allowCredentials"] = json!([
                {"type": "public-key", "id": credential.credential_id.to_base64url()}
            ]);
        }
        let options: RequestChallengeResponse = serde_json::from_value(options).unwrap();
        let mut response = self
            .inner
            .do_authentication(self.origin.clone(), options)
            .expect("the authenticator holds an allowed credential");
        if discoverable {
            let handle = uuid_bytes(&credential.user_id.0);
            response.response.user_handle = Some(handle.into());
        }
        serde_json::to_value(&response).unwrap()
    }

    /// Answer identifier-first options as a hostile client would: sign the
    /// challenge with `credential` whatever `allowCredentials` says.
    pub fn answer_with(&mut self, public_key: &Value, credential: &PasskeyCredential) -> Value {
        let mut options = public_key.clone();
        options["publicKey"]["allowCredentials"] = json!([]);
        self.answer(&options, credential)
    }

    /// Whether the authenticator finds a credential for these options (a
    /// browser would reject with `NotAllowedError` when it does not).
    pub fn can_answer(&mut self, public_key: &Value) -> bool {
        let options: RequestChallengeResponse = serde_json::from_value(public_key.clone()).unwrap();
        self.inner
            .do_authentication(self.origin.clone(), options)
            .is_ok()
    }
}

/// The options as `SoftPasskey` can take them (see the module comment).
fn soft_creation(options: &CreationChallengeResponse) -> CreationChallengeResponse {
    let mut json = serde_json::to_value(options).unwrap();
    let selection = &mut json["publicKey"]["authenticatorSelection"];
    assert_eq!(selection["residentKey"], "required");
    selection["residentKey"] = json!("discouraged");
    selection["requireResidentKey"] = json!(false);
    serde_json::from_value(json).unwrap()
}

fn uuid_bytes(id: &str) -> Vec<u8> {
    let hex: String = id.chars().filter(|c| *c != '-').collect();
    assert_eq!(hex.len(), 32, "user ids are UUIDs");
    (0..16)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

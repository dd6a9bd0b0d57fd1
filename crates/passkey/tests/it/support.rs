//! Shared helpers. Ceremony state always makes the round trip through JSON,
//! as it does through the ephemeral store.
//!
//! `SoftPasskey` keeps no discoverable credentials: it refuses
//! `residentKey: "required"` (`NotSupported`), cannot answer a request with
//! an empty `allowCredentials`, and sends no user handle. The tests therefore
//! play the part of a discoverable-capable browser and authenticator where
//! needed: [`soft_creation`] relaxes `residentKey` in the copy of the options
//! the authenticator sees (after the tests check the server asked for
//! `required`), and [`answer_discoverable`] puts the chosen credential into
//! the request (what the account picker does) and sets the user handle a
//! discoverable credential returns (WebAuthn L3 §6.3.3). The server keeps the
//! real state throughout; `residentKey` and the user handle are not covered
//! by any signature, so every server-side check runs unchanged.

use latchkey_core::{UnixTime, User, UserId, UserStatus};
use latchkey_passkey::webauthn::{
    CreationChallengeResponse, PublicKeyCredential, RequestChallengeResponse,
};
use latchkey_passkey::{
    AuthenticationState, PasskeyConfig, PasskeyCredential, PasskeyService, RegistrationContext,
    RegistrationState,
};
use serde_json::json;
use url::Url;
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;

pub type Authenticator = WebauthnAuthenticator<SoftPasskey>;

pub fn origin() -> Url {
    Url::parse("http://localhost:8080").unwrap()
}

pub fn service() -> PasskeyService {
    PasskeyService::new(PasskeyConfig::new("localhost", origin(), "Latchkey")).unwrap()
}

/// An authenticator that performs user verification.
pub fn authenticator() -> Authenticator {
    WebauthnAuthenticator::new(SoftPasskey::new(true))
}

pub fn user(name: &str) -> User {
    User {
        id: UserId(latchkey_core::id::new_uuid()),
        username: name.into(),
        email: None,
        email_verified: false,
        display_name: name.into(),
        status: UserStatus::Active,
        created_at: UnixTime(1),
    }
}

pub fn context() -> RegistrationContext {
    RegistrationContext {
        now: UnixTime(1_000),
        user_agent: Some("Mozilla/5.0 (test)".into()),
        friendly_name: None,
    }
}

pub fn via_json<T: serde::Serialize + serde::de::DeserializeOwned>(state: &T) -> T {
    serde_json::from_str(&serde_json::to_string(state).unwrap()).unwrap()
}

/// The creation options as `SoftPasskey` can take them (see the module comment).
pub fn soft_creation(options: &CreationChallengeResponse) -> CreationChallengeResponse {
    let mut json = serde_json::to_value(options).unwrap();
    assert_eq!(
        json["publicKey"]["authenticatorSelection"]["residentKey"],
        "required"
    );
    json["publicKey"]["authenticatorSelection"]["residentKey"] = json!("discouraged");
    json["publicKey"]["authenticatorSelection"]["requireResidentKey"] = json!(false);
    serde_json::from_value(json).unwrap()
}

pub fn register(svc: &PasskeyService, auth: &mut Authenticator, u: &User) -> PasskeyCredential {
    let (options, state) = svc.start_registration(u, &[]).unwrap();
    let state: RegistrationState = via_json(&state);
    let response = auth
        .do_registration(origin(), soft_creation(&options))
        .unwrap();
    svc.finish_registration(&response, &state, context())
        .unwrap()
}

/// The browser's part of a usernameless sign-in (see the module comment).
pub fn answer_discoverable(
    auth: &mut Authenticator,
    mut options: RequestChallengeResponse,
    credential: &PasskeyCredential,
    handle_of: &UserId,
) -> PublicKeyCredential {
    options.public_key.allow_credentials = serde_json::from_value(json!([
        {"type": "public-key", "id": credential.credential_id.to_base64url()}
    ]))
    .unwrap();
    let mut response = auth.do_authentication(origin(), options).unwrap();
    let handle = uuid::Uuid::parse_str(&handle_of.0).unwrap();
    response.response.user_handle = Some(handle.as_bytes().to_vec().into());
    response
}

pub fn identified(
    svc: &PasskeyService,
    auth: &mut Authenticator,
    credential: &PasskeyCredential,
) -> (PublicKeyCredential, AuthenticationState) {
    let (options, state) = svc
        .start_identified_authentication(&credential.user_id, std::slice::from_ref(credential))
        .unwrap();
    let response = auth.do_authentication(origin(), options).unwrap();
    (response, via_json(&state))
}

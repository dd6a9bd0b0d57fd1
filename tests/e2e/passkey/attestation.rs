//! `acr=phrh` from attestation (`[passkeys]` attestation policy), end to
//! end on both stacks, with webauthn-authenticator-rs's `SoftToken`: a
//! software security key that signs a `packed` attestation with a CA of its
//! own, which `SoftToken::new` hands back so a test can trust it.
//!
//! - the token's CA and AAGUID trusted → the credential is recorded as
//!   hardware-attested and an identifier-first sign-in with
//!   `acr_values=phrh` yields `acr=phrh`, `amr` with `hwk`;
//! - another CA trusted → the token (and an unattested passkey) cannot
//!   register, and nothing is stored;
//! - no policy (the default) → the token registers as an ordinary passkey
//!   and `acr_values=phrh` ends in `unmet_authentication_requirements`.
//!
//! A synced (backup-eligible) credential is never `phrh` even when attested;
//! neither software authenticator sets BE, so that rule is proven by the
//! passkey crate's unit tests (`auth_method`).

use latchkey_core::{UnixTime, User};
use latchkey_passkey::webauthn::{
    CreationChallengeResponse, RegisterPublicKeyCredential, RequestChallengeResponse,
};
use latchkey_passkey::{
    CeremonyError, CredentialRepo as _, PasskeyCredential, PasskeyFailure, RegistrationContext,
};
use serde_json::{Value, json};
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_authenticator_rs::softtoken::{AAGUID, SoftToken};

use super::*;

/// A security key with its attestation CA as PEM.
struct Token {
    inner: WebauthnAuthenticator<SoftToken>,
    ca_pem: Vec<u8>,
}

impl Token {
    fn new() -> Self {
        let (token, ca) = SoftToken::new(true).unwrap();
        Self {
            inner: WebauthnAuthenticator::new(token),
            ca_pem: ca.to_pem().unwrap(),
        }
    }

    /// Register in-process, as `support::authenticator` does; the result of
    /// the server's `finish_registration`, stored when it succeeded.
    async fn register(
        &mut self,
        s: &TestServer,
        user: &User,
    ) -> Result<PasskeyCredential, CeremonyError> {
        let svc = &s.state.passkeys;
        let (options, state) = svc.start_registration(user, &[]).unwrap();
        let response = self
            .inner
            .do_registration(s.state.config.issuer.clone(), creation(&options))
            .unwrap();
        let response: RegisterPublicKeyCredential =
            serde_json::from_value(serde_json::to_value(&response).unwrap()).unwrap();
        let context = RegistrationContext {
            now: UnixTime(1_000),
            user_agent: None,
            friendly_name: None,
        };
        let credential = svc.finish_registration(&response, &state, context)?;
        s.state.db.insert_credential(&credential).await.unwrap();
        Ok(credential)
    }

    /// Answer identifier-first options.
    fn answer(&mut self, s: &TestServer, public_key: &Value) -> Value {
        let options: RequestChallengeResponse = serde_json::from_value(public_key.clone()).unwrap();
        let response = self
            .inner
            .do_authentication(s.state.config.issuer.clone(), options)
            .unwrap();
        serde_json::to_value(&response).unwrap()
    }
}

/// The creation options with `residentKey` relaxed, as
/// `support::authenticator` does for its software authenticator (the
/// attestation and every signed field are unchanged).
fn creation(options: &CreationChallengeResponse) -> CreationChallengeResponse {
    let mut json = serde_json::to_value(options).unwrap();
    let selection = &mut json["publicKey"]["authenticatorSelection"];
    assert_eq!(selection["residentKey"], "required");
    selection["residentKey"] = json!("discouraged");
    selection["requireResidentKey"] = json!(false);
    serde_json::from_value(json).unwrap()
}

/// A server whose policy trusts `ca_pem` for the token's AAGUID.
async fn server_trusting(
    stack: Stack,
    test: &str,
    ca_pem: &[u8],
) -> Option<(TestServer, tempfile::TempDir)> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("attestation-root.pem");
    std::fs::write(&path, ca_pem).unwrap();
    let options = Options {
        env: vec![
            (
                "LATCHKEY_PASSKEYS__ATTESTATION_CA_FILES",
                path.display().to_string(),
            ),
            ("LATCHKEY_PASSKEYS__AAGUID_ALLOW_LIST", AAGUID.to_string()),
        ],
        ..Options::default()
    };
    let s = TestServer::start_with(stack, test, options).await?;
    Some((s, dir))
}

/// Identifier-first sign-in of `user` with `acr_values=phrh`; the
/// client's redirect's query: `code` (redeemed: the ID token's claims under
/// `"id_token"`) or `error`.
async fn sign_in_phrh(s: &TestServer, user: &User, token: &mut Token) -> Value {
    let (client, secret) = s.confidential_client().await;
    let mut b = Browser::default();
    let flow = start_flow(s, &mut b, &client.id.0, &[("acr_values", "phrh")]).await;
    identify(s, &mut b, &flow, &user.username).await;
    let (ceremony, public_key) = options(s, &mut b, &flow, "modal").await;
    let assertion = token.answer(s, &public_key);
    let (status, body) = answer(verify(s, &mut b, &flow, &ceremony, &assertion).await).await;
    assert_eq!(status, 200, "{body}");
    let back = location(&b.get(s, body["redirect_to"].as_str().unwrap()).await);
    assert!(back.starts_with(REDIRECT_URI), "{back}");
    let params = query(&back);
    if let Some(error) = params.get("error") {
        return json!({ "error": error });
    }
    let res = rp::exchange(s, &client.id.0, &secret, &params["code"], &flow.verifier).await;
    assert_eq!(res.status(), 200);
    let tokens: Value = res.json().await.unwrap();
    json!({ "id_token": claims(tokens["id_token"].as_str().unwrap()) })
}

async fn attested_security_key_earns_phrh(stack: Stack, test: &str) {
    let mut token = Token::new();
    let Some((s, _dir)) = server_trusting(stack, test, &token.ca_pem.clone()).await else {
        return;
    };
    let alice = s.user("alice").await;
    let key = token.register(&s, &alice).await.unwrap();
    assert!(key.hardware_attested, "{key:?}");
    assert!(!key.backup_eligible);
    assert_eq!(key.aaguid, AAGUID);
    let stored = s.state.db.credential_by_id(&key.credential_id).await;
    assert!(
        stored.unwrap().unwrap().hardware_attested,
        "the flag is stored"
    );

    let result = sign_in_phrh(&s, &alice, &mut token).await;
    let id_token = &result["id_token"];
    assert_eq!(id_token["acr"], "phrh", "{result}");
    assert_eq!(id_token["amr"], json!(["pop", "hwk", "user", "mfa"]));
    assert_eq!(id_token["sub"], alice.id.0.as_str());
}

async fn untrusted_attestation_cannot_register(stack: Stack, test: &str) {
    let mut token = Token::new();
    let other = Token::new();
    let Some((s, _dir)) = server_trusting(stack, test, &other.ca_pem).await else {
        return;
    };
    let alice = s.user("alice").await;
    let err = token.register(&s, &alice).await.unwrap_err();
    assert!(
        matches!(err, CeremonyError::AttestationRejected(_)),
        "{err:?}"
    );
    assert_eq!(err.failure(), PasskeyFailure::NotSupported);
    // A passkey without attestation is refused as well under the policy.
    let mut plain = WebauthnAuthenticator::new(SoftPasskey::new(true));
    let (options, state) = s.state.passkeys.start_registration(&alice, &[]).unwrap();
    let response = plain
        .do_registration(s.state.config.issuer.clone(), creation(&options))
        .unwrap();
    let context = RegistrationContext {
        now: UnixTime(1_000),
        user_agent: None,
        friendly_name: None,
    };
    let err = s
        .state
        .passkeys
        .finish_registration(&response, &state, context)
        .unwrap_err();
    assert!(
        matches!(err, CeremonyError::AttestationRejected(_)),
        "{err:?}"
    );
    assert_eq!(
        s.state
            .db
            .count_credentials_for_user(&alice.id)
            .await
            .unwrap(),
        0,
        "nothing is stored"
    );
}

async fn without_policy_nothing_is_phrh(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let mut token = Token::new();
    let alice = s.user("alice").await;
    let key = token.register(&s, &alice).await.unwrap();
    assert!(!key.hardware_attested, "no policy, no attestation: {key:?}");
    let result = sign_in_phrh(&s, &alice, &mut token).await;
    assert_eq!(
        result["error"], "unmet_authentication_requirements",
        "{result}"
    );
}

crate::stack_tests!(
    attested_security_key_earns_phrh,
    untrusted_attestation_cannot_register,
    without_policy_nothing_is_phrh,
);

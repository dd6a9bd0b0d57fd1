//! The ceremonies working as intended.

use latchkey_core::UnixTime;
use latchkey_oidc::AuthMethod;
use latchkey_passkey::webauthn::CreationChallengeResponse;
use latchkey_passkey::{
    AuthenticationState, CeremonyError, Mediation, PasskeyCredential, RegistrationContext,
};
use serde_json::json;

use crate::support::*;

#[test]
fn registration_options_ask_for_a_discoverable_verified_passkey() {
    let svc = service();
    let (mut auth, alice) = (authenticator(), user("alice"));
    let existing = register(&svc, &mut auth, &alice);
    let (options, _) = svc
        .start_registration(&alice, std::slice::from_ref(&existing))
        .unwrap();
    let json = serde_json::to_value(&options).unwrap();
    let pk = &json["publicKey"];
    assert_eq!(pk["rp"]["id"], "localhost");
    assert_eq!(pk["authenticatorSelection"]["residentKey"], "required");
    assert_eq!(pk["authenticatorSelection"]["requireResidentKey"], true);
    assert_eq!(pk["authenticatorSelection"]["userVerification"], "required");
    assert_eq!(pk["attestation"], "none");
    assert_eq!(pk["timeout"], 300_000);
    assert_eq!(
        pk["excludeCredentials"][0]["id"],
        existing.credential_id.to_base64url()
    );
    let _: CreationChallengeResponse = serde_json::from_value(json).unwrap();
}

#[test]
fn registration_builds_the_credential_record() {
    let svc = service();
    let (mut auth, alice) = (authenticator(), user("alice"));
    let c = register(&svc, &mut auth, &alice);
    assert_eq!(c.user_id, alice.id);
    assert!(!c.credential_id.as_bytes().is_empty());
    // SoftPasskey is device-bound, keeps a counter from 0 and sends a nil AAGUID.
    assert!(!c.backup_eligible && !c.backup_state);
    assert_eq!(c.counter, 0);
    assert_eq!(c.aaguid, uuid::Uuid::nil());
    assert_eq!(c.friendly_name, latchkey_passkey::GENERIC_NAME);
    assert_eq!(c.created_at, UnixTime(1_000));
    assert_eq!(c.last_used_at, None);
    assert_eq!(c.user_agent.as_deref(), Some("Mozilla/5.0 (test)"));
    let record: PasskeyCredential = via_json(&c);
    assert_eq!(record, c);
}

#[test]
fn a_chosen_friendly_name_is_kept_and_checked() {
    let svc = service();
    let (mut auth, alice) = (authenticator(), user("alice"));
    for (name, ok) in [(" Laptop ", true), ("bad\u{7}name", false)] {
        let (options, state) = svc.start_registration(&alice, &[]).unwrap();
        let response = auth
            .do_registration(origin(), soft_creation(&options))
            .unwrap();
        let ctx = RegistrationContext {
            friendly_name: Some(name.into()),
            ..context()
        };
        let result = svc.finish_registration(&response, &state, ctx);
        assert_eq!(result.is_ok(), ok, "{name:?}");
        if let Ok(c) = result {
            assert_eq!(c.friendly_name, "Laptop");
        }
    }
}

#[test]
fn usernameless_sign_in_with_autofill_and_with_a_button() {
    let svc = service();
    let (mut auth, alice) = (authenticator(), user("alice"));
    let mut c = register(&svc, &mut auth, &alice);
    for (mediation, wire) in [
        (Mediation::Conditional, json!("conditional")),
        (Mediation::Modal, serde_json::Value::Null),
    ] {
        let (options, state) = svc.start_discoverable_authentication(mediation).unwrap();
        let json = serde_json::to_value(&options).unwrap();
        assert_eq!(json.get("mediation").cloned().unwrap_or_default(), wire);
        assert_eq!(json["publicKey"]["allowCredentials"], json!([]));
        let state: AuthenticationState = via_json(&state);
        let response = answer_discoverable(&mut auth, options, &c, &alice.id);
        let presented = svc.presented_credential(&response).unwrap();
        assert_eq!(presented.credential_id, c.credential_id);
        assert_eq!(presented.user_handle.as_ref(), Some(&alice.id));
        let outcome = svc.finish_authentication(&response, state, &c).unwrap();
        assert_eq!(outcome.user_id, alice.id);
        assert!(outcome.counter > c.counter);
        assert_eq!(outcome.auth_method(), AuthMethod::PasskeyDeviceBound);
        let result = outcome.authn_result(UnixTime(2_000));
        assert_eq!(result.subject, alice.id);
        assert_eq!(result.methods, vec![AuthMethod::PasskeyDeviceBound]);
        let usage = outcome.credential_use(UnixTime(2_000));
        c.counter = usage.counter;
        c.passkey = usage.passkey;
    }
}

#[test]
fn identifier_first_sign_in_offers_the_users_credentials() {
    let svc = service();
    let (mut auth, alice) = (authenticator(), user("alice"));
    let c = register(&svc, &mut auth, &alice);
    let (options, state) = svc
        .start_identified_authentication(&alice.id, std::slice::from_ref(&c))
        .unwrap();
    let json = serde_json::to_value(&options).unwrap();
    assert_eq!(
        json["publicKey"]["allowCredentials"][0]["id"],
        c.credential_id.to_base64url()
    );
    assert_eq!(json["publicKey"]["userVerification"], "required");
    let response = auth.do_authentication(origin(), options).unwrap();
    let outcome = svc
        .finish_authentication(&response, via_json(&state), &c)
        .unwrap();
    assert_eq!(outcome.user_id, alice.id);
    assert_eq!(outcome.counter, 1);
}

#[test]
fn identifier_first_needs_credentials_of_that_user() {
    let svc = service();
    let (mut auth, alice, bob) = (authenticator(), user("alice"), user("bob"));
    let c = register(&svc, &mut auth, &alice);
    let err = svc
        .start_identified_authentication(&bob.id, &[])
        .unwrap_err();
    assert!(matches!(err, CeremonyError::NoCredentials), "{err:?}");
    // Alice's credential is never offered for Bob.
    let err = svc
        .start_identified_authentication(&bob.id, std::slice::from_ref(&c))
        .unwrap_err();
    assert!(matches!(err, CeremonyError::NoCredentials), "{err:?}");
}

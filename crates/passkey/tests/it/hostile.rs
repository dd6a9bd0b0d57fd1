//! Hostile and broken inputs: each is refused, with the reason the user sees.

use latchkey_passkey::{
    AuthenticationState, CeremonyError, CredentialIdError, Mediation, PasskeyCredential,
    PasskeyFailure, PasskeyService,
};
use url::Url;
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;

use crate::support::*;

fn setup() -> (PasskeyService, Authenticator, PasskeyCredential) {
    let svc = service();
    let mut auth = authenticator();
    let c = register(&svc, &mut auth, &user("alice"));
    (svc, auth, c)
}

fn assert_failure(result: Result<impl std::fmt::Debug, CeremonyError>, want: PasskeyFailure) {
    let err = result.expect_err("must be refused");
    assert_eq!(err.failure(), want, "{err:?}");
}

#[test]
fn registration_response_checked_against_another_ceremony_fails() {
    let svc = service();
    let (mut auth, alice) = (authenticator(), user("alice"));
    let (options, _mine) = svc.start_registration(&alice, &[]).unwrap();
    let (_, other) = svc.start_registration(&alice, &[]).unwrap();
    let response = auth
        .do_registration(origin(), soft_creation(&options))
        .unwrap();
    let result = svc.finish_registration(&response, &via_json(&other), context());
    assert_failure(result, PasskeyFailure::VerificationFailed);
}

#[test]
fn assertion_checked_against_another_ceremony_fails() {
    let (svc, mut auth, c) = setup();
    let (response, _mine) = identified(&svc, &mut auth, &c);
    let (_, other) = svc
        .start_identified_authentication(&c.user_id, std::slice::from_ref(&c))
        .unwrap();
    assert_failure(
        svc.finish_authentication(&response, via_json(&other), &c),
        PasskeyFailure::VerificationFailed,
    );
    let (options, _mine) = svc
        .start_discoverable_authentication(Mediation::Modal)
        .unwrap();
    let (_, other) = svc
        .start_discoverable_authentication(Mediation::Modal)
        .unwrap();
    let response = answer_discoverable(&mut auth, options, &c, &c.user_id);
    assert_failure(
        svc.finish_authentication(&response, via_json(&other), &c),
        PasskeyFailure::VerificationFailed,
    );
}

#[test]
fn wrong_origin_is_a_security_error() {
    let evil = Url::parse("http://localhost:9999").unwrap();
    let svc = service();
    let (mut auth, alice) = (authenticator(), user("alice"));
    let (options, state) = svc.start_registration(&alice, &[]).unwrap();
    let response = auth
        .do_registration(evil.clone(), soft_creation(&options))
        .unwrap();
    assert_failure(
        svc.finish_registration(&response, &state, context()),
        PasskeyFailure::SecurityError,
    );

    let c = register(&svc, &mut auth, &alice);
    let (options, state) = svc
        .start_identified_authentication(&c.user_id, std::slice::from_ref(&c))
        .unwrap();
    let response = auth.do_authentication(evil, options).unwrap();
    assert_failure(
        svc.finish_authentication(&response, state, &c),
        PasskeyFailure::SecurityError,
    );
}

#[test]
fn replayed_assertion_is_refused() {
    let (svc, mut auth, mut c) = setup();
    let (response, state) = identified(&svc, &mut auth, &c);
    let outcome = svc
        .finish_authentication(&response, state.clone(), &c)
        .unwrap();
    let usage = outcome.credential_use(latchkey_core::UnixTime(5));
    (c.counter, c.passkey) = (usage.counter, usage.passkey);

    // Against a fresh ceremony: the challenge differs.
    let (_, fresh) = svc
        .start_identified_authentication(&c.user_id, std::slice::from_ref(&c))
        .unwrap();
    assert_failure(
        svc.finish_authentication(&response, fresh, &c),
        PasskeyFailure::VerificationFailed,
    );
    // Against the same state, had it not been taken out of the store: only
    // the stored counter stops it (and nothing would stop it for a passkey
    // without a counter, which is why state is taken atomically, once).
    let err = svc.finish_authentication(&response, state, &c).unwrap_err();
    assert!(
        matches!(
            err,
            CeremonyError::CounterRegressed {
                stored: 1,
                presented: 1
            }
        ),
        "{err:?}"
    );
}

#[test]
fn counter_going_backwards_is_refused() {
    let (svc, mut auth, mut c) = setup();
    // The stored counter is ahead of the authenticator: a clone was used.
    c.counter = 50;
    let (response, state) = identified(&svc, &mut auth, &c);
    let err = svc.finish_authentication(&response, state, &c).unwrap_err();
    assert!(
        matches!(
            err,
            CeremonyError::CounterRegressed {
                stored: 50,
                presented: 1
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.failure(), PasskeyFailure::VerificationFailed);
}

#[test]
fn missing_user_verification_is_refused() {
    let svc = service();
    // `SoftPasskey::new(false)` cannot verify the user, so it refuses
    // `userVerification: "required"`; a client that ignores the requirement
    // is played by relaxing it in the copy the authenticator sees. The
    // server's state still requires UV.
    let mut auth = WebauthnAuthenticator::new(SoftPasskey::new(false));
    let (options, state) = svc.start_registration(&user("alice"), &[]).unwrap();
    let mut json = serde_json::to_value(soft_creation(&options)).unwrap();
    json["publicKey"]["authenticatorSelection"]["userVerification"] = "discouraged".into();
    let response = auth
        .do_registration(origin(), serde_json::from_value(json).unwrap())
        .unwrap();
    let err = svc
        .finish_registration(&response, &state, context())
        .unwrap_err();
    assert!(matches!(err, CeremonyError::UserNotVerified), "{err:?}");
}

#[test]
fn credential_id_over_1023_bytes_is_refused() {
    let (svc, mut auth, c) = setup();
    let (mut response, state) = identified(&svc, &mut auth, &c);
    response.raw_id = vec![7u8; 1024].into();
    let err = svc.presented_credential(&response).unwrap_err();
    assert!(
        matches!(
            err,
            CeremonyError::CredentialId(CredentialIdError::TooLong(1024))
        ),
        "{err:?}"
    );
    assert!(svc.finish_authentication(&response, state, &c).is_err());
}

#[test]
fn credential_of_someone_else_is_unknown() {
    let (svc, mut auth, alice_key) = setup();
    let bob = user("bob");
    let bob_key = register(&svc, &mut auth, &bob);

    // The response names Alice's credential, the caller loaded Bob's.
    let (response, state) = identified(&svc, &mut auth, &alice_key);
    assert_failure(
        svc.finish_authentication(&response, state, &bob_key),
        PasskeyFailure::UnknownCredential,
    );
    // Identifier-first for Bob, answered with Alice's credential.
    let (_, bob_state) = svc
        .start_identified_authentication(&bob.id, std::slice::from_ref(&bob_key))
        .unwrap();
    let (response, _) = identified(&svc, &mut auth, &alice_key);
    assert_failure(
        svc.finish_authentication(&response, bob_state, &alice_key),
        PasskeyFailure::UnknownCredential,
    );
    // Identifier-first, with a user handle naming someone else.
    let (mut response, state) = identified(&svc, &mut auth, &alice_key);
    let bob_handle = uuid::Uuid::parse_str(&bob.id.0).unwrap();
    response.response.user_handle = Some(bob_handle.as_bytes().to_vec().into());
    assert_failure(
        svc.finish_authentication(&response, state, &alice_key),
        PasskeyFailure::UnknownCredential,
    );
    // Usernameless, with a user handle that is not the credential's owner.
    let (options, state) = svc
        .start_discoverable_authentication(Mediation::Modal)
        .unwrap();
    let response = answer_discoverable(&mut auth, options, &alice_key, &bob.id);
    assert_failure(
        svc.finish_authentication(&response, state, &alice_key),
        PasskeyFailure::UnknownCredential,
    );
}

#[test]
fn usernameless_response_without_user_handle_is_refused() {
    let (svc, mut auth, c) = setup();
    let (options, state) = svc
        .start_discoverable_authentication(Mediation::Modal)
        .unwrap();
    let mut response = answer_discoverable(&mut auth, options, &c, &c.user_id);
    response.response.user_handle = None;
    assert_failure(
        svc.finish_authentication(&response, state, &c),
        PasskeyFailure::VerificationFailed,
    );
}

#[test]
fn changed_backup_eligibility_is_refused() {
    let (svc, mut auth, mut c) = setup();
    c.backup_eligible = true;
    let (response, state) = identified(&svc, &mut auth, &c);
    let err = svc.finish_authentication(&response, state, &c).unwrap_err();
    assert!(
        matches!(err, CeremonyError::BackupEligibilityChanged),
        "{err:?}"
    );
}

#[test]
fn tampered_signature_is_refused() {
    let (svc, mut auth, c) = setup();
    let (mut response, state) = identified(&svc, &mut auth, &c);
    let mut signature: Vec<u8> = response.response.signature.clone().into();
    if let Some(last) = signature.last_mut() {
        *last ^= 0x01;
    }
    response.response.signature = signature.into();
    assert_failure(
        svc.finish_authentication(&response, state, &c),
        PasskeyFailure::VerificationFailed,
    );
}

#[test]
fn unreadable_stored_passkey_is_an_error_not_a_panic() {
    let (svc, mut auth, mut c) = setup();
    let (response, state) = identified(&svc, &mut auth, &c);
    c.passkey = "{\"not\": \"a passkey\"}".into();
    let err = svc.finish_authentication(&response, state, &c).unwrap_err();
    assert!(matches!(err, CeremonyError::Malformed(_)), "{err:?}");
    let err = svc
        .start_identified_authentication(&c.user_id, std::slice::from_ref(&c))
        .unwrap_err();
    assert!(matches!(err, CeremonyError::Malformed(_)), "{err:?}");
}

#[test]
fn state_of_the_wrong_kind_does_not_deserialise_into_another() {
    let (svc, _, _) = setup();
    let (_, state) = svc
        .start_discoverable_authentication(Mediation::Conditional)
        .unwrap();
    let mut json = serde_json::to_value(&state).unwrap();
    json["kind"] = "identified".into();
    assert!(serde_json::from_value::<AuthenticationState>(json).is_err());
}

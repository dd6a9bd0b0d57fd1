//! The attestation policy with webauthn-authenticator-rs's `SoftToken`, a
//! software security key that signs a `packed` attestation with a CA of its
//! own (returned by `SoftToken::new`).

use latchkey_oidc::{Acr, AuthMethod};
use latchkey_passkey::{
    AttestationPolicy, AttestationPolicyError, CeremonyError, PasskeyConfig, PasskeyService,
    RegistrationState, TrustedRoot,
};
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softtoken::{AAGUID, SoftToken};

use crate::support::{authenticator, context, origin, soft_creation, user, via_json};

fn token() -> (WebauthnAuthenticator<SoftToken>, Vec<u8>) {
    let (token, ca) = SoftToken::new(true).unwrap();
    (WebauthnAuthenticator::new(token), ca.to_pem().unwrap())
}

fn root(pem: &[u8]) -> TrustedRoot {
    TrustedRoot {
        source: "/etc/latchkey/test-root.pem".into(),
        pem: pem.to_vec(),
    }
}

fn service_trusting(pem: &[u8], aaguids: &[uuid::Uuid]) -> PasskeyService {
    let mut config = PasskeyConfig::new("localhost", origin(), "Latchkey");
    config.attestation = Some(AttestationPolicy::new(&[root(pem)], aaguids).unwrap());
    PasskeyService::new(config).unwrap()
}

#[test]
fn policy_needs_roots_aaguids_and_certificates() {
    let (_, pem) = token();
    assert_eq!(
        AttestationPolicy::new(&[], &[AAGUID]).unwrap_err(),
        AttestationPolicyError::NoRoots
    );
    assert_eq!(
        AttestationPolicy::new(&[root(&pem)], &[]).unwrap_err(),
        AttestationPolicyError::NoAaguids
    );
    let err = AttestationPolicy::new(&[root(b"not a certificate")], &[AAGUID]).unwrap_err();
    assert!(
        err.to_string().contains("/etc/latchkey/test-root.pem"),
        "{err}"
    );
    let policy = AttestationPolicy::new(&[root(&pem)], &[AAGUID]).unwrap();
    assert!(policy.allows(AAGUID));
    assert!(!policy.allows(uuid::Uuid::nil()));
}

#[test]
fn trusted_attestation_is_recorded_and_signs_in_as_phrh() {
    let (mut auth, pem) = token();
    let svc = service_trusting(&pem, &[AAGUID]);
    let alice = user("alice");
    let (options, state) = svc.start_registration(&alice, &[]).unwrap();
    let state: RegistrationState = via_json(&state);
    let response = auth
        .do_registration(origin(), soft_creation(&options))
        .unwrap();
    let credential = svc
        .finish_registration(&response, &state, context())
        .unwrap();
    assert!(credential.hardware_attested);
    assert!(!credential.backup_eligible);
    assert_eq!(credential.aaguid, AAGUID);

    // Sign-in goes through the same webauthn-rs verification as any passkey.
    let (assertion, state) = {
        let (options, state) = svc
            .start_identified_authentication(&credential.user_id, std::slice::from_ref(&credential))
            .unwrap();
        (
            auth.do_authentication(origin(), options).unwrap(),
            via_json(&state),
        )
    };
    let outcome = svc
        .finish_authentication(&assertion, state, &credential)
        .unwrap();
    assert_eq!(outcome.auth_method(), AuthMethod::PasskeyHardwareAttested);
    let result = outcome.authn_result(latchkey_core::UnixTime(2_000));
    assert_eq!(result.acr, Acr::PhishingResistantHardware);
    assert_eq!(result.amr, ["pop", "hwk", "user", "mfa"]);
}

#[test]
fn untrusted_or_missing_attestation_is_refused() {
    let (mut auth, _) = token();
    let (_, other_pem) = token();
    let alice = user("alice");

    // Another CA.
    let svc = service_trusting(&other_pem, &[AAGUID]);
    let (options, state) = svc.start_registration(&alice, &[]).unwrap();
    let response = auth
        .do_registration(origin(), soft_creation(&options))
        .unwrap();
    let err = svc
        .finish_registration(&response, &state, context())
        .unwrap_err();
    assert!(
        matches!(err, CeremonyError::AttestationRejected(_)),
        "{err:?}"
    );

    // The right CA, but the model is not on the allow-list.
    let (mut auth, pem) = token();
    let svc = service_trusting(&pem, &[uuid::Uuid::from_u128(7)]);
    let (options, state) = svc.start_registration(&alice, &[]).unwrap();
    let response = auth
        .do_registration(origin(), soft_creation(&options))
        .unwrap();
    let err = svc
        .finish_registration(&response, &state, context())
        .unwrap_err();
    assert!(
        matches!(err, CeremonyError::AttestationRejected(_)),
        "{err:?}"
    );

    // No attestation at all (`none`).
    let svc = service_trusting(&pem, &[AAGUID]);
    let (options, state) = svc.start_registration(&alice, &[]).unwrap();
    let response = authenticator()
        .do_registration(origin(), soft_creation(&options))
        .unwrap();
    let err = svc
        .finish_registration(&response, &state, context())
        .unwrap_err();
    assert!(
        matches!(err, CeremonyError::AttestationRejected(_)),
        "{err:?}"
    );
}

#[test]
fn without_a_policy_an_attesting_key_is_an_ordinary_passkey() {
    let (mut auth, _) = token();
    let svc = crate::support::service();
    let alice = user("alice");
    let (options, state) = svc.start_registration(&alice, &[]).unwrap();
    let response = auth
        .do_registration(origin(), soft_creation(&options))
        .unwrap();
    let credential = svc
        .finish_registration(&response, &state, context())
        .unwrap();
    assert!(!credential.hardware_attested);
    assert_eq!(
        latchkey_passkey::auth_method(credential.backup_eligible, credential.hardware_attested),
        AuthMethod::PasskeyDeviceBound
    );
}

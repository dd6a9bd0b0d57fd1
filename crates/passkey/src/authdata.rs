//! The few fields of a registration's authenticator data that webauthn-rs's
//! `Passkey` does not expose through its public API: the backup flags, the
//! signature counter and the AAGUID.
//!
//! Read only after webauthn-rs has verified the registration, so the bytes
//! are the ones whose RP ID hash, flags and (for attested formats) signature
//! were checked. The AAGUID of a `none` attestation is self-reported, which
//! is fine for naming a passkey and never used for trust.

use ciborium::Value;

/// Flag bits of the authenticator data (WebAuthn L3 §6.1, table "flags").
const FLAG_BE: u8 = 1 << 3;
const FLAG_BS: u8 = 1 << 4;
const FLAG_AT: u8 = 1 << 6;

/// Offsets in the authenticator data (L3 §6.1) and attested credential data
/// (§6.5.1).
const RP_ID_HASH_LEN: usize = 32;
const FLAGS_AT: usize = RP_ID_HASH_LEN;
const COUNTER_AT: usize = FLAGS_AT + 1;
const AAGUID_AT: usize = COUNTER_AT + 4;
const CRED_ID_LEN_AT: usize = AAGUID_AT + 16;
const CRED_ID_AT: usize = CRED_ID_LEN_AT + 2;

/// What registration learns from the authenticator data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RegistrationData {
    pub backup_eligible: bool,
    pub backup_state: bool,
    pub counter: u32,
    pub aaguid: uuid::Uuid,
    pub credential_id: Vec<u8>,
}

/// Why the attestation object could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum AuthDataError {
    #[error("attestation object is not CBOR: {0}")]
    Cbor(String),
    #[error("attestation object has no authData byte string")]
    NoAuthData,
    #[error("authenticator data is truncated")]
    Truncated,
    #[error("authenticator data carries no attested credential data (AT flag clear)")]
    NoAttestedCredential,
    #[error("BS is set while BE is clear, which L3 §6.1 forbids")]
    BackupStateWithoutEligibility,
}

/// Parse `attestationObject` (L3 §6.5.4: a CBOR map with `fmt`, `attStmt`
/// and `authData`) and read the fields above from `authData`.
pub(crate) fn parse_attestation_object(bytes: &[u8]) -> Result<RegistrationData, AuthDataError> {
    let value: Value =
        ciborium::from_reader(bytes).map_err(|e| AuthDataError::Cbor(e.to_string()))?;
    let Value::Map(entries) = value else {
        return Err(AuthDataError::NoAuthData);
    };
    let auth_data = entries
        .iter()
        .find_map(|(k, v)| match (k, v) {
            (Value::Text(k), Value::Bytes(b)) if k == "authData" => Some(b.as_slice()),
            _ => None,
        })
        .ok_or(AuthDataError::NoAuthData)?;
    parse_auth_data(auth_data)
}

fn parse_auth_data(data: &[u8]) -> Result<RegistrationData, AuthDataError> {
    let get = |from: usize, len: usize| data.get(from..from + len).ok_or(AuthDataError::Truncated);
    let flags = *data.get(FLAGS_AT).ok_or(AuthDataError::Truncated)?;
    if flags & FLAG_AT == 0 {
        return Err(AuthDataError::NoAttestedCredential);
    }
    let backup_eligible = flags & FLAG_BE != 0;
    let backup_state = flags & FLAG_BS != 0;
    if backup_state && !backup_eligible {
        return Err(AuthDataError::BackupStateWithoutEligibility);
    }
    let mut counter = [0u8; 4];
    counter.copy_from_slice(get(COUNTER_AT, 4)?);
    let mut aaguid = [0u8; 16];
    aaguid.copy_from_slice(get(AAGUID_AT, 16)?);
    let len_bytes = get(CRED_ID_LEN_AT, 2)?;
    let cred_len = usize::from(u16::from_be_bytes([len_bytes[0], len_bytes[1]]));
    let credential_id = get(CRED_ID_AT, cred_len)?.to_vec();
    Ok(RegistrationData {
        backup_eligible,
        backup_state,
        counter: u32::from_be_bytes(counter),
        aaguid: uuid::Uuid::from_bytes(aaguid),
        credential_id,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn auth_data(flags: u8, counter: u32, aaguid: [u8; 16], cred: &[u8]) -> Vec<u8> {
        let mut d = vec![0xaa; RP_ID_HASH_LEN];
        d.push(flags);
        d.extend_from_slice(&counter.to_be_bytes());
        d.extend_from_slice(&aaguid);
        d.extend_from_slice(&u16::try_from(cred.len()).unwrap().to_be_bytes());
        d.extend_from_slice(cred);
        d.extend_from_slice(&[0xa5, 0x01, 0x02]); // start of a COSE key; ignored
        d
    }

    fn attestation_object(auth: Vec<u8>) -> Vec<u8> {
        let map = Value::Map(vec![
            (Value::Text("fmt".into()), Value::Text("none".into())),
            (Value::Text("attStmt".into()), Value::Map(vec![])),
            (Value::Text("authData".into()), Value::Bytes(auth)),
        ]);
        let mut out = Vec::new();
        ciborium::into_writer(&map, &mut out).unwrap();
        out
    }

    #[test]
    fn reads_flags_counter_aaguid_and_credential_id() {
        let aaguid = *uuid::Uuid::parse_str("ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4")
            .unwrap()
            .as_bytes();
        let flags = 0x01 | 0x04 | FLAG_BE | FLAG_BS | FLAG_AT;
        let obj = attestation_object(auth_data(flags, 7, aaguid, &[9, 8, 7]));
        let d = parse_attestation_object(&obj).unwrap();
        assert!(d.backup_eligible && d.backup_state);
        assert_eq!(d.counter, 7);
        assert_eq!(d.aaguid.as_bytes(), &aaguid);
        assert_eq!(d.credential_id, vec![9, 8, 7]);
    }

    #[test]
    fn refuses_malformed_input() {
        assert!(matches!(
            parse_attestation_object(b"not cbor \xff"),
            Err(AuthDataError::Cbor(_) | AuthDataError::NoAuthData)
        ));
        let no_at = attestation_object(auth_data(0x05, 0, [0; 16], &[1]));
        assert_eq!(
            parse_attestation_object(&no_at),
            Err(AuthDataError::NoAttestedCredential)
        );
        let bs_only = attestation_object(auth_data(FLAG_AT | FLAG_BS, 0, [0; 16], &[1]));
        assert_eq!(
            parse_attestation_object(&bs_only),
            Err(AuthDataError::BackupStateWithoutEligibility)
        );
        let mut short = auth_data(FLAG_AT, 0, [0; 16], &[1, 2, 3]);
        short.truncate(CRED_ID_AT + 1);
        assert_eq!(
            parse_attestation_object(&attestation_object(short)),
            Err(AuthDataError::Truncated)
        );
    }
}

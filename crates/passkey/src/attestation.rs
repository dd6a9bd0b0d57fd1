//! The operator's attestation policy: which authenticator models count as
//! hardware-protected (`acr=phrh`).
//!
//! A model is proven only by an attestation (WebAuthn L3 §6.5) whose
//! certificate chain webauthn-rs verifies up to a root CA the operator
//! trusts; the AAGUID in an unattested registration is the authenticator's
//! own claim. The policy is the trusted roots (PEM) and the AAGUIDs allowed
//! under them, and webauthn-rs checks both during the registration ceremony
//! (`start_attested_passkey_registration`).

use std::collections::{BTreeMap, BTreeSet};

use uuid::Uuid;
use webauthn_rs::prelude::{AttestationCaList, AttestationCaListBuilder};

/// Trusted attestation roots and the authenticator models allowed under
/// them. Built once at start-up (see `PasskeyConfig::attestation`).
#[derive(Debug, Clone)]
pub struct AttestationPolicy {
    cas: AttestationCaList,
    aaguids: BTreeSet<Uuid>,
}

/// One trusted root: where it came from (for error messages) and its PEM text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedRoot {
    /// The file it was read from, named in errors.
    pub source: String,
    pub pem: Vec<u8>,
}

/// Why an attestation policy cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttestationPolicyError {
    /// No root CA: attestation would be required but nothing could pass.
    #[error("no attestation root CA is configured")]
    NoRoots,
    /// No AAGUID: every attested model would be refused.
    #[error("the AAGUID allow-list is empty")]
    NoAaguids,
    /// A root is not a PEM X.509 certificate.
    #[error("{file} is not a PEM X.509 certificate: {reason}")]
    BadCertificate { file: String, reason: String },
}

impl AttestationPolicy {
    /// A policy trusting `roots` for the models in `aaguids`. Every root
    /// vouches for every listed model: an attestation chaining to one of
    /// the roots for an AAGUID not on the list is refused by webauthn-rs.
    pub fn new(roots: &[TrustedRoot], aaguids: &[Uuid]) -> Result<Self, AttestationPolicyError> {
        if roots.is_empty() {
            return Err(AttestationPolicyError::NoRoots);
        }
        if aaguids.is_empty() {
            return Err(AttestationPolicyError::NoAaguids);
        }
        let mut builder = AttestationCaListBuilder::new();
        for root in roots {
            for aaguid in aaguids {
                builder
                    .insert_device_pem(
                        &root.pem,
                        *aaguid,
                        format!("authenticator {aaguid}"),
                        BTreeMap::new(),
                    )
                    .map_err(|e| AttestationPolicyError::BadCertificate {
                        file: root.source.clone(),
                        reason: e.to_string(),
                    })?;
            }
        }
        Ok(Self {
            cas: builder.build(),
            aaguids: aaguids.iter().copied().collect(),
        })
    }

    /// The roots as webauthn-rs takes them.
    pub(crate) fn ca_list(&self) -> &AttestationCaList {
        &self.cas
    }

    /// Whether `aaguid` is on the allow-list.
    #[must_use]
    pub fn allows(&self, aaguid: Uuid) -> bool {
        self.aaguids.contains(&aaguid)
    }
}

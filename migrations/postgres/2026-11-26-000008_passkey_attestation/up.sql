-- Whether registration proved, by an attestation that chains to a root CA
-- the operator trusts (passkeys.attestation_ca_files) and an AAGUID the
-- operator allows (passkeys.aaguid_allow_list), which authenticator model
-- holds the credential. Only such a credential, when it is not
-- backup-eligible, earns acr=phrh. Existing rows were registered without
-- attestation, so they are not attested.
ALTER TABLE passkeys ADD COLUMN hardware_attested BOOLEAN NOT NULL DEFAULT FALSE;

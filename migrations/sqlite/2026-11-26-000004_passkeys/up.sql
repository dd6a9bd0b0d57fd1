-- Passkeys: WebAuthn credential records (WebAuthn L3 §4 "credential record").
-- The credential id (base64url, no padding; at most 1023 bytes raw, so at most
-- 1364 characters) is the primary key: an id registered to one user can never
-- be registered to another (L3 §7.1). `passkey` is webauthn-rs's serialised
-- credential (public key, algorithm, counter) used for verification; the
-- counter and flags are also kept as columns so the counter rule can be
-- enforced by one conditional UPDATE.
CREATE TABLE passkeys (
    credential_id   TEXT PRIMARY KEY NOT NULL,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    passkey         TEXT NOT NULL,
    counter         BIGINT NOT NULL,
    backup_eligible BOOLEAN NOT NULL,
    backup_state    BOOLEAN NOT NULL,
    transports      TEXT NOT NULL,
    aaguid          TEXT NOT NULL,
    friendly_name   TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    last_used_at    BIGINT,
    user_agent      TEXT,
    CHECK (length(credential_id) BETWEEN 1 AND 1364)
);
CREATE INDEX passkeys_user ON passkeys (user_id);

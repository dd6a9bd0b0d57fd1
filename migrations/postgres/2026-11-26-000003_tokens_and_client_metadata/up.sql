-- Refresh tokens: opaque, stored as a hash, rotated on every use. A family is
-- every token descended from one authorization; reuse of a rotated token
-- revokes the whole family (OAuth 2.0 Security BCP, RFC 9700 §4.14.2).
CREATE TABLE refresh_tokens (
    token_hash        TEXT PRIMARY KEY NOT NULL,
    family_id         TEXT NOT NULL,
    client_id         TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    subject           TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scope             TEXT NOT NULL,
    auth_time         BIGINT NOT NULL,
    amr               TEXT NOT NULL,
    acr               TEXT NOT NULL,
    sid               TEXT,
    created_at        BIGINT NOT NULL,
    expires_at        BIGINT NOT NULL,
    family_expires_at BIGINT NOT NULL,
    rotated_at        BIGINT,
    revoked_at        BIGINT
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

-- Client metadata for the OIDC core: the ID token signing algorithm, a JWKS
-- for private_key_jwt, and whether a lower acr than requested may be returned
-- (truthfully) instead of unmet_authentication_requirements.
ALTER TABLE clients ADD COLUMN id_token_signed_response_alg TEXT NOT NULL DEFAULT 'ES256';
ALTER TABLE clients ADD COLUMN jwks TEXT;
ALTER TABLE clients ADD COLUMN allow_acr_downgrade BOOLEAN NOT NULL DEFAULT FALSE;

-- Signing keys. The private key is PKCS#8 DER sealed with AES-256-GCM under
-- keys.encryption_key (never stored in the clear). A key is published in the
-- JWKS from created_at, signs from activates_at until retires_at, and leaves
-- the JWKS at expires_at (after every token it signed has expired).
CREATE TABLE signing_keys (
    kid          TEXT PRIMARY KEY NOT NULL,
    alg          TEXT NOT NULL CHECK (alg IN ('ES256', 'RS256', 'EdDSA')),
    public_jwk   TEXT NOT NULL,
    private_key  TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    activates_at BIGINT NOT NULL,
    retires_at   BIGINT,
    expires_at   BIGINT
);

-- Enrollment invitations (`latchkey user invite`): single-use, expiring links
-- that let a user create their first passkey. Only the SHA-256 (hex) of the
-- 256-bit token is stored, so a copy of the table cannot be turned into
-- working links. `used_at` is set by one conditional UPDATE (unused and
-- unexpired), so concurrent redemptions have exactly one winner.
CREATE TABLE invitations (
    token_hash  TEXT PRIMARY KEY NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT,
    CHECK (length(token_hash) = 64)
);
CREATE INDEX invitations_user ON invitations (user_id);

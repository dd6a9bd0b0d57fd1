-- Consent (OpenID Connect Core §3.1.2.4): a client registered with
-- require_consent asks each user once; the user's answer is kept here, one
-- row per agreed scope, so a later consent for more scopes only adds rows
-- (two consents given at once from two tabs cannot overwrite each other).
-- Withdrawing consent deletes the user's rows for the client.
ALTER TABLE clients ADD COLUMN require_consent BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE consents (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id  TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    scope      TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, client_id, scope),
    CHECK (length(scope) > 0)
);

-- Fallback factors, known devices and sign-in events. Instants are BIGINT
-- seconds since the Unix epoch; ids are TEXT.

-- A phone for SMS codes, one per user, normalised to E.164 by the caller
-- ('+' and at most 15 digits). Unique: one number cannot receive codes for
-- two accounts, so an SMS code never says which of several accounts it is
-- for. `verified_at` is NULL until the user typed a code sent to it; a new
-- number starts unverified again.
CREATE TABLE user_phones (
    user_id     TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    phone       TEXT NOT NULL UNIQUE,
    verified_at BIGINT,
    created_at  BIGINT NOT NULL,
    CHECK (phone LIKE '+%' AND length(phone) BETWEEN 3 AND 16)
);

-- Authenticator-app secrets (TOTP, RFC 6238). The server seals the secret
-- with its AES-GCM key before it reaches the database, so a copy of the
-- table does not yield codes. `last_used_step` is the last accepted time
-- step: a code is accepted only by one conditional UPDATE that raises it,
-- so the same code (or an older one) is never accepted twice, even by two
-- nodes at once (RFC 6238 §5.2). Unconfirmed (`confirmed_at` NULL) until
-- the user typed a first valid code.
CREATE TABLE totp_credentials (
    user_id        TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    secret_sealed  TEXT NOT NULL,
    last_used_step BIGINT,
    created_at     BIGINT NOT NULL,
    confirmed_at   BIGINT,
    CHECK (length(secret_sealed) > 0),
    CHECK (last_used_step IS NULL OR last_used_step >= 0)
);

-- Recovery codes, stored only as argon2id PHC strings: the CHECK refuses
-- anything else, so a plaintext code can never be written by mistake. A code
-- is spent by one conditional UPDATE (used_at IS NULL): one winner.
CREATE TABLE recovery_codes (
    id         TEXT PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    used_at    BIGINT,
    CHECK (code_hash LIKE '$argon2id$%')
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);

-- Passwords (only where an operator enables them): argon2id PHC strings only.
CREATE TABLE password_credentials (
    user_id    TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash       TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    CHECK (hash LIKE '$argon2id$%')
);

-- Browsers a user has signed in from, keyed by the SHA-256 (hex) of a random
-- device cookie: the table never holds a usable cookie value. Drives the
-- "create a passkey on this device" invitation: `nudge_dismissed` is "don't
-- ask on this device", `nudge_last_shown` caps how often it is shown.
CREATE TABLE known_devices (
    user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device_hash      TEXT NOT NULL,
    first_seen       BIGINT NOT NULL,
    last_seen        BIGINT NOT NULL,
    nudge_dismissed  BOOLEAN NOT NULL DEFAULT FALSE,
    nudge_last_shown BIGINT,
    PRIMARY KEY (user_id, device_hash),
    CHECK (length(device_hash) = 64)
);

-- Sign-in events for operators (fallback rates and reasons) and for users'
-- own activity view. Events outlive what they mention: a deleted user's
-- events stay, anonymous (ON DELETE SET NULL); `client_id` has no foreign
-- key, so deleting a client keeps its history. The CHECKs keep the kinds and
-- outcomes to the documented vocabulary (`latchkey_fallback::repo::EventKind`,
-- `Outcome`): adding a kind takes a migration, so reports never meet a
-- spelling they do not know. `detail` is short text, capped by the caller
-- and by the store. Operators purge by age (`at`).
CREATE TABLE auth_events (
    id           TEXT PRIMARY KEY NOT NULL,
    at           BIGINT NOT NULL,
    kind         TEXT NOT NULL,
    user_id      TEXT REFERENCES users (id) ON DELETE SET NULL,
    client_id    TEXT,
    flow_id      TEXT,
    method       TEXT,
    reason       TEXT,
    outcome      TEXT NOT NULL,
    device_class TEXT,
    detail       TEXT,
    CHECK (kind IN (
        'passkey_attempt', 'passkey_succeeded', 'passkey_failed',
        'fallback_offered', 'fallback_chosen', 'fallback_succeeded', 'fallback_failed',
        'nudge_shown', 'nudge_accepted', 'nudge_declined',
        'passkey_enrolled', 'factor_enrolled', 'factor_removed', 'lockout'
    )),
    CHECK (outcome IN ('ok', 'failed', 'info')),
    CHECK (detail IS NULL OR length(detail) <= 2048)
);
CREATE INDEX auth_events_at ON auth_events (at);
CREATE INDEX auth_events_user_at ON auth_events (user_id, at);
CREATE INDEX auth_events_kind_at ON auth_events (kind, at);

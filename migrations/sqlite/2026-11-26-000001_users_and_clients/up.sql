-- Instants are BIGINT seconds since the Unix epoch (UTC); ids and JSON as TEXT.
CREATE TABLE users (
    id             TEXT PRIMARY KEY NOT NULL,
    username       TEXT NOT NULL UNIQUE,
    email          TEXT UNIQUE,
    email_verified BOOLEAN NOT NULL DEFAULT FALSE,
    display_name   TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
    created_at     BIGINT NOT NULL
);

CREATE TABLE clients (
    id                         TEXT PRIMARY KEY NOT NULL,
    name                       TEXT NOT NULL,
    client_type                TEXT NOT NULL CHECK (client_type IN ('public', 'confidential')),
    secret_hash                TEXT,
    redirect_uris              TEXT NOT NULL,
    post_logout_redirect_uris  TEXT NOT NULL,
    grant_types                TEXT NOT NULL,
    scopes                     TEXT NOT NULL,
    token_endpoint_auth_method TEXT NOT NULL,
    created_at                 BIGINT NOT NULL,
    updated_at                 BIGINT NOT NULL
);

//! The hand-kept schema, written once with types both backends share.
//! Instants are `BigInt` seconds since the Unix epoch; ids and JSON are `Text`.
//! The parity test checks that every table here exists on both backends.

diesel::table! {
    users (id) {
        id -> Text,
        username -> Text,
        email -> Nullable<Text>,
        email_verified -> Bool,
        display_name -> Text,
        status -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    clients (id) {
        id -> Text,
        name -> Text,
        client_type -> Text,
        secret_hash -> Nullable<Text>,
        redirect_uris -> Text,
        post_logout_redirect_uris -> Text,
        grant_types -> Text,
        scopes -> Text,
        token_endpoint_auth_method -> Text,
        created_at -> BigInt,
        updated_at -> BigInt,
        id_token_signed_response_alg -> Text,
        jwks -> Nullable<Text>,
        allow_acr_downgrade -> Bool,
        require_consent -> Bool,
    }
}

diesel::table! {
    signing_keys (kid) {
        kid -> Text,
        alg -> Text,
        public_jwk -> Text,
        private_key -> Text,
        created_at -> BigInt,
        activates_at -> BigInt,
        retires_at -> Nullable<BigInt>,
        expires_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Text,
        family_id -> Text,
        client_id -> Text,
        subject -> Text,
        scope -> Text,
        auth_time -> BigInt,
        amr -> Text,
        acr -> Text,
        sid -> Nullable<Text>,
        created_at -> BigInt,
        expires_at -> BigInt,
        family_expires_at -> BigInt,
        rotated_at -> Nullable<BigInt>,
        revoked_at -> Nullable<BigInt>,
        fallback_reason -> Nullable<Text>,
    }
}

diesel::table! {
    passkeys (credential_id) {
        credential_id -> Text,
        user_id -> Text,
        passkey -> Text,
        counter -> BigInt,
        backup_eligible -> Bool,
        backup_state -> Bool,
        transports -> Text,
        aaguid -> Text,
        friendly_name -> Text,
        created_at -> BigInt,
        last_used_at -> Nullable<BigInt>,
        user_agent -> Nullable<Text>,
        hardware_attested -> Bool,
    }
}

diesel::table! {
    invitations (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
        used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    user_phones (user_id) {
        user_id -> Text,
        phone -> Text,
        verified_at -> Nullable<BigInt>,
        created_at -> BigInt,
    }
}

diesel::table! {
    totp_credentials (user_id) {
        user_id -> Text,
        secret_sealed -> Text,
        last_used_step -> Nullable<BigInt>,
        created_at -> BigInt,
        confirmed_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    recovery_codes (id) {
        id -> Text,
        user_id -> Text,
        code_hash -> Text,
        created_at -> BigInt,
        used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    password_credentials (user_id) {
        user_id -> Text,
        hash -> Text,
        updated_at -> BigInt,
    }
}

diesel::table! {
    known_devices (user_id, device_hash) {
        user_id -> Text,
        device_hash -> Text,
        first_seen -> BigInt,
        last_seen -> BigInt,
        nudge_dismissed -> Bool,
        nudge_last_shown -> Nullable<BigInt>,
    }
}

diesel::table! {
    auth_events (id) {
        id -> Text,
        at -> BigInt,
        kind -> Text,
        user_id -> Nullable<Text>,
        client_id -> Nullable<Text>,
        flow_id -> Nullable<Text>,
        method -> Nullable<Text>,
        reason -> Nullable<Text>,
        outcome -> Text,
        device_class -> Nullable<Text>,
        detail -> Nullable<Text>,
    }
}

diesel::table! {
    consents (user_id, client_id, scope) {
        user_id -> Text,
        client_id -> Text,
        scope -> Text,
        granted_at -> BigInt,
    }
}

// A passkey's owner, read with it in one statement (`credential_with_owner`).
diesel::joinable!(passkeys -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    clients,
    signing_keys,
    refresh_tokens,
    passkeys,
    invitations,
    user_phones,
    totp_credentials,
    recovery_codes,
    password_credentials,
    known_devices,
    auth_events,
    consents
);

/// Every table in this schema, for the parity test and `/readyz`.
pub const TABLES: &[&str] = &[
    "users",
    "clients",
    "signing_keys",
    "refresh_tokens",
    "passkeys",
    "invitations",
    "user_phones",
    "totp_credentials",
    "recovery_codes",
    "password_credentials",
    "known_devices",
    "auth_events",
    "consents",
];

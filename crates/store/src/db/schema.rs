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
    }
}

diesel::allow_tables_to_appear_in_same_query!(users, clients);

/// Every table in this schema, for the parity test and `/readyz`.
pub const TABLES: &[&str] = &["users", "clients"];

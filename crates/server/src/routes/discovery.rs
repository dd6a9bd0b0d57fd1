//! OpenID Provider metadata (OpenID Connect Discovery 1.0 §3): exactly what
//! is implemented, nothing aspirational.

use actix_web::http::header::{CACHE_CONTROL, ContentType};
use actix_web::{HttpResponse, get, web};
use latchkey_oidc::claims::{CLAIMS, SCOPES};
use latchkey_oidc::client_auth::ASSERTION_ALG_NAMES;
use latchkey_oidc::{Acr, SigningAlg};
use serde_json::json;

use crate::state::AppState;

/// The metadata document for `issuer`.
#[must_use]
pub fn metadata(issuer: &str) -> serde_json::Value {
    let algs: Vec<&str> = SigningAlg::ALL.iter().map(|a| a.as_str()).collect();
    let acrs: Vec<&str> = Acr::ALL.iter().rev().map(|a| a.as_str()).collect();
    let client_auth = [
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
        "none",
    ];
    let confidential_auth = [
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
    ];
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "userinfo_endpoint": format!("{issuer}/userinfo"),
        "jwks_uri": format!("{issuer}/jwks"),
        "end_session_endpoint": format!("{issuer}/logout"),
        "revocation_endpoint": format!("{issuer}/revoke"),
        "introspection_endpoint": format!("{issuer}/introspect"),
        "scopes_supported": SCOPES,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "form_post"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": algs,
        "token_endpoint_auth_methods_supported": client_auth,
        // RFC 8414 §2: each endpoint that lists private_key_jwt MUST list
        // the assertion algorithms too.
        "token_endpoint_auth_signing_alg_values_supported": ASSERTION_ALG_NAMES,
        "revocation_endpoint_auth_methods_supported": client_auth,
        "revocation_endpoint_auth_signing_alg_values_supported": ASSERTION_ALG_NAMES,
        "introspection_endpoint_auth_methods_supported": confidential_auth,
        "introspection_endpoint_auth_signing_alg_values_supported": ASSERTION_ALG_NAMES,
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": CLAIMS,
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "require_request_uri_registration": false,
        "authorization_response_iss_parameter_supported": true,
        "acr_values_supported": acrs,
        "prompt_values_supported": ["none", "login", "consent", "select_account"],
        "ui_locales_supported": ["en", "de"],
        "frontchannel_logout_supported": false,
        "backchannel_logout_supported": false,
    })
}

/// `GET /.well-known/openid-configuration`.
#[get("/.well-known/openid-configuration")]
pub async fn openid_configuration(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "public, max-age=3600"))
        .content_type(ContentType::json())
        .body(state.discovery.clone())
}

/// The metadata document for `issuer`, serialised once at start.
#[must_use]
pub fn document(issuer: &str) -> actix_web::web::Bytes {
    actix_web::web::Bytes::from(metadata(issuer).to_string())
}

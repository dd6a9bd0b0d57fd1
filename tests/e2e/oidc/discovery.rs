//! Discovery (OpenID Connect Discovery 1.0 §3, RFC 8414 §2) advertises
//! exactly what is implemented: the whole document is pinned here, every
//! member and every list, so adding or removing anything (a grant, a
//! claim, an algorithm, an empty optional list) needs this test changed
//! too. Each advertised endpoint answers where it says.

use serde_json::{Value, json};

use crate::support::{Stack, TestServer};

/// `claims_supported` once the phone claims land (`phone_number`,
/// `phone_number_verified`, from the work on the `phone` scope). Compared
/// as a set: its order means nothing.
const CLAIMS: [&str; 19] = [
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "acr",
    "amr",
    "azp",
    "sid",
    "at_hash",
    "latchkey_fallback",
    "name",
    "preferred_username",
    "email",
    "email_verified",
    "phone_number",
    "phone_number_verified",
];

fn expected(issuer: &str) -> Value {
    let assertion_algs = json!(["RS256", "PS256", "ES256", "EdDSA"]);
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "userinfo_endpoint": format!("{issuer}/userinfo"),
        "jwks_uri": format!("{issuer}/jwks"),
        "end_session_endpoint": format!("{issuer}/logout"),
        "revocation_endpoint": format!("{issuer}/revoke"),
        "introspection_endpoint": format!("{issuer}/introspect"),
        "scopes_supported": ["openid", "profile", "email", "phone", "offline_access", "latchkey_fallback"],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "form_post"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256", "RS256", "EdDSA"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"],
        "token_endpoint_auth_signing_alg_values_supported": assertion_algs,
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"],
        "revocation_endpoint_auth_signing_alg_values_supported": assertion_algs,
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt"],
        "introspection_endpoint_auth_signing_alg_values_supported": assertion_algs,
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": CLAIMS,
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "require_request_uri_registration": false,
        "authorization_response_iss_parameter_supported": true,
        "acr_values_supported": ["phrh", "phr", "urn:latchkey:acr:mfa", "urn:latchkey:acr:sfa"],
        "prompt_values_supported": ["none", "login", "consent", "select_account"],
        "ui_locales_supported": ["en", "de"],
        "frontchannel_logout_supported": false,
        "backchannel_logout_supported": false,
    })
}

/// A list's members, sorted.
fn sorted(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v
        .as_array()
        .expect("a list")
        .iter()
        .map(|c| c.as_str().expect("a string").to_owned())
        .collect();
    out.sort();
    out
}

async fn discovery_is_exact_and_live(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let res = s.get("/.well-known/openid-configuration").await;
    assert_eq!(res.status(), 200);
    let m: Value = res.json().await.unwrap();
    assert_eq!(
        m["issuer"],
        s.base.as_str(),
        "the issuer is the base URL exactly"
    );
    let want = expected(&s.base);
    let (got_obj, want_obj) = (m.as_object().unwrap(), want.as_object().unwrap());
    let mut got_keys: Vec<&String> = got_obj.keys().collect();
    let mut want_keys: Vec<&String> = want_obj.keys().collect();
    got_keys.sort();
    want_keys.sort();
    assert_eq!(got_keys, want_keys, "the members of the document");
    for (key, value) in want_obj {
        if key != "claims_supported" {
            assert_eq!(&m[key], value, "{key}");
        }
    }

    // Each endpoint is where it says and answers: without parameters an
    // error of its own, never 404, 405 or 5xx.
    let endpoints = [
        ("authorization_endpoint", "/authorize", false),
        ("token_endpoint", "/token", true),
        ("userinfo_endpoint", "/userinfo", false),
        ("jwks_uri", "/jwks", false),
        ("end_session_endpoint", "/logout", false),
        ("revocation_endpoint", "/revoke", true),
        ("introspection_endpoint", "/introspect", true),
    ];
    for (field, path, post) in endpoints {
        let url = format!("{}{path}", s.base);
        assert_eq!(m[field], url.as_str(), "{field}");
        let req = if post {
            s.http.post(&url).form(&[("token", "x")])
        } else {
            s.http.get(&url)
        };
        let status = req.send().await.unwrap().status();
        let answered = status != 404 && status != 405 && !status.is_server_error();
        assert!(answered, "{field}: {status}");
    }
    // Every advertised ID-token algorithm has a published key.
    let jwks = s.get("/jwks").await;
    assert_eq!(jwks.status(), 200);
    let keys = jwks.json::<Value>().await.unwrap()["keys"].clone();
    for alg in ["ES256", "RS256", "EdDSA"] {
        let published = keys.as_array().unwrap().iter().any(|k| k["alg"] == alg);
        assert!(published, "a key for {alg}: {keys}");
    }
    // Last, so that on a branch without the phone claims everything else
    // has been checked when this fails.
    assert_eq!(
        sorted(&m["claims_supported"]),
        sorted(&want["claims_supported"]),
        "claims_supported"
    );
}

crate::stack_tests!(discovery_is_exact_and_live);

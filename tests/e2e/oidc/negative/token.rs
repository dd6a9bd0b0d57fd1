//! The token endpoint's request shape: content type, grant types, required
//! and repeated parameters. OAuth error JSON with the exact code, never a
//! token.

use crate::support::fixtures::REDIRECT_URI;
use crate::support::rp;
use crate::support::{Stack, TestServer};

use super::{Form, Rp, no_5xx, oauth_error, post_raw};

const FORM: Option<&str> = Some("application/x-www-form-urlencoded");

async fn malformed_token_requests(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let client = Rp::confidential(&s).await;
    let auth = rp::basic(&client.id, client.secret.as_deref().unwrap());
    let redirect = rp::url_encode(&[("redirect_uri", REDIRECT_URI)]);
    let code = format!("grant_type=authorization_code&code=abc&{redirect}");
    let json = serde_json::json!({ "grant_type": "authorization_code", "code": "abc" });
    #[rustfmt::skip]
    let cases: Vec<(&str, Option<&str>, String, u16, &str)> = vec![
        ("missing grant_type", FORM, format!("code=abc&{redirect}"), 400, "invalid_request"),
        ("empty grant_type", FORM, "grant_type=".into(), 400, "invalid_request"),
        ("empty body", FORM, String::new(), 400, "invalid_request"),
        ("grant password", FORM, "grant_type=password&username=a&password=b".into(), 400, "unsupported_grant_type"),
        ("grant implicit", FORM, "grant_type=implicit".into(), 400, "unsupported_grant_type"),
        ("grant token", FORM, "grant_type=token".into(), 400, "unsupported_grant_type"),
        ("grant upper case", FORM, "grant_type=AUTHORIZATION_CODE&code=abc".into(), 400, "unsupported_grant_type"),
        ("grant with space", FORM, "grant_type=authorization_code+&code=abc".into(), 400, "unsupported_grant_type"),
        ("grant device code", FORM, "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code".into(), 400, "unsupported_grant_type"),
        ("grant jwt-bearer", FORM, "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=x.y.z".into(), 400, "unsupported_grant_type"),
        ("grant token exchange", FORM, "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange".into(), 400, "unsupported_grant_type"),
        ("client_credentials not registered", FORM, "grant_type=client_credentials".into(), 400, "unauthorized_client"),
        ("JSON body", Some("application/json"), json.to_string(), 400, "invalid_request"),
        ("form as text/plain", Some("text/plain"), code.clone(), 400, "invalid_request"),
        ("no content type", None, code.clone(), 400, "invalid_request"),
        ("multipart", Some("multipart/form-data; boundary=x"), code.clone(), 400, "invalid_request"),
        ("form in the query only", FORM, String::new(), 400, "invalid_request"),
        ("grant_type twice", FORM, format!("{code}&grant_type=refresh_token"), 400, "invalid_request"),
        ("grant_type twice, same", FORM, format!("{code}&grant_type=authorization_code"), 400, "invalid_request"),
        ("code twice", FORM, format!("{code}&code=def"), 400, "invalid_request"),
        ("redirect_uri twice", FORM, format!("{code}&redirect_uri=https%3A%2F%2Fevil.test%2F"), 400, "invalid_request"),
        ("code_verifier twice", FORM, format!("{code}&code_verifier=a&code_verifier=b"), 400, "invalid_request"),
        ("missing code", FORM, format!("grant_type=authorization_code&{redirect}"), 400, "invalid_request"),
        ("missing redirect_uri", FORM, "grant_type=authorization_code&code=abc".into(), 400, "invalid_request"),
        ("unknown code", FORM, code.clone(), 400, "invalid_grant"),
        ("code that is a JWT", FORM, format!("grant_type=authorization_code&code=eyJhbGciOiJub25lIn0.e30.&{redirect}"), 400, "invalid_grant"),
        ("missing refresh_token", FORM, "grant_type=refresh_token".into(), 400, "invalid_request"),
        ("unknown refresh_token", FORM, "grant_type=refresh_token&refresh_token=abc".into(), 400, "invalid_grant"),
    ];
    for (case, ct, body, status, error) in cases {
        let path = if case == "form in the query only" {
            format!("/token?{code}")
        } else {
            "/token".to_owned()
        };
        let res = post_raw(&s, &path, ct, Some(&auth), body).await;
        oauth_error(res, status, error, case).await;
    }
    // Other methods: a 4xx, nothing issued.
    for method in [
        reqwest::Method::GET,
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
    ] {
        let case = format!("{method} /token");
        let res = s
            .http
            .request(method, format!("{}/token?{code}", s.base))
            .header("authorization", &auth)
            .send()
            .await
            .unwrap();
        no_5xx(&res, &case);
        assert!(res.status().is_client_error(), "[{case}] {}", res.status());
        let text = res.text().await.unwrap();
        assert!(!text.contains("access_token"), "[{case}] {text}");
    }
}

/// A public client: the same shape rules, and no grant it was not given.
async fn public_client_token_requests(stack: Stack, test: &str) {
    let Some(s) = TestServer::start(stack, test).await else {
        return;
    };
    let public = Rp::public(&s).await;
    let verifier = "a".repeat(43);
    #[rustfmt::skip]
    let cases: Vec<(&str, Form, u16, &str)> = vec![
        ("public: client_credentials", vec![("grant_type", "client_credentials")], 400, "unauthorized_client"),
        ("public: unknown code", vec![("grant_type", "authorization_code"), ("code", "abc"), ("redirect_uri", REDIRECT_URI), ("code_verifier", &verifier)], 400, "invalid_grant"),
        ("public: missing grant_type", vec![("code", "abc")], 400, "invalid_request"),
        ("public: password grant", vec![("grant_type", "password")], 400, "unsupported_grant_type"),
    ];
    for (case, form, status, error) in cases {
        let res = public.post(&s, "/token", &form).await;
        oauth_error(res, status, error, case).await;
    }
}

crate::stack_tests!(malformed_token_requests, public_client_token_requests);

//! Registration rules.

use super::*;

fn base() -> NewClient {
    NewClient {
        name: "Demo".into(),
        redirect_uris: vec!["https://app.example.com/cb".into()],
        ..NewClient::default()
    }
}

fn build(n: NewClient) -> Result<Client, ClientError> {
    let hash = match n.client_type {
        Some(ClientType::Public) => None,
        _ => Some("sha256$x".to_owned()),
    };
    n.into_client("generated".into(), hash, UnixTime(1))
}

#[test]
fn confidential_defaults() {
    let c = build(base()).unwrap();
    assert_eq!(c.id.0, "generated");
    assert_eq!(
        c.token_endpoint_auth_method,
        TokenAuthMethod::ClientSecretBasic
    );
    assert_eq!(c.grant_types, vec![GrantType::AuthorizationCode]);
    assert_eq!(c.scopes, vec!["openid", "profile", "email"]);
}

#[test]
fn public_client_uses_none() {
    let c = build(NewClient {
        client_type: Some(ClientType::Public),
        ..base()
    })
    .unwrap();
    assert_eq!(c.token_endpoint_auth_method, TokenAuthMethod::None);
    assert!(c.secret_hash.is_none());
}

#[test]
fn rejects_inconsistent_registrations() {
    let cases: Vec<NewClient> = vec![
        NewClient {
            name: " ".into(),
            ..base()
        },
        NewClient {
            id: Some("bad id".into()),
            ..base()
        },
        NewClient {
            redirect_uris: vec![],
            ..base()
        },
        NewClient {
            redirect_uris: vec!["http://evil.test/cb".into()],
            ..base()
        },
        NewClient {
            grant_types: vec!["implicit".into()],
            ..base()
        },
        NewClient {
            grant_types: vec!["refresh_token".into()],
            ..base()
        },
        NewClient {
            scopes: vec!["profile".into()],
            ..base()
        },
        NewClient {
            scopes: vec!["bad\"scope".into()],
            ..base()
        },
        NewClient {
            token_endpoint_auth_method: Some("none".into()),
            ..base()
        },
        NewClient {
            token_endpoint_auth_method: Some("magic".into()),
            ..base()
        },
        NewClient {
            client_type: Some(ClientType::Public),
            grant_types: vec!["authorization_code".into(), "client_credentials".into()],
            ..base()
        },
        NewClient {
            redirect_uris: vec!["com.example.app:/cb".into()],
            ..base()
        },
    ];
    for (i, c) in cases.into_iter().enumerate() {
        assert!(build(c).is_err(), "case {i} was accepted");
    }
}

#[test]
fn machine_client_needs_no_redirect_uri() {
    let c = build(NewClient {
        redirect_uris: vec![],
        grant_types: vec!["client_credentials".into()],
        scopes: vec!["api".into()],
        ..base()
    })
    .unwrap();
    assert!(c.allows_grant(GrantType::ClientCredentials));
}

#[test]
fn private_key_jwt_needs_public_keys() {
    let pkj = |jwks: Option<&str>| {
        NewClient {
            token_endpoint_auth_method: Some("private_key_jwt".into()),
            jwks: jwks.map(str::to_owned),
            ..base()
        }
        .into_client("id".into(), None, UnixTime(1))
    };
    assert!(pkj(None).is_err());
    assert!(
        pkj(Some(
            r#"{"keys":[{"kty":"EC","crv":"P-256","x":"a","y":"b"}]}"#
        ))
        .is_ok()
    );
    assert!(pkj(Some(r#"{"keys":[{"kty":"EC","d":"secret"}]}"#)).is_err());
    assert!(pkj(Some(r#"{"keys":[]}"#)).is_err());
}

#[test]
fn update_revalidates() {
    let c = build(base()).unwrap();
    let bad = c.clone().updated(
        ClientUpdate {
            redirect_uris: Some(vec![]),
            ..ClientUpdate::default()
        },
        UnixTime(2),
    );
    assert!(bad.is_err());
    let good = c
        .updated(
            ClientUpdate {
                name: Some("New".into()),
                ..ClientUpdate::default()
            },
            UnixTime(2),
        )
        .unwrap();
    assert_eq!(good.name, "New");
    assert_eq!(good.updated_at, UnixTime(2));
}

const LOOPBACK: &str = "http://127.0.0.1:8765/cb";

fn with_loopback(client_type: ClientType) -> NewClient {
    NewClient {
        client_type: Some(client_type),
        redirect_uris: vec!["https://app.example.com/cb".into(), LOOPBACK.into()],
        ..base()
    }
}

fn build_in(n: NewClient, mode: RegistrationMode) -> Result<Client, ClientError> {
    let hash = match n.client_type {
        Some(ClientType::Public) => None,
        _ => Some("sha256$x".to_owned()),
    };
    n.into_client_in(mode, "generated".into(), hash, UnixTime(1))
}

#[test]
fn loopback_http_is_for_native_apps_in_production() {
    use RegistrationMode::{Development, Production};
    let err = build_in(with_loopback(ClientType::Confidential), Production).unwrap_err();
    assert_eq!(err, ClientError::LoopbackForConfidential(LOOPBACK.into()));
    let msg = err.to_string();
    for part in [
        "redirect_uris: \"http://127.0.0.1:8765/cb\"",
        "only native apps (public clients)",
        "RFC 8252",
        "dev mode",
    ] {
        assert!(msg.contains(part), "{part:?} not in {msg:?}");
    }
    // `into_client` is the production rule.
    assert_eq!(build(with_loopback(ClientType::Confidential)), Err(err));
    // A native app may, and a dev instance lets a confidential client.
    assert!(build_in(with_loopback(ClientType::Public), Production).is_ok());
    assert!(build_in(with_loopback(ClientType::Confidential), Development).is_ok());
    // https on a loopback address is not the exception and stays allowed.
    let https = NewClient {
        redirect_uris: vec!["https://127.0.0.1:8443/cb".into()],
        ..base()
    };
    assert!(build_in(https, Production).is_ok());
}

#[test]
fn updates_apply_the_loopback_rule_to_the_uris_they_register() {
    let dev = build_in(
        with_loopback(ClientType::Confidential),
        RegistrationMode::Development,
    )
    .unwrap();
    let uris = |u: &[&str]| ClientUpdate {
        redirect_uris: Some(u.iter().map(|s| (*s).to_owned()).collect()),
        ..ClientUpdate::default()
    };
    let err = build(base())
        .unwrap()
        .updated(uris(&["http://localhost:3000/cb"]), UnixTime(2))
        .unwrap_err();
    assert_eq!(
        err,
        ClientError::LoopbackForConfidential("http://localhost:3000/cb".into())
    );
    let ok = build(base()).unwrap().updated_in(
        RegistrationMode::Development,
        uris(&["http://localhost:3000/cb"]),
        UnixTime(2),
    );
    assert!(ok.is_ok(), "{ok:?}");
    // Re-registering the loopback URI in production is refused; replacing
    // it with https, or leaving the URIs alone, is not.
    assert!(dev.clone().updated(uris(&[LOOPBACK]), UnixTime(2)).is_err());
    let https = dev
        .clone()
        .updated(uris(&["https://app.example.com/cb"]), UnixTime(2));
    assert!(https.is_ok(), "{https:?}");
    let renamed = dev.updated(
        ClientUpdate {
            name: Some("Renamed".into()),
            ..ClientUpdate::default()
        },
        UnixTime(2),
    );
    assert!(renamed.is_ok(), "{renamed:?}");
}

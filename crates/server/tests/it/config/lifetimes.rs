//! Token lifetimes: defaults, layering, bounds, and how they relate.

use super::*;

#[test]
fn lifetimes_default_to_the_oidc_defaults() {
    let c = load(None, &[], Some(true)).unwrap();
    assert_eq!(c.lifetimes(), Lifetimes::default());
    let d = Lifetimes::default();
    assert_eq!(c.tokens.code_ttl_secs, d.code);
    assert_eq!(c.tokens.id_token_ttl_secs, d.id_token);
    assert_eq!(c.tokens.access_token_ttl_secs, d.access_token);
    assert_eq!(c.tokens.refresh_token_ttl_secs, d.refresh_token);
    assert_eq!(c.tokens.refresh_family_ttl_secs, d.refresh_family);
    assert_eq!(c.tokens.refresh_reuse_grace_secs, d.refresh_reuse_grace);
    assert_eq!(c.session.ttl_secs, d.session);
}

#[test]
fn lifetimes_come_from_file_and_env() {
    let c = load(
        None,
        &[("LATCHKEY_TOKENS__ACCESS_TOKEN_TTL_SECS", "300")],
        Some(true),
    )
    .unwrap();
    assert_eq!(c.tokens.access_token_ttl_secs, 300);
    assert_eq!(
        c.lifetimes(),
        Lifetimes {
            access_token: 300,
            ..Lifetimes::default()
        }
    );

    let toml = "[tokens]\ncode_ttl_secs = 30\nid_token_ttl_secs = 120\naccess_token_ttl_secs = 900\n\
                refresh_token_ttl_secs = 3600\nrefresh_family_ttl_secs = 86400\n\
                refresh_reuse_grace_secs = 0\n[session]\nttl_secs = 3600\n";
    let c = load(
        Some(toml),
        &[
            ("LATCHKEY_TOKENS__ACCESS_TOKEN_TTL_SECS", "300"),
            ("LATCHKEY_SESSION__TTL_SECS", "7200"),
        ],
        Some(true),
    )
    .unwrap();
    assert_eq!(
        c.lifetimes(),
        Lifetimes {
            code: 30,
            id_token: 120,
            access_token: 300,
            refresh_token: 3600,
            refresh_family: 86_400,
            session: 7200,
            refresh_reuse_grace: 0,
        }
    );
}

#[test]
fn lifetime_bounds_are_inclusive_and_enforced() {
    for (var, key, min, max) in [
        (
            "LATCHKEY_TOKENS__CODE_TTL_SECS",
            "tokens.code_ttl_secs",
            10,
            60,
        ),
        (
            "LATCHKEY_TOKENS__ID_TOKEN_TTL_SECS",
            "tokens.id_token_ttl_secs",
            60,
            86_400,
        ),
        (
            "LATCHKEY_TOKENS__ACCESS_TOKEN_TTL_SECS",
            "tokens.access_token_ttl_secs",
            60,
            86_400,
        ),
        (
            "LATCHKEY_TOKENS__REFRESH_TOKEN_TTL_SECS",
            "tokens.refresh_token_ttl_secs",
            3600,
            31_536_000,
        ),
        (
            "LATCHKEY_TOKENS__REFRESH_REUSE_GRACE_SECS",
            "tokens.refresh_reuse_grace_secs",
            0,
            60,
        ),
        (
            "LATCHKEY_SESSION__TTL_SECS",
            "session.ttl_secs",
            300,
            2_592_000,
        ),
    ] {
        // The bounds themselves are accepted. A refresh token may be as long
        // as a year only with a family at least as long.
        for ok in [min, max] {
            let ok = ok.to_string();
            let family = ("LATCHKEY_TOKENS__REFRESH_FAMILY_TTL_SECS", "63072000");
            assert!(
                load(None, &[(var, &ok), family], Some(true)).is_ok(),
                "{var}={ok}"
            );
        }
        let mut wrong = vec![(max + 1).to_string(), "-5".to_owned(), "ten".to_owned()];
        if min > 0 {
            wrong.push((min - 1).to_string());
        }
        for value in wrong {
            let e = load(None, &[(var, &value)], Some(true)).unwrap_err();
            assert_eq!(e.problems().len(), 1, "{e}");
            let msg = e.to_string();
            assert!(
                msg.contains(&format!(
                    "invalid value for \"{key}\" from environment variable {var}: \
                     expected an integer from {min} to {max}"
                )),
                "{msg}"
            );
        }
    }

    let msg = err(load(
        Some("[tokens]\nrefresh_family_ttl_secs = 63072001\n"),
        &[],
        Some(true),
    ));
    assert!(
        msg.contains(
            "invalid value for \"tokens.refresh_family_ttl_secs\" in /etc/latchkey/latchkey.toml: \
             expected an integer from 3600 to 63072000"
        ),
        "{msg}"
    );
    assert!(msg.contains("found 63072001"), "{msg}");

    // Codes live at most a minute; 600, accepted once, is refused.
    let msg = err(load(
        Some("[tokens]\ncode_ttl_secs = 600\n"),
        &[],
        Some(true),
    ));
    assert!(
        msg.contains(
            "invalid value for \"tokens.code_ttl_secs\" in /etc/latchkey/latchkey.toml: \
             expected an integer from 10 to 60"
        ),
        "{msg}"
    );
    assert!(msg.contains("found 600"), "{msg}");
}

#[test]
fn token_lifetimes_never_exceed_the_published_life_of_retired_keys() {
    // Retired signing keys stay in the JWKS for MAX_TOKEN_LIFETIME_SECS; the
    // largest accepted ID or access token lifetime must fit inside it.
    let max = latchkey_server::keys::MAX_TOKEN_LIFETIME_SECS;
    for var in [
        "LATCHKEY_TOKENS__ID_TOKEN_TTL_SECS",
        "LATCHKEY_TOKENS__ACCESS_TOKEN_TTL_SECS",
    ] {
        assert!(load(None, &[(var, "86400")], Some(true)).is_ok());
        assert!(load(None, &[(var, &(max + 1).to_string())], Some(true)).is_err());
    }
    let c = load(
        None,
        &[
            ("LATCHKEY_TOKENS__ID_TOKEN_TTL_SECS", "86400"),
            ("LATCHKEY_TOKENS__ACCESS_TOKEN_TTL_SECS", "86400"),
        ],
        Some(true),
    )
    .unwrap();
    assert!(c.lifetimes().id_token <= max && c.lifetimes().access_token <= max);
}

#[test]
fn refresh_family_shorter_than_refresh_token_names_both_keys() {
    let msg = err(load(
        Some("[tokens]\nrefresh_family_ttl_secs = 86400\n"),
        &[("LATCHKEY_TOKENS__REFRESH_TOKEN_TTL_SECS", "172800")],
        Some(true),
    ));
    assert!(
        msg.contains(
            "invalid value for \"tokens.refresh_family_ttl_secs\" in /etc/latchkey/latchkey.toml"
        ),
        "{msg}"
    );
    assert!(
        msg.contains(
            "\"tokens.refresh_token_ttl_secs\" = 172800 from environment variable \
             LATCHKEY_TOKENS__REFRESH_TOKEN_TTL_SECS"
        ),
        "{msg}"
    );
    assert!(msg.contains("found 86400"), "{msg}");

    // Against the default refresh-token lifetime, which is named as such.
    let msg = err(load(
        None,
        &[("LATCHKEY_TOKENS__REFRESH_FAMILY_TTL_SECS", "3600")],
        Some(true),
    ));
    assert!(
        msg.contains("\"tokens.refresh_family_ttl_secs\"")
            && msg
                .contains("\"tokens.refresh_token_ttl_secs\" = 1209600 from the built-in default"),
        "{msg}"
    );

    // Equal is fine: the family then ends with its first token.
    let c = load(
        None,
        &[
            ("LATCHKEY_TOKENS__REFRESH_TOKEN_TTL_SECS", "86400"),
            ("LATCHKEY_TOKENS__REFRESH_FAMILY_TTL_SECS", "86400"),
        ],
        Some(true),
    )
    .unwrap();
    assert_eq!(c.lifetimes().refresh_family, 86_400);

    // A wrong refresh-token lifetime is reported once, not compared as well.
    let e = load(
        None,
        &[
            ("LATCHKEY_TOKENS__REFRESH_TOKEN_TTL_SECS", "99999999"),
            ("LATCHKEY_TOKENS__REFRESH_FAMILY_TTL_SECS", "7200"),
        ],
        Some(true),
    )
    .unwrap_err();
    let keys: Vec<_> = e.problems().iter().filter_map(|p| p.key.clone()).collect();
    assert_eq!(keys, ["tokens.refresh_token_ttl_secs"], "{e}");
}

#[test]
fn config_check_output_shows_the_lifetimes() {
    let c = load(
        None,
        &[("LATCHKEY_TOKENS__ACCESS_TOKEN_TTL_SECS", "300")],
        Some(true),
    )
    .unwrap();
    let table: toml::Table = c.redacted_toml().parse().unwrap();
    let tokens = &table["tokens"];
    assert_eq!(tokens["code_ttl_secs"].as_integer(), Some(60));
    assert_eq!(tokens["id_token_ttl_secs"].as_integer(), Some(600));
    assert_eq!(tokens["access_token_ttl_secs"].as_integer(), Some(300));
    assert_eq!(
        tokens["refresh_token_ttl_secs"].as_integer(),
        Some(1_209_600)
    );
    assert_eq!(
        tokens["refresh_family_ttl_secs"].as_integer(),
        Some(7_776_000)
    );
    assert_eq!(tokens["refresh_reuse_grace_secs"].as_integer(), Some(2));
    assert_eq!(table["session"]["ttl_secs"].as_integer(), Some(43_200));

    // The printed tables load back to the same lifetimes (the whole output
    // does not: secrets are shown as `[redacted]`).
    let mut lifetimes = toml::Table::new();
    for name in ["tokens", "session"] {
        lifetimes.insert(name.to_owned(), table[name].clone());
    }
    let reloaded = load(Some(&lifetimes.to_string()), &[], Some(true)).unwrap();
    assert_eq!(reloaded.tokens, c.tokens);
    assert_eq!(reloaded.session, c.session);
}

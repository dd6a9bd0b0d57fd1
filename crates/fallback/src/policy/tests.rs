//! Parsing and validating `[fallback]` with the `toml` crate, as the
//! server's configuration loader would.

use super::*;

use FallbackMethod::*;

/// Parse a `[fallback]` subtree written as it appears in the config file.
fn parse(src: &str) -> Result<Policy, PolicyError> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct File {
        #[serde(default)]
        fallback: PolicyConfig,
    }
    let file: File = toml::from_str(src).expect("toml");
    Policy::from_config(&file.fallback)
}

fn error(src: &str) -> String {
    parse(src).expect_err("should be refused").to_string()
}

#[test]
fn defaults() {
    let from_empty = parse("").unwrap();
    let from_table = parse("[fallback]").unwrap();
    assert_eq!(from_empty, from_table);
    assert_eq!(from_empty, Policy::default());
    let p = from_empty.default_policy();
    assert_eq!(p, &ClientPolicy::default());
    assert!(!p.allows(Password));
    assert!(
        MethodSet::all()
            .without(Password)
            .iter()
            .all(|m| p.allows(m))
    );
    assert_eq!(
        p.combinations(),
        [[EmailCode, Totp], [EmailLink, Totp], [SmsCode, Totp]]
    );
    assert!(!p.require_two_factors());
    assert!(p.nudge());
    assert_eq!(from_empty.for_client("anyone"), ClientPolicy::default());
}

#[test]
fn the_documented_example_parses_and_inherits() {
    let policy = parse(
        r#"
[fallback]
methods = ["passkey_hybrid", "security_key", "email_link", "email_code", "totp", "sms_code", "recovery_code"]
combinations = [["email_code", "totp"]]
require_two_factors = false
nudge = true

[fallback.clients.my-client-id]
methods = ["passkey_hybrid", "security_key", "email_code", "totp"]
require_two_factors = true

[fallback.clients.bank]
methods = ["passkey_hybrid", "security_key"]
nudge = false
"#,
    )
    .unwrap();
    let mine = policy.for_client("my-client-id");
    assert_eq!(
        mine.methods().iter().collect::<Vec<_>>(),
        [PasskeyHybrid, SecurityKey, EmailCode, Totp]
    );
    assert_eq!(mine.combinations(), [[EmailCode, Totp]]);
    assert!(mine.require_two_factors());
    assert!(mine.nudge(), "inherited");
    let bank = policy.for_client("bank");
    assert!(
        bank.combinations().is_empty(),
        "inherited pairs use disabled methods"
    );
    assert!(!bank.nudge());
    assert_eq!(policy.for_client("other"), *policy.default_policy());
    assert_eq!(
        policy.client_ids().collect::<Vec<_>>(),
        ["bank", "my-client-id"]
    );
}

#[test]
fn default_combinations_follow_the_enabled_methods() {
    let p = parse("[fallback]\nmethods = [\"email_code\", \"sms_code\", \"totp\"]").unwrap();
    assert_eq!(
        p.default_policy().combinations(),
        [[EmailCode, Totp], [SmsCode, Totp]]
    );
    let p = parse("[fallback]\nmethods = [\"email_code\", \"password\"]").unwrap();
    assert!(p.default_policy().combinations().is_empty());
}

#[test]
fn combinations_are_normalised_to_convenience_order() {
    let p = parse("[fallback]\ncombinations = [[\"totp\", \"sms_code\"]]").unwrap();
    assert_eq!(p.default_policy().combinations(), [[Totp, SmsCode]]);
    let p = parse("[fallback]\ncombinations = [[\"sms_code\", \"totp\"]]").unwrap();
    assert_eq!(p.default_policy().combinations(), [[Totp, SmsCode]]);
}

#[test]
fn every_rule_names_its_key() {
    let cases: &[(&str, &str)] = &[
        (
            "[fallback]\nmethods = []",
            "fallback.methods: no method enabled; list at least one of: passkey_hybrid, security_key,",
        ),
        (
            "[fallback]\nmethods = [\"email_code\", \"fax\"]",
            "fallback.methods[1]: unknown method \"fax\"; known methods: passkey_hybrid, security_key, email_code, email_link, totp, sms_code, password, recovery_code",
        ),
        (
            "[fallback]\nmethods = [\"totp\", \"email_code\", \"totp\"]",
            "fallback.methods[2]: \"totp\" is listed twice",
        ),
        (
            "[fallback]\ncombinations = [[\"email_code\", \"totp\", \"sms_code\"]]",
            "fallback.combinations[0]: a combination names exactly two methods, this one names 3",
        ),
        (
            "[fallback]\ncombinations = [[\"email_code\"]]",
            "fallback.combinations[0]: a combination names exactly two methods, this one names 1",
        ),
        (
            "[fallback]\ncombinations = [[\"totp\", \"sms\"]]",
            "fallback.combinations[0][1]: unknown method \"sms\"; known methods:",
        ),
        (
            "[fallback.clients.web]\ncombinations = [[\"email_code\", \"email_code\"]]",
            "fallback.clients.web.combinations[0]: \"email_code\" twice in one combination",
        ),
        (
            "[fallback]\ncombinations = [[\"email_link\", \"email_code\"]]",
            "fallback.combinations[0]: \"email_link\" and \"email_code\" prove the same factor",
        ),
        (
            "[fallback]\ncombinations = [[\"security_key\", \"totp\"]]",
            "fallback.combinations[0][0]: \"security_key\" is a passkey method: it is phishing-resistant on its own and is never combined",
        ),
        (
            "[fallback]\ncombinations = [[\"totp\", \"password\"]]",
            "fallback.combinations[0][1]: \"password\" is not enabled; add it to fallback.methods or remove this combination",
        ),
        (
            "[fallback.clients.web]\nmethods = [\"totp\", \"email_code\"]\ncombinations = [[\"totp\", \"sms_code\"]]",
            "fallback.clients.web.combinations[0][1]: \"sms_code\" is not enabled; add it to fallback.clients.web.methods",
        ),
        (
            "[fallback.clients.web]\ncombinations = [[\"totp\", \"password\"]]",
            "fallback.clients.web.combinations[0][1]: \"password\" is not enabled; add it to fallback.methods",
        ),
        (
            "[fallback]\ncombinations = [[\"totp\", \"sms_code\"], [\"sms_code\", \"totp\"]]",
            "fallback.combinations[1]: the same combination as fallback.combinations[0]",
        ),
        (
            "[fallback]\nrequire_two_factors = true\ncombinations = []",
            "fallback.require_two_factors: two factors are required but no combination of the enabled methods is allowed",
        ),
        (
            // The client example of the brief without `totp`: no pair is left.
            "[fallback]\ncombinations = [[\"email_code\", \"totp\"]]\n[fallback.clients.my-client-id]\nmethods = [\"passkey_hybrid\", \"security_key\", \"email_code\"]\nrequire_two_factors = true",
            "fallback.clients.my-client-id.require_two_factors: two factors are required but no combination",
        ),
        (
            "[fallback]\nrequire_two_factors = true\n[fallback.clients.web]\nmethods = [\"email_code\", \"sms_code\"]",
            "fallback.clients.web.require_two_factors: two factors are required (inherited from fallback.require_two_factors) but",
        ),
        (
            "[fallback.clients.\"my.app\"]\nmethods = [\"sms\"]",
            "fallback.clients.\"my.app\".methods[0]: unknown method \"sms\"",
        ),
        (
            "[fallback.clients.\"\"]\nnudge = false",
            "fallback.clients: a client id cannot be empty",
        ),
    ];
    for (src, expected) in cases {
        let got = error(src);
        assert!(
            got.starts_with(expected),
            "{src}\n  expected: {expected}\n  got:      {got}"
        );
    }
}

#[test]
fn errors_are_structured_too() {
    let e = parse("[fallback]\nmethods = [\"fax\"]").unwrap_err();
    assert_eq!(e.path, "fallback.methods[0]");
    assert!(matches!(e.kind, PolicyErrorKind::UnknownMethod { ref name, .. } if name == "fax"));
}

#[test]
fn unknown_keys_are_errors_naming_the_key() {
    for (src, key) in [
        ("[fallback]\nmethod = [\"totp\"]", "method"),
        ("[fallback.clients.web]\nnudges = false", "nudges"),
    ] {
        let file: Result<toml::Table, _> = toml::from_str(src);
        let fallback = file.unwrap()["fallback"].clone();
        let err = fallback.try_into::<PolicyConfig>().unwrap_err().to_string();
        assert!(err.contains("unknown field") && err.contains(key), "{err}");
    }
}

#[test]
fn config_round_trips_through_toml() {
    let mut config = PolicyConfig {
        combinations: Some(vec![vec!["email_code".into(), "totp".into()]]),
        ..PolicyConfig::default()
    };
    config.clients.insert(
        "web".into(),
        ClientPolicyConfig {
            methods: Some(vec![
                "passkey_hybrid".into(),
                "email_code".into(),
                "totp".into(),
            ]),
            require_two_factors: Some(true),
            ..ClientPolicyConfig::default()
        },
    );
    let text = toml::to_string(&config).unwrap();
    let back: PolicyConfig = toml::from_str(&text).unwrap();
    assert_eq!(back, config);
    assert!(Policy::from_config(&back).is_ok());
}

#[test]
fn method_names_round_trip() {
    for m in FallbackMethod::ALL {
        assert_eq!(FallbackMethod::parse(m.as_str()), Some(m));
        assert_eq!(toml::Value::try_from(m).unwrap().as_str(), Some(m.as_str()));
    }
    assert_eq!(FallbackMethod::parse("Totp"), None);
    let set: MethodSet = [Totp, EmailCode].into_iter().collect();
    assert_eq!(format!("{set:?}"), "{EmailCode, Totp}");
}

#[test]
fn nudge_interval_is_global_and_bounded() {
    let p = parse("[fallback]\nnudge_interval_days = 30").unwrap();
    assert_eq!(p.nudge_interval_secs(), 30 * 86_400);
    assert_eq!(Policy::default().nudge_interval_secs(), 7 * 86_400);
    for bad in ["0", "366"] {
        let e = error(&format!("[fallback]\nnudge_interval_days = {bad}"));
        assert!(e.starts_with("fallback.nudge_interval_days: "), "{e}");
    }
    let per_client = toml::from_str::<toml::Table>("nudge_interval_days = 3")
        .unwrap()
        .try_into::<ClientPolicyConfig>();
    let e = per_client.expect_err("global only").to_string();
    assert!(e.contains("nudge_interval_days"), "{e}");
}

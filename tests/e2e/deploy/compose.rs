//! deploy/compose.yaml and deploy/nginx/nginx.conf.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use latchkey_server::cli::Command;
use latchkey_server::config::Config;
use latchkey_server::net::{IpNet, resolve};
use serde_json::Value;

use super::{command, image_env, load, read, scalar, strings, yaml};

/// Compose's interpolation with no `.env`: `${NAME:-default}` and
/// `${NAME-default}` become the default, `$$` a `$`. A variable without a
/// default fails: the file must work as it is.
fn interpolate(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(body) = after.strip_prefix('{') {
            let end = body
                .find('}')
                .unwrap_or_else(|| panic!("unclosed ${{ in {s:?}"));
            let expr = &body[..end];
            let default = expr
                .split_once(":-")
                .or_else(|| expr.split_once('-'))
                .map(|(_, d)| d)
                .unwrap_or_else(|| panic!("${{{expr}}} in {s:?} needs a default"));
            out.push_str(default);
            rest = &body[end + 1..];
        } else {
            panic!("bare $ in {s:?}: use ${{NAME:-default}} or $$");
        }
    }
    out.push_str(rest);
    out
}

fn interpolate_all(v: &mut Value) {
    match v {
        Value::String(s) => *s = interpolate(s),
        Value::Array(a) => a.iter_mut().for_each(interpolate_all),
        Value::Object(o) => o.values_mut().for_each(interpolate_all),
        _ => {}
    }
}

fn compose() -> Value {
    let mut v = yaml("deploy/compose.yaml");
    interpolate_all(&mut v);
    v
}

/// A service's environment, in map or list form.
fn environment(service: &Value) -> BTreeMap<String, String> {
    match &service["environment"] {
        Value::Object(o) => o.iter().map(|(k, v)| (k.clone(), scalar(v))).collect(),
        Value::Array(a) => a
            .iter()
            .map(|e| {
                let (k, v) = e.as_str().unwrap().split_once('=').unwrap();
                (k.to_owned(), v.to_owned())
            })
            .collect(),
        Value::Null => BTreeMap::new(),
        other => panic!("environment: {other}"),
    }
}

const NODES: [&str; 3] = ["latchkey-1", "latchkey-2", "latchkey-3"];

/// The compose services that run `latchkey serve`.
fn compose_nodes(c: &Value) -> BTreeSet<String> {
    c["services"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, s)| {
            s.get("command")
                .is_some_and(|cmd| matches!(command(&strings(cmd)), Command::Serve))
        })
        .map(|(name, _)| name.clone())
        .collect()
}

#[test]
fn compose_runs_postgres_redis_a_migration_three_nodes_and_nginx() {
    let c = compose();
    let services = &c["services"];
    assert!(
        services["postgres"]["image"]
            .as_str()
            .unwrap()
            .starts_with("postgres:")
    );
    assert!(
        services["redis"]["image"]
            .as_str()
            .unwrap()
            .starts_with("redis:")
    );
    assert!(
        services["nginx"]["image"]
            .as_str()
            .unwrap()
            .starts_with("nginx:")
    );
    let nodes = compose_nodes(&c);
    assert_eq!(
        nodes,
        BTreeSet::from(NODES.map(str::to_owned)),
        "three serving nodes"
    );

    let migrate = &services["migrate"];
    assert!(matches!(
        command(&strings(&migrate["command"])),
        Command::Migrate
    ));
    assert_eq!(
        migrate["depends_on"]["postgres"]["condition"],
        "service_healthy"
    );
    for name in ["postgres", "redis"] {
        assert!(
            services[name]["healthcheck"]["test"].is_array(),
            "{name} healthcheck"
        );
    }
    for name in &nodes {
        let node = &services[name];
        assert_eq!(
            node["image"], migrate["image"],
            "{name} runs the migrated image"
        );
        let test = strings(&node["healthcheck"]["test"]);
        assert_eq!(test[0], "CMD", "{name}: exec form");
        assert_eq!(test[1], "latchkey", "{name}");
        assert!(matches!(command(&test[2..]), Command::Health(_)), "{name}");
        let deps = &node["depends_on"];
        assert_eq!(
            deps["migrate"]["condition"],
            "service_completed_successfully"
        );
        assert_eq!(deps["redis"]["condition"], "service_healthy");
        assert_eq!(
            services["nginx"]["depends_on"][name]["condition"],
            "service_healthy"
        );
    }
}

#[test]
fn every_service_gets_the_secret_files_its_variables_name() {
    let c = compose();
    let declared: BTreeSet<&String> = c["secrets"].as_object().unwrap().keys().collect();
    for (name, service) in c["services"].as_object().unwrap() {
        let mounted: Vec<String> = service.get("secrets").map(strings).unwrap_or_default();
        for secret in &mounted {
            assert!(
                declared.contains(secret),
                "{name}: undeclared secret {secret}"
            );
        }
        for (var, value) in environment(service) {
            if var.ends_with("_FILE") {
                let secret = value
                    .strip_prefix("/run/secrets/")
                    .unwrap_or_else(|| panic!("{name}: {var} is not a compose secret"));
                assert!(
                    mounted.iter().any(|m| m == secret),
                    "{name}: {var} → {secret}"
                );
            }
        }
    }
    let nginx = read("deploy/nginx/nginx.conf");
    let mounted = strings(&c["services"]["nginx"]["secrets"]);
    for word in nginx.split(|ch: char| ch.is_whitespace() || ch == ';') {
        if let Some(secret) = word.strip_prefix("/run/secrets/") {
            assert!(mounted.iter().any(|m| m == secret), "nginx: {secret}");
        }
    }
}

#[test]
fn compose_environment_is_accepted_by_the_configuration_loader() {
    let c = compose();
    let mut first: Option<Config> = None;
    for name in NODES.iter().copied().chain(["migrate"]) {
        let mut env = image_env();
        env.extend(environment(&c["services"][name]));
        let config = load(&env).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            config.database.url.expose().starts_with("postgres://"),
            "{name}"
        );
        assert!(
            config.ephemeral.url.expose().starts_with("redis://"),
            "{name}"
        );
        assert!(!config.dev_mode, "{name}: production");
        // Every node and the migration share what matters.
        match &first {
            None => first = Some(config),
            Some(f) => assert_eq!(&config, f, "{name} differs from {}", NODES[0]),
        }
    }
}

#[test]
fn a_misspelt_variable_fails_the_check() {
    let c = compose();
    let mut env = image_env();
    env.extend(environment(&c["services"]["latchkey-1"]));
    assert!(load(&env).is_ok());
    for (from, to) in [
        (
            "LATCHKEY_SERVER__TRUSTED_PROXIES",
            "LATCHKEY_SERVER__TRUSTED_PROXY",
        ),
        ("LATCHKEY_DATABASE__URL_FILE", "LATCHKEY_DATABASE_URL_FILE"),
    ] {
        let mut bad = env.clone();
        let value = bad.remove(from).unwrap();
        bad.insert(to.to_owned(), value);
        let err = load(&bad).unwrap_err();
        assert!(err.contains(to), "{err}");
    }
}

/// The `upstream NAME { … }` servers of nginx.conf, comments removed.
fn nginx_upstream(conf: &str, name: &str) -> Vec<String> {
    let text: String = conf
        .lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let start = text
        .find(&format!("upstream {name} {{"))
        .unwrap_or_else(|| panic!("no upstream {name}"));
    let block = &text[start..];
    let block = &block[block.find('{').unwrap() + 1..block.find('}').unwrap()];
    block
        .split(';')
        .map(str::trim)
        .filter_map(|d| d.strip_prefix("server "))
        .map(|s| s.split_whitespace().next().unwrap().to_owned())
        .collect()
}

#[test]
fn nginx_balances_exactly_the_compose_nodes_and_is_the_only_trusted_proxy() {
    let c = compose();
    let conf = read("deploy/nginx/nginx.conf");
    let volumes = strings(&c["services"]["nginx"]["volumes"]);
    assert!(
        volumes
            .iter()
            .any(|v| v.starts_with("./nginx/nginx.conf:/etc/nginx/nginx.conf"))
    );
    assert!(conf.contains("proxy_pass http://latchkey;"));
    assert!(conf.contains("proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;"));

    let mut env = image_env();
    env.extend(environment(&c["services"][NODES[0]]));
    let config = load(&env).unwrap();
    let port = config.server.listen.port();
    let upstream: BTreeSet<String> = nginx_upstream(&conf, "latchkey").into_iter().collect();
    let want: BTreeSet<String> = compose_nodes(&c)
        .iter()
        .map(|n| format!("{n}:{port}"))
        .collect();
    assert_eq!(upstream, want);

    // nginx's fixed address is trusted; another container on its network
    // is not, so it cannot pick a client address.
    let nginx_ip: IpAddr = c["services"]["nginx"]["networks"]["frontend"]["ipv4_address"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let subnet = c["networks"]["frontend"]["ipam"]["config"][0]["subnet"]
        .as_str()
        .unwrap();
    assert!(IpNet::parse(subnet).unwrap().contains(nginx_ip));
    let trusted = &config.server.trusted_proxies;
    let client: IpAddr = "198.51.100.7".parse().unwrap();
    assert_eq!(
        resolve(Some(nginx_ip), Some("198.51.100.7"), trusted),
        Some(client)
    );
    let IpAddr::V4(v4) = nginx_ip else {
        panic!("IPv4 expected")
    };
    let neighbour = IpAddr::from(std::net::Ipv4Addr::from(u32::from(v4) + 1));
    assert_eq!(
        resolve(Some(neighbour), Some("198.51.100.7"), trusted),
        Some(neighbour)
    );
}

//! `latchkey health`: probe a running server's liveness endpoint, for
//! container health checks (the runtime image has no curl or wget).
//!
//! Exit code 0 when the URL answers `200 OK`, 1 otherwise (any other status,
//! a redirect, a refused connection, a timeout). Docker's `HEALTHCHECK` reads
//! exactly that: 0 healthy, 1 unhealthy.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use clap::Args;

use super::{Failure, Output};
use crate::config::Config;

/// Options of `latchkey health`.
#[derive(Debug, Args)]
pub struct HealthArgs {
    /// URL to probe. Default: `/healthz` on the configured `server.listen`
    /// address (an unspecified address such as 0.0.0.0 is probed on
    /// loopback).
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// Seconds to wait for the answer, connecting included.
    #[arg(long, value_name = "SECS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=300))]
    timeout_secs: u64,
}

/// The URL probed when `--url` is not given.
#[must_use]
pub fn default_url(listen: SocketAddr) -> String {
    // A server bound to every interface is reachable on loopback; probing
    // 0.0.0.0 itself works on Linux only by accident.
    let ip = match listen.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}/healthz", SocketAddr::new(ip, listen.port()))
}

pub(super) async fn run(args: HealthArgs, config: &Config, out: Output) -> Result<(), Failure> {
    let url = args
        .url
        .unwrap_or_else(|| default_url(config.server.listen));
    let status = probe(&url, Duration::from_secs(args.timeout_secs))
        .await
        .map_err(Failure::runtime)?;
    out.emit(
        &serde_json::json!({ "status": "ok", "url": url, "http_status": status }),
        || format!("healthy: {url} answered {status}"),
    );
    Ok(())
}

/// GET `url` once. `Ok` with the status code when it is 200, otherwise
/// the message an operator reads in `docker inspect` or the CLI's stderr.
///
/// # Errors
///
/// A message naming the URL and what went wrong: a status other than 200,
/// no connection, or no answer within `timeout`.
pub async fn probe(url: &str, timeout: Duration) -> Result<u16, String> {
    let parsed =
        url::Url::parse(url).map_err(|e| format!("unhealthy: invalid URL {url:?}: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!(
            "unhealthy: invalid URL {url:?}: expected an http:// or https:// URL"
        ));
    }
    let client = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        // A redirect is not health: /healthz answers 200 itself.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| format!("unhealthy: cannot build the HTTP client: {e}"))?;
    let res = client.get(parsed).send().await.map_err(|e| {
        let why = if e.is_timeout() {
            format!("no answer within {}s", timeout.as_secs())
        } else if e.is_connect() {
            format!("cannot connect ({})", root_cause(&e))
        } else {
            root_cause(&e)
        };
        format!("unhealthy: {url}: {why}")
    })?;
    let status = res.status();
    if status == reqwest::StatusCode::OK {
        Ok(status.as_u16())
    } else {
        Err(format!(
            "unhealthy: {url} answered {status}, expected 200 OK"
        ))
    }
}

/// The innermost error's message: reqwest's own only says "error sending
/// request"; the cause ("Connection refused") is what helps.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::net::TcpListener;

    use super::*;
    use crate::config::Config;

    #[test]
    fn default_url_probes_loopback_for_unspecified_addresses() {
        let cases = [
            ("0.0.0.0:8080", "http://127.0.0.1:8080/healthz"),
            ("[::]:9000", "http://[::1]:9000/healthz"),
            ("127.0.0.1:8080", "http://127.0.0.1:8080/healthz"),
            ("10.1.2.3:80", "http://10.1.2.3:80/healthz"),
        ];
        for (listen, want) in cases {
            assert_eq!(default_url(listen.parse().unwrap()), want, "{listen}");
        }
    }

    /// A dev configuration on a fresh SQLite file and the memory store,
    /// listening on `listen`.
    fn dev_config(dir: &std::path::Path, listen: SocketAddr) -> Config {
        let data = dir.join("data");
        let db = format!("sqlite://{}", dir.join("latchkey.db").display());
        let listen = listen.to_string();
        let env = [
            ("LATCHKEY_DATA_DIR", data.to_str().unwrap()),
            ("LATCHKEY_DATABASE__URL", db.as_str()),
            ("LATCHKEY_SERVER__LISTEN", listen.as_str()),
            ("LATCHKEY_SERVER__WORKERS", "1"),
        ];
        Config::from_sources(None, &env, Some(true)).unwrap()
    }

    fn args(url: Option<String>) -> HealthArgs {
        HealthArgs {
            url,
            timeout_secs: 5,
        }
    }

    #[actix_web::test]
    async fn a_running_server_is_healthy_and_a_closed_port_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let config = dev_config(dir.path(), addr);
        let state = crate::state::AppState::connect(config.clone())
            .await
            .unwrap();
        let bound = crate::serve::bind(state, listener).unwrap();
        let handle = bound.handle.clone();
        actix_web::rt::spawn(bound.server);
        let out = Output { json: false };

        // Default URL: /healthz on the configured listen address.
        run(args(None), &config, out).await.unwrap();
        assert_eq!(
            probe(&default_url(addr), Duration::from_secs(5)).await,
            Ok(200)
        );

        // A page that is not 200 is unhealthy, with the status named.
        let url = format!("http://{addr}/no-such-page");
        let err = run(args(Some(url.clone())), &config, out)
            .await
            .unwrap_err();
        assert_eq!(err.code, 1);
        assert!(err.message.contains(&url), "{}", err.message);
        assert!(err.message.contains("404"), "{}", err.message);

        handle.stop(false).await;

        // A closed port: exit 1, and the message says the connection failed.
        let closed = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        let url = format!("http://{closed}/healthz");
        let err = run(args(Some(url.clone())), &config, out)
            .await
            .unwrap_err();
        assert_eq!(err.code, 1);
        assert!(
            err.message.starts_with("unhealthy: ") && err.message.contains(&url),
            "{}",
            err.message
        );
        assert!(
            err.message.contains("cannot connect"),
            "the reason is named: {}",
            err.message
        );
    }

    #[actix_web::test]
    async fn a_malformed_url_is_a_clear_failure() {
        for url in ["not a url", "ftp://127.0.0.1/healthz"] {
            let err = probe(url, Duration::from_secs(1)).await.unwrap_err();
            assert!(err.contains("invalid URL"), "{err}");
        }
    }
}

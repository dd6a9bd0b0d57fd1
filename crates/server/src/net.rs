//! The client's address, for per-IP limits.
//!
//! The TCP peer is the client unless it is one of `server.trusted_proxies`
//! (a load balancer). Then the client is the right-most address of
//! `X-Forwarded-For` that is not itself a trusted proxy: every proxy
//! appends the address it saw, so addresses left of the last untrusted one
//! may have been written by the client and are ignored. With no trusted
//! proxies configured, `X-Forwarded-For` is never read, so a client cannot
//! pick its own rate-limit bucket.

use std::net::IpAddr;

use actix_web::{HttpRequest, web};

use crate::state::AppState;

/// One trusted proxy: an address, or a network in CIDR notation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(into = "String")]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl From<IpNet> for String {
    fn from(n: IpNet) -> Self {
        format!("{}/{}", n.addr, n.prefix)
    }
}

impl IpNet {
    /// Parse `10.0.0.0/8`, `2001:db8::/32` or a bare address.
    ///
    /// # Errors
    /// A message saying what is wrong.
    pub fn parse(s: &str) -> Result<Self, String> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr
            .trim()
            .parse()
            .map_err(|_| format!("{s:?} is not an IP address or CIDR network"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{s:?} has a prefix length outside 0 to {max}"))?,
        };
        Ok(Self { addr, prefix })
    }

    /// Whether `ip` is in this network.
    #[must_use]
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// Parse a comma-separated list of trusted proxies.
///
/// # Errors
/// The first entry that does not parse.
pub fn parse_list(s: &str) -> Result<Vec<IpNet>, String> {
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(IpNet::parse)
        .collect()
}

/// The client address given the peer, the `X-Forwarded-For` values and
/// the trusted proxies.
#[must_use]
pub fn resolve(peer: Option<IpAddr>, forwarded: Option<&str>, trusted: &[IpNet]) -> Option<IpAddr> {
    let peer = peer?.to_canonical();
    let is_trusted = |ip: IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(peer) {
        return Some(peer);
    }
    let mut client = peer;
    for hop in forwarded.unwrap_or("").rsplit(',') {
        let Ok(ip) = hop.trim().parse::<IpAddr>() else {
            break;
        };
        client = ip.to_canonical();
        if !is_trusted(client) {
            break;
        }
    }
    Some(client)
}

/// The client's address as a string (`unknown` when there is no peer).
#[must_use]
pub fn client_ip(req: &HttpRequest) -> String {
    let trusted = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.config.server.trusted_proxies.clone())
        .unwrap_or_default();
    let forwarded = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok());
    resolve(req.peer_addr().map(|a| a.ip()), forwarded, &trusted)
        .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn networks_parse_and_match() {
        let n = IpNet::parse("10.0.0.0/8").unwrap();
        assert!(n.contains(ip("10.1.2.3")));
        assert!(!n.contains(ip("11.0.0.1")));
        assert!(IpNet::parse("::ffff:10.0.0.1").is_ok());
        assert!(
            IpNet::parse("2001:db8::/32")
                .unwrap()
                .contains(ip("2001:db8::1"))
        );
        assert!(IpNet::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
        for bad in ["10.0.0.0/33", "nope", "10.0.0.0/x", ""] {
            assert!(IpNet::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_list(" 10.0.0.0/8, 127.0.0.1 ").unwrap().len(), 2);
    }

    #[test]
    fn forwarded_for_is_read_only_behind_a_trusted_proxy() {
        let lb = parse_list("10.0.0.0/8").unwrap();
        // Untrusted peer: the header is ignored whatever it says.
        assert_eq!(
            resolve(Some(ip("203.0.113.9")), Some("1.2.3.4"), &lb),
            Some(ip("203.0.113.9"))
        );
        // Trusted peer: the right-most untrusted hop.
        assert_eq!(
            resolve(
                Some(ip("10.0.0.2")),
                Some("6.6.6.6, 198.51.100.7, 10.0.0.3"),
                &lb
            ),
            Some(ip("198.51.100.7"))
        );
        // No header behind a proxy: the proxy itself.
        assert_eq!(
            resolve(Some(ip("10.0.0.2")), None, &lb),
            Some(ip("10.0.0.2"))
        );
        // Garbage stops the walk at the last good address.
        assert_eq!(
            resolve(Some(ip("10.0.0.2")), Some("junk, 10.0.0.9"), &lb),
            Some(ip("10.0.0.9"))
        );
        // Nothing trusted: never read.
        assert_eq!(
            resolve(Some(ip("10.0.0.2")), Some("1.2.3.4"), &[]),
            Some(ip("10.0.0.2"))
        );
        assert_eq!(resolve(None, Some("1.2.3.4"), &lb), None);
    }
}

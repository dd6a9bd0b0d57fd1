//! `latchkey keys …`: inspect and rotate the token-signing keys.
//!
//! Rotation only writes to the database; running servers pick the change up
//! within their refresh interval. See `docs/operations.md`.

use clap::{Args, Subcommand};
use latchkey_core::{Clock as _, SystemClock, UnixTime};
use latchkey_oidc::SigningAlg;
use latchkey_oidc::keys::{KeyRepo as _, KeySet, StoredKey, rotate};
use serde::Serialize;

use super::{Failure, Output, admin_db};
use crate::config::Config;
use crate::keys::{
    DEFAULT_PREPUBLISH_SECS, DEFAULT_REFRESH_INTERVAL, MAX_TOKEN_LIFETIME_SECS, MIN_PREPUBLISH_SECS,
};

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// List signing keys with their state (pending, active, retired, expired).
    List,
    /// Create new signing keys, published at once and signing after the
    /// pre-publication period; the current keys retire then and leave the
    /// JWKS once every token they signed has expired.
    Rotate(RotateArgs),
}

#[derive(Debug, Args)]
pub struct RotateArgs {
    /// Algorithm to rotate (repeatable): ES256, RS256 or EdDSA. Default: all.
    #[arg(long = "alg", value_name = "ALG", value_parser = parse_alg)]
    algs: Vec<SigningAlg>,
    /// Seconds between publishing the new key and signing with it. Must
    /// cover the JWKS cache lifetime plus every node's refresh interval.
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_PREPUBLISH_SECS)]
    prepublish_secs: i64,
}

fn parse_alg(s: &str) -> Result<SigningAlg, String> {
    SigningAlg::parse(s).ok_or_else(|| {
        let all: Vec<&str> = SigningAlg::ALL.iter().map(|a| a.as_str()).collect();
        format!("expected one of {}", all.join(", "))
    })
}

/// A key as listed; never any key material.
#[derive(Serialize)]
struct Listed<'a> {
    kid: &'a str,
    alg: SigningAlg,
    state: &'static str,
    created_at: UnixTime,
    activates_at: UnixTime,
    retires_at: Option<UnixTime>,
    expires_at: Option<UnixTime>,
}

#[derive(Serialize)]
struct Created {
    kid: String,
    alg: SigningAlg,
    activates_at: UnixTime,
}

#[derive(Serialize)]
struct Rotated {
    created: Vec<Created>,
    retired: Vec<latchkey_oidc::keys::Retirement>,
    pruned: u64,
}

pub(super) async fn run(cmd: KeysCommand, config: &Config, out: Output) -> Result<(), Failure> {
    match cmd {
        KeysCommand::List => list(config, out).await,
        KeysCommand::Rotate(args) => rotate_keys(args, config, out).await,
    }
}

async fn list(config: &Config, out: Output) -> Result<(), Failure> {
    let db = admin_db(config).await?;
    let now = SystemClock.now();
    let keys = db.list_keys().await.map_err(Failure::runtime)?;
    let listed: Vec<Listed<'_>> = keys.iter().map(|k| listed(k, now)).collect();
    out.emit(&listed, || {
        if listed.is_empty() {
            return "no signing keys yet (the server creates them at first start)".into();
        }
        let mut lines = vec![format!(
            "{:<43}  {:<5}  {:<7}  {:<20}  {:<20}  {:<20}  {:<20}",
            "KID", "ALG", "STATE", "CREATED", "ACTIVATES", "RETIRES", "EXPIRES"
        )];
        let opt = |t: Option<UnixTime>| t.map_or_else(|| "-".to_owned(), iso);
        for k in &listed {
            lines.push(format!(
                "{:<43}  {:<5}  {:<7}  {:<20}  {:<20}  {:<20}  {:<20}",
                k.kid,
                k.alg.as_str(),
                k.state,
                iso(k.created_at),
                iso(k.activates_at),
                opt(k.retires_at),
                opt(k.expires_at)
            ));
        }
        lines.join("\n")
    });
    Ok(())
}

fn listed(k: &StoredKey, now: UnixTime) -> Listed<'_> {
    Listed {
        kid: &k.kid,
        alg: k.alg,
        state: k.state(now).as_str(),
        created_at: k.created_at,
        activates_at: k.activates_at,
        retires_at: k.retires_at,
        expires_at: k.expires_at,
    }
}

async fn rotate_keys(args: RotateArgs, config: &Config, out: Output) -> Result<(), Failure> {
    if args.prepublish_secs < MIN_PREPUBLISH_SECS {
        return Err(Failure::usage(format!(
            "--prepublish-secs must be at least {MIN_PREPUBLISH_SECS}: relying parties may cache \
             the JWKS and servers refresh their keys on an interval, so a key that signs sooner \
             could be unknown to them"
        )));
    }
    let enc_key = config.encryption_key().map_err(Failure::usage)?;
    let db = admin_db(config).await?;
    let now = SystemClock.now();
    let mut keys = db.list_keys().await.map_err(Failure::runtime)?;
    // Sealing new keys under a different encryption key than the running
    // servers use would leave them unable to load any key: prove this is
    // the right one by opening the existing keys first.
    KeySet::from_stored(&keys, &enc_key, now)
        .map_err(|e| Failure::runtime(format!("refusing to rotate: {e}")))?;
    let algs = if args.algs.is_empty() {
        SigningAlg::ALL.to_vec()
    } else {
        args.algs
    };
    let mut report = Rotated {
        created: Vec::new(),
        retired: Vec::new(),
        pruned: 0,
    };
    for alg in algs {
        if report.created.iter().any(|c| c.alg == alg) {
            continue;
        }
        let rotation = rotate(
            &keys,
            alg,
            &enc_key,
            now,
            args.prepublish_secs,
            MAX_TOKEN_LIFETIME_SECS,
        )
        .map_err(Failure::runtime)?;
        db.insert_key(&rotation.key)
            .await
            .map_err(Failure::runtime)?;
        for r in &rotation.retirements {
            db.retire_key(&r.kid, r.retires_at, r.expires_at)
                .await
                .map_err(Failure::runtime)?;
        }
        rotation.apply_to(&mut keys);
        report.created.push(Created {
            kid: rotation.key.kid.clone(),
            alg,
            activates_at: rotation.key.activates_at,
        });
        report.retired.extend(rotation.retirements);
    }
    report.pruned = db
        .delete_expired_keys(now)
        .await
        .map_err(Failure::runtime)?;
    out.emit(&report, || describe(&report));
    Ok(())
}

fn describe(r: &Rotated) -> String {
    let mut lines = Vec::new();
    for c in &r.created {
        lines.push(format!(
            "created {} key {}: published now, signs from {}",
            c.alg,
            c.kid,
            iso(c.activates_at)
        ));
    }
    for k in &r.retired {
        lines.push(format!(
            "retiring {}: signs until {}, leaves the JWKS at {}",
            k.kid,
            iso(k.retires_at),
            iso(k.expires_at)
        ));
    }
    if r.pruned > 0 {
        lines.push(format!("deleted {} expired key(s)", r.pruned));
    }
    lines.push(format!(
        "Running servers pick this up within {} s.",
        DEFAULT_REFRESH_INTERVAL.as_secs()
    ));
    lines.join("\n")
}

/// RFC 3339 in UTC, from Unix seconds (days-to-civil after H. Hinnant's
/// public-domain algorithm), so the CLI needs no date library.
fn iso(t: UnixTime) -> String {
    let days = t.0.div_euclid(86_400);
    let secs = t.0.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates() {
        assert_eq!(iso(UnixTime(0)), "1970-01-01T00:00:00Z");
        assert_eq!(iso(UnixTime(951_782_400)), "2000-02-29T00:00:00Z");
        assert_eq!(iso(UnixTime(1_800_000_000)), "2027-01-15T08:00:00Z");
        assert_eq!(iso(UnixTime(-1)), "1969-12-31T23:59:59Z");
    }
}

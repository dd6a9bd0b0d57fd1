//! `key=value,…` overrides of a [`Situation`], for `latchkey policy explain
//! --situation …` (and tests): the CLI builds a base situation from a real
//! client and user, then applies these.

use latchkey_core::{PasskeyFailure, UnixTime};

use super::input::{PasskeySummary, Requirement, Situation};
use crate::policy::FallbackMethod;

/// Every key, with the values it takes (also the text of the unknown-key
/// error). `acr`, `locked` and `passkey` may be repeated: given at least
/// once, they replace the base value with the listed ones (`none` lists
/// nothing).
pub const OVERRIDE_KEYS: [(&str, &str); 18] = [
    (
        "failure",
        "a passkey failure reason (no_passkey_on_this_device, …) or none",
    ),
    (
        "platform",
        "true | false | unknown (platform authenticator available)",
    ),
    (
        "conditional",
        "true | false | unknown (conditional mediation available)",
    ),
    (
        "hybrid",
        "true | false | unknown (hybrid transport available)",
    ),
    ("known_device", "true | false"),
    ("identified", "true | false"),
    (
        "acr",
        "a requested acr value (repeatable; unknown values allowed) or none",
    ),
    ("max_age", "seconds or none"),
    ("now", "unix seconds"),
    ("nudge_suppressed", "true | false"),
    ("email", "true | false (verified email)"),
    ("phone", "true | false (verified phone)"),
    ("totp", "true | false"),
    ("password", "true | false"),
    ("recovery_codes", "number of unused recovery codes"),
    (
        "passkey",
        "synced | platform | security_key | attested_key (repeatable) or none",
    ),
    (
        "locked",
        "METHOD:SECONDS, locked for that long from now (repeatable) or none",
    ),
    ("account_locked", "seconds from now (0 = not locked)"),
];

/// Parsed overrides; `None` fields leave the base situation as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SituationOverrides {
    failure: Option<Option<PasskeyFailure>>,
    platform: Option<Option<bool>>,
    conditional: Option<Option<bool>>,
    hybrid: Option<Option<bool>>,
    known_device: Option<bool>,
    identified: Option<bool>,
    acr: Option<Vec<String>>,
    max_age: Option<Option<u64>>,
    now: Option<i64>,
    nudge_suppressed: Option<bool>,
    email: Option<bool>,
    phone: Option<bool>,
    totp: Option<bool>,
    password: Option<bool>,
    recovery_codes: Option<u32>,
    passkeys: Option<Vec<PasskeySummary>>,
    locked: Option<Vec<(FallbackMethod, i64)>>,
    account_locked: Option<i64>,
}

fn once<T>(slot: &mut Option<T>, key: &str, value: T) -> Result<(), String> {
    if slot.is_some() {
        return Err(format!("{key} is given twice"));
    }
    *slot = Some(value);
    Ok(())
}

fn repeat<T>(slot: &mut Option<Vec<T>>, value: Option<T>) {
    let list = slot.get_or_insert_with(Vec::new);
    list.extend(value);
}

fn boolean(key: &str, v: &str) -> Result<bool, String> {
    match v {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(format!("{key}: expected true or false, got {v:?}")),
    }
}

fn tristate(key: &str, v: &str) -> Result<Option<bool>, String> {
    match v {
        "unknown" => Ok(None),
        _ => boolean(key, v)
            .map(Some)
            .map_err(|_| format!("{key}: expected true, false or unknown, got {v:?}")),
    }
}

fn number<T: std::str::FromStr>(key: &str, v: &str) -> Result<T, String> {
    v.parse()
        .map_err(|_| format!("{key}: expected a number, got {v:?}"))
}

fn failure(v: &str) -> Result<Option<PasskeyFailure>, String> {
    if v == "none" {
        return Ok(None);
    }
    PasskeyFailure::ALL
        .into_iter()
        .find(|f| f.as_str() == v)
        .map(Some)
        .ok_or_else(|| {
            let known = PasskeyFailure::ALL.map(PasskeyFailure::as_str).join(", ");
            format!("failure: unknown reason {v:?}; known: {known}, none")
        })
}

fn passkey(v: &str) -> Result<Option<PasskeySummary>, String> {
    let (backup_eligible, transports, hardware_attested): (bool, &[&str], bool) = match v {
        "none" => return Ok(None),
        "synced" => (true, &["hybrid", "internal"], false),
        "platform" => (false, &["internal"], false),
        "security_key" => (false, &["nfc", "usb"], false),
        "attested_key" => (false, &["nfc", "usb"], true),
        _ => {
            return Err(format!(
                "passkey: unknown kind {v:?}; known: synced, platform, security_key, attested_key, none"
            ));
        }
    };
    let transports = transports.iter().map(|t| (*t).to_owned()).collect();
    Ok(Some(PasskeySummary {
        backup_eligible,
        transports,
        hardware_attested,
    }))
}

fn lock(v: &str) -> Result<Option<(FallbackMethod, i64)>, String> {
    if v == "none" {
        return Ok(None);
    }
    let (name, secs) = v
        .split_once(':')
        .ok_or_else(|| format!("locked: expected METHOD:SECONDS, got {v:?}"))?;
    let method = FallbackMethod::parse(name).ok_or_else(|| {
        let known = FallbackMethod::known_names();
        format!("locked: unknown method {name:?}; known methods: {known}")
    })?;
    Ok(Some((method, number("locked", secs)?)))
}

impl SituationOverrides {
    /// Parse `key=value,key=value,…` (see [`OVERRIDE_KEYS`]), e.g.
    /// `failure=no_passkey_on_this_device,hybrid=false,platform=true,known_device=true`.
    /// Empty items are ignored.
    ///
    /// # Errors
    /// A message naming the key (or item) that is wrong.
    pub fn parse(input: &str) -> Result<Self, String> {
        let mut o = Self::default();
        for item in input.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let (key, v) = item
                .split_once('=')
                .map(|(k, v)| (k.trim(), v.trim()))
                .ok_or_else(|| format!("{item:?}: expected key=value"))?;
            match key {
                "failure" => once(&mut o.failure, key, failure(v)?)?,
                "platform" => once(&mut o.platform, key, tristate(key, v)?)?,
                "conditional" => once(&mut o.conditional, key, tristate(key, v)?)?,
                "hybrid" => once(&mut o.hybrid, key, tristate(key, v)?)?,
                "known_device" => once(&mut o.known_device, key, boolean(key, v)?)?,
                "identified" => once(&mut o.identified, key, boolean(key, v)?)?,
                "acr" => repeat(&mut o.acr, (v != "none").then(|| v.to_owned())),
                "max_age" => {
                    let age = if v == "none" {
                        None
                    } else {
                        Some(number(key, v)?)
                    };
                    once(&mut o.max_age, key, age)?;
                }
                "now" => once(&mut o.now, key, number(key, v)?)?,
                "nudge_suppressed" => once(&mut o.nudge_suppressed, key, boolean(key, v)?)?,
                "email" => once(&mut o.email, key, boolean(key, v)?)?,
                "phone" => once(&mut o.phone, key, boolean(key, v)?)?,
                "totp" => once(&mut o.totp, key, boolean(key, v)?)?,
                "password" => once(&mut o.password, key, boolean(key, v)?)?,
                "recovery_codes" => once(&mut o.recovery_codes, key, number(key, v)?)?,
                "passkey" => repeat(&mut o.passkeys, passkey(v)?),
                "locked" => repeat(&mut o.locked, lock(v)?),
                "account_locked" => once(&mut o.account_locked, key, number(key, v)?)?,
                _ => {
                    let known: Vec<&str> = OVERRIDE_KEYS.iter().map(|(k, _)| *k).collect();
                    return Err(format!(
                        "unknown key {key:?}; known keys: {}",
                        known.join(", ")
                    ));
                }
            }
        }
        Ok(o)
    }

    /// Apply to `s`. `now` is applied first, so lock durations count from
    /// the overridden instant.
    pub fn apply_to(&self, s: &mut Situation) {
        if let Some(now) = self.now {
            s.now = UnixTime(now);
        }
        set(&mut s.failure, self.failure);
        set(&mut s.device.platform_authenticator, self.platform);
        set(&mut s.device.conditional_mediation, self.conditional);
        set(&mut s.device.hybrid, self.hybrid);
        set(&mut s.device.known_device, self.known_device);
        set(&mut s.identified, self.identified);
        if let Some(acr) = &self.acr {
            s.requirement = Requirement::from_acr_values(acr);
        }
        set(&mut s.max_age, self.max_age);
        set(&mut s.nudge_suppressed, self.nudge_suppressed);
        set(&mut s.enrolled.email_verified, self.email);
        set(&mut s.enrolled.phone_verified, self.phone);
        set(&mut s.enrolled.totp, self.totp);
        set(&mut s.enrolled.password, self.password);
        set(&mut s.enrolled.recovery_codes_left, self.recovery_codes);
        if let Some(passkeys) = &self.passkeys {
            s.enrolled.passkeys.clone_from(passkeys);
        }
        if let Some(locks) = &self.locked {
            s.attempts.locked_until = locks
                .iter()
                .map(|(m, secs)| (*m, s.now.plus_secs(*secs)))
                .collect();
        }
        if let Some(secs) = self.account_locked {
            s.attempts.account_locked_until = (secs > 0).then(|| s.now.plus_secs(secs));
        }
    }
}

fn set<T: Copy>(target: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *target = v;
    }
}

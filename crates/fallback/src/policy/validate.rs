//! Validation of `[fallback]`: one function per rule, each error naming the
//! key path it is about (the way a TOML reader would write it).

use super::{
    ClientPolicy, ClientPolicyConfig, Combination, FallbackMethod, MethodSet, PolicyConfig,
};

/// A broken policy rule, with the key path it is about.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {kind}")]
pub struct PolicyError {
    /// The key, e.g. `fallback.clients.web.combinations[0][1]`.
    pub path: String,
    /// Which rule, with the details.
    pub kind: PolicyErrorKind,
}

/// The rules a `[fallback]` configuration must follow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyErrorKind {
    /// `nudge_interval_days` out of range.
    #[error("nudge_interval_days must be 1 to 365 (found {found})")]
    NudgeInterval {
        /// The value as written.
        found: u32,
    },
    /// `methods = []`: nothing to fall back to.
    #[error("no method enabled; list at least one of: {known}")]
    NoMethods {
        /// The known method names.
        known: String,
    },
    /// A name that is not a fallback method.
    #[error("unknown method {name:?}; known methods: {known}")]
    UnknownMethod {
        /// The name as written.
        name: String,
        /// The known method names.
        known: String,
    },
    /// The same method twice in `methods`.
    #[error("{name:?} is listed twice")]
    DuplicateMethod {
        /// The repeated name.
        name: String,
    },
    /// A combination that is not a pair.
    #[error("a combination names exactly two methods, this one names {found}")]
    CombinationSize {
        /// How many it names.
        found: usize,
    },
    /// `["totp", "totp"]`.
    #[error("{name:?} twice in one combination")]
    SameMethodTwice {
        /// The repeated name.
        name: String,
    },
    /// Two methods that prove the same factor (`email_code` and
    /// `email_link`): together they are still one factor, not `mfa`.
    #[error(
        "{first:?} and {second:?} prove the same factor, so together they are one factor, not two"
    )]
    SameFactor {
        /// The first name.
        first: String,
        /// The second name.
        second: String,
    },
    /// A passkey method in a combination.
    #[error(
        "{name:?} is a passkey method: it is phishing-resistant on its own and is never combined"
    )]
    PasskeyInCombination {
        /// The passkey method's name.
        name: String,
    },
    /// A combination using a method the policy does not enable.
    #[error("{name:?} is not enabled; add it to {methods_path} or remove this combination")]
    NotEnabled {
        /// The method's name.
        name: String,
        /// The `methods` key in force here.
        methods_path: String,
    },
    /// The same pair twice (in either order).
    #[error("the same combination as {other}")]
    DuplicateCombination {
        /// The path of the first occurrence.
        other: String,
    },
    /// `require_two_factors` with no usable combination: no fallback could
    /// ever be offered except passkeys.
    #[error("two factors are required{} but no combination of the enabled methods is allowed; add one to combinations", if *inherited { " (inherited from fallback.require_two_factors)" } else { "" })]
    NoCombinationPossible {
        /// Whether the setting was inherited from the global policy.
        inherited: bool,
    },
    /// `[fallback.clients.""]`.
    #[error("a client id cannot be empty")]
    EmptyClientId,
}

fn err(path: impl Into<String>, kind: PolicyErrorKind) -> PolicyError {
    PolicyError {
        path: path.into(),
        kind,
    }
}

/// The global policy (`[fallback]`).
/// `nudge_interval_days`: 1 to 365.
pub(super) fn nudge_interval(days: u32) -> Result<u32, PolicyError> {
    if (1..=365).contains(&days) {
        Ok(days)
    } else {
        Err(err(
            "fallback.nudge_interval_days",
            PolicyErrorKind::NudgeInterval { found: days },
        ))
    }
}

pub(super) fn resolve_global(config: &PolicyConfig) -> Result<ClientPolicy, PolicyError> {
    let methods_path = "fallback.methods";
    let methods = methods(methods_path, &config.methods)?;
    let combinations = match &config.combinations {
        Some(written) => combinations("fallback", written, methods, methods_path)?,
        None => enabled_only(&ClientPolicy::default().combinations, methods),
    };
    two_factors_possible("fallback", config.require_two_factors, &combinations, false)?;
    Ok(ClientPolicy {
        methods,
        combinations,
        require_two_factors: config.require_two_factors,
        nudge: config.nudge,
    })
}

/// One `[fallback.clients.<id>]`, inheriting absent keys from `global`.
/// Inherited combinations that use a method this client does not enable are
/// dropped; combinations written for the client must use enabled methods.
pub(super) fn resolve_client(
    id: &str,
    config: &ClientPolicyConfig,
    global: &ClientPolicy,
) -> Result<ClientPolicy, PolicyError> {
    if id.is_empty() {
        return Err(err("fallback.clients", PolicyErrorKind::EmptyClientId));
    }
    let path = format!("fallback.clients.{}", toml_key(id));
    let (methods, methods_path) = match &config.methods {
        Some(names) => {
            let methods_path = format!("{path}.methods");
            (methods(&methods_path, names)?, methods_path)
        }
        None => (global.methods, "fallback.methods".to_owned()),
    };
    let combinations = match &config.combinations {
        Some(written) => combinations(&path, written, methods, &methods_path)?,
        None => enabled_only(&global.combinations, methods),
    };
    let require_two_factors = config
        .require_two_factors
        .unwrap_or(global.require_two_factors);
    let inherited = config.require_two_factors.is_none();
    two_factors_possible(&path, require_two_factors, &combinations, inherited)?;
    Ok(ClientPolicy {
        methods,
        combinations,
        require_two_factors,
        nudge: config.nudge.unwrap_or(global.nudge),
    })
}

/// The combinations whose methods are both enabled (for combinations not
/// written in this section: the defaults, or the inherited ones).
fn enabled_only(combinations: &[Combination], methods: MethodSet) -> Vec<Combination> {
    combinations
        .iter()
        .filter(|pair| pair.iter().all(|m| methods.contains(*m)))
        .copied()
        .collect()
}

/// A client id as a TOML key: bare when it can be, quoted otherwise.
fn toml_key(id: &str) -> String {
    let bare = id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if bare {
        id.to_owned()
    } else {
        format!("{id:?}")
    }
}

fn method(path: &str, name: &str) -> Result<FallbackMethod, PolicyError> {
    FallbackMethod::parse(name).ok_or_else(|| {
        err(
            path,
            PolicyErrorKind::UnknownMethod {
                name: name.to_owned(),
                known: FallbackMethod::known_names(),
            },
        )
    })
}

/// `methods`: known names, each once, at least one.
fn methods(path: &str, names: &[String]) -> Result<MethodSet, PolicyError> {
    if names.is_empty() {
        let known = FallbackMethod::known_names();
        return Err(err(path, PolicyErrorKind::NoMethods { known }));
    }
    let mut set = MethodSet::EMPTY;
    for (i, name) in names.iter().enumerate() {
        let item = format!("{path}[{i}]");
        if !set.insert(method(&item, name)?) {
            let name = name.clone();
            return Err(err(item, PolicyErrorKind::DuplicateMethod { name }));
        }
    }
    Ok(set)
}

/// `combinations`: pairs of known, enabled, non-passkey methods proving two
/// different factors, no pair twice.
fn combinations(
    section: &str,
    written: &[Vec<String>],
    enabled: MethodSet,
    methods_path: &str,
) -> Result<Vec<Combination>, PolicyError> {
    let mut out: Vec<(Combination, String)> = Vec::new();
    for (i, names) in written.iter().enumerate() {
        let path = format!("{section}.combinations[{i}]");
        let pair = combination(&path, names, enabled, methods_path)?;
        if let Some((_, other)) = out.iter().find(|(p, _)| *p == pair) {
            let other = other.clone();
            return Err(err(path, PolicyErrorKind::DuplicateCombination { other }));
        }
        out.push((pair, path));
    }
    Ok(out.into_iter().map(|(pair, _)| pair).collect())
}

fn combination(
    path: &str,
    names: &[String],
    enabled: MethodSet,
    methods_path: &str,
) -> Result<Combination, PolicyError> {
    let [first, second] = names else {
        let found = names.len();
        return Err(err(path, PolicyErrorKind::CombinationSize { found }));
    };
    let a = method(&format!("{path}[0]"), first)?;
    let b = method(&format!("{path}[1]"), second)?;
    if a == b {
        let name = first.clone();
        return Err(err(path, PolicyErrorKind::SameMethodTwice { name }));
    }
    for (j, (m, name)) in [(a, first), (b, second)].into_iter().enumerate() {
        let item = format!("{path}[{j}]");
        if m.is_passkey() {
            let name = name.clone();
            return Err(err(item, PolicyErrorKind::PasskeyInCombination { name }));
        }
        if !enabled.contains(m) {
            let kind = PolicyErrorKind::NotEnabled {
                name: name.clone(),
                methods_path: methods_path.to_owned(),
            };
            return Err(err(item, kind));
        }
    }
    if a.auth_method() == b.auth_method() {
        let kind = PolicyErrorKind::SameFactor {
            first: first.clone(),
            second: second.clone(),
        };
        return Err(err(path, kind));
    }
    Ok(if a < b { [a, b] } else { [b, a] })
}

/// `require_two_factors` needs at least one usable combination.
fn two_factors_possible(
    section: &str,
    require_two_factors: bool,
    combinations: &[Combination],
    inherited: bool,
) -> Result<(), PolicyError> {
    if require_two_factors && combinations.is_empty() {
        let path = format!("{section}.require_two_factors");
        return Err(err(
            path,
            PolicyErrorKind::NoCombinationPossible { inherited },
        ));
    }
    Ok(())
}

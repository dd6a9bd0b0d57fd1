//! Request parameters: `application/x-www-form-urlencoded` (a query string or
//! a POSTed form body, OpenID Connect Core §3.1.2.1), parsed strictly.
//!
//! Strict where lenient parsers differ: `url::form_urlencoded` passes `%zz`
//! through literally and replaces invalid UTF-8 with U+FFFD. Here both are
//! errors, so that the value we validate is exactly the value the client
//! meant, and two components can never read one request two ways.

use std::collections::{BTreeMap, BTreeSet};

use super::response::printable;

/// The largest request we parse, in bytes (before decoding). Generous for
/// every legitimate parameter combined (an `id_token_hint` is the largest).
pub const MAX_PARAMS_BYTES: usize = 8 * 1024;

/// The most parameters one request may carry. The authorization request
/// defines about twenty.
pub const MAX_PARAMS: usize = 64;

/// Parsed parameters of one request (query string or form body).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    /// Only parameters with a non-empty value given once: an empty one is
    /// absent (RFC 6749 §3.1), and a repeated one has no value to trust.
    values: BTreeMap<String, String>,
    /// Names given more than once, in the order their second copy came
    /// (only from [`Params::parse_keeping_duplicates`]).
    duplicates: Vec<String>,
}

/// Why parameters could not be parsed. The message names the parameter
/// (sanitised and shortened, since it is attacker-chosen).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamsError {
    #[error("the request parameters exceed {MAX_PARAMS_BYTES} bytes")]
    TooLarge,
    #[error("the request has more than {MAX_PARAMS} parameters")]
    TooMany,
    #[error("parameter '{0}' is included more than once (RFC 6749 section 3.1)")]
    Duplicate(String),
    #[error("parameter '{0}' has invalid percent-encoding")]
    PercentEncoding(String),
    #[error("parameter '{0}' is not valid UTF-8 after percent-decoding")]
    Utf8(String),
    #[error("a parameter has an empty name")]
    EmptyName,
}

enum DecodeError {
    Percent,
    Utf8,
}

impl Params {
    /// Parse `application/x-www-form-urlencoded` bytes.
    ///
    /// Refused: more than [`MAX_PARAMS_BYTES`] bytes or [`MAX_PARAMS`]
    /// parameters; a parameter given more than once, even with an empty
    /// value (RFC 6749 §3.1: "MUST NOT be included more than once", so that
    /// no two readers can pick different copies); `%` not followed by two hex
    /// digits; invalid UTF-8 after decoding; an empty name (`=x`). `+` is a
    /// space. A parameter with an empty value is treated as absent
    /// (RFC 6749 §3.1). Empty segments (`a=1&&b=2`, a trailing `&`) are
    /// skipped, as the WHATWG URL standard does.
    pub fn parse(raw: &[u8]) -> Result<Params, ParamsError> {
        let params = Self::parse_keeping_duplicates(raw)?;
        match params.first_duplicate() {
            Some(name) => Err(ParamsError::Duplicate(printable(name, 40))),
            None => Ok(params),
        }
    }

    /// [`Params::parse`], except that a parameter given more than once is
    /// recorded instead of refused: for the authorization endpoint, where
    /// whether a repetition is an error page or an error sent back to the
    /// client depends on which parameter it is (see `validate`). Neither copy
    /// of a repeated parameter is kept, so [`Params::get`] reads it as absent
    /// and no reader can pick one of them.
    pub fn parse_keeping_duplicates(raw: &[u8]) -> Result<Params, ParamsError> {
        if raw.len() > MAX_PARAMS_BYTES {
            return Err(ParamsError::TooLarge);
        }
        let mut seen = BTreeSet::new();
        let mut values = BTreeMap::new();
        let mut duplicates: Vec<String> = Vec::new();
        for segment in raw.split(|&b| b == b'&').filter(|s| !s.is_empty()) {
            if seen.len() == MAX_PARAMS {
                return Err(ParamsError::TooMany);
            }
            let (raw_name, raw_value) = match segment.iter().position(|&b| b == b'=') {
                Some(i) => (&segment[..i], &segment[i + 1..]),
                None => (segment, &b""[..]),
            };
            let name = decode(raw_name).map_err(|e| {
                let shown = printable(&String::from_utf8_lossy(raw_name), 40);
                match e {
                    DecodeError::Percent => ParamsError::PercentEncoding(shown),
                    DecodeError::Utf8 => ParamsError::Utf8(shown),
                }
            })?;
            if name.is_empty() {
                return Err(ParamsError::EmptyName);
            }
            let value = decode(raw_value).map_err(|e| match e {
                DecodeError::Percent => ParamsError::PercentEncoding(printable(&name, 40)),
                DecodeError::Utf8 => ParamsError::Utf8(printable(&name, 40)),
            })?;
            if !seen.insert(name.clone()) {
                values.remove(&name);
                // At most MAX_PARAMS names: `seen` is bounded.
                if !duplicates.contains(&name) {
                    duplicates.push(name);
                }
                continue;
            }
            if !value.is_empty() {
                values.insert(name, value);
            }
        }
        Ok(Params { values, duplicates })
    }

    /// The value of `name`; `None` when absent, empty or given more than
    /// once.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// Whether `name` was given more than once.
    #[must_use]
    pub fn is_duplicated(&self, name: &str) -> bool {
        self.duplicates.iter().any(|d| d == name)
    }

    /// The first parameter whose second copy came, if any was repeated.
    #[must_use]
    pub fn first_duplicate(&self) -> Option<&str> {
        self.duplicates.first().map(String::as_str)
    }
}

/// Percent-decode one name or value, `+` meaning space (WHATWG URL
/// standard, `application/x-www-form-urlencoded` parsing), but refusing a
/// `%` that does not start a valid escape and bytes that are not UTF-8.
fn decode(raw: &[u8]) -> Result<String, DecodeError> {
    let mut out = Vec::with_capacity(raw.len());
    let mut bytes = raw.iter().copied();
    while let Some(b) = bytes.next() {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = bytes.next().and_then(hex).ok_or(DecodeError::Percent)?;
                let lo = bytes.next().and_then(hex).ok_or(DecodeError::Percent)?;
                out.push(hi << 4 | lo);
            }
            other => out.push(other),
        }
    }
    String::from_utf8(out).map_err(|_| DecodeError::Utf8)
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

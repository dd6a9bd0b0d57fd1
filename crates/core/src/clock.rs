//! Time as a seam, so expiry rules can be tested without sleeping.

use serde::{Deserialize, Serialize};

/// Seconds since the Unix epoch (UTC). The one representation of an instant in
/// Latchkey's durable records and protocol messages (JWT `NumericDate`,
/// RFC 7519 §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnixTime(pub i64);

impl UnixTime {
    /// This instant plus `secs` seconds (saturating).
    #[must_use]
    pub fn plus_secs(self, secs: i64) -> Self {
        Self(self.0.saturating_add(secs))
    }
}

/// A source of the current time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current instant.
    fn now(&self) -> UnixTime;
}

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> UnixTime {
        let secs = time::OffsetDateTime::now_utc().unix_timestamp();
        UnixTime(secs)
    }
}

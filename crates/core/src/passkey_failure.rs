//! Why a passkey sign-in failed: the one list of reasons shared by the
//! passkey layer (which classifies) and the fallback engine (which decides
//! what to offer). Classification itself lives in `latchkey-passkey`.

use serde::{Deserialize, Serialize};

/// One reason a passkey sign-in failed; shared with the fallback engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PasskeyFailure {
    /// The user has passkeys, but none was usable on this device.
    NoPasskeyOnThisDevice,
    /// The user has no passkey at all.
    NoPasskeyAtAll,
    /// The user cancelled or dismissed the prompt (or the page aborted it).
    Cancelled,
    /// The prompt timed out.
    TimedOut,
    /// The device offered a credential the server does not know (deleted on
    /// the server but still on the device; the page may call the Signal API's
    /// `signalUnknownCredential`).
    UnknownCredential,
    /// An assertion came back but did not verify.
    VerificationFailed,
    /// The browser or authenticator cannot do what was asked.
    NotSupported,
    /// The origin or RP ID was rejected (misconfiguration or an attack).
    SecurityError,
}

impl PasskeyFailure {
    /// Every reason, for exhaustive tests and documentation.
    pub const ALL: [PasskeyFailure; 8] = [
        Self::NoPasskeyOnThisDevice,
        Self::NoPasskeyAtAll,
        Self::Cancelled,
        Self::TimedOut,
        Self::UnknownCredential,
        Self::VerificationFailed,
        Self::NotSupported,
        Self::SecurityError,
    ];

    /// The wire spelling (snake_case), as serialised.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoPasskeyOnThisDevice => "no_passkey_on_this_device",
            Self::NoPasskeyAtAll => "no_passkey_at_all",
            Self::Cancelled => "cancelled",
            Self::TimedOut => "timed_out",
            Self::UnknownCredential => "unknown_credential",
            Self::VerificationFailed => "verification_failed",
            Self::NotSupported => "not_supported",
            Self::SecurityError => "security_error",
        }
    }

    /// Whether this reason says something about an account; such reasons
    /// are only ever given to an identified visitor.
    #[must_use]
    pub fn is_about_the_account(self) -> bool {
        matches!(self, Self::NoPasskeyOnThisDevice | Self::NoPasskeyAtAll)
    }
}

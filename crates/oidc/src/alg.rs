//! JWS signing algorithms Latchkey signs with (RFC 7518 §3, RFC 8037 §3.1).

use serde::{Deserialize, Serialize};

/// An asymmetric JWS algorithm. `none` and the HMAC family are deliberately
/// absent: they can never be configured or accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SigningAlg {
    /// ECDSA P-256 with SHA-256: the default (small, fast).
    ES256,
    /// RSASSA-PKCS1-v1_5 with SHA-256: for relying parties that only do RSA.
    RS256,
    /// Ed25519.
    EdDSA,
}

impl SigningAlg {
    /// Every algorithm, default first.
    pub const ALL: [SigningAlg; 3] = [Self::ES256, Self::RS256, Self::EdDSA];

    /// The JOSE name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ES256 => "ES256",
            Self::RS256 => "RS256",
            Self::EdDSA => "EdDSA",
        }
    }

    /// Parse a JOSE name (exact, case-sensitive as JOSE requires).
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

impl std::fmt::Display for SigningAlg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

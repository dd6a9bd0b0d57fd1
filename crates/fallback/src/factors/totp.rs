//! Authenticator-app codes: RFC 6238 TOTP with SHA-1, 6 digits and a 30 s
//! period, the only profile every authenticator app supports.
//!
//! Codes are computed with `totp-rs`; the comparison with the presented code
//! is ours and constant time ([`subtle`]), over the whole ±1-step window (RFC
//! 6238 §5.2 recommends at most one step of network delay) so the time taken
//! does not say which step matched.
//!
//! RFC 6238 §5.2 also says a code must be accepted only once. [`verify`]
//! returns the matched time step; the server stores it and passes it back as
//! `last_used_step`, and any step at or before it is refused as a replay
//! (which also refuses an older code after a newer one). Attempt limits are
//! the server's: a 6-digit code with a 3-step window is a 3-in-a-million guess.
//!
//! The secret itself must be stored (the server needs it to compute codes), so
//! it cannot be hashed; encrypt it at rest. The otpauth URI and its QR code
//! contain the secret too: serve them with `Cache-Control: no-store` and never
//! log them.

use std::fmt;

use rand::CryptoRng;
use subtle::{Choice, ConditionallySelectable as _, ConstantTimeEq as _};
use totp_rs::{Algorithm, Builder, Secret, Totp};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::FactorError;
use super::otp::normalise_digits;

mod enrolment;
pub use enrolment::{QR_MIN_PIXELS, otpauth_uri, qr_svg};

/// Digits in a code.
pub const DIGITS: usize = 6;
/// Seconds in a time step.
pub const PERIOD_SECS: u64 = 30;
/// Bytes in a generated secret (160 bits, RFC 4226 §4 recommendation).
pub const SECRET_BYTES: usize = 20;
/// Fewest bytes accepted in an imported secret (RFC 4226 §4: at least 128 bits).
pub const MIN_SECRET_BYTES: usize = 16;
/// Most bytes accepted in an imported secret.
pub const MAX_SECRET_BYTES: usize = 64;

/// Why a TOTP code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TotpError {
    /// Not six digits (after removing spaces and dashes).
    #[error("an authenticator code has six digits")]
    Malformed,
    /// Does not match any step in the window.
    #[error("the code is not valid")]
    Invalid,
    /// Matches a step already used (RFC 6238 §5.2: accept a code once).
    #[error("this code was already used; wait for the next one")]
    Replayed,
}

/// A TOTP shared secret. Zeroized on drop; `Debug` does not print it.
#[derive(Clone)]
pub struct TotpSecret {
    bytes: Vec<u8>,
}

impl TotpSecret {
    /// A new 160-bit secret from the thread-local CSPRNG.
    pub fn generate() -> Self {
        Self::generate_with(&mut rand::rng())
    }

    /// A new 160-bit secret from the given cryptographic RNG.
    pub fn generate_with<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut bytes = vec![0u8; SECRET_BYTES];
        rng.fill_bytes(&mut bytes);
        Self { bytes }
    }

    /// A secret from raw bytes (for example after decrypting a stored one).
    ///
    /// # Errors
    /// [`FactorError::InvalidTotpSecret`] unless 16 to 64 bytes long.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, FactorError> {
        if !(MIN_SECRET_BYTES..=MAX_SECRET_BYTES).contains(&bytes.len()) {
            return Err(FactorError::InvalidTotpSecret);
        }
        Ok(Self {
            bytes: bytes.to_vec(),
        })
    }

    /// A secret from RFC 4648 base32, as authenticator apps show it: case,
    /// spaces and trailing `=` padding are ignored.
    ///
    /// # Errors
    /// [`FactorError::InvalidTotpSecret`] if not base32 or not 16 to 64 bytes.
    pub fn from_base32(text: &str) -> Result<Self, FactorError> {
        // 64 bytes are 103 base32 symbols; allow for spaces and padding.
        if text.len() > 256 {
            return Err(FactorError::InvalidTotpSecret);
        }
        let mut clean = Zeroizing::new(String::with_capacity(text.len()));
        for c in text.chars() {
            match c {
                'a'..='z' | 'A'..='Z' | '2'..='7' => clean.push(c.to_ascii_uppercase()),
                ' ' | '=' => {}
                _ => return Err(FactorError::InvalidTotpSecret),
            }
        }
        let secret =
            Secret::try_from_base32(clean.as_str()).map_err(|_| FactorError::InvalidTotpSecret)?;
        Self::from_bytes(secret.as_bytes())
    }

    /// The secret as unpadded upper-case RFC 4648 base32, for manual entry.
    pub fn to_base32(&self) -> Zeroizing<String> {
        Zeroizing::new(Secret::from(self.bytes.as_slice()).to_base32())
    }

    /// The raw secret bytes (to encrypt for storage).
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The code an authenticator app shows at `unix_secs`; for tests and
    /// tooling, not needed to verify.
    pub fn code_at(&self, unix_secs: u64) -> Zeroizing<String> {
        Zeroizing::new(self.totp().generate(unix_secs).to_string())
    }

    fn totp(&self) -> Totp {
        // The length was checked at construction and the other parameters are
        // constants within RFC bounds, so the unchecked build cannot produce
        // an invalid generator.
        Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(DIGITS as u8)
            .with_skew(1)
            .with_step_duration(PERIOD_SECS)
            .with_secret(self.bytes.as_slice())
            .build_noncompliant()
    }
}

impl Drop for TotpSecret {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}

impl ZeroizeOnDrop for TotpSecret {}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret([redacted])")
    }
}

/// Checks `code` against the steps around `now_unix_secs` (current ±1) and
/// returns the matched step (`unix time / 30`), to be stored as the next
/// call's `last_used_step`.
///
/// # Errors
/// [`TotpError::Malformed`] if the code is not six digits;
/// [`TotpError::Replayed`] if it matches only steps at or before
/// `last_used_step`; [`TotpError::Invalid`] otherwise.
pub fn verify(
    secret: &TotpSecret,
    code: &str,
    now_unix_secs: u64,
    last_used_step: Option<u64>,
) -> Result<u64, TotpError> {
    let presented = normalise_digits(code).ok_or(TotpError::Malformed)?;
    if presented.len() != DIGITS {
        return Err(TotpError::Malformed);
    }
    let totp = secret.totp();
    let current = now_unix_secs / PERIOD_SECS;
    let mut matched_step = 0u64;
    let mut fresh_match = Choice::from(0);
    let mut stale_match = Choice::from(0);
    // Every candidate is computed and compared; the result is only branched
    // on after the loop. Ascending order: the highest fresh step wins.
    for step in [
        current.checked_sub(1),
        Some(current),
        current.checked_add(1),
    ]
    .into_iter()
    .flatten()
    {
        let Some(time) = step.checked_mul(PERIOD_SECS) else {
            continue;
        };
        let candidate = Zeroizing::new(totp.generate(time).to_string());
        let matches = candidate.as_bytes().ct_eq(presented.as_bytes());
        // Whether a step is fresh depends only on public values.
        let fresh = Choice::from(u8::from(last_used_step.is_none_or(|last| step > last)));
        matched_step.conditional_assign(&step, matches & fresh);
        fresh_match |= matches & fresh;
        stale_match |= matches & !fresh;
    }
    if bool::from(fresh_match) {
        Ok(matched_step)
    } else if bool::from(stale_match) {
        Err(TotpError::Replayed)
    } else {
        Err(TotpError::Invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, SHA-1 seed.
    fn rfc_secret() -> TotpSecret {
        TotpSecret::from_bytes(b"12345678901234567890").expect("20 bytes")
    }

    /// RFC 6238 Appendix B SHA-1 vectors, last six of the eight digits (the
    /// truncation is `mod 10^digits`, so these are the 6-digit codes).
    const RFC_VECTORS: [(u64, &str); 6] = [
        (59, "287082"),
        (1_111_111_109, "081804"),
        (1_111_111_111, "050471"),
        (1_234_567_890, "005924"),
        (2_000_000_000, "279037"),
        (20_000_000_000, "353130"),
    ];

    #[test]
    fn rfc6238_appendix_b_sha1_vectors() {
        let secret = rfc_secret();
        for (time, code) in RFC_VECTORS {
            assert_eq!(secret.code_at(time).as_str(), code, "t={time}");
            assert_eq!(verify(&secret, code, time, None), Ok(time / 30), "t={time}");
        }
    }

    #[test]
    fn window_is_current_step_plus_minus_one() {
        let secret = rfc_secret();
        let at = |step: u64| secret.code_at(step * 30);
        // now = 59 is step 1: steps 0, 1, 2 accepted; 3 is not.
        for step in 0..=2 {
            assert_eq!(verify(&secret, &at(step), 59, None), Ok(step));
        }
        assert_eq!(verify(&secret, &at(3), 59, None), Err(TotpError::Invalid));
        // Boundary 29/30: step 2 becomes acceptable only once step 1 starts.
        assert_eq!(verify(&secret, &at(2), 29, None), Err(TotpError::Invalid));
        assert_eq!(verify(&secret, &at(2), 30, None), Ok(2));
        // Step 0 at now = 89 (step 2) is two steps old.
        assert_eq!(verify(&secret, &at(0), 89, None), Err(TotpError::Invalid));
        assert_eq!(verify(&secret, &at(0), 0, None), Ok(0));
    }

    #[test]
    fn replay_and_older_codes_are_refused() {
        let secret = rfc_secret();
        let at = |step: u64| secret.code_at(step * 30);
        let now = 45; // step 1
        assert_eq!(verify(&secret, &at(1), now, Some(0)), Ok(1));
        assert_eq!(
            verify(&secret, &at(1), now, Some(1)),
            Err(TotpError::Replayed)
        );
        assert_eq!(
            verify(&secret, &at(0), now, Some(1)),
            Err(TotpError::Replayed)
        );
        assert_eq!(verify(&secret, &at(2), now, Some(1)), Ok(2));
        assert_eq!(
            verify(&secret, &at(1), now, Some(2)),
            Err(TotpError::Replayed)
        );
        assert!(verify(&secret, "000000", now, Some(1)).is_err());
    }

    #[test]
    fn malformed_codes_and_extreme_times_do_not_panic() {
        let secret = rfc_secret();
        let long = "1".repeat(100_000);
        for bad in [
            "",
            "12345",
            "1234567",
            "12345678",
            "abcdef",
            "12345x",
            "١٢٣٤٥٦",
            &long,
        ] {
            assert_eq!(
                verify(&secret, bad, 59, None),
                Err(TotpError::Malformed),
                "{bad:?}"
            );
        }
        assert_eq!(verify(&secret, "287 082", 59, None), Ok(1));
        assert_eq!(verify(&secret, "287-082", 59, None), Ok(1));
        assert!(verify(&secret, "287082", u64::MAX, None).is_err());
        assert!(verify(&secret, "287082", u64::MAX, Some(u64::MAX)).is_err());
    }

    #[test]
    fn generated_secret_is_160_bits_and_round_trips_base32() {
        let a = TotpSecret::generate();
        assert_eq!(a.as_bytes().len(), SECRET_BYTES);
        assert_ne!(a.as_bytes(), TotpSecret::generate().as_bytes());
        let b32 = a.to_base32();
        assert_eq!(b32.len(), 32);
        let b = TotpSecret::from_base32(&b32).expect("round trip");
        assert_eq!(a.as_bytes(), b.as_bytes());
        let code = a.code_at(1_000_000);
        assert_eq!(verify(&b, &code, 1_000_000, None), Ok(1_000_000 / 30));
    }

    #[test]
    fn base32_is_lenient_about_case_spaces_and_padding() {
        let expected = rfc_secret();
        for text in [
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
            "gezdgnbvgy3tqojqgezdgnbvgy3tqojq",
            "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ",
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ====",
        ] {
            let s = TotpSecret::from_base32(text).expect(text);
            assert_eq!(s.as_bytes(), expected.as_bytes(), "{text}");
        }
        assert_eq!(
            expected.to_base32().as_str(),
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        );
    }

    #[test]
    fn bad_secrets_are_errors() {
        let long = "A".repeat(1_000);
        for text in [
            "",
            "====",
            "GEZDGNBV",
            "GEZDGNBVGY3TQOJQGEZDGNB1",
            "GEZDGNBVGY3TQOJQ0OJQ",
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJé",
            "GEZDGNBV-GY3TQOJQ-GEZDGNBV-GY3TQOJQ",
            &long,
        ] {
            assert!(TotpSecret::from_base32(text).is_err(), "{text:?}");
        }
        assert!(TotpSecret::from_bytes(&[0; 15]).is_err());
        assert!(TotpSecret::from_bytes(&[0; 65]).is_err());
        assert!(TotpSecret::from_bytes(&[]).is_err());
        assert!(TotpSecret::from_bytes(&[0; 16]).is_ok());
    }

    #[test]
    fn debug_redacts_the_secret() {
        let s = rfc_secret();
        let dbg = format!("{s:?}");
        assert!(dbg.contains("redacted"));
        assert!(!dbg.contains("GEZD") && !dbg.contains("49"));
    }
}

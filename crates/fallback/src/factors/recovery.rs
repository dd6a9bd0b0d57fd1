//! Recovery codes: the last resort when every other method is lost.
//!
//! A set is [`CODE_COUNT`] codes of [`CODE_SYMBOLS`] symbols from Crockford's
//! base32 alphabet (digits and letters without I, L, O, U), 5 bits each, so
//! 80 bits per code, shown as `XXXX-XXXX-XXXX-XXXX`. What the user types is
//! [`normalise`]d the Crockford way (case, separators, O→0, I/L→1), so a code
//! copied from paper or read aloud still works.
//!
//! Codes are stored only as argon2id PHC strings (m = 19 MiB, t = 2, p = 1,
//! random 16-byte salt). With 80 bits of entropy even a fast hash would
//! resist offline guessing; argon2id is used because these rows live for
//! months and the design asks for it, and because an attempt costs the same
//! as a password attempt, which the server already bounds. Checking one
//! attempt costs one argon2id per unused code ([`find_match`]); the server's
//! attempt limit and hash-concurrency cap apply.

use std::fmt;

use rand::CryptoRng;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::{FactorError, hashing};

/// Codes in a set.
pub const CODE_COUNT: usize = 10;
/// Symbols in a code (5 bits each: 80 bits).
pub const CODE_SYMBOLS: usize = 16;
/// Crockford base32: no I, L, O or U.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Longest input considered at all (room for separators and spaces).
const MAX_INPUT_LEN: usize = 64;

/// One recovery code, normalised (16 upper-case Crockford symbols). Zeroized
/// on drop; `Debug` does not print it.
pub struct RecoveryCode(String);

impl RecoveryCode {
    /// A new random code from the given cryptographic RNG.
    pub fn generate_with<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut bytes = Zeroizing::new([0u8; CODE_SYMBOLS]);
        rng.fill_bytes(bytes.as_mut());
        // 256 is a multiple of 32, so the low five bits are uniform.
        let code = bytes
            .iter()
            .map(|b| char::from(ALPHABET[usize::from(b & 0x1f)]))
            .collect();
        Self(code)
    }

    /// The code as typed by a user, if it is a well-formed code (see
    /// [`normalise`]).
    pub fn parse(input: &str) -> Option<Self> {
        normalise(input).map(|s| Self(s.as_str().to_owned()))
    }

    /// The 16 symbols without separators: what is hashed.
    pub fn as_normalised(&self) -> &str {
        &self.0
    }

    /// The code as shown to the user: `XXXX-XXXX-XXXX-XXXX`.
    pub fn display(&self) -> Zeroizing<String> {
        let mut out = Zeroizing::new(String::with_capacity(CODE_SYMBOLS + 3));
        for (i, c) in self.0.chars().enumerate() {
            if i > 0 && i % 4 == 0 {
                out.push('-');
            }
            out.push(c);
        }
        out
    }
}

impl Drop for RecoveryCode {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl ZeroizeOnDrop for RecoveryCode {}

impl fmt::Debug for RecoveryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoveryCode([redacted])")
    }
}

/// A fresh set of recovery codes, shown once and then stored only as hashes.
#[derive(Debug)]
pub struct RecoveryCodes(Vec<RecoveryCode>);

impl RecoveryCodes {
    /// [`CODE_COUNT`] new codes from the thread-local CSPRNG.
    pub fn generate() -> Self {
        Self::generate_with(&mut rand::rng())
    }

    /// [`CODE_COUNT`] new codes from the given cryptographic RNG.
    pub fn generate_with<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        Self(
            (0..CODE_COUNT)
                .map(|_| RecoveryCode::generate_with(rng))
                .collect(),
        )
    }

    /// The codes, to show the user.
    pub fn codes(&self) -> &[RecoveryCode] {
        &self.0
    }

    /// One argon2id PHC string per code, in the same order, to store.
    ///
    /// # Errors
    /// [`FactorError::Hash`] if argon2id fails (internal).
    pub fn hash_all(&self) -> Result<Vec<String>, FactorError> {
        self.0.iter().map(hash).collect()
    }
}

/// The canonical 16 symbols of a typed code, or `None` if it is not one:
/// upper-cased, spaces and dashes dropped, Crockford confusables mapped
/// (O→0, I and L→1). `U` and anything outside the alphabet are refused.
pub fn normalise(input: &str) -> Option<Zeroizing<String>> {
    if input.len() > MAX_INPUT_LEN {
        return None;
    }
    let mut out = Zeroizing::new(String::with_capacity(CODE_SYMBOLS));
    for c in input.chars() {
        let c = match c.to_ascii_uppercase() {
            '-' | '\u{2010}'..='\u{2015}' | '\u{2212}' => continue,
            c if c.is_whitespace() => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c if c.is_ascii() && ALPHABET.contains(&(c as u8)) => c,
            _ => return None,
        };
        if out.len() == CODE_SYMBOLS {
            return None;
        }
        out.push(c);
    }
    (out.len() == CODE_SYMBOLS).then_some(out)
}

/// The argon2id PHC string of `code` (OWASP parameters, random salt).
///
/// # Errors
/// [`FactorError::Hash`] if argon2id fails (internal).
pub fn hash(code: &RecoveryCode) -> Result<String, FactorError> {
    hashing::hash(code.as_normalised().as_bytes())
}

/// Whether the typed code matches one stored PHC string. Malformed input or
/// an unparseable hash is `false`; never panics.
pub fn verify(presented: &str, phc: &str) -> bool {
    normalise(presented).is_some_and(|code| hashing::verify(code.as_bytes(), phc))
}

/// The index of the stored hash the typed code matches, if any, so the server
/// can mark that code used. Normalises once; malformed input costs no hash.
pub fn find_match<S: AsRef<str>>(presented: &str, stored: &[S]) -> Option<usize> {
    let code = normalise(presented)?;
    stored
        .iter()
        .position(|phc| hashing::verify(code.as_bytes(), phc.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn a_set_is_ten_distinct_80_bit_codes() {
        let set = RecoveryCodes::generate();
        assert_eq!(set.codes().len(), CODE_COUNT);
        let unique: HashSet<&str> = set
            .codes()
            .iter()
            .map(RecoveryCode::as_normalised)
            .collect();
        assert_eq!(unique.len(), CODE_COUNT);
        for code in set.codes() {
            assert_eq!(code.as_normalised().len(), CODE_SYMBOLS);
            assert!(code.as_normalised().bytes().all(|b| ALPHABET.contains(&b)));
            assert!(!code.as_normalised().contains(['I', 'L', 'O', 'U']));
        }
    }

    #[test]
    fn every_alphabet_symbol_is_used() {
        let mut seen = HashSet::new();
        for _ in 0..20 {
            for code in RecoveryCodes::generate().codes() {
                seen.extend(code.as_normalised().bytes());
            }
        }
        assert_eq!(seen.len(), 32);
    }

    #[test]
    fn display_groups_by_four_and_parses_back() {
        let code = RecoveryCode::parse("0123456789ABCDEF").expect("valid");
        assert_eq!(code.display().as_str(), "0123-4567-89AB-CDEF");
        let again = RecoveryCode::parse(&code.display()).expect("display parses");
        assert_eq!(again.as_normalised(), code.as_normalised());
    }

    #[test]
    fn normalise_is_lenient_the_crockford_way() {
        let n = |s: &str| normalise(s).map(|z| z.as_str().to_owned());
        let want = Some("0123456789ABCDEF".to_owned());
        assert_eq!(n("0123-4567-89AB-CDEF"), want);
        assert_eq!(n("0123 4567 89ab cdef"), want);
        assert_eq!(n("  o123-4567-89ab-cdef\n"), want);
        assert_eq!(n("0123–4567—89AB-CDEF"), want);
        assert_eq!(
            n("OIL0-0000-0000-0000"),
            Some("0110000000000000".to_owned())
        );
    }

    #[test]
    fn malformed_codes_are_none() {
        let long = "0".repeat(10_000);
        for bad in [
            "",
            "----",
            "0123-4567-89AB-CDE",
            "0123-4567-89AB-CDEF0",
            "0123-4567-89AB-CDEU",
            "0123-4567-89AB-CDE!",
            "0123-4567-89AB-CDEÉ",
            "0123-4567-89AB-CDEＦ",
            "0123_4567_89AB_CDEF",
            &long,
        ] {
            assert!(normalise(bad).is_none(), "{bad:?}");
            assert!(RecoveryCode::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn hash_then_verify_in_any_typed_form() {
        let code = RecoveryCode::parse("7K3M-QX9R-2B4T-ZW8N").expect("valid");
        let phc = hash(&code).expect("hash");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(!phc.contains(code.as_normalised()));
        assert!(verify("7K3M-QX9R-2B4T-ZW8N", &phc));
        assert!(verify("7k3mqx9r2b4tzw8n", &phc));
        assert!(!verify("7K3M-QX9R-2B4T-ZW8P", &phc));
        assert!(!verify("", &phc));
        assert!(!verify("7K3M-QX9R-2B4T-ZW8N", ""));
        assert!(!verify("7K3M-QX9R-2B4T-ZW8N", "$argon2id$garbage"));
    }

    #[test]
    fn find_match_returns_the_index_of_the_used_code() {
        let set = RecoveryCodes::generate_with(&mut rand::rng());
        let stored: Vec<String> = set.codes()[..3]
            .iter()
            .map(|c| hash(c).expect("hash"))
            .collect();
        let third = set.codes()[2].display();
        assert_eq!(find_match(&third, &stored), Some(2));
        assert_eq!(find_match(&set.codes()[5].display(), &stored), None);
        assert_eq!(find_match("nonsense", &stored), None);
        assert_eq!(find_match(&third, &[] as &[String]), None);
    }

    #[test]
    fn debug_redacts_codes() {
        let set = RecoveryCodes::generate();
        let dbg = format!("{set:?}");
        assert!(dbg.contains("redacted"));
        for code in set.codes() {
            assert!(!dbg.contains(code.as_normalised()));
        }
    }
}

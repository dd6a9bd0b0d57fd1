//! Random identifiers and secrets.

use rand::RngCore;

/// `bytes` bytes from the operating system's CSPRNG, hex-encoded (lowercase).
///
/// Used for session ids, flow ids and secrets; 16 bytes give the 128 bits the
/// security baseline asks of any guessable identifier.
#[must_use]
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    // Not `write!` per byte: a request makes several of these (its request
    // id, flow, CSRF and lock tokens), and formatting was 2 % of a
    // discovery request.
    hex::encode(buf)
}

/// A new random UUID (v4) as a hyphenated lowercase string.
#[must_use]
pub fn new_uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_hex_has_requested_length_and_differs() {
        let a = random_hex(16);
        let b = random_hex(16);
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}

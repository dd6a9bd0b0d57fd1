//! Secret strings and the key that encrypts signing keys at rest.

use std::fmt;
use std::fs;
use std::io::{ErrorKind, Write};
use std::path::Path;

use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::error::{ConfigError, Problem};

/// What a secret looks like in `Debug` output and in `config check`.
pub const REDACTED: &str = "[redacted]";

/// A configuration value that must not be printed: a database URL with a
/// password in it, a Redis URL, the encryption key.
///
/// `Debug` and `Serialize` print `[redacted]`, so logging the whole `Config`
/// (or `latchkey config check`) cannot leak it; there is deliberately no
/// `Display`. Read the value with [`Secret::expose`], at the one place that
/// needs it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    #[must_use]
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself. Named so that every use stands out in review.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(REDACTED)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self)
    }
}

/// Decoding accepts what operators actually paste: `openssl rand -base64 32`
/// output (standard, padded) as well as URL-safe and unpadded forms.
fn engines() -> [GeneralPurpose; 2] {
    let config =
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    [
        GeneralPurpose::new(&alphabet::STANDARD, config),
        GeneralPurpose::new(&alphabet::URL_SAFE, config),
    ]
}

/// Decodes an encryption key. The error says what is wrong without quoting
/// the key.
pub(super) fn decode_key(text: &str) -> Result<[u8; 32], String> {
    let text = text.trim();
    let bytes = engines()
        .iter()
        .find_map(|engine| engine.decode(text).ok())
        .ok_or_else(|| " (the value is not valid base64)".to_owned())?;
    let len = bytes.len();
    <[u8; 32]>::try_from(bytes).map_err(|_| {
        format!(" (the value decodes to {len} bytes; generate one with `openssl rand -base64 32`)")
    })
}

/// Reads the development key at `path`, or creates it with 32 random bytes.
///
/// The key is created under a temporary name and hard-linked into place, so a
/// second process starting at the same moment either sees no file or the
/// complete key, never a half-written one, and both end up with the same key.
/// Check the development key at `path` without creating it: a file that
/// exists must hold a valid key; a missing one is fine (the server will
/// generate it).
pub(super) fn check_dev_key(path: &Path) -> Result<(), ConfigError> {
    match fs::read_to_string(path) {
        Ok(text) => dev_key_from(&text, path).map(|_| ()),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(source) => Err(io("read", path, source)),
    }
}

pub(super) fn dev_key(path: &Path) -> Result<[u8; 32], ConfigError> {
    match fs::read_to_string(path) {
        Ok(text) => return dev_key_from(&text, path),
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(source) => return Err(io("read", path, source)),
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|source| io("create", dir, source))?;

    // rand's thread RNG is a CSPRNG seeded from the operating system.
    let key: [u8; 32] = rand::random();
    let tmp = path.with_extension(format!("tmp-{:016x}", rand::random::<u64>()));
    write_private(
        &tmp,
        &format!(
            "{}\n",
            base64::engine::general_purpose::STANDARD.encode(key)
        ),
    )
    .map_err(|source| io("write", &tmp, source))?;
    let linked = fs::hard_link(&tmp, path);
    // The temporary name has done its job either way.
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => {
            tracing::warn!(
                path = %path.display(),
                "dev mode: generated a new encryption key for signing keys at rest; \
                 set keys.encryption_key in production"
            );
            Ok(key)
        }
        // Another process won the race: use its key.
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            let text = fs::read_to_string(path).map_err(|source| io("read", path, source))?;
            dev_key_from(&text, path)
        }
        Err(source) => Err(io("create", path, source)),
    }
}

fn dev_key_from(text: &str, path: &Path) -> Result<[u8; 32], ConfigError> {
    let key = decode_key(text).map_err(|reason| {
        ConfigError::Invalid(vec![Problem::new(
            None,
            format!(
                "the development encryption key file {} does not hold base64 of 32 bytes{reason}; \
                 delete it to generate a new one (signing keys encrypted with the old one are lost)",
                path.display()
            ),
        )])
    })?;
    tracing::debug!(path = %path.display(), "dev mode: using the encryption key stored in the data directory");
    Ok(key)
}

/// Creates `path` (which must not exist) readable by its owner only: the key
/// decrypts every signing key.
fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(content.as_bytes())?;
    file.sync_all()
}

fn io(action: &'static str, path: &Path, source: std::io::Error) -> ConfigError {
    ConfigError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_every_accepted_form() {
        let key = [0xfb_u8; 32];
        for engine in [
            base64::engine::general_purpose::STANDARD,
            base64::engine::general_purpose::STANDARD_NO_PAD,
            base64::engine::general_purpose::URL_SAFE,
            base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ] {
            assert_eq!(decode_key(&engine.encode(key)), Ok(key));
        }
    }

    #[test]
    fn errors_do_not_quote_the_key() {
        let err = decode_key("c2VjcmV0LXZhbHVl").unwrap_err();
        assert!(err.contains("12 bytes"), "{err}");
        assert!(!err.contains("c2VjcmV0"), "{err}");
    }

    #[test]
    fn debug_and_serialize_redact() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), REDACTED);
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"[redacted]\"");
    }
}

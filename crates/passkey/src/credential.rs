//! The durable passkey record, the repository trait `store` implements, and
//! the rules that apply to a record whatever stores it (credential id length,
//! friendly names, the signature counter).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_core::{RepoError, UnixTime, UserId};
use serde::{Deserialize, Serialize};

/// The longest credential id a relying party accepts (WebAuthn L3 §4
/// "Credential ID": at most 1023 bytes; §7.1 step "Verify that the
/// credentialId is ≤ 1023 bytes"). Longer ids are refused so that a hostile
/// client cannot make us store or index arbitrarily large keys.
pub const MAX_CREDENTIAL_ID_LEN: usize = 1023;

/// The longest friendly name a user may give a passkey, in characters.
pub const MAX_FRIENDLY_NAME_CHARS: usize = 64;

/// A credential id (WebAuthn L3 §4, `rawId` in §5.1): 1 to 1023 opaque bytes
/// chosen by the authenticator. Serialised as base64url without padding, the
/// form browsers use (`PublicKeyCredential.id`, L3 §5.1).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CredentialId(Vec<u8>);

/// Why bytes or text are not a credential id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialIdError {
    #[error("credential id is empty")]
    Empty,
    #[error("credential id is {0} bytes; at most 1023 are allowed (WebAuthn L3 §7.1)")]
    TooLong(usize),
    #[error("credential id is not base64url")]
    Encoding,
}

impl CredentialId {
    /// The raw bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// base64url without padding: the stored and transmitted form.
    #[must_use]
    pub fn to_base64url(&self) -> String {
        URL_SAFE_NO_PAD.encode(&self.0)
    }

    /// Parse the base64url form (padding tolerated, since some clients add it).
    pub fn from_base64url(s: &str) -> Result<Self, CredentialIdError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(s.trim_end_matches('='))
            .map_err(|_| CredentialIdError::Encoding)?;
        Self::try_from(bytes)
    }
}

impl TryFrom<Vec<u8>> for CredentialId {
    type Error = CredentialIdError;

    fn try_from(bytes: Vec<u8>) -> Result<Self, Self::Error> {
        match bytes.len() {
            0 => Err(CredentialIdError::Empty),
            n if n > MAX_CREDENTIAL_ID_LEN => Err(CredentialIdError::TooLong(n)),
            _ => Ok(Self(bytes)),
        }
    }
}

impl TryFrom<&[u8]> for CredentialId {
    type Error = CredentialIdError;

    fn try_from(bytes: &[u8]) -> Result<Self, Self::Error> {
        // Check before copying: a hostile length never costs an allocation.
        if bytes.len() > MAX_CREDENTIAL_ID_LEN {
            return Err(CredentialIdError::TooLong(bytes.len()));
        }
        Self::try_from(bytes.to_vec())
    }
}

impl TryFrom<String> for CredentialId {
    type Error = CredentialIdError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::from_base64url(&s)
    }
}

impl From<CredentialId> for String {
    fn from(id: CredentialId) -> Self {
        id.to_base64url()
    }
}

impl std::fmt::Debug for CredentialId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CredentialId({})", self.to_base64url())
    }
}

impl std::fmt::Display for CredentialId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_base64url())
    }
}

/// A registered passkey: WebAuthn L3's "credential record" (§4, §7.1 step
/// "Create and store a new credential record").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyCredential {
    /// Unique across all users (§7.1: a credential id registered to another
    /// user must fail the ceremony).
    pub credential_id: CredentialId,
    /// The owner; also the user handle the authenticator returns (§5.4.3).
    pub user_id: UserId,
    /// webauthn-rs's serialised `Passkey` (public key, algorithm, counter):
    /// what verification needs. Treated as opaque JSON text.
    pub passkey: String,
    /// The signature counter last seen (§6.1.1).
    pub counter: u32,
    /// BE flag (§6.1): fixed for the life of the credential; `true` means a
    /// synced (multi-device) passkey.
    pub backup_eligible: bool,
    /// BS flag (§6.1): whether the credential is currently backed up.
    pub backup_state: bool,
    /// `AuthenticatorTransport` values the client reported (§5.8.4), as sent.
    pub transports: Vec<String>,
    /// The authenticator model (§6.5.1); nil when the authenticator withheld it.
    pub aaguid: uuid::Uuid,
    /// Shown in the user's passkey list; user-renamable.
    pub friendly_name: String,
    pub created_at: UnixTime,
    pub last_used_at: Option<UnixTime>,
    /// The browser that registered it, to help the user tell passkeys apart.
    pub user_agent: Option<String>,
    /// Registration carried an attestation that webauthn-rs verified up to
    /// one of the operator's trusted root CAs, for an AAGUID the operator's
    /// allow-list accepts (§6.5, §7.1 steps 21–24): the authenticator model
    /// is proven, not self-reported. Together with a clear BE flag this is
    /// what earns `acr=phrh` (see [`crate::auth_method`]).
    #[serde(default)]
    pub hardware_attested: bool,
}

/// What one successful assertion changes on a record (§7.2 steps 21–24).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialUse {
    pub counter: u32,
    pub backup_state: bool,
    pub last_used_at: UnixTime,
    /// The re-serialised webauthn-rs `Passkey` with its counter and flags
    /// updated, so both copies of the counter agree.
    pub passkey: String,
}

/// Durable passkey storage, implemented by `latchkey-store`.
#[allow(async_fn_in_trait)]
pub trait CredentialRepo {
    /// Store a new credential. `Conflict("credential")` when the id is
    /// already registered, to this or any other user.
    async fn insert_credential(&self, credential: &PasskeyCredential) -> Result<(), RepoError>;
    /// A credential by id, whoever owns it.
    async fn credential_by_id(
        &self,
        id: &CredentialId,
    ) -> Result<Option<PasskeyCredential>, RepoError>;
    /// A credential by id and its owner's account (`None` when the account
    /// is gone), read together: an assertion needs both, and on a database
    /// across the network that is one round of work instead of two.
    async fn credential_with_owner(
        &self,
        id: &CredentialId,
    ) -> Result<Option<(PasskeyCredential, Option<latchkey_core::User>)>, RepoError>;
    /// A user's credentials, oldest first.
    async fn credentials_for_user(
        &self,
        user: &UserId,
    ) -> Result<Vec<PasskeyCredential>, RepoError>;
    /// Record a successful assertion. The counter rule ([`check_counter`]) is
    /// enforced atomically against the stored value: `Conflict("counter")`
    /// when the stored counter moved on meanwhile, `NotFound` when the
    /// credential is gone.
    async fn record_credential_use(
        &self,
        id: &CredentialId,
        usage: &CredentialUse,
    ) -> Result<(), RepoError>;
    /// Rename one of `user`'s credentials; `NotFound` when `user` has no such
    /// credential (another user's id is "not found", never "forbidden").
    async fn rename_credential(
        &self,
        user: &UserId,
        id: &CredentialId,
        friendly_name: &str,
    ) -> Result<(), RepoError>;
    /// Delete one of `user`'s credentials; `NotFound` as for rename. Whether
    /// deleting it is allowed (last sign-in method) is the caller's policy.
    async fn delete_credential(&self, user: &UserId, id: &CredentialId) -> Result<(), RepoError>;
    /// How many credentials `user` has.
    async fn count_credentials_for_user(&self, user: &UserId) -> Result<u64, RepoError>;
}

/// Why a friendly name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FriendlyNameError {
    #[error("a passkey name must be 1 to 64 characters without control characters")]
    Invalid,
}

/// Trim and check a user-chosen passkey name. Control characters are refused
/// because the name is shown in lists and in emails about the account.
pub fn normalise_friendly_name(name: &str) -> Result<String, FriendlyNameError> {
    let name = name.trim();
    let chars = name.chars().count();
    if chars == 0 || chars > MAX_FRIENDLY_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(FriendlyNameError::Invalid);
    }
    Ok(name.to_owned())
}

/// The signature counter rule (WebAuthn L3 §6.1.1 and §7.2 step 22): when
/// either the stored or the presented counter is non-zero, the presented one
/// must be strictly greater; otherwise the authenticator may have been cloned.
/// Both zero means the authenticator keeps no counter (synced passkeys
/// usually do not), which is allowed. Latchkey refuses the assertion on a
/// regression (the spec leaves the reaction to the relying party; refusing
/// is the conservative choice for an IdP).
#[must_use]
pub fn check_counter(stored: u32, presented: u32) -> bool {
    (stored == 0 && presented == 0) || presented > stored
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn credential_id_length_bounds() {
        assert_eq!(
            CredentialId::try_from(vec![]),
            Err(CredentialIdError::Empty)
        );
        assert!(CredentialId::try_from(vec![1u8; 1]).is_ok());
        assert!(CredentialId::try_from(vec![1u8; 1023]).is_ok());
        assert_eq!(
            CredentialId::try_from(vec![1u8; 1024]),
            Err(CredentialIdError::TooLong(1024))
        );
        assert_eq!(
            CredentialId::try_from(&[0u8; 4096][..]),
            Err(CredentialIdError::TooLong(4096))
        );
    }

    #[test]
    fn credential_id_base64url_roundtrip_and_serde() {
        let id = CredentialId::try_from(vec![0xfb, 0xff, 0x00, 0x10]).unwrap();
        assert_eq!(id.to_base64url(), "-_8AEA");
        assert_eq!(CredentialId::from_base64url("-_8AEA").unwrap(), id);
        assert_eq!(CredentialId::from_base64url("-_8AEA==").unwrap(), id);
        assert_eq!(
            CredentialId::from_base64url("+/8AEA"),
            Err(CredentialIdError::Encoding)
        );
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, "\"-_8AEA\"");
        assert_eq!(serde_json::from_str::<CredentialId>(&json).unwrap(), id);
        let long = format!("\"{}\"", URL_SAFE_NO_PAD.encode([0u8; 1024]));
        assert!(serde_json::from_str::<CredentialId>(&long).is_err());
    }

    #[test]
    fn counter_rule() {
        let cases = [
            (0, 0, true, "no counter kept"),
            (0, 1, true, "first counted use"),
            (5, 6, true, "moves forward"),
            (5, 500, true, "may jump"),
            (5, 5, false, "replayed or cloned"),
            (5, 4, false, "went backwards"),
            (5, 0, false, "counter reset to zero"),
        ];
        for (stored, presented, ok, why) in cases {
            assert_eq!(check_counter(stored, presented), ok, "{why}");
        }
    }

    #[test]
    fn friendly_names() {
        assert_eq!(
            normalise_friendly_name("  Work laptop ").unwrap(),
            "Work laptop"
        );
        assert!(normalise_friendly_name("").is_err());
        assert!(normalise_friendly_name("   ").is_err());
        assert!(normalise_friendly_name("a\nb").is_err());
        assert!(normalise_friendly_name(&"é".repeat(64)).is_ok());
        assert!(normalise_friendly_name(&"é".repeat(65)).is_err());
    }
}

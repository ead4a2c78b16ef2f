//! API keys: how one is made and how it is recognised. A key is `mnt_` and 40 hex digits
//! (160 bits from the operating system's CSPRNG); the ledger stores only its SHA-256
//! digest, with an id (`k-` and the key's first 8 digits) to name it by. The service
//! digests the key a request brings once, and looks the digest up in its cache and then
//! in the ledger: the key itself goes no further.

use super::LedgerError;
use sha2::{Digest, Sha256};

/// The SHA-256 of a key (hex), which is all the ledger keeps of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeyDigest(String);

impl KeyDigest {
    /// The digest of `key` as a client sends it (surrounding blanks are not part of it).
    pub fn of(key: &str) -> KeyDigest {
        KeyDigest(hex::encode(Sha256::digest(key.trim().as_bytes())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A key just made: shown once, then only its digest and id remain.
#[derive(Debug, Clone)]
pub struct NewKey {
    pub key: String,
    pub id: String,
    pub digest: KeyDigest,
}

/// A new random key.
pub fn mint() -> Result<NewKey, LedgerError> {
    let mut secret = [0u8; 20];
    getrandom::fill(&mut secret).map_err(|e| LedgerError::entropy("an API key", e))?;
    let body = hex::encode(secret);
    let key = format!("mnt_{body}");
    Ok(NewKey {
        id: format!("k-{}", body.get(..8).unwrap_or(&body)),
        digest: KeyDigest::of(&key),
        key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_and_known_by_their_digest() {
        let a = mint().unwrap_or_else(|e| panic!("{e}"));
        let b = mint().unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(a.key, b.key);
        assert_eq!(a.key.len(), 44);
        assert!(a.key.starts_with("mnt_"));
        assert_eq!(a.id, format!("k-{}", &a.key[4..12]));
        assert_eq!(a.digest, KeyDigest::of(&a.key));
        assert_eq!(KeyDigest::of(&format!(" {}\n", a.key)), a.digest);
        assert_ne!(a.digest, b.digest);
        // SHA-256 of the empty text: the digest is the plain hex SHA-256 of the key.
        assert_eq!(
            KeyDigest::of("").as_str(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}

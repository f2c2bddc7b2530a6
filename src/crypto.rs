//! Encryption at rest for private free text (notes, reasons, queued messages, tokens), so a
//! copied database file alone reveals none of it. XChaCha20-Poly1305 with a random 24-byte nonce
//! per value; the stored form is `version byte || nonce || ciphertext`.

use base64::Engine;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use std::fmt;
use thiserror::Error;

const VERSION: u8 = 1;
const NONCE_LEN: usize = 24;

#[derive(Debug, Error)]
pub enum CryptoError {
    #[error(
        "SIDEWAYS_ENCRYPTION_KEY must be 32 bytes, as 64 hex digits or base64 (try: openssl rand -base64 32)"
    )]
    BadKey,
    #[error("stored value could not be decrypted (wrong SIDEWAYS_ENCRYPTION_KEY?)")]
    Decrypt,
}

/// The configured key, ready to seal and open values.
#[derive(Clone)]
pub struct Cipher(XChaCha20Poly1305);

impl fmt::Debug for Cipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Cipher([redacted])")
    }
}

impl Cipher {
    /// Reads a key given as 64 hex digits or as base64 of 32 bytes.
    pub fn from_key_text(text: &str) -> Result<Self, CryptoError> {
        let text = text.trim();
        let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            hex::decode(text).map_err(|_| CryptoError::BadKey)?
        } else {
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .map_err(|_| CryptoError::BadKey)?
        };
        if bytes.len() != 32 {
            return Err(CryptoError::BadKey);
        }
        Ok(Cipher(XChaCha20Poly1305::new(Key::from_slice(&bytes))))
    }

    pub fn seal(&self, plain: &str) -> Vec<u8> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        // Encryption with a valid key and an in-memory buffer cannot fail.
        let ct = self.0.encrypt(&nonce, plain.as_bytes()).unwrap_or_default();
        let mut out = Vec::with_capacity(1 + NONCE_LEN + ct.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    /// 24 random bytes as hex: an unguessable one-time token.
    pub fn random_token() -> String {
        XChaCha20Poly1305::generate_nonce(&mut OsRng)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    pub fn open(&self, sealed: &[u8]) -> Result<String, CryptoError> {
        if sealed.len() < 1 + NONCE_LEN || sealed[0] != VERSION {
            return Err(CryptoError::Decrypt);
        }
        let nonce = XNonce::from_slice(&sealed[1..1 + NONCE_LEN]);
        let plain = self
            .0
            .decrypt(nonce, &sealed[1 + NONCE_LEN..])
            .map_err(|_| CryptoError::Decrypt)?;
        String::from_utf8(plain).map_err(|_| CryptoError::Decrypt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    #[test]
    fn sealed_text_opens_and_does_not_contain_the_plain_text() {
        let c = Cipher::from_key_text(KEY).unwrap();
        let sealed = c.seal("her kids are Ada and Linus");
        assert!(!sealed.windows(3).any(|w| w == b"Ada"));
        assert_eq!(c.open(&sealed).unwrap(), "her kids are Ada and Linus");
        assert_ne!(
            c.seal("same"),
            c.seal("same"),
            "each value gets its own nonce"
        );
    }

    #[test]
    fn another_key_cannot_open_it() {
        let a = Cipher::from_key_text(KEY).unwrap();
        let b = Cipher::from_key_text(&base64::engine::general_purpose::STANDARD.encode([7u8; 32]))
            .unwrap();
        assert!(b.open(&a.seal("secret")).is_err());
        assert!(a.open(b"short").is_err());
    }

    #[test]
    fn malformed_keys_are_refused() {
        for k in [
            "",
            "abc",
            "zz",
            &"00".repeat(31),
            &base64::engine::general_purpose::STANDARD.encode([1u8; 16]),
        ] {
            assert!(Cipher::from_key_text(k).is_err(), "{k}");
        }
    }
}

//! The password itself: `{id}-{secret}`, both lower-case base32 (`a-z`, `2-7`). The id (50 bits) is public: it
//! finds the one stored record, so a login costs one lookup and one argon2 check however many passwords exist.
//! The secret (26 characters, 130 bits) is what argon2 protects. Every character is safe in a URL's userinfo
//! (`ipp://alice%40contoso.com:PASSWORD@host/…`) without percent-encoding, and base32 is case-insensitive, so a
//! retyped password in capitals still works.

use crate::{AppError, Result};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::Rng;

const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
pub(crate) const ID_LEN: usize = 10;
const SECRET_LEN: usize = 26;
const LEN: usize = ID_LEN + 1 + SECRET_LEN;

fn random_chars(n: usize) -> String {
    let mut rng = rand::rngs::OsRng;
    // 256 is a multiple of 32, so masking a uniform byte gives a uniform character.
    (0..n)
        .map(|_| char::from(ALPHABET[usize::from(rng.r#gen::<u8>() & 31)]))
        .collect()
}

/// A fresh `(id, password)`.
pub(crate) fn generate() -> (String, String) {
    let id = random_chars(ID_LEN);
    let password = format!("{id}-{}", random_chars(SECRET_LEN));
    (id, password)
}

/// The canonical (lower-case) form of a password with the right shape, or None.
pub(crate) fn normalize(password: &str) -> Option<String> {
    let p = password.to_ascii_lowercase();
    let well_formed = p.len() == LEN
        && p.bytes().enumerate().all(|(i, b)| {
            if i == ID_LEN {
                b == b'-'
            } else {
                ALPHABET.contains(&b)
            }
        });
    well_formed.then_some(p)
}

/// The id embedded in a normalized password.
pub(crate) fn id_of(normalized: &str) -> &str {
    &normalized[..ID_LEN]
}

/// Whether `id` could be a password id (so a malformed path id is simply unknown).
pub(crate) fn is_id(id: &str) -> bool {
    id.len() == ID_LEN && id.bytes().all(|b| ALPHABET.contains(&b))
}

/// Argon2id with the crate's default (OWASP-recommended) parameters, as a PHC string.
pub(crate) fn hash(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("hashing a print password: {e}")))
}

/// Checks `password` against a stored PHC string (whatever parameters it was made with).
pub(crate) fn verify(password: &str, phc: &str) -> Result<bool> {
    let parsed = PasswordHash::new(phc)
        .map_err(|e| AppError::Internal(format!("stored print password hash is unreadable: {e}")))?;
    Ok(Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_are_well_formed_and_distinct() {
        let (id, password) = generate();
        assert_eq!(password.len(), LEN);
        assert_eq!(normalize(&password).as_deref(), Some(password.as_str()));
        assert_eq!(id_of(&password), id);
        assert!(is_id(&id));
        assert_ne!(generate().1, password);
        // Userinfo-safe without percent-encoding: unreserved characters only.
        assert!(password.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    }

    #[test]
    fn normalize_accepts_capitals_and_refuses_other_shapes() {
        let (_, password) = generate();
        assert_eq!(normalize(&password.to_ascii_uppercase()), Some(password.clone()));
        assert_eq!(normalize(&password[1..]), None);
        assert_eq!(normalize(&format!("{password}a")), None);
        assert_eq!(normalize(&password.replace('-', "a")), None);
        assert_eq!(normalize(&format!("{}1", &password[..LEN - 1])), None);
        assert_eq!(normalize(""), None);
        assert_eq!(normalize("é"), None);
    }

    #[test]
    fn hash_verifies_only_its_password() {
        let (_, password) = generate();
        let phc = hash(&password).unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify(&password, &phc).unwrap());
        assert!(!verify(&generate().1, &phc).unwrap());
        assert!(verify(&password, "not a hash").is_err());
    }
}

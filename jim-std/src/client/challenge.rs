//! The course's `511` challenge login, client side.
//!
//! The course's final-lesson servers keep, per account, the lower-case hex
//! text of PBKDF2-HMAC-SHA512(password, salt = the login lower-cased,
//! 10,000 rounds). To log in they send `{"response":511,"bin":"<hex>"}`
//! and expect `{"response":511,"bin":"<base64 of HMAC-MD5(key = that hex
//! text, message = the challenge as sent)>"}`, the base64 ending in `\n`
//! as Python's `binascii.b2a_base64` leaves it.

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use md5::Md5;
use sha2::Sha512;

/// PBKDF2 rounds the course uses.
pub const PBKDF2_ROUNDS: u32 = 10_000;

/// The answer to `challenge` for `login` and `password`: base64 with the
/// trailing newline that Python's `b2a_base64` writes.
///
/// ```
/// // The same computation in Python:
/// //   key = binascii.hexlify(hashlib.pbkdf2_hmac('sha512', b'secret', b'alice', 10000))
/// //   binascii.b2a_base64(hmac.new(key, b'00ff', 'MD5').digest()).decode('ascii')
/// let answer = jim_std::challenge_answer("Alice", "secret", "00ff");
/// assert!(answer.ends_with('\n'));
/// assert_eq!(answer.len(), 25); // 16 bytes → 24 base64 characters, and the newline
/// ```
pub fn challenge_answer(login: &str, password: &str, challenge: &str) -> String {
    let key = password_key(login, password);
    let digest = match <Hmac<Md5> as KeyInit>::new_from_slice(key.as_bytes()) {
        Ok(mut mac) => {
            mac.update(challenge.as_bytes());
            mac.finalize().into_bytes()
        }
        // HMAC takes a key of any length; this arm is never taken.
        Err(_) => Default::default(),
    };
    let mut answer = base64::engine::general_purpose::STANDARD.encode(digest);
    answer.push('\n');
    answer
}

/// The lower-case hex text of PBKDF2-HMAC-SHA512(password, login
/// lower-cased): the key the course's server stores.
pub fn password_key(login: &str, password: &str) -> String {
    let salt = login.to_lowercase();
    let mut hash = [0u8; 64];
    pbkdf2::pbkdf2_hmac::<Sha512>(
        password.as_bytes(),
        salt.as_bytes(),
        PBKDF2_ROUNDS,
        &mut hash,
    );
    let mut hex = String::with_capacity(hash.len() * 2);
    for byte in hash {
        for nibble in [byte >> 4, byte & 0x0f] {
            hex.extend(char::from_digit(u32::from(nibble), 16));
        }
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values computed with CPython's hashlib, hmac and binascii.
    #[test]
    fn matches_python() {
        assert_eq!(
            &password_key("Alice", "secret")[..32],
            PY_KEY_PREFIX,
            "PBKDF2 key differs from Python's"
        );
        assert_eq!(
            challenge_answer("Alice", "secret", "00ff"),
            "h7Fc4vnoyQTebmt/RXy5Mw==\n"
        );
        // Non-ASCII: the login is lower-cased as Python's str.lower() does.
        assert_eq!(
            challenge_answer("Борис", "пароль", "abc123"),
            "4otO560ja3L+1/LFhcKk3A==\n"
        );
    }

    const PY_KEY_PREFIX: &str = "3f00bffa36d84b8dd72b5526be5b8ed1";
}

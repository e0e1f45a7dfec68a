//! Passwords: argon2id hashes as PHC strings, never the password itself.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

use super::StoreError;

/// The result of a login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Login {
    /// The password matches the account's.
    Ok,
    /// There was no such account; registration is open, so it was made.
    Created,
    /// Wrong name or wrong password (one answer for both, so a caller
    /// cannot learn which names exist).
    Wrong,
}

/// How passwords are hashed: argon2id with OWASP's recommended minimum
/// (19 MiB, 2 passes) unless a test asks for [`Passwords::fast`].
#[derive(Debug, Clone)]
pub struct Passwords {
    params: Params,
}

impl Default for Passwords {
    fn default() -> Self {
        Passwords {
            params: Params::DEFAULT,
        }
    }
}

impl Passwords {
    /// The cheapest argon2id there is — for tests only: it protects
    /// nothing.
    pub fn fast() -> Passwords {
        let params = Params::new(Params::MIN_M_COST, 1, 1, None).unwrap_or(Params::DEFAULT);
        Passwords { params }
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// A PHC string (`$argon2id$v=19$…`) for `password`, with a random
    /// salt.
    pub fn hash(&self, password: &str) -> Result<String, StoreError> {
        self.argon2()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| StoreError::Password(e.to_string()))
    }

    /// Whether `password` matches `phc` (the parameters are the hash's own).
    pub fn verify(&self, password: &str, phc: &str) -> bool {
        self.argon2()
            .verify_password(password.as_bytes(), phc)
            .is_ok()
    }

    /// The login of `name`'s holder with `password`, given the stored hash
    /// (`None`: no such account). Registers when `register` allows; hashes
    /// also for an unknown name, so a wrong name costs as long as a wrong
    /// password.
    pub fn check(
        &self,
        password: &str,
        stored: Option<&str>,
        register: bool,
    ) -> Result<Check, StoreError> {
        Ok(match stored {
            Some(phc) if self.verify(password, phc) => Check::Login(Login::Ok),
            Some(_) => Check::Login(Login::Wrong),
            None if register => Check::Create(self.hash(password)?),
            None => {
                let _ = self.hash(password)?;
                Check::Login(Login::Wrong)
            }
        })
    }
}

/// What [`Passwords::check`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// The login is decided.
    Login(Login),
    /// A new account with this hash is to be created.
    Create(String),
}

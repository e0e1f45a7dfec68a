//! [`SessionConfig`]: how a [`Session`](super::Session) is opened, and the
//! [`Dialect`] its requests are spelled in.

use std::time::Duration;

/// Which family of JIM programs the server belongs to; decides how
/// requests are spelled. Answers of both are understood either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[non_exhaustive]
pub enum Dialect {
    /// The protocol's specification, as jim's server speaks it: `msg`
    /// with `to`/`from`/`message`, `add_contact` with `user_id`, `quit`.
    #[default]
    Spec,
    /// The course's reference programs: a presence without `type`,
    /// `message` with `destination`/`sender`/`mess_text`, `get_contacts`
    /// with `user`, `add`/`remove`, `exit` with `account_name`.
    Course,
}

/// How to open a [`Session`](super::Session): timeout, status, password, dialect.
///
/// ```
/// use std::time::Duration;
/// use jim_std::{Dialect, SessionConfig};
///
/// let config = SessionConfig::new()
///     .timeout(Duration::from_secs(3))
///     .status("Online")
///     .password("secret")
///     .dialect(Dialect::Course);
/// # let _ = config;
/// ```
#[derive(Debug, Clone)]
pub struct SessionConfig {
    pub(super) timeout: Duration,
    pub(super) status: Option<String>,
    pub(super) password: Option<String>,
    pub(super) pubkey: Option<String>,
    pub(super) dialect: Dialect,
    pub(super) raw: bool,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig::new()
    }
}

impl SessionConfig {
    /// A 5-second timeout, no status, no password, the spec dialect.
    pub fn new() -> Self {
        SessionConfig {
            timeout: Duration::from_secs(5),
            status: None,
            password: None,
            pubkey: None,
            dialect: Dialect::Spec,
            raw: false,
        }
    }

    /// Bounds connecting (per address), the whole login, each write and
    /// the wait for each answer. Zero means the default, 5 seconds.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        if !timeout.is_zero() {
            self.timeout = timeout;
        }
        self
    }

    /// The `user.status` of the presence (at most 25 characters).
    pub fn status(mut self, status: impl Into<String>) -> Self {
        self.status = Some(status.into()).filter(|s| !s.is_empty());
        self
    }

    /// The password: sent with `authenticate` to a server that asks for
    /// it (spec), or used to answer a course server's `511` challenge
    /// (never sent itself then). At most 25 characters.
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.password = Some(password.into());
        self
    }

    /// A public key (PEM text) sent as the presence's `user.pubkey`, as the
    /// course's final-lesson clients do.
    pub fn pubkey(mut self, pubkey: impl Into<String>) -> Self {
        self.pubkey = Some(pubkey.into());
        self
    }

    /// How requests are spelled (default [`Dialect::Spec`]).
    pub fn dialect(mut self, dialect: Dialect) -> Self {
        self.dialect = dialect;
        self
    }

    /// Also deliver every received frame as [`Event::Raw`](super::Event::Raw).
    pub fn raw(mut self, raw: bool) -> Self {
        self.raw = raw;
        self
    }
}

//! [`Request`]s a [`Session`](super::Session) makes and the [`Reply`]
//! each gets.

use jim_core::StatusCode;

/// A request of a session; the blocking methods of [`Session`](super::Session) wrap each.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Request {
    /// A message to an account or a `#room`.
    Message {
        /// The account or `#room`.
        to: String,
        /// The text (at most 500 characters).
        text: String,
    },
    /// `join` a `#room`.
    Join(String),
    /// `leave` a `#room`.
    Leave(String),
    /// `get_contacts`.
    GetContacts,
    /// `add_contact` (course: `add`).
    AddContact(String),
    /// `del_contact` (course: `remove`).
    DelContact(String),
    /// `get_users`: who is online.
    GetUsers,
    /// `get_history` of the conversation with an account or in a `#room`.
    GetHistory {
        /// The account or `#room`.
        with: String,
        /// At most this many messages.
        limit: Option<u32>,
        /// Only messages older than this id.
        before: Option<u64>,
    },
    /// `pubkey_need`: an account's public key (answered `511` with `bin`).
    PubkeyNeed(String),
    /// `authenticate` as the session's account with this password: to log
    /// in after the server answered `401` "log in first" (a server with
    /// required logins answers a bare presence `200` and binds nothing).
    Authenticate(String),
}

/// A server's successful answer to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Reply {
    /// The code: 2xx, or 511 for [`Request::PubkeyNeed`].
    pub code: StatusCode,
    /// The `alert` (or `error`) text, decoded, if any.
    pub text: Option<String>,
    /// The names of a list answer (`data_list`, `data` or an array
    /// `alert`).
    pub list: Option<Vec<String>>,
    /// `bin`: a public key, or a course challenge.
    pub bin: Option<String>,
}

impl Reply {
    /// The names of a list answer, or none.
    pub fn names(&self) -> &[String] {
        self.list.as_deref().unwrap_or_default()
    }
}

//! `probe`, `quit` (course: `exit`) and `authenticate`.

use crate::message::User;
use crate::text::Text;
use crate::timestamp::Timestamp;

/// `probe`: the server asks for a presence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Probe<'a> {
    /// `time`.
    pub time: Timestamp<'a>,
}

/// `quit` (or the course's `exit`): the client leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Quit<'a> {
    /// `time`, usually absent.
    pub time: Timestamp<'a>,
    /// `account_name`, sent by the course dialect's `exit`.
    pub account_name: Option<Text<'a>>,
}

/// `authenticate`: a name and a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Authenticate<'a> {
    /// `time`.
    pub time: Timestamp<'a>,
    /// `user`, whose `password` is required.
    pub user: User<'a>,
}

impl<'a> Authenticate<'a> {
    /// Credentials for `account_name`.
    pub fn new(account_name: impl Into<Text<'a>>, password: impl Into<Text<'a>>) -> Self {
        let mut user = User::new(account_name);
        user.password = Some(password.into());
        Authenticate {
            time: Timestamp::Absent,
            user,
        }
    }
}

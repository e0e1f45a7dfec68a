//! `presence` and the `user` object it carries.

use crate::text::Text;
use crate::timestamp::Timestamp;

/// The `user` object of `presence` and `authenticate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct User<'a> {
    /// `account_name` (at most 25 characters).
    pub account_name: Text<'a>,
    /// `status` (at most 25 characters).
    pub status: Option<Text<'a>>,
    /// `password` (at most 25 characters).
    pub password: Option<Text<'a>>,
}

impl<'a> User<'a> {
    /// A user with just a name.
    pub fn new(account_name: impl Into<Text<'a>>) -> Self {
        User {
            account_name: account_name.into(),
            status: None,
            password: None,
        }
    }
}

/// `presence`: "I am here".
///
/// The spec dialect sends `"type":"status"` and `user.status`; the course
/// reference sends neither. Both decode; [`Presence::new`] builds the spec
/// form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Presence<'a> {
    /// `time`.
    pub time: Timestamp<'a>,
    /// `type`, usually `"status"`; absent in the course dialect.
    pub kind: Option<Text<'a>>,
    /// `user`.
    pub user: User<'a>,
}

impl<'a> Presence<'a> {
    /// A spec-dialect presence: `type` `"status"`, no time (set
    /// [`time`](Presence::time) before sending), no status.
    pub fn new(account_name: impl Into<Text<'a>>) -> Self {
        Presence {
            time: Timestamp::Absent,
            kind: Some(Text::plain("status")),
            user: User::new(account_name),
        }
    }

    /// The same presence with `user.status` set.
    pub fn with_status(mut self, status: impl Into<Text<'a>>) -> Self {
        self.user.status = Some(status.into());
        self
    }

    /// The same presence with `time` set to whole Unix seconds.
    pub fn at(mut self, unix_seconds: u64) -> Self {
        self.time = Timestamp::Seconds(unix_seconds);
        self
    }
}

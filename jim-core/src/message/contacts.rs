//! `get_contacts`, `add_contact`, `del_contact`.

use crate::text::Text;
use crate::timestamp::Timestamp;

/// `get_contacts`: the server answers `202` with the list in `alert`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GetContacts<'a> {
    /// `time`.
    pub time: Timestamp<'a>,
    /// `user_login`, optional.
    pub user_login: Option<Text<'a>>,
}

/// The body of `add_contact` and `del_contact`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ContactChange<'a> {
    /// `time`.
    pub time: Timestamp<'a>,
    /// `user_id`: the contact's account name.
    pub user_id: Text<'a>,
    /// `user_login`, optional: whose list.
    pub user_login: Option<Text<'a>>,
}

impl<'a> ContactChange<'a> {
    /// A change concerning `user_id`.
    pub fn new(user_id: impl Into<Text<'a>>) -> Self {
        ContactChange {
            time: Timestamp::Absent,
            user_id: user_id.into(),
            user_login: None,
        }
    }
}

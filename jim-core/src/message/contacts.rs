//! `get_contacts`, `add_contact`/`del_contact` (course: `add`/`remove`):
//! types, decode, encode.

use crate::decode::head::Fields;
use crate::decode::wire::{first_of, name, optional, user_as_name};
use crate::encode::{begin, check, check_optional, opening, Encode, JsonWriter};
use crate::error::{DecodeError, EncodeError, Field};
use crate::limits::MAX_NAME;
use crate::text::Text;
use crate::timestamp::Timestamp;

/// `get_contacts`: the server answers `202` with the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GetContacts<'a> {
    /// `time`.
    pub time: Timestamp<'a>,
    /// Whose list: `user_login`, or the course's `account_name` or `user`
    /// (a string); optional.
    pub user_login: Option<Text<'a>>,
}

impl<'a> GetContacts<'a> {
    pub(crate) fn decode(f: &Fields<'a>, time: Timestamp<'a>) -> Result<Self, DecodeError> {
        let (owner, _) = first_of([f.user_login, f.account_name, user_as_name(f.user.as_ref())]);
        Ok(GetContacts {
            time,
            user_login: optional(Field::UserLogin, owner, MAX_NAME)?,
        })
    }
}

impl Encode for GetContacts<'_> {
    fn write_json(&self, w: &mut JsonWriter<'_>) -> Result<(), EncodeError> {
        check_optional(Field::UserLogin, self.user_login.as_ref(), MAX_NAME)?;
        begin(w, opening!("get_contacts"), &self.time)?;
        w.optional_field("user_login", self.user_login.as_ref())?;
        w.end_object()
    }
}

/// The body of `add_contact` and `del_contact`.
///
/// The course's `add`/`remove` (owner in `user` as a string, the contact in
/// `account_name`) decode to this too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ContactChange<'a> {
    /// `time`.
    pub time: Timestamp<'a>,
    /// `user_id` (or `contact`): the contact's account name.
    pub user_id: Text<'a>,
    /// `user_login` (or `account_name`), optional: whose list.
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

    /// Spec `add_contact`/`del_contact`: the contact in `user_id` or
    /// `contact`, the owner in `user_login` or `account_name`.
    pub(crate) fn decode(f: &Fields<'a>, time: Timestamp<'a>) -> Result<Self, DecodeError> {
        let (contact, _) = first_of([f.user_id, f.contact]);
        let (owner, _) = first_of([f.user_login, f.account_name, user_as_name(f.user.as_ref())]);
        Ok(ContactChange {
            time,
            user_id: name(Field::UserId, contact)?,
            user_login: optional(Field::UserLogin, owner, MAX_NAME)?,
        })
    }

    /// The course's `add`/`remove`: the contact in `account_name`, the
    /// owner in `user` (a string).
    pub(crate) fn decode_course(f: &Fields<'a>, time: Timestamp<'a>) -> Result<Self, DecodeError> {
        let (contact, _) = first_of([f.account_name, f.user_id, f.contact]);
        let (owner, _) = first_of([user_as_name(f.user.as_ref()), f.user_login]);
        Ok(ContactChange {
            time,
            user_id: name(Field::AccountName, contact)?,
            user_login: optional(Field::User, owner, MAX_NAME)?,
        })
    }

    /// Writes the change after `opening` (add or del).
    pub(crate) fn write(
        &self,
        w: &mut JsonWriter<'_>,
        opening: &'static str,
    ) -> Result<(), EncodeError> {
        check(Field::UserId, &self.user_id, MAX_NAME)?;
        check_optional(Field::UserLogin, self.user_login.as_ref(), MAX_NAME)?;
        begin(w, opening, &self.time)?;
        w.string_field("user_id", &self.user_id)?;
        w.optional_field("user_login", self.user_login.as_ref())?;
        w.end_object()
    }
}

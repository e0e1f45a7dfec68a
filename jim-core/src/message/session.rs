//! `probe`, `quit` (course: `exit`) and `authenticate`: types, decode,
//! encode.

use crate::decode::head::Fields;
use crate::decode::wire::{optional, user};
use crate::encode::{begin, check_optional, opening, write_user, Encode, JsonWriter};
use crate::error::{DecodeError, EncodeError, Field};
use crate::limits::MAX_NAME;
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

impl Encode for Probe<'_> {
    fn write_json(&self, w: &mut JsonWriter<'_>) -> Result<(), EncodeError> {
        begin(w, opening!("probe"), &self.time)?;
        w.end_object()
    }
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

impl<'a> Quit<'a> {
    pub(crate) fn decode(f: &Fields<'a>, time: Timestamp<'a>) -> Result<Self, DecodeError> {
        Ok(Quit {
            time,
            account_name: optional(Field::AccountName, f.account_name, MAX_NAME)?,
        })
    }
}

impl Encode for Quit<'_> {
    fn write_json(&self, w: &mut JsonWriter<'_>) -> Result<(), EncodeError> {
        check_optional(Field::AccountName, self.account_name.as_ref(), MAX_NAME)?;
        begin(w, opening!("quit"), &self.time)?;
        w.optional_field("account_name", self.account_name.as_ref())?;
        w.end_object()
    }
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

    pub(crate) fn decode(f: &Fields<'a>, time: Timestamp<'a>) -> Result<Self, DecodeError> {
        let user = user(f.user.as_ref())?;
        if user.password.is_none() {
            return Err(DecodeError::MissingField(Field::Password));
        }
        Ok(Authenticate { time, user })
    }
}

impl Encode for Authenticate<'_> {
    fn write_json(&self, w: &mut JsonWriter<'_>) -> Result<(), EncodeError> {
        begin(w, opening!("authenticate"), &self.time)?;
        write_user(w, &self.user)?;
        w.end_object()
    }
}

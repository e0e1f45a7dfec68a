//! The course's `get_users` and `pubkey_need`: types, decode, encode.

use crate::decode::head::Fields;
use crate::decode::wire::{name, optional};
use crate::encode::{begin, check, check_optional, opening, Encode, JsonWriter};
use crate::error::{DecodeError, EncodeError, Field};
use crate::limits::MAX_NAME;
use crate::text::Text;
use crate::timestamp::Timestamp;

/// `get_users` (course): who is online; answered `202` with the names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GetUsers<'a> {
    /// `time`.
    pub time: Timestamp<'a>,
    /// `account_name`: who asks (optional).
    pub account_name: Option<Text<'a>>,
}

impl<'a> GetUsers<'a> {
    pub(crate) fn decode(f: &Fields<'a>, time: Timestamp<'a>) -> Result<Self, DecodeError> {
        Ok(GetUsers {
            time,
            account_name: optional(Field::AccountName, f.account_name, MAX_NAME)?,
        })
    }
}

impl Encode for GetUsers<'_> {
    fn write_json(&self, w: &mut JsonWriter<'_>) -> Result<(), EncodeError> {
        check_optional(Field::AccountName, self.account_name.as_ref(), MAX_NAME)?;
        begin(w, opening!("get_users"), &self.time)?;
        w.optional_field("account_name", self.account_name.as_ref())?;
        w.end_object()
    }
}

/// `pubkey_need` (course): the public key of `account_name`, answered
/// `511` with the key in `bin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct PubkeyNeed<'a> {
    /// `time`.
    pub time: Timestamp<'a>,
    /// `account_name`: whose key.
    pub account_name: Text<'a>,
}

impl<'a> PubkeyNeed<'a> {
    /// A request for `account_name`'s key.
    pub fn new(account_name: impl Into<Text<'a>>) -> Self {
        PubkeyNeed {
            time: Timestamp::Absent,
            account_name: account_name.into(),
        }
    }

    pub(crate) fn decode(f: &Fields<'a>, time: Timestamp<'a>) -> Result<Self, DecodeError> {
        Ok(PubkeyNeed {
            time,
            account_name: name(Field::AccountName, f.account_name)?,
        })
    }
}

impl Encode for PubkeyNeed<'_> {
    fn write_json(&self, w: &mut JsonWriter<'_>) -> Result<(), EncodeError> {
        check(Field::AccountName, &self.account_name, MAX_NAME)?;
        begin(w, opening!("pubkey_need"), &self.time)?;
        w.string_field("account_name", &self.account_name)?;
        w.end_object()
    }
}

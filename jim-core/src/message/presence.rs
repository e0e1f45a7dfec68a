//! `presence` and the `user` object it carries: type, decode, encode.

use crate::decode::head::Fields;
use crate::decode::wire::{optional, user};
use crate::encode::{begin, check_optional, opening, write_user, Encode, JsonWriter};
use crate::error::{DecodeError, EncodeError, Field};
use crate::limits::MAX_NAME;
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
    /// `pubkey`: the course's public key (a PEM text), which a server
    /// hands to whoever asks with `pubkey_need`. No limit but the frame's.
    pub pubkey: Option<Text<'a>>,
}

impl<'a> User<'a> {
    /// A user with just a name.
    pub fn new(account_name: impl Into<Text<'a>>) -> Self {
        User {
            account_name: account_name.into(),
            status: None,
            password: None,
            pubkey: None,
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

    /// `true` for the course reference's form: no `type`, no `status`.
    pub fn is_course_dialect(&self) -> bool {
        self.kind.is_none() && self.user.status.is_none()
    }

    pub(crate) fn decode(f: &Fields<'a>, time: Timestamp<'a>) -> Result<Self, DecodeError> {
        Ok(Presence {
            time,
            kind: optional(Field::Type, f.kind, MAX_NAME)?,
            user: user(f.user.as_ref())?,
        })
    }
}

impl Encode for Presence<'_> {
    fn write_json(&self, w: &mut JsonWriter<'_>) -> Result<(), EncodeError> {
        check_optional(Field::Type, self.kind.as_ref(), MAX_NAME)?;
        begin(w, opening!("presence"), &self.time)?;
        w.optional_field("type", self.kind.as_ref())?;
        write_user(w, &self.user)?;
        w.end_object()
    }
}

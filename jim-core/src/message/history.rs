//! `get_history` (a jim extension): type, decode, encode.

use crate::decode::head::Fields;
use crate::decode::wire::{name, number};
use crate::encode::{begin, check, opening, Encode, JsonWriter};
use crate::error::{DecodeError, EncodeError, Field};
use crate::limits::MAX_NAME;
use crate::text::Text;
use crate::timestamp::Timestamp;

/// `get_history`: the last messages of a conversation — with an account,
/// or in a `#room` — answered `202` with the messages, oldest first.
/// `before` pages back (a message id from an earlier answer), `limit`
/// caps the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GetHistory<'a> {
    /// `time`.
    pub time: Timestamp<'a>,
    /// `to`: the other account, or the `#room`.
    pub to: Text<'a>,
    /// `before`: only messages with a smaller id.
    pub before: Option<u64>,
    /// `limit`: at most this many.
    pub limit: Option<u32>,
}

impl<'a> GetHistory<'a> {
    /// The history of the conversation with `to`.
    pub fn new(to: impl Into<Text<'a>>) -> Self {
        GetHistory {
            time: Timestamp::Absent,
            to: to.into(),
            before: None,
            limit: None,
        }
    }

    pub(crate) fn decode(f: &Fields<'a>, time: Timestamp<'a>) -> Result<Self, DecodeError> {
        Ok(GetHistory {
            time,
            to: name(Field::To, f.chat.to)?,
            before: number(Field::Before, f.before)?,
            limit: number(Field::Limit, f.limit)?.map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
        })
    }
}

impl Encode for GetHistory<'_> {
    fn write_json(&self, w: &mut JsonWriter<'_>) -> Result<(), EncodeError> {
        check(Field::To, &self.to, MAX_NAME)?;
        begin(w, opening!("get_history"), &self.time)?;
        w.string_field("to", &self.to)?;
        if let Some(before) = self.before {
            w.u64_field("before", before)?;
        }
        if let Some(limit) = self.limit {
            w.u64_field("limit", u64::from(limit))?;
        }
        w.end_object()
    }
}

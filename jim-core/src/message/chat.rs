//! `msg` (course: `message`) and `join`/`leave`.

use crate::text::Text;
use crate::timestamp::Timestamp;

/// `msg`: text to an account or a `#room`.
///
/// The course dialect's `message` action (text in `mess_text`, sender in
/// `sender` or `from`) decodes to this same type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ChatMessage<'a> {
    /// `time`.
    pub time: Timestamp<'a>,
    /// `to`: an account name or a `#room`.
    pub to: Text<'a>,
    /// `from` (or `sender`); some peers omit it.
    pub from: Option<Text<'a>>,
    /// `encoding`, default `"ascii"` when absent.
    pub encoding: Option<Text<'a>>,
    /// `message` (or `mess_text`), at most 500 characters.
    pub message: Text<'a>,
}

impl<'a> ChatMessage<'a> {
    /// A message from `from` to `to`.
    pub fn new(
        from: impl Into<Text<'a>>,
        to: impl Into<Text<'a>>,
        message: impl Into<Text<'a>>,
    ) -> Self {
        ChatMessage {
            time: Timestamp::Absent,
            to: to.into(),
            from: Some(from.into()),
            encoding: None,
            message: message.into(),
        }
    }

    /// `true` if addressed to a room rather than an account.
    pub fn is_to_room(&self) -> bool {
        self.to.starts_with('#')
    }
}

/// The body of `join` and `leave`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Room<'a> {
    /// `time`.
    pub time: Timestamp<'a>,
    /// `room`: starts with `#`, at most 25 characters.
    pub room: Text<'a>,
}

impl<'a> Room<'a> {
    /// A room change for `room`.
    pub fn new(room: impl Into<Text<'a>>) -> Self {
        Room {
            time: Timestamp::Absent,
            room: room.into(),
        }
    }
}

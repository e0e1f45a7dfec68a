//! `msg` (course: `message`) and `join`/`leave`: types, decode, encode.

use crate::decode::head::{ChatFields, Fields};
use crate::decode::wire::{either, first_of, name, optional, required};
use crate::encode::{begin, check, check_optional, opening, Encode, JsonWriter};
use crate::error::{DecodeError, EncodeError, Field};
use crate::limits::{MAX_NAME, MAX_TEXT};
use crate::text::Text;
use crate::timestamp::Timestamp;

/// `msg`: text to an account or a `#room`.
///
/// The course dialect's `message` action (text in `mess_text` and its
/// cousins, sender in `sender` or `from`, target in `to` or `destination`)
/// decodes to this same type; [`spelling`](ChatMessage::spelling) records
/// which names the peer used, and encoding writes them back the same way,
/// so a server can relay to each peer in its own dialect.
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
    /// `message` (or `mess_text`, …), at most 500 characters.
    pub message: Text<'a>,
    /// `room`: set by a server relaying a room message to a course-dialect
    /// peer, whose `to` is then the peer's own name (such peers drop
    /// messages whose `to` is not their name).
    pub room: Option<Text<'a>>,
    /// `history`: `true` on a stored message a server replays (room
    /// history after a `join`, the answer to `get_history`), absent on
    /// live traffic.
    pub history: bool,
    /// `id`: the server's number for a stored message it replays (with
    /// `history`), the `before` of the next `get_history` page.
    pub id: Option<u64>,
    /// The field names used on the wire.
    pub spelling: Spelling,
}

/// The names a chat message's verb and fields take on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Spelling {
    /// `msg` or `message`.
    pub verb: ChatVerb,
    /// The key of the text.
    pub text: TextKey,
    /// `from` or `sender`.
    pub sender: SenderKey,
    /// `to` or `destination`.
    pub target: TargetKey,
}

impl Spelling {
    /// The spec dialect: `msg`, `to`, `from`, `message`.
    pub const SPEC: Spelling = Spelling {
        verb: ChatVerb::Msg,
        text: TextKey::Message,
        sender: SenderKey::From,
        target: TargetKey::To,
    };
    /// The course reference: `message`, `to`, `from`, `mess_text`.
    pub const COURSE: Spelling = Spelling {
        verb: ChatVerb::Message,
        text: TextKey::MessText,
        sender: SenderKey::From,
        target: TargetKey::To,
    };
}

/// The chat verb.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ChatVerb {
    /// `msg` (spec).
    #[default]
    Msg,
    /// `message` (course).
    Message,
}

/// The key of a chat message's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum TextKey {
    /// `message` (spec).
    #[default]
    Message,
    /// `mess_text` (course reference).
    MessText,
    /// `message_text`.
    MessageText,
    /// `msg_text`.
    MsgText,
    /// `message_txt`.
    MessageTxt,
}

impl TextKey {
    const ALL: [TextKey; 5] = [
        TextKey::Message,
        TextKey::MessText,
        TextKey::MessageText,
        TextKey::MsgText,
        TextKey::MessageTxt,
    ];

    /// The key on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            TextKey::Message => "message",
            TextKey::MessText => "mess_text",
            TextKey::MessageText => "message_text",
            TextKey::MsgText => "msg_text",
            TextKey::MessageTxt => "message_txt",
        }
    }
}

/// The key of a chat message's sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum SenderKey {
    /// `from`.
    #[default]
    From,
    /// `sender`.
    Sender,
}

/// The key of a chat message's target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum TargetKey {
    /// `to`.
    #[default]
    To,
    /// `destination`.
    Destination,
}

impl<'a> ChatMessage<'a> {
    /// A message from `from` to `to` (spec spelling).
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
            room: None,
            history: false,
            id: None,
            spelling: Spelling::SPEC,
        }
    }

    /// `true` if addressed to a room rather than an account.
    pub fn is_to_room(&self) -> bool {
        self.to.starts_with('#')
    }

    pub(crate) fn decode(
        verb: &str,
        f: &ChatFields<'a>,
        time: Timestamp<'a>,
    ) -> Result<Self, DecodeError> {
        let (to, target) = match (f.to, f.destination) {
            (None | Some(crate::scan::Value::Null), Some(d)) => (Some(d), TargetKey::Destination),
            (to, _) => (to, TargetKey::To),
        };
        let sender = match f.from {
            None | Some(crate::scan::Value::Null) if f.sender.is_some() => SenderKey::Sender,
            _ => SenderKey::From,
        };
        let (text, index) = first_of(f.texts);
        let spelling = Spelling {
            verb: if verb == "message" {
                ChatVerb::Message
            } else {
                ChatVerb::Msg
            },
            text: TextKey::ALL.get(index).copied().unwrap_or_default(),
            sender,
            target,
        };
        Ok(ChatMessage {
            time,
            to: name(Field::To, to)?,
            from: optional(Field::From, either(f.from, f.sender), MAX_NAME)?,
            encoding: optional(Field::Encoding, f.encoding, MAX_NAME)?,
            message: required(Field::Message, text, MAX_TEXT)?,
            room: optional(Field::Room, f.room, MAX_NAME)?,
            history: matches!(f.history, Some(crate::scan::Value::True)),
            id: crate::decode::wire::number(Field::Id, f.id)?,
            spelling,
        })
    }
}

impl Encode for ChatMessage<'_> {
    fn write_json(&self, w: &mut JsonWriter<'_>) -> Result<(), EncodeError> {
        check(Field::To, &self.to, MAX_NAME)?;
        check_optional(Field::From, self.from.as_ref(), MAX_NAME)?;
        check_optional(Field::Encoding, self.encoding.as_ref(), MAX_NAME)?;
        check_optional(Field::Message, Some(&self.message), MAX_TEXT)?;
        check_optional(Field::Room, self.room.as_ref(), MAX_NAME)?;
        let s = self.spelling;
        let opening = match s.verb {
            ChatVerb::Msg => opening!("msg"),
            ChatVerb::Message => opening!("message"),
        };
        begin(w, opening, &self.time)?;
        let to = match s.target {
            TargetKey::To => "to",
            TargetKey::Destination => "destination",
        };
        w.string_field(to, &self.to)?;
        let from = match s.sender {
            SenderKey::From => "from",
            SenderKey::Sender => "sender",
        };
        w.optional_field(from, self.from.as_ref())?;
        w.optional_field("encoding", self.encoding.as_ref())?;
        w.string_field(s.text.as_str(), &self.message)?;
        w.optional_field("room", self.room.as_ref())?;
        if self.history {
            w.key("history")?;
            w.raw_value(b"true")?;
        }
        if let Some(id) = self.id {
            w.u64_field("id", id)?;
        }
        w.end_object()
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

    pub(crate) fn decode(f: &Fields<'a>, time: Timestamp<'a>) -> Result<Self, DecodeError> {
        let room = name(Field::Room, f.chat.room)?;
        if !room.starts_with('#') {
            return Err(DecodeError::NotARoom);
        }
        Ok(Room { time, room })
    }

    /// Writes `{"action":…,"room":…}` after `opening` (join or leave).
    pub(crate) fn write(
        &self,
        w: &mut JsonWriter<'_>,
        opening: &'static str,
    ) -> Result<(), EncodeError> {
        check(Field::Room, &self.room, MAX_NAME)?;
        if !self.room.starts_with('#') {
            return Err(EncodeError::NotARoom);
        }
        begin(w, opening, &self.time)?;
        w.string_field("room", &self.room)?;
        w.end_object()
    }
}

//! `Serialize` for every message type: the object jim's `Encode` writes.
//!
//! Each impl mirrors its type's `write_json` field by field: same keys,
//! same order, absent optional fields skipped (never `null`), `time` as
//! integer seconds or left out. `tests/serde.rs` holds them to it, byte for
//! byte, under `serde_json` and `serde-json-core`.

use ::serde::ser::{Serialize, SerializeSeq, SerializeStruct, Serializer};

use crate::code::StatusCode;
use crate::message::{
    Authenticate, ChatMessage, ChatVerb, ContactChange, GetContacts, GetHistory, GetUsers, Message,
    NameList, Presence, Probe, PubkeyNeed, Quit, Response, Room, SenderKey, TargetKey, User,
};
use crate::text::Text;
use crate::timestamp::Timestamp;

/// A JIM object being written: absent fields are skipped, not `null`.
struct Object<S: SerializeStruct>(S);

impl<S: SerializeStruct> Object<S> {
    /// Starts `name`'s object of `len` fields (those that will be written).
    fn begin<Ser>(serializer: Ser, name: &'static str, len: usize) -> Result<Self, S::Error>
    where
        Ser: Serializer<SerializeStruct = S, Error = S::Error>,
    {
        serializer.serialize_struct(name, len).map(Object)
    }

    /// `"key":value`.
    fn field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), S::Error> {
        self.0.serialize_field(key, value)
    }

    /// `"key":value` if there is one.
    fn optional<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: Option<&T>,
    ) -> Result<(), S::Error> {
        match value {
            Some(value) => self.0.serialize_field(key, value),
            None => self.0.skip_field(key),
        }
    }

    /// `"time":seconds`, as `Encode` writes it: whole seconds when the
    /// timestamp has them, else nothing.
    fn time(&mut self, time: &Timestamp<'_>) -> Result<(), S::Error> {
        self.optional("time", time.unix_seconds().as_ref())
    }

    fn end(self) -> Result<S::Ok, S::Error> {
        self.0.end()
    }
}

/// 1 if the field will be written, 0 if not: for the field counts serde
/// asks for.
fn has<T>(value: Option<T>) -> usize {
    usize::from(value.is_some())
}

/// The field count of an action's object: `action`, `time` if it is
/// written, and `rest` more.
fn with_action(time: &Timestamp<'_>, rest: usize) -> usize {
    1 + has(time.unix_seconds()) + rest
}

/// A string field: the decoded characters.
///
/// Plain text is written as the `&str` it is; received text with escapes
/// has no `&str`, so its characters are streamed through
/// [`Serializer::collect_str`] (no allocation, no buffer).
impl Serialize for Text<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.as_plain_str() {
            Some(plain) => serializer.serialize_str(plain),
            None => serializer.collect_str(self),
        }
    }
}

/// Whole Unix seconds, as `Encode` sends them, or `None` (JSON `null`)
/// where `Encode` leaves `time` out. Inside a message an absent time is
/// skipped, not written as `null`.
impl Serialize for Timestamp<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.unix_seconds() {
            Some(seconds) => serializer.serialize_u64(seconds),
            None => serializer.serialize_none(),
        }
    }
}

/// The number, e.g. `200`.
impl Serialize for StatusCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u16(self.as_u16())
    }
}

/// An array of the names, as strings.
impl Serialize for NameList<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.len()))?;
        for name in self.iter() {
            seq.serialize_element(&name)?;
        }
        seq.end()
    }
}

/// The `user` object: `account_name`, then `status`, `password` and
/// `pubkey` when present.
impl Serialize for User<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let len = 1 + has(self.status) + has(self.password) + has(self.pubkey);
        let mut o = Object::begin(serializer, "User", len)?;
        o.field("account_name", &self.account_name)?;
        o.optional("status", self.status.as_ref())?;
        o.optional("password", self.password.as_ref())?;
        o.optional("pubkey", self.pubkey.as_ref())?;
        o.end()
    }
}

impl Serialize for Presence<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let len = with_action(&self.time, has(self.kind) + 1);
        let mut o = Object::begin(serializer, "Presence", len)?;
        o.field("action", "presence")?;
        o.time(&self.time)?;
        o.optional("type", self.kind.as_ref())?;
        o.field("user", &self.user)?;
        o.end()
    }
}

impl Serialize for Probe<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut o = Object::begin(serializer, "Probe", with_action(&self.time, 0))?;
        o.field("action", "probe")?;
        o.time(&self.time)?;
        o.end()
    }
}

/// In its [`spelling`](ChatMessage::spelling): the verb (`msg` or
/// `message`) and the keys of the target, the sender and the text.
impl Serialize for ChatMessage<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let s = self.spelling;
        let rest = 2 + has(self.from) + has(self.encoding) + has(self.room);
        let len = with_action(&self.time, rest + usize::from(self.history) + has(self.id));
        let mut o = Object::begin(serializer, "ChatMessage", len)?;
        o.field(
            "action",
            match s.verb {
                ChatVerb::Msg => "msg",
                ChatVerb::Message => "message",
            },
        )?;
        o.time(&self.time)?;
        let to = match s.target {
            TargetKey::To => "to",
            TargetKey::Destination => "destination",
        };
        o.field(to, &self.to)?;
        let from = match s.sender {
            SenderKey::From => "from",
            SenderKey::Sender => "sender",
        };
        o.optional(from, self.from.as_ref())?;
        o.optional("encoding", self.encoding.as_ref())?;
        o.field(s.text.as_str(), &self.message)?;
        o.optional("room", self.room.as_ref())?;
        o.optional("history", self.history.then_some(&true))?;
        o.optional("id", self.id.as_ref())?;
        o.end()
    }
}

/// A `join`/`leave` body, with its action or (a [`Room`] alone) without.
fn room<S: Serializer>(
    serializer: S,
    action: Option<&'static str>,
    room: &Room<'_>,
) -> Result<S::Ok, S::Error> {
    let len = has(action) + has(room.time.unix_seconds()) + 1;
    let mut o = Object::begin(serializer, "Room", len)?;
    o.optional("action", action)?;
    o.time(&room.time)?;
    o.field("room", &room.room)?;
    o.end()
}

/// The body alone, `{"time":…,"room":"#…"}`: a `Room` does not know
/// whether it joins or leaves. Serialize [`Message::Join`] or
/// [`Message::Leave`] for the request.
impl Serialize for Room<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        room(serializer, None, self)
    }
}

impl Serialize for Quit<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let len = with_action(&self.time, has(self.account_name));
        let mut o = Object::begin(serializer, "Quit", len)?;
        o.field("action", "quit")?;
        o.time(&self.time)?;
        o.optional("account_name", self.account_name.as_ref())?;
        o.end()
    }
}

impl Serialize for Authenticate<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut o = Object::begin(serializer, "Authenticate", with_action(&self.time, 1))?;
        o.field("action", "authenticate")?;
        o.time(&self.time)?;
        o.field("user", &self.user)?;
        o.end()
    }
}

impl Serialize for GetContacts<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let len = with_action(&self.time, has(self.user_login));
        let mut o = Object::begin(serializer, "GetContacts", len)?;
        o.field("action", "get_contacts")?;
        o.time(&self.time)?;
        o.optional("user_login", self.user_login.as_ref())?;
        o.end()
    }
}

/// An `add_contact`/`del_contact` body, with its action or (alone) without.
fn contact_change<S: Serializer>(
    serializer: S,
    action: Option<&'static str>,
    change: &ContactChange<'_>,
) -> Result<S::Ok, S::Error> {
    let len = has(action) + has(change.time.unix_seconds()) + 1 + has(change.user_login);
    let mut o = Object::begin(serializer, "ContactChange", len)?;
    o.optional("action", action)?;
    o.time(&change.time)?;
    o.field("user_id", &change.user_id)?;
    o.optional("user_login", change.user_login.as_ref())?;
    o.end()
}

/// The body alone, `{"time":…,"user_id":…,"user_login":…}`: a
/// `ContactChange` does not know whether it adds or deletes. Serialize
/// [`Message::AddContact`] or [`Message::DelContact`] for the request.
impl Serialize for ContactChange<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        contact_change(serializer, None, self)
    }
}

impl Serialize for GetUsers<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let len = with_action(&self.time, has(self.account_name));
        let mut o = Object::begin(serializer, "GetUsers", len)?;
        o.field("action", "get_users")?;
        o.time(&self.time)?;
        o.optional("account_name", self.account_name.as_ref())?;
        o.end()
    }
}

impl Serialize for PubkeyNeed<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut o = Object::begin(serializer, "PubkeyNeed", with_action(&self.time, 1))?;
        o.field("action", "pubkey_need")?;
        o.time(&self.time)?;
        o.field("account_name", &self.account_name)?;
        o.end()
    }
}

impl Serialize for GetHistory<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let len = with_action(&self.time, 1 + has(self.before) + has(self.limit));
        let mut o = Object::begin(serializer, "GetHistory", len)?;
        o.field("action", "get_history")?;
        o.time(&self.time)?;
        o.field("to", &self.to)?;
        o.optional("before", self.before.as_ref())?;
        o.optional("limit", self.limit.as_ref())?;
        o.end()
    }
}

/// The `alert` of a response: its text, or else the list.
enum Alert<'r, 'a> {
    Text(&'r Text<'a>),
    List(&'r NameList<'a>),
}

impl Serialize for Alert<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Alert::Text(text) => text.serialize(serializer),
            Alert::List(list) => list.serialize(serializer),
        }
    }
}

/// `response`, `time`, then `alert` (the text, or a list answer's names),
/// `error`, `data_list` (the names again) and `bin`, each when present.
impl Serialize for Response<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let alert = match (&self.alert, &self.list) {
            (Some(text), _) => Some(Alert::Text(text)),
            (None, Some(list)) => Some(Alert::List(list)),
            (None, None) => None,
        };
        let len = 1
            + has(self.time.unix_seconds())
            + has(alert.as_ref())
            + has(self.error)
            + has(self.list)
            + has(self.bin);
        let mut o = Object::begin(serializer, "Response", len)?;
        o.field("response", &self.code)?;
        o.time(&self.time)?;
        o.optional("alert", alert.as_ref())?;
        o.optional("error", self.error.as_ref())?;
        o.optional("data_list", self.list.as_ref())?;
        o.optional("bin", self.bin.as_ref())?;
        o.end()
    }
}

/// The message's own object, its `action` (spec dialect, or the chat
/// message's [`spelling`](ChatMessage::spelling)) inside it: not an
/// externally tagged enum.
impl Serialize for Message<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Message::Presence(m) => m.serialize(serializer),
            Message::Probe(m) => m.serialize(serializer),
            Message::Msg(m) => m.serialize(serializer),
            Message::Join(m) => room(serializer, Some("join"), m),
            Message::Leave(m) => room(serializer, Some("leave"), m),
            Message::Quit(m) => m.serialize(serializer),
            Message::Authenticate(m) => m.serialize(serializer),
            Message::GetContacts(m) => m.serialize(serializer),
            Message::AddContact(m) => contact_change(serializer, Some("add_contact"), m),
            Message::DelContact(m) => contact_change(serializer, Some("del_contact"), m),
            Message::GetUsers(m) => m.serialize(serializer),
            Message::PubkeyNeed(m) => m.serialize(serializer),
            Message::GetHistory(m) => m.serialize(serializer),
            Message::Response(m) => m.serialize(serializer),
        }
    }
}

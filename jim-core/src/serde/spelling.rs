//! `Serialize` and `Deserialize` for [`Spelling`] and its pieces, by their
//! names on the wire: a server can keep each peer's dialect in its state.

use core::fmt;
use core::marker::PhantomData;

use ::serde::de::{
    self, Deserialize, Deserializer, EnumAccess, IgnoredAny, MapAccess, SeqAccess, VariantAccess,
    Visitor,
};
use ::serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::message::{ChatVerb, SenderKey, Spelling, TargetKey, TextKey};

/// A fieldless enum written as one of a fixed set of names.
trait Named: Copy + PartialEq + 'static {
    /// The type's name, for serde.
    const TYPE: &'static str;
    /// The names, in variant order.
    const NAMES: &'static [&'static str];
    /// The values, in the same order.
    const ALL: &'static [Self];
}

macro_rules! named {
    ($ty:ident { $($variant:ident => $name:literal),* $(,)? }) => {
        impl Named for $ty {
            const TYPE: &'static str = stringify!($ty);
            const NAMES: &'static [&'static str] = &[$($name),*];
            const ALL: &'static [Self] = &[$($ty::$variant),*];
        }

        /// Its name on the wire, as a unit variant.
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serialize_named(self, serializer)
            }
        }

        /// From its name on the wire (or, in formats that write variant
        /// indices, its index).
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_enum(
                    <$ty as Named>::TYPE,
                    <$ty as Named>::NAMES,
                    EnumVisitor::<$ty>(PhantomData),
                )
            }
        }
    };
}

named!(ChatVerb { Msg => "msg", Message => "message" });
named!(TextKey {
    Message => "message",
    MessText => "mess_text",
    MessageText => "message_text",
    MsgText => "msg_text",
    MessageTxt => "message_txt",
});
named!(SenderKey { From => "from", Sender => "sender" });
named!(TargetKey { To => "to", Destination => "destination" });

fn serialize_named<T: Named, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
    let index = T::ALL.iter().position(|v| v == value).unwrap_or_default();
    let name = T::NAMES.get(index).copied().unwrap_or_default();
    // At most five variants: the index fits.
    serializer.serialize_unit_variant(T::TYPE, index as u32, name)
}

/// Reads a unit variant of `T`.
struct EnumVisitor<T>(PhantomData<T>);

impl<'de, T: Named> Visitor<'de> for EnumVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "one of {:?}", T::NAMES)
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<T, A::Error> {
        let (value, variant) = data.variant_seed(VariantSeed::<T>(PhantomData))?;
        variant.unit_variant()?;
        Ok(value)
    }

    // Formats that hand a plain string or index to `deserialize_enum`.
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        VariantSeed::<T>(PhantomData).visit_str(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        VariantSeed::<T>(PhantomData).visit_u64(v)
    }
}

/// Reads the name (or index) of a variant of `T`.
struct VariantSeed<T>(PhantomData<T>);

impl<'de, T: Named> de::DeserializeSeed<'de> for VariantSeed<T> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl<T: Named> Visitor<'_> for VariantSeed<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "one of {:?}", T::NAMES)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        T::NAMES
            .iter()
            .position(|&name| name == v)
            .and_then(|i| T::ALL.get(i).copied())
            .ok_or_else(|| E::unknown_variant(v, T::NAMES))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        usize::try_from(v)
            .ok()
            .and_then(|i| T::ALL.get(i).copied())
            .ok_or_else(|| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<T, E> {
        match core::str::from_utf8(v) {
            Ok(v) => self.visit_str(v),
            Err(_) => Err(E::invalid_value(de::Unexpected::Bytes(v), &self)),
        }
    }
}

const FIELDS: &[&str] = &["verb", "text", "sender", "target"];

/// `{"verb":"msg","text":"message","sender":"from","target":"to"}`.
impl Serialize for Spelling {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Spelling", 4)?;
        s.serialize_field("verb", &self.verb)?;
        s.serialize_field("text", &self.text)?;
        s.serialize_field("sender", &self.sender)?;
        s.serialize_field("target", &self.target)?;
        s.end()
    }
}

/// From the object [`Serialize`] writes. A missing field is the spec
/// dialect's ([`Spelling::SPEC`]), so `{"verb":"message","text":"mess_text"}`
/// is [`Spelling::COURSE`]; unknown fields are ignored, a repeated one
/// is an error.
impl<'de> Deserialize<'de> for Spelling {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_struct("Spelling", FIELDS, SpellingVisitor)
    }
}

struct SpellingVisitor;

/// A key of the spelling object.
enum Key {
    Verb,
    Text,
    Sender,
    Target,
    Other,
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_identifier(KeyVisitor)
    }
}

struct KeyVisitor;

impl Visitor<'_> for KeyVisitor {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field of a spelling")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
        Ok(match v {
            "verb" => Key::Verb,
            "text" => Key::Text,
            "sender" => Key::Sender,
            "target" => Key::Target,
            _ => Key::Other,
        })
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Key, E> {
        Ok(match v {
            0 => Key::Verb,
            1 => Key::Text,
            2 => Key::Sender,
            3 => Key::Target,
            _ => Key::Other,
        })
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Key, E> {
        core::str::from_utf8(v).map_or(Ok(Key::Other), |v| self.visit_str(v))
    }
}

/// Stores `value` in `slot` unless it was already set.
fn once<T, E: de::Error>(slot: &mut Option<T>, value: T, key: &'static str) -> Result<(), E> {
    if slot.is_some() {
        return Err(E::duplicate_field(key));
    }
    *slot = Some(value);
    Ok(())
}

impl<'de> Visitor<'de> for SpellingVisitor {
    type Value = Spelling;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a spelling: verb, text, sender, target")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Spelling, A::Error> {
        let (mut verb, mut text, mut sender, mut target) = (None, None, None, None);
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Verb => once(&mut verb, map.next_value()?, "verb")?,
                Key::Text => once(&mut text, map.next_value()?, "text")?,
                Key::Sender => once(&mut sender, map.next_value()?, "sender")?,
                Key::Target => once(&mut target, map.next_value()?, "target")?,
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Spelling {
            verb: verb.unwrap_or_default(),
            text: text.unwrap_or_default(),
            sender: sender.unwrap_or_default(),
            target: target.unwrap_or_default(),
        })
    }

    /// Formats that write a struct as its fields in order: all four.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Spelling, A::Error> {
        let missing = |i| de::Error::invalid_length(i, &"four fields");
        Ok(Spelling {
            verb: seq.next_element()?.ok_or_else(|| missing(0))?,
            text: seq.next_element()?.ok_or_else(|| missing(1))?,
            sender: seq.next_element()?.ok_or_else(|| missing(2))?,
            target: seq.next_element()?.ok_or_else(|| missing(3))?,
        })
    }
}

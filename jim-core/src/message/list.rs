//! [`NameList`]: the list of names some answers carry (contacts, users).

use core::fmt;

use crate::error::TextError;
use crate::scan::{Cursor, Value};
use crate::text::Text;

/// A list of names in an answer: `"alert":[…]` (spec-style programs),
/// `"data_list":[…]` (the course reference) or `"data":[…]`.
///
/// Received, it is the JSON array as sent, its strings validated when the
/// answer was decoded and unescaped lazily as they are iterated; elements
/// that are not strings are skipped. To send, wrap a slice of [`Text`].
///
/// ```
/// use jim_core::{decode, Message, NameList, Text};
///
/// let Ok(Message::Response(r)) = decode(br#"{"response":202,"data_list":["alice","\u0411\u043e\u0440\u044f"]}"#) else { panic!() };
/// let names: Vec<String> = r.list.unwrap().iter().map(|t| t.to_string()).collect();
/// assert_eq!(names, ["alice", "Боря"]);
///
/// let names = [Text::plain("alice"), Text::plain("bob")];
/// assert_eq!(NameList::new(&names).len(), 2);
/// ```
#[derive(Clone, Copy)]
pub struct NameList<'a> {
    repr: Repr<'a>,
}

#[derive(Clone, Copy)]
enum Repr<'a> {
    /// A received JSON array, from `[` to `]`, already checked.
    Json(&'a str),
    /// Names given by the program.
    Texts(&'a [Text<'a>]),
}

impl<'a> NameList<'a> {
    /// A list to send.
    pub const fn new(names: &'a [Text<'a>]) -> Self {
        NameList {
            repr: Repr::Texts(names),
        }
    }

    /// A received array (`[…]` as written, already checked by the scan);
    /// validates the escapes of its strings.
    pub(crate) fn from_json(raw: &'a str) -> Result<Self, TextError> {
        let list = NameList {
            repr: Repr::Json(raw),
        };
        let mut elements = Elements::new(raw);
        while let Some(element) = elements.next_raw() {
            // What the scan learnt decides: only escapes need checking.
            match element {
                Value::Str {
                    raw, escaped: true, ..
                } => {
                    Text::escaped_counted(raw)?;
                }
                Value::Str { control: true, .. } => return Err(TextError::ControlCharacter),
                _ => {}
            }
        }
        Ok(list)
    }

    /// The names, in order.
    pub fn iter(&self) -> Names<'a> {
        match self.repr {
            Repr::Json(raw) => Names::Json(Elements::new(raw)),
            Repr::Texts(texts) => Names::Texts(texts.iter()),
        }
    }

    /// How many names.
    pub fn len(&self) -> usize {
        match self.repr {
            Repr::Json(_) => self.iter().count(),
            Repr::Texts(texts) => texts.len(),
        }
    }

    /// `true` if there are none.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }
}

impl<'a> IntoIterator for NameList<'a> {
    type Item = Text<'a>;
    type IntoIter = Names<'a>;

    fn into_iter(self) -> Names<'a> {
        self.iter()
    }
}

impl PartialEq for NameList<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for NameList<'_> {}

impl fmt::Debug for NameList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for NameList<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "NameList({=usize} names)", self.len());
    }
}

/// The names of a [`NameList`].
#[derive(Clone)]
pub enum Names<'a> {
    #[doc(hidden)]
    Json(Elements<'a>),
    #[doc(hidden)]
    Texts(core::slice::Iter<'a, Text<'a>>),
}

impl<'a> Iterator for Names<'a> {
    type Item = Text<'a>;

    fn next(&mut self) -> Option<Text<'a>> {
        match self {
            Names::Texts(texts) => texts.next().copied(),
            Names::Json(elements) => loop {
                match elements.next_raw()? {
                    // Validated when decoded; an error cannot happen here,
                    // and would only skip the element.
                    Value::Str { raw, .. } => {
                        if let Ok(text) = Text::from_escaped(raw) {
                            return Some(text);
                        }
                    }
                    _ => continue,
                }
            },
        }
    }
}

/// The elements of a checked JSON array.
#[derive(Clone)]
#[doc(hidden)]
pub struct Elements<'a> {
    cursor: Cursor<'a>,
    started: bool,
    done: bool,
}

impl<'a> Elements<'a> {
    fn new(raw: &'a str) -> Self {
        Elements {
            cursor: Cursor::new(raw),
            started: false,
            done: false,
        }
    }

    /// The next element; `None` at the end (or at anything malformed,
    /// which a checked array never has).
    fn next_raw(&mut self) -> Option<Value<'a>> {
        if self.done {
            return None;
        }
        let more = if self.started {
            self.cursor.next_element()
        } else {
            self.started = true;
            self.cursor.open_array()
        };
        match more {
            Ok(true) => {}
            _ => {
                self.done = true;
                return None;
            }
        }
        match self.cursor.value(2) {
            Ok(value) => Some(value),
            Err(_) => {
                self.done = true;
                None
            }
        }
    }
}

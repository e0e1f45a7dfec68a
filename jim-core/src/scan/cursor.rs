//! [`Cursor`]: the decoder's validating single pass over one object.

use super::{is_string_special, is_whitespace, ScanError, Value};
use crate::limits::MAX_DEPTH;

/// A validating single-pass reader of one JSON object.
///
/// The caller walks members with [`open_object`](Cursor::open_object),
/// [`key`](Cursor::key), [`value`](Cursor::value) and
/// [`next_member`](Cursor::next_member); every value is checked against
/// the JSON grammar (plus Python's `NaN`/`Infinity`, which `json.dumps`
/// writes) and against [`MAX_DEPTH`] without recursion. Strings are
/// scanned for their end only; their escapes are checked by
/// [`Text`](crate::Text) when a field is used, so an unknown field with an
/// odd escape is ignored like any other unknown field.
#[derive(Clone)]
pub(crate) struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(text: &'a str) -> Self {
        Cursor { text, pos: 0 }
    }

    #[inline]
    pub fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    // Bare metal: one copy, not one per call site (seven); hosted: speed.
    #[cfg_attr(target_os = "none", inline(never))]
    #[cfg_attr(not(target_os = "none"), inline)]
    pub fn skip_ws(&mut self) {
        while self.peek().is_some_and(is_whitespace) {
            self.pos += 1;
        }
    }

    #[inline]
    fn expect(&mut self, b: u8) -> Result<(), ScanError> {
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(ScanError::Syntax)
        }
    }

    /// `{` (after optional whitespace); `Ok(false)` if the object is empty,
    /// its `}` consumed as well.
    pub fn open_object(&mut self) -> Result<bool, ScanError> {
        self.skip_ws();
        self.expect(b'{')?;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            Ok(false)
        } else {
            Ok(true)
        }
    }

    /// After a member's value: `Ok(true)` at `,` (another member follows),
    /// `Ok(false)` at the object's closing `}`.
    pub fn next_member(&mut self) -> Result<bool, ScanError> {
        self.skip_ws();
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                self.skip_ws();
                Ok(true)
            }
            Some(b'}') => {
                self.pos += 1;
                Ok(false)
            }
            _ => Err(ScanError::Syntax),
        }
    }

    /// Only whitespace may follow the object.
    pub fn finish(&mut self) -> Result<(), ScanError> {
        self.skip_ws();
        if self.pos == self.text.len() {
            Ok(())
        } else {
            Err(ScanError::Syntax)
        }
    }

    /// `[` (after optional whitespace); `Ok(false)` if the array is empty,
    /// its `]` consumed as well.
    pub fn open_array(&mut self) -> Result<bool, ScanError> {
        self.skip_ws();
        self.expect(b'[')?;
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            Ok(false)
        } else {
            Ok(true)
        }
    }

    /// After an element: `Ok(true)` at `,`, `Ok(false)` at the closing `]`.
    pub fn next_element(&mut self) -> Result<bool, ScanError> {
        self.skip_ws();
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                self.skip_ws();
                Ok(true)
            }
            Some(b']') => {
                self.pos += 1;
                Ok(false)
            }
            _ => Err(ScanError::Syntax),
        }
    }

    /// A member's key (raw, escapes intact) and its colon.
    #[cfg_attr(target_os = "none", inline(never))]
    #[cfg_attr(not(target_os = "none"), inline)]
    pub fn key(&mut self) -> Result<&'a str, ScanError> {
        if self.peek() != Some(b'"') {
            return Err(ScanError::Syntax);
        }
        let (raw, _, _) = self.string()?;
        self.skip_ws();
        self.expect(b':')?;
        self.skip_ws();
        Ok(raw)
    }

    /// The string starting at the current quote: its raw content, whether
    /// it has escapes, whether it has raw control characters.
    #[cfg_attr(target_os = "none", inline(never))]
    #[cfg_attr(not(target_os = "none"), inline)]
    fn string(&mut self) -> Result<(&'a str, bool, bool), ScanError> {
        let bytes = self.text.as_bytes();
        let start = self.pos + 1;
        let mut i = start;
        let mut escaped = false;
        let mut control = false;
        loop {
            // The run of ordinary bytes first, one table look-up each.
            while bytes.get(i).is_some_and(|&b| !is_string_special(b)) {
                i += 1;
            }
            match bytes.get(i) {
                None => return Err(ScanError::Syntax),
                Some(b'"') => break,
                Some(b'\\') => {
                    // Whatever follows is part of the escape.
                    escaped = true;
                    i += 2;
                }
                Some(_) => {
                    control = true;
                    i += 1;
                }
            }
        }
        // Both ends are at quotes, so on char boundaries.
        let raw = self.text.get(start..i).ok_or(ScanError::Syntax)?;
        self.pos = i + 1;
        Ok((raw, escaped, control))
    }

    /// The value at the current position, which lies inside `depth`
    /// objects or arrays (a message's own fields are at depth 1).
    #[inline]
    pub fn value(&mut self, depth: u32) -> Result<Value<'a>, ScanError> {
        match self.peek() {
            Some(b'"') => {
                let (raw, escaped, control) = self.string()?;
                Ok(Value::Str {
                    raw,
                    escaped,
                    control,
                })
            }
            Some(b'[') => {
                let start = self.pos;
                self.container(depth)?;
                let raw = self.text.get(start..self.pos).ok_or(ScanError::Syntax)?;
                Ok(Value::Array(raw))
            }
            Some(b'{') => {
                self.container(depth)?;
                Ok(Value::Other)
            }
            _ => self.scalar(),
        }
    }

    /// Skips the object or array at the current position, checking it, with
    /// an explicit stack: bit `i` of `objects` says whether the container
    /// `i` levels up from the innermost one is an object.
    #[inline(never)]
    fn container(&mut self, depth: u32) -> Result<(), ScanError> {
        let mut open: u32 = 0;
        let mut objects: u32 = 0;
        loop {
            // At the start of a value.
            match self.peek() {
                Some(b @ (b'{' | b'[')) => {
                    if depth + open + 1 > MAX_DEPTH {
                        return Err(ScanError::TooDeep);
                    }
                    self.pos += 1;
                    open += 1;
                    let is_object = b == b'{';
                    objects = (objects << 1) | u32::from(is_object);
                    self.skip_ws();
                    let close = if is_object { b'}' } else { b']' };
                    if self.peek() != Some(close) {
                        if is_object {
                            self.key()?;
                        }
                        continue;
                    }
                    // Empty: its close is handled below as after a value.
                }
                Some(b'"') => {
                    self.string()?;
                    self.skip_ws();
                }
                _ => {
                    self.scalar()?;
                    self.skip_ws();
                }
            }
            // After a value: close containers, or go on to the next element.
            loop {
                let in_object = objects & 1 == 1;
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        self.skip_ws();
                        if in_object {
                            self.key()?;
                        }
                        break;
                    }
                    Some(b'}') if in_object => {}
                    Some(b']') if !in_object => {}
                    _ => return Err(ScanError::Syntax),
                }
                self.pos += 1;
                open -= 1;
                objects >>= 1;
                if open == 0 {
                    return Ok(());
                }
                self.skip_ws();
            }
        }
    }

    /// `null`, `true`, `false`, a number, or Python's `NaN`/`Infinity`.
    fn scalar(&mut self) -> Result<Value<'a>, ScanError> {
        let (word, value): (&[u8], _) = match self.peek() {
            Some(b'n') => (b"null", Value::Null),
            Some(b't') => (b"true", Value::True),
            Some(b'f') => (b"false", Value::Other),
            Some(b'N') => (b"NaN", Value::Other),
            Some(b'I') => (b"Infinity", Value::Other),
            _ => {
                let start = self.pos;
                self.number()?;
                let raw = self.text.get(start..self.pos).ok_or(ScanError::Syntax)?;
                return Ok(Value::Number(raw));
            }
        };
        self.literal(word)?;
        Ok(value)
    }

    /// The bytes from the current position on.
    #[inline]
    fn rest(&self) -> &'a [u8] {
        self.text.as_bytes().get(self.pos..).unwrap_or_default()
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), ScanError> {
        if self.rest().starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(ScanError::Syntax)
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, or `-Infinity`.
    fn number(&mut self) -> Result<(), ScanError> {
        if self.peek() == Some(b'-') {
            self.pos += 1;
            if self.peek() == Some(b'I') {
                return self.literal(b"Infinity");
            }
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(ScanError::Syntax),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(ScanError::Syntax);
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(ScanError::Syntax);
            }
        }
        Ok(())
    }

    /// Skips ASCII digits and returns how many.
    #[cfg_attr(target_os = "none", inline(never))]
    fn digits(&mut self) -> usize {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        self.pos - start
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Collected<'a> = ([(&'a str, Value<'a>); 4], usize);

    /// The top-level members of `json`.
    fn collect(json: &str) -> Result<Collected<'_>, ScanError> {
        let mut out = [("", Value::Null); 4];
        let mut n = 0;
        let mut c = Cursor::new(json);
        let mut more = c.open_object()?;
        while more {
            let key = c.key()?;
            out[n] = (key, c.value(1)?);
            n += 1;
            more = c.next_member()?;
        }
        c.finish()?;
        Ok((out, n))
    }

    fn string(raw: &str) -> Value<'_> {
        Value::Str {
            raw,
            escaped: raw.contains('\\'),
            control: raw.bytes().any(|b| b < 0x20),
        }
    }

    #[test]
    fn walks_top_level_fields() {
        let (f, n) =
            collect(r#" {"a": -1.5e+3, "b" :"x\"}", "c": {"d": [1, {}, []]}, "f":null} "#).unwrap();
        assert_eq!(n, 4);
        assert_eq!(f[0], ("a", Value::Number("-1.5e+3")));
        assert_eq!(f[1], ("b", string(r#"x\"}"#)));
        assert_eq!(f[2], ("c", Value::Other));
        assert_eq!(f[3], ("f", Value::Null));
        assert_eq!(collect("{}").unwrap().1, 0);
        assert_eq!(collect(" {\n} ").unwrap().1, 0);
        let (f, _) = collect("{\"t\":\"a\tb\",\"n\":NaN,\"i\":-Infinity}").unwrap();
        assert_eq!(f[0].1, string("a\tb"));
        assert_eq!(f[1].1, Value::Other);
        assert_eq!(f[2].1, Value::Number("-Infinity"));
    }

    #[test]
    fn rejects_malformed_and_deep() {
        for bad in [
            r#"{"a"}"#,
            r#"{"a":}"#,
            r#"{"a":1,}"#,
            r#"{"a":1"#,
            r#"{"a":1} x"#,
            "[]",
            r#"{"a":"x}"#,
            r#"{"a":tru}"#,
            r#"{"a":01}"#,
            r#"{"a":1.}"#,
            r#"{"a":.5}"#,
            r#"{"a":1e}"#,
            r#"{"a":-}"#,
            r#"{"a":[1,]}"#,
            r#"{"a":[1 2]}"#,
            r#"{"a":{"b"}}"#,
            r#"{"a":{"b":1,}}"#,
            r#"{"a":{1:2}}"#,
            r#"{"a":[}"#,
            r#"{"a":{]}"#,
            r#"{"a":[1]]}"#,
            "{\"a\":\"\\\"}",
        ] {
            assert_eq!(collect(bad).err(), Some(ScanError::Syntax), "{bad}");
        }
        // The message is level 1: seven more levels fit MAX_DEPTH (8).
        assert_eq!(collect(r#"{"a":[[[[[[[1]]]]]]]}"#).map(|r| r.1), Ok(1));
        assert!(collect(r#"{"a":{"b":{"c":{"d":{"e":{"f":{"g":{}}}}}}}}"#).is_ok());
        assert_eq!(
            collect(r#"{"a":[[[[[[[[1]]]]]]]]}"#).err(),
            Some(ScanError::TooDeep)
        );
        assert_eq!(
            collect(r#"{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{}}}}}}}}}"#).err(),
            Some(ScanError::TooDeep)
        );
    }
}

//! Byte-level JSON structure scanning shared by the framer and the decoder.
//!
//! Neither needs a full parse here: the framer only has to know where an
//! object ends, the decoder only where each top-level field's value lies.
//! Both track strings, escapes and nesting depth the same way.

/// Tracks strings and nesting depth one byte at a time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scanner {
    /// Open objects and arrays. Saturates rather than wraps, so a hostile
    /// stream of `[` can never make it overflow.
    pub depth: u32,
    in_string: bool,
    escaped: bool,
}

/// What a byte did to the structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// `{` or `[` outside a string.
    Open,
    /// `}` or `]` outside a string.
    Close,
    /// Anything else.
    Other,
}

impl Scanner {
    pub const fn new() -> Self {
        Scanner {
            depth: 0,
            in_string: false,
            escaped: false,
        }
    }

    pub fn step(&mut self, b: u8) -> Step {
        if self.in_string {
            if self.escaped {
                self.escaped = false;
            } else if b == b'\\' {
                self.escaped = true;
            } else if b == b'"' {
                self.in_string = false;
            }
            return Step::Other;
        }
        match b {
            b'"' => {
                self.in_string = true;
                Step::Other
            }
            b'{' | b'[' => {
                self.depth = self.depth.saturating_add(1);
                Step::Open
            }
            b'}' | b']' => {
                self.depth = self.depth.saturating_sub(1);
                Step::Close
            }
            _ => Step::Other,
        }
    }
}

pub(crate) fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// Why an object's top level could not be walked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScanError {
    Syntax,
    TooDeep,
}

/// One top-level field of an object: the key's raw (escaped) bytes and the
/// value's raw bytes (a string value includes its quotes).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawField<'a> {
    pub key: &'a [u8],
    pub value: &'a [u8],
}

/// Walks the top-level fields of one JSON object, checking the nesting depth
/// of every value against `max_depth`.
pub(crate) struct Fields<'a> {
    bytes: &'a [u8],
    pos: usize,
    max_depth: u32,
    done: bool,
}

impl<'a> Fields<'a> {
    /// Starts after the opening brace; `bytes` must be exactly one object,
    /// optionally surrounded by whitespace.
    pub fn new(bytes: &'a [u8], max_depth: u32) -> Result<Self, ScanError> {
        let mut fields = Fields {
            bytes,
            pos: 0,
            max_depth,
            done: false,
        };
        fields.skip_ws();
        fields.expect(b'{')?;
        fields.skip_ws();
        if fields.peek() == Some(b'}') {
            fields.pos += 1;
            fields.finish()?;
        }
        Ok(fields)
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(is_whitespace) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, b: u8) -> Result<(), ScanError> {
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(ScanError::Syntax)
        }
    }

    /// After the closing brace only whitespace may follow.
    fn finish(&mut self) -> Result<(), ScanError> {
        self.done = true;
        self.skip_ws();
        if self.pos == self.bytes.len() {
            Ok(())
        } else {
            Err(ScanError::Syntax)
        }
    }

    /// The end (exclusive) of the string starting at `start` (a quote).
    fn string_end(&self, start: usize) -> Result<usize, ScanError> {
        let mut escaped = false;
        let rest = self.bytes.get(start + 1..).ok_or(ScanError::Syntax)?;
        for (i, &b) in rest.iter().enumerate() {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                return Ok(start + i + 2);
            }
        }
        Err(ScanError::Syntax)
    }

    /// The end (exclusive) of the value starting at `self.pos`.
    fn value_end(&self) -> Result<usize, ScanError> {
        let start = self.pos;
        match self.peek() {
            Some(b'"') => self.string_end(start),
            Some(b'{') | Some(b'[') => {
                let mut scanner = Scanner::new();
                let rest = self.bytes.get(start..).ok_or(ScanError::Syntax)?;
                for (i, &b) in rest.iter().enumerate() {
                    // The top-level object itself is one level.
                    if scanner.step(b) == Step::Open && scanner.depth + 1 > self.max_depth {
                        return Err(ScanError::TooDeep);
                    }
                    if scanner.depth == 0 {
                        return Ok(start + i + 1);
                    }
                }
                Err(ScanError::Syntax)
            }
            Some(_) => {
                let rest = self.bytes.get(start..).ok_or(ScanError::Syntax)?;
                let len = rest
                    .iter()
                    .position(|&b| b == b',' || b == b'}' || is_whitespace(b))
                    .ok_or(ScanError::Syntax)?;
                if len == 0 {
                    return Err(ScanError::Syntax);
                }
                Ok(start + len)
            }
            None => Err(ScanError::Syntax),
        }
    }

    fn next_field(&mut self) -> Result<RawField<'a>, ScanError> {
        self.skip_ws();
        if self.peek() != Some(b'"') {
            return Err(ScanError::Syntax);
        }
        let key_end = self.string_end(self.pos)?;
        let key = self
            .bytes
            .get(self.pos + 1..key_end - 1)
            .ok_or(ScanError::Syntax)?;
        self.pos = key_end;
        self.skip_ws();
        self.expect(b':')?;
        self.skip_ws();
        let value_end = self.value_end()?;
        let value = self
            .bytes
            .get(self.pos..value_end)
            .ok_or(ScanError::Syntax)?;
        self.pos = value_end;
        self.skip_ws();
        match self.peek() {
            Some(b',') => self.pos += 1,
            Some(b'}') => {
                self.pos += 1;
                self.finish()?;
            }
            _ => return Err(ScanError::Syntax),
        }
        Ok(RawField { key, value })
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = Result<RawField<'a>, ScanError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let field = self.next_field();
        if field.is_err() {
            self.done = true;
        }
        Some(field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Collected<'a> = ([(&'a str, &'a str); 4], usize);

    fn collect(json: &str) -> Result<Collected<'_>, ScanError> {
        let mut out = [("", ""); 4];
        let mut n = 0;
        for field in Fields::new(json.as_bytes(), 3)? {
            let field = field?;
            out[n] = (
                core::str::from_utf8(field.key).unwrap(),
                core::str::from_utf8(field.value).unwrap(),
            );
            n += 1;
        }
        Ok((out, n))
    }

    #[test]
    fn walks_top_level_fields() {
        let (f, n) = collect(r#" {"a": 1, "b" :"x\"}", "c": {"d": [1, 2]}, "f":null} "#).unwrap();
        assert_eq!(n, 4);
        assert_eq!(f[0], ("a", "1"));
        assert_eq!(f[1], ("b", r#""x\"}""#));
        assert_eq!(f[2], ("c", r#"{"d": [1, 2]}"#));
        assert_eq!(f[3], ("f", "null"));
        assert_eq!(collect("{}").unwrap().1, 0);
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
        ] {
            assert!(collect(bad).is_err(), "{bad}");
        }
        assert_eq!(collect(r#"{"a":[[1]]}"#).map(|r| r.1), Ok(1));
        assert_eq!(collect(r#"{"a":[[[1]]]}"#).err(), Some(ScanError::TooDeep));
    }
}

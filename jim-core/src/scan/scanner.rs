//! [`Scanner`]: the framer's byte-at-a-time view of JSON — only where
//! strings and containers open and close.

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

    /// Outside every string and container (a value that began here has
    /// ended).
    pub fn is_outside(&self) -> bool {
        self.depth == 0 && !self.in_string
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

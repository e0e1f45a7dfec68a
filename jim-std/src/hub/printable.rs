//! [`Printable`]: names in log lines, with control characters escaped.

use std::fmt;

/// A string with control characters escaped, so a name like
/// `"evil\n[INFO] forged line"` cannot forge log lines.
pub struct Printable<'a>(pub &'a str);

impl fmt::Display for Printable<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.0.chars().any(char::is_control) {
            // The common case costs one write.
            return f.write_str(self.0);
        }
        for c in self.0.chars() {
            if c.is_control() {
                write!(f, "{}", c.escape_default())?;
            } else {
                fmt::Write::write_char(f, c)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Printable;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(Printable("a\nb").to_string(), r"a\nb");
        assert_eq!(Printable("Боря").to_string(), "Боря");
    }
}

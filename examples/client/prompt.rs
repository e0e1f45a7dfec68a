//! Asking at the terminal: a line, or a password shown as `*`.

use std::io::{self, BufRead, Write};

/// Prints `what: ` and reads one line from stdin, without its line end.
pub(crate) fn prompt(what: &str) -> Result<String, String> {
    print!("{what}: ");
    let _ = io::stdout().flush();
    let mut line = String::new();
    match io::stdin().lock().read_line(&mut line) {
        Ok(0) => Err(format!("no {what} given (end of input)")),
        Ok(_) => Ok(line.trim_end_matches(['\r', '\n']).to_owned()),
        Err(e) => Err(format!("cannot read the {what}: {e}")),
    }
}

/// Reads a password on the terminal without showing it.
pub(crate) fn read_password() -> Result<String, String> {
    let mut editor = rustyline::Editor::<Masked, rustyline::history::DefaultHistory>::new()
        .map_err(|e| format!("cannot read the password: {e}"))?;
    editor.set_helper(Some(Masked));
    {
        use rustyline::config::Configurer as _;
        editor.set_color_mode(rustyline::ColorMode::Forced);
        editor.set_auto_add_history(false);
    }
    editor
        .readline("password: ")
        .map_err(|e| format!("no password given ({e})"))
}

/// Shows each typed character as `*`.
pub(crate) struct Masked;

impl rustyline::highlight::Highlighter for Masked {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> std::borrow::Cow<'l, str> {
        std::borrow::Cow::Owned("*".repeat(line.chars().count()))
    }

    fn highlight_char(
        &self,
        _line: &str,
        _pos: usize,
        kind: rustyline::highlight::CmdKind,
    ) -> bool {
        kind != rustyline::highlight::CmdKind::MoveCursor
    }
}
impl rustyline::completion::Completer for Masked {
    type Candidate = String;
}
impl rustyline::hint::Hinter for Masked {
    type Hint = String;
}
impl rustyline::validate::Validator for Masked {}
impl rustyline::Helper for Masked {}

//! The `/commands` typed at the prompt, parsed.

use crate::output::clean;

/// What a command line asks for.
pub(crate) enum Command<'a> {
    Say { to: Option<&'a str>, text: &'a str },
    To(&'a str),
    Join(&'a str),
    Leave(Option<&'a str>),
    Contacts,
    Add(&'a str),
    Del(&'a str),
    Who,
    History(Option<&'a str>),
    Help,
    Quit,
}

/// Parses one input line; `Err` is what to tell the user.
pub(crate) fn parse(line: &str) -> Result<Option<Command<'_>>, String> {
    let line = line.trim_end_matches(['\r', '\n']);
    if line.trim().is_empty() {
        return Ok(None);
    }
    if line.starts_with("//") {
        return Ok(Some(Command::Say {
            to: None,
            text: line.get(1..).unwrap_or_default(),
        }));
    }
    let Some(command) = line.strip_prefix('/') else {
        return Ok(Some(Command::Say {
            to: None,
            text: line,
        }));
    };
    let (verb, rest) = command
        .split_once(char::is_whitespace)
        .map_or((command, ""), |(v, r)| (v, r.trim()));
    let one = |usage: &str| -> Result<&str, String> {
        match rest.split_whitespace().collect::<Vec<_>>()[..] {
            [arg] => Ok(arg),
            _ => Err(format!("usage: {usage} (/help lists the commands)")),
        }
    };
    let optional = |usage: &str| -> Result<Option<&str>, String> {
        match rest.split_whitespace().collect::<Vec<_>>()[..] {
            [] => Ok(None),
            [arg] => Ok(Some(arg)),
            _ => Err(format!("usage: {usage} (/help lists the commands)")),
        }
    };
    let none = |usage: &str| -> Result<(), String> {
        if rest.is_empty() {
            Ok(())
        } else {
            Err(format!("usage: {usage} (/help lists the commands)"))
        }
    };
    Ok(Some(match verb {
        "msg" => {
            let (to, text) = rest
                .split_once(char::is_whitespace)
                .map(|(to, text)| (to, text.trim_start()))
                .filter(|(_, text)| !text.is_empty())
                .ok_or("usage: /msg NAME text (/help lists the commands)")?;
            Command::Say { to: Some(to), text }
        }
        "to" => Command::To(one("/to NAME|#room")?),
        "join" => Command::Join(one("/join #room")?),
        "leave" => Command::Leave(optional("/leave [#room]")?),
        "contacts" => none("/contacts").map(|()| Command::Contacts)?,
        "add" => Command::Add(one("/add NAME")?),
        "del" => Command::Del(one("/del NAME")?),
        "who" => none("/who").map(|()| Command::Who)?,
        "history" => Command::History(optional("/history [NAME|#room]")?),
        "help" | "?" => Command::Help,
        "quit" | "exit" => Command::Quit,
        other => {
            return Err(format!(
                "unknown command /{}; type /help for the list",
                clean(other)
            ))
        }
    }))
}

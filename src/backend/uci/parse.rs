//! The UCI file grammar (libuci `file.c` `uci_parse_line` / `parse_str`).

use super::{Package, Section, Value};

/// Where and why a file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

/// Splits the text into commands: each a list of words with its line.
fn commands(text: &str) -> Result<Vec<(usize, Vec<String>)>, ParseError> {
    let mut out = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut word: Option<String> = None;
    let mut line = 1usize;
    let mut start_line = 1usize;
    let mut chars = text.chars().peekable();
    let err = |line: usize, m: &str| ParseError {
        line,
        message: m.to_string(),
    };
    let flush_word = |word: &mut Option<String>, words: &mut Vec<String>| {
        if let Some(w) = word.take() {
            words.push(w);
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\n' | ';' => {
                flush_word(&mut word, &mut words);
                if !words.is_empty() {
                    out.push((start_line, std::mem::take(&mut words)));
                }
                if c == '\n' {
                    line += 1;
                }
                start_line = line;
            }
            ' ' | '\t' | '\r' => flush_word(&mut word, &mut words),
            '#' if word.is_none() => {
                // Comment to the end of the line.
                for c in chars.by_ref() {
                    if c == '\n' {
                        line += 1;
                        break;
                    }
                }
                if !words.is_empty() {
                    out.push((start_line, std::mem::take(&mut words)));
                }
                start_line = line;
            }
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => {
                            if c == '\n' {
                                line += 1;
                            }
                            w.push(c);
                        }
                        None => return Err(err(start_line, "unterminated '")),
                    }
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some('\n') => line += 1,
                            Some(c) => w.push(c),
                            None => return Err(err(start_line, "unterminated \"")),
                        },
                        Some(c) => {
                            if c == '\n' {
                                line += 1;
                            }
                            w.push(c);
                        }
                        None => return Err(err(start_line, "unterminated \"")),
                    }
                }
            }
            '\\' => match chars.next() {
                // Line continuation.
                Some('\n') => {
                    line += 1;
                    flush_word(&mut word, &mut words);
                }
                Some(c) => word.get_or_insert_with(String::new).push(c),
                None => {}
            },
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    flush_word(&mut word, &mut words);
    if !words.is_empty() {
        out.push((start_line, words));
    }
    Ok(out)
}

fn valid_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Parses the text of a package file.
pub fn parse(text: &str) -> Result<Package, ParseError> {
    let mut pkg = Package::default();
    let mut current: Option<usize> = None;
    for (line, words) in commands(text)? {
        let err = |m: String| ParseError { line, message: m };
        let keyword = words[0].as_str();
        match keyword {
            "package" | "p" => {}
            "config" | "c" => {
                let stype = words
                    .get(1)
                    .ok_or_else(|| err("config without a type".into()))?;
                if words.len() > 3 {
                    return Err(err("too many words after config".into()));
                }
                let name = words.get(2).cloned();
                if let Some(n) = &name {
                    if !valid_name(n) {
                        return Err(err(format!("invalid section name {n:?}")));
                    }
                    // Strict mode: reopening a named section keeps its type.
                    if let Some(i) = pkg.sections.iter().position(|s| s.name.as_ref() == Some(n)) {
                        if pkg.sections[i].stype != *stype {
                            return Err(err(format!("section {n} redefined with another type")));
                        }
                        current = Some(i);
                        continue;
                    }
                }
                pkg.sections.push(Section {
                    name,
                    stype: stype.clone(),
                    options: Vec::new(),
                });
                current = Some(pkg.sections.len() - 1);
            }
            "option" | "o" | "list" | "l" => {
                let i = current.ok_or_else(|| err(format!("{keyword} before any config")))?;
                let (Some(name), Some(value)) = (words.get(1), words.get(2)) else {
                    return Err(err(format!("{keyword} needs a name and a value")));
                };
                if words.len() > 3 {
                    return Err(err(format!("too many words after {keyword} {name}")));
                }
                if !valid_name(name) {
                    return Err(err(format!("invalid option name {name:?}")));
                }
                let section = &mut pkg.sections[i];
                if keyword.starts_with('o') {
                    section.set(name, Value::Single(value.clone()));
                } else {
                    match section.options.iter_mut().find(|(k, _)| k == name) {
                        Some((_, Value::List(items))) => items.push(value.clone()),
                        Some((_, v)) => *v = Value::List(vec![value.clone()]),
                        None => section
                            .options
                            .push((name.clone(), Value::List(vec![value.clone()]))),
                    }
                }
            }
            other => return Err(err(format!("unknown command {other:?}"))),
        }
    }
    Ok(pkg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_lists_comments_and_abbreviations() {
        let text = "# head\nconfig cwmp 'cwmp'\n\toption enable 1 # trailing\n\
                    c acs acs; o url \"http://a/\\\"x\\\"\"\n\toption note 'It'\\''s'\n\
                    config host\n\tlist name 'a'\n\tl name b\\ c\n\toption empty ''\n";
        let p = parse(text).unwrap();
        assert_eq!(p.get("cwmp", "enable").as_deref(), Some("1"));
        assert_eq!(p.get("acs", "url").as_deref(), Some("http://a/\"x\""));
        assert_eq!(p.get("acs", "note").as_deref(), Some("It's"));
        let host = &p.sections[2];
        assert_eq!(host.name, None);
        assert_eq!(
            host.get("name"),
            Some(&Value::List(vec!["a".into(), "b c".into()]))
        );
        assert_eq!(host.get_str("empty").as_deref(), Some(""));
    }

    #[test]
    fn written_text_parses_back_identically() {
        let text = "config a 'x'\n\toption q 'it'\\''s \"q\" \\\\ #x'\n\tlist l '1'\n\tlist l ''\nconfig b\n";
        let p = parse(text).unwrap();
        assert_eq!(parse(&p.to_text()).unwrap(), p);
    }

    #[test]
    fn errors_name_the_line() {
        assert_eq!(parse("option a b\n").unwrap_err().line, 1);
        assert_eq!(
            parse("config a 'x'\n\n\toption 'bad name' v\n")
                .unwrap_err()
                .line,
            3
        );
        assert_eq!(parse("config a 'x'\nconfig b 'x'\n").unwrap_err().line, 2);
        assert!(parse("config a 'x\n").is_err());
        assert!(parse("frobnicate\n").is_err());
    }
}

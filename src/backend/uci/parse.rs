//! The UCI file grammar (openwrt-reference.md §3.2, libuci `file.c`).
//!
//! libuci tokenizes in place in a line buffer, and a few of its corner cases
//! only make sense in those terms (an unquoted word directly followed by `;`
//! ends the whole line; a continuation line that starts with a blank ends the
//! word). To read every file exactly as libuci does, [`Cursor`] keeps the same
//! model: a buffer holding the current logical line, a read position, and
//! words written back into the buffer behind the read position.

use std::path::{Path, PathBuf};

use super::model::Package;
use super::{valid_name, valid_package_name, valid_type, UciError};

/// C `isspace` in the "C" locale.
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// A tokenizer over the input, one physical line fetched at a time.
pub(crate) struct Cursor<'a> {
    input: &'a [u8],
    /// Offset of the next unread physical line in `input`.
    next: usize,
    buf: Vec<u8>,
    pos: usize,
    /// Bytes of `buf` filled by the last successful fetch.
    filled: usize,
    /// 1-based number of the last physical line fetched.
    pub(crate) line: usize,
}

/// A grammar violation; the caller adds the file name.
pub(crate) struct Syntax(pub(crate) &'static str);

impl<'a> Cursor<'a> {
    pub(crate) fn new(input: &'a [u8]) -> Self {
        Cursor {
            input,
            next: 0,
            buf: Vec::new(),
            pos: 0,
            filled: 0,
            line: 0,
        }
    }

    pub(crate) fn at_eof(&self) -> bool {
        self.next >= self.input.len()
    }

    fn at(&self, i: usize) -> u8 {
        self.buf.get(i).copied().unwrap_or(0)
    }

    fn cur(&self) -> u8 {
        self.at(self.pos)
    }

    fn put(&mut self, i: usize, c: u8) {
        if i >= self.buf.len() {
            self.buf.resize(i + 1, 0);
        }
        if let Some(slot) = self.buf.get_mut(i) {
            *slot = c;
        }
    }

    /// The NUL-terminated string starting at `i`.
    fn str_at(&self, i: usize) -> &[u8] {
        let rest = self.buf.get(i..).unwrap_or(&[]);
        let end = rest.iter().position(|&c| c == 0).unwrap_or(rest.len());
        rest.get(..end).unwrap_or(&[])
    }

    /// Fetch the next physical line (with its newline) into the buffer at
    /// `offset`, replacing whatever was there (libuci `uci_getln`).
    pub(crate) fn getln(&mut self, offset: usize) {
        self.buf.truncate(offset);
        if self.at_eof() {
            return;
        }
        let rest = self.input.get(self.next..).unwrap_or(&[]);
        let len = rest
            .iter()
            .position(|&c| c == b'\n')
            .map_or(rest.len(), |i| i + 1);
        self.buf.extend_from_slice(rest.get(..len).unwrap_or(&[]));
        self.next += len;
        self.filled = self.buf.len();
        self.line += 1;
    }

    /// Start a new logical line.
    pub(crate) fn start_line(&mut self) {
        self.pos = 0;
        self.getln(0);
    }

    pub(crate) fn line_is_empty(&self) -> bool {
        self.at(0) == 0
    }

    pub(crate) fn rest_is_empty(&self) -> bool {
        self.cur() == 0
    }

    fn skip_whitespace(&mut self) {
        while self.cur() != 0 && is_space(self.cur()) {
            self.pos += 1;
        }
    }

    /// After a backslash: true if the next character is taken literally,
    /// false if the backslash continued the line.
    fn backslash(&mut self) -> bool {
        self.pos += 1;
        let c = self.cur();
        let crlf_end = c == b'\r' && self.at(self.pos + 1) == b'\n' && self.at(self.pos + 2) == 0;
        if c == 0 || c == b'\n' || crlf_end {
            self.getln(self.pos);
            return false;
        }
        true
    }

    fn copy_char(&mut self, target: &mut usize) {
        let c = self.cur();
        self.put(*target, c);
        *target += 1;
        self.pos += 1;
    }

    fn double_quoted(&mut self, target: &mut usize) -> Result<(), Syntax> {
        self.pos += 1;
        loop {
            match self.cur() {
                b'"' => {
                    self.pos += 1;
                    return Ok(());
                }
                0 => {
                    self.getln(self.pos);
                    if self.cur() == 0 {
                        return Err(Syntax("EOF with unterminated \""));
                    }
                }
                b'\\' => {
                    if self.backslash() {
                        self.copy_char(target);
                    }
                }
                _ => self.copy_char(target),
            }
        }
    }

    fn single_quoted(&mut self, target: &mut usize) -> Result<(), Syntax> {
        self.pos += 1;
        loop {
            match self.cur() {
                b'\'' => {
                    self.pos += 1;
                    return Ok(());
                }
                0 => {
                    self.getln(self.pos);
                    if self.cur() == 0 {
                        return Err(Syntax("EOF with unterminated '"));
                    }
                }
                _ => self.copy_char(target),
            }
        }
    }

    /// One word: quoted and unquoted pieces glued together until a blank,
    /// `#` (rest of line dropped) or `;` (libuci `parse_str`).
    fn word(&mut self, target: &mut usize) -> Result<(), Syntax> {
        let mut more = true;
        loop {
            match self.cur() {
                b'\'' => self.single_quoted(target)?,
                b'"' => self.double_quoted(target)?,
                b'#' => {
                    self.put(self.pos, 0);
                    break;
                }
                0 => break,
                b';' => {
                    more = false;
                    break;
                }
                b'\\' => {
                    if self.backslash() {
                        self.copy_char(target);
                    }
                }
                _ => self.copy_char(target),
            }
            // C do-while: a `continue` after a line continuation also lands
            // here, so a continued line starting with a blank ends the word.
            if self.cur() == 0 || is_space(self.cur()) {
                break;
            }
        }
        if self.cur() != 0 && more {
            self.pos += 1;
        }
        self.put(*target, 0);
        Ok(())
    }

    /// The next argument of a command, or "" at the end of the command
    /// (libuci `next_arg`).
    pub(crate) fn next_arg(&mut self) -> Result<String, Syntax> {
        self.skip_whitespace();
        let start = self.pos;
        if self.cur() == b';' {
            self.put(self.pos, 0);
            self.pos += 1;
        } else {
            let mut target = start;
            self.word(&mut target)?;
        }
        String::from_utf8(self.str_at(start).to_vec())
            .map_err(|_| Syntax("text is not valid UTF-8"))
    }

    /// The command keyword: the next run of non-blank characters, split off
    /// like `strtok(" \t")`. Returns None at the end of the line.
    fn keyword(&mut self) -> Result<Option<Vec<u8>>, Syntax> {
        let mut i = self.pos;
        while matches!(self.at(i), b' ' | b'\t') {
            i += 1;
        }
        if self.at(i) == 0 {
            return Ok(None);
        }
        let start = i;
        while !matches!(self.at(i), 0 | b' ' | b'\t') {
            i += 1;
        }
        let word = self.buf.get(start..i).unwrap_or(&[]).to_vec();
        // The delimiter is consumed too; a keyword that ends the input with
        // nothing after it has no argument (libuci `uci_increase_pos`).
        if i + 1 > self.filled {
            return Err(Syntax("missing argument after command"));
        }
        self.put(i, 0);
        self.pos = i + 1;
        Ok(Some(word))
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Command {
    Package,
    Config,
    Option,
    List,
}

fn command(word: &[u8]) -> Option<Command> {
    match word {
        b"p" | b"package" => Some(Command::Package),
        b"c" | b"config" => Some(Command::Config),
        b"o" | b"option" => Some(Command::Option),
        b"l" | b"list" => Some(Command::List),
        _ => None,
    }
}

/// Parser state across lines.
struct Parser {
    package: Package,
    /// Index of the section the `option`/`list` lines go to.
    section: Option<usize>,
    /// Named sections already reopened once by a second `config` line.
    reopened: Vec<String>,
}

impl Parser {
    fn end_of_command(cur: &mut Cursor) -> Result<(), Syntax> {
        if cur.next_arg()?.is_empty() {
            Ok(())
        } else {
            Err(Syntax("too many arguments"))
        }
    }

    fn required(cur: &mut Cursor) -> Result<String, Syntax> {
        let arg = cur.next_arg()?;
        if arg.is_empty() {
            Err(Syntax("insufficient arguments"))
        } else {
            Ok(arg)
        }
    }

    fn line(&mut self, cur: &mut Cursor) -> Result<(), Syntax> {
        cur.skip_whitespace();
        loop {
            let Some(word) = cur.keyword()? else {
                return Ok(());
            };
            if word.first() == Some(&b'#') {
                return Ok(());
            }
            match command(&word).ok_or(Syntax("invalid command"))? {
                Command::Package => {
                    // In a config file the package name comes from the file
                    // name; the statement is checked and ignored.
                    let name = Self::required(cur)?;
                    if !valid_package_name(&name) {
                        return Err(Syntax("invalid character in name field"));
                    }
                    Self::end_of_command(cur)?;
                }
                Command::Config => self.config(cur)?,
                Command::Option => self.option(cur, false)?,
                Command::List => self.option(cur, true)?,
            }
        }
    }

    fn config(&mut self, cur: &mut Cursor) -> Result<(), Syntax> {
        let stype = Self::required(cur)?;
        if !valid_type(&stype) {
            return Err(Syntax("invalid character in type field"));
        }
        let name = cur.next_arg()?;
        if !name.is_empty() && !valid_name(&name) {
            return Err(Syntax("invalid character in name field"));
        }
        Self::end_of_command(cur)?;
        let pkg = &mut self.package;
        if name.is_empty() {
            pkg.add_section(&stype)
                .map_err(|_| Syntax("invalid character in type field"))?;
            self.section = Some(pkg.sections.len().saturating_sub(1));
            return Ok(());
        }
        if let Some(existing) = pkg.section(&name) {
            // Strict mode (libuci's default).
            if existing.stype != stype {
                return Err(Syntax(
                    "section of different type overwrites prior section with same name",
                ));
            }
        }
        let exists = pkg.section_index(&name).is_some();
        pkg.set_section(&name, &stype)
            .map_err(|_| Syntax("invalid section"))?;
        self.section = pkg.section_index(&name);
        if exists {
            // libuci loses track of the current section from the third
            // `config` line naming the same section on (its `uci_set` leaves
            // `ptr.last` unset once the type was re-allocated), so options
            // after it fail as if no section were open. Match that, so a file
            // we accept is one libuci accepts.
            if self.reopened.contains(&name) {
                self.section = None;
            } else {
                self.reopened.push(name);
            }
        }
        Ok(())
    }

    fn option(&mut self, cur: &mut Cursor, list: bool) -> Result<(), Syntax> {
        let Some(index) = self.section else {
            return Err(Syntax("option/list command found before the first section"));
        };
        let name = Self::required(cur)?;
        if !valid_name(&name) {
            return Err(Syntax("invalid character in name field"));
        }
        let value = cur.next_arg()?;
        Self::end_of_command(cur)?;
        let pkg = &mut self.package;
        let sname = pkg
            .sections
            .get(index)
            .map(|s| s.name.clone())
            .ok_or(Syntax("section vanished"))?;
        // libuci's parser calls `uci_set` with an incomplete lookup, so an
        // empty value neither creates nor deletes the option: it is ignored.
        if !list && value.is_empty() {
            return Ok(());
        }
        let result = if list {
            pkg.add_list_unchecked(&sname, &name, &value)
        } else {
            pkg.set_option_unchecked(&sname, &name, &value)
        };
        result.map_err(|_| Syntax("invalid value"))
    }
}

/// Parse a config file's text as package `name`; `file` is only used to name
/// the file in errors.
pub fn parse_package(name: &str, text: &[u8], file: &Path) -> Result<Package, UciError> {
    let mut cur = Cursor::new(text);
    let mut parser = Parser {
        package: Package::new(name),
        section: None,
        reopened: Vec::new(),
    };
    let error = |cur: &Cursor, reason: &str| UciError::Parse {
        file: PathBuf::from(file),
        line: cur.line,
        reason: reason.to_string(),
    };
    if text.contains(&0) {
        return Err(error(&cur, "NUL byte in file"));
    }
    while !cur.at_eof() {
        cur.start_line();
        if cur.line_is_empty() {
            continue;
        }
        parser.line(&mut cur).map_err(|Syntax(r)| error(&cur, r))?;
    }
    Ok(parser.package)
}

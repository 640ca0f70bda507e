//! A quick reader for the plain TOML that catalog and recipe files are
//! written in, with a serde deserializer that behaves as the `toml` crate's
//! does on the same document.
//!
//! It is a fast path, not a second parser to trust: it reads a strict
//! subset of TOML and gives up ([`Bail`]) on anything outside it or
//! anything wrong. The caller then reads the file again with the `toml`
//! crate, so every error a user sees, and every document outside the
//! subset, is the `toml` crate's business. What the subset holds:
//!
//! - `[[a.b]]` and `[a.b]` headers whose leading keys already exist (no
//!   tables made implicitly), a `[table]` header once per table;
//! - `key = value` with a bare or quoted key (no dotted keys);
//! - values: basic strings with the escapes `\" \\ \n \t \r \b \f \uXXXX
//!   \UXXXXXXXX`, literal strings, decimal integers that fit an `i64`,
//!   decimal floats, `true`/`false`, arrays (over several lines, with
//!   comments and a trailing comma), inline tables on one line, multi-line
//!   strings with `\n` line ends;
//! - comments, `\n` or `\r\n` line ends, spaces and tabs.
//!
//! Not in it, so read by the `toml` crate: `\r\n` inside strings, dates and
//! times, `inf`/`nan`, hexadecimal, octal and binary integers, dotted keys,
//! TOML 1.1's newlines inside inline tables, nesting or headers deeper than
//! [`MAX_DEPTH`], control characters anywhere, a byte-order mark.
//!
//! The tree keeps the spans the `toml` crate gives: a string's span covers
//! its quotes, a table under a header has the header's span, an array of
//! tables the span of its first header, the root `0..0`. Tables hand their
//! keys to serde in sorted order, as the `toml` crate's do. A test compares
//! the two trees on every file of the built-in data and on thousands of
//! damaged copies of them (`tests/plain_toml.rs`).

use rustc_hash::FxHashMap;
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};
use std::borrow::Cow;
use std::ops::Range;

/// Arrays and inline tables nested deeper than this, and headers of more
/// keys, are left to the `toml` crate (the reader recurses on the first and
/// walks the second for every line under it).
pub const MAX_DEPTH: usize = 32;

/// The reader gave up: the text is outside the subset, or wrong, or a value
/// did not deserialize. Read the text with the `toml` crate instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bail;

impl std::fmt::Display for Bail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("outside the plain TOML subset")
    }
}

impl std::error::Error for Bail {}

impl de::Error for Bail {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Bail
    }
}

type Read<T> = Result<T, Bail>;

/// A span in the text. Offsets are kept in 32 bits, which keeps the tree
/// small; a longer text is left to the `toml` crate.
pub type Span = Range<u32>;

fn wide(span: &Span) -> Range<usize> {
    span.start as usize..span.end as usize
}

/// A value with the span of its text.
#[derive(Debug)]
pub struct Item<'a> {
    pub span: Span,
    pub value: Value<'a>,
}

#[derive(Debug)]
pub enum Value<'a> {
    Str(Cow<'a, str>),
    Int(i64),
    Float(f64),
    Bool(bool),
    Array(Array<'a>),
    Table(Table<'a>),
}

#[derive(Debug)]
pub struct Array<'a> {
    pub items: Vec<Item<'a>>,
    /// Made by `[[header]]`s, so more may be added by later headers.
    of_tables: bool,
}

/// A table's entries in the order written; looked up through an index once
/// it has more than a few, so a table of many keys costs linear time.
#[derive(Debug, Default)]
pub struct Table<'a> {
    pub entries: Vec<Entry<'a>>,
    index: Option<Box<FxHashMap<Cow<'a, str>, usize>>>,
    /// Written inline (`{ … }`), so no header may add to it.
    inline: bool,
}

#[derive(Debug)]
pub struct Entry<'a> {
    pub key: Cow<'a, str>,
    pub key_span: Span,
    pub item: Item<'a>,
}

const INDEX_FROM: usize = 12;

/// The most keys a streamed table is given room for in advance: more than a
/// catalog entry has fields, so one odd table of thousands of keys does not
/// make every later table that large.
const ROOM_MAX: usize = 64;

impl<'a> Table<'a> {
    fn find(&self, key: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(key).copied(),
            None => self.entries.iter().position(|e| e.key == key),
        }
    }

    /// Adds an entry; a key the table already has gives up.
    fn insert(&mut self, key: Cow<'a, str>, key_span: Span, item: Item<'a>) -> Read<usize> {
        if self.find(&key).is_some() {
            return Err(Bail);
        }
        let at = self.entries.len();
        if let Some(index) = &mut self.index {
            index.insert(key.clone(), at);
        }
        self.entries.push(Entry { key, key_span, item });
        if self.index.is_none() && self.entries.len() >= INDEX_FROM {
            self.index =
                Some(Box::new(self.entries.iter().enumerate().map(|(i, e)| (e.key.clone(), i)).collect()));
        }
        Ok(at)
    }

    fn table_at(&mut self, at: usize) -> Read<&mut Table<'a>> {
        match &mut self.entries[at].item.value {
            Value::Table(t) => Ok(t),
            Value::Array(a) if a.of_tables => match a.items.last_mut() {
                Some(Item { value: Value::Table(t), .. }) => Ok(t),
                _ => Err(Bail),
            },
            _ => Err(Bail),
        }
    }
}

/// Reads a whole document into its root table.
pub fn parse(text: &str) -> Read<Table<'_>> {
    Reader::new(text)?.document(None, &mut |_| Ok(()))
}

/// Reads a document and deserializes it as `toml::from_str` would.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Read<T> {
    let root = parse(text)?;
    T::deserialize(ItemDe::from(Item { span: 0..0, value: Value::Table(root) }))
}

/// Reads a document holding only the list `[[key]]` and deserializes each of
/// its tables; an empty document gives no tables.
pub fn tables<T: DeserializeOwned>(text: &str, key: &str) -> Read<Vec<T>> {
    let mut out = Vec::new();
    tables_each(text, key, |t| out.push(t))?;
    Ok(out)
}

/// [`tables`], handing each table to `each` as soon as it is read: as soon
/// as the next `[[key]]` header closes it, so the tree never holds more than
/// one of them. On [`Bail`], `each` may have had some of the tables.
pub fn tables_each<T: DeserializeOwned>(text: &str, key: &str, mut each: impl FnMut(T)) -> Read<()> {
    let mut root = Reader::new(text)?
        .document(Some(key), &mut |item| T::deserialize(ItemDe::from(item)).map(&mut each))?;
    // The reader gave up on anything else at the top: the root holds the
    // list or nothing.
    let Some(Entry { item, .. }) = root.entries.pop() else { return Ok(()) };
    let Value::Array(list) = item.value else { return Err(Bail) };
    // Of a `[[key]]` list only the last table is left; the others went
    // out as they closed.
    let left = if list.of_tables { list.items.len() - 1 } else { 0 };
    for item in list.items.into_iter().skip(left) {
        each(T::deserialize(ItemDe::from(item))?);
    }
    Ok(())
}

/// What a `[[key]]` table the reader has handed out leaves in its place.
const TAKEN: Item<'static> = Item { span: 0..0, value: Value::Bool(false) };

/// Receives each table of the streamed list as it closes.
type Sink<'s, 'a> = &'s mut dyn FnMut(Item<'a>) -> Read<()>;

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

fn is_bare(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// A control character TOML does not allow in strings and comments.
fn is_control(b: u8) -> bool {
    (b < 0x20 && b != b'\t') || b == 0x7f
}

impl<'a> Reader<'a> {
    /// A reader at the start of `text`; a text too long for 32-bit spans
    /// gives up.
    fn new(text: &'a str) -> Read<Self> {
        if u32::try_from(text.len()).is_err() {
            return Err(Bail);
        }
        Ok(Reader { text, bytes: text.as_bytes(), pos: 0 })
    }

    /// From `start` to here. The text fits in 32 bits (checked by
    /// [`Reader::new`]).
    fn span(&self, start: usize) -> Span {
        start as u32..self.pos as u32
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn spaces(&mut self) {
        while let Some(b' ' | b'\t') = self.peek() {
            self.pos += 1;
        }
    }

    /// A comment, if one starts here, up to (not including) its line end.
    fn comment(&mut self) -> Read<()> {
        if self.peek() == Some(b'#') {
            while let Some(b) = self.peek() {
                if b == b'\n' || b == b'\r' {
                    break;
                }
                if is_control(b) {
                    return Err(Bail);
                }
                self.pos += 1;
            }
        }
        Ok(())
    }

    /// A line end (`\n` or `\r\n`); false at the end of the text.
    fn newline(&mut self) -> Read<bool> {
        match self.peek() {
            Some(b'\n') => {
                self.pos += 1;
                Ok(true)
            }
            Some(b'\r') if self.bytes.get(self.pos + 1) == Some(&b'\n') => {
                self.pos += 2;
                Ok(true)
            }
            None => Ok(false),
            Some(_) => Err(Bail),
        }
    }

    /// What may end a line: spaces, a comment, the line end.
    fn end_of_line(&mut self) -> Read<()> {
        self.spaces();
        self.comment()?;
        self.newline().map(|_| ())
    }

    /// Reads the document; each closed table of the root's `[[list]]` goes
    /// to `sink`, leaving [`TAKEN`] behind.
    fn document(mut self, list: Option<&str>, sink: Sink<'_, 'a>) -> Read<Table<'a>> {
        if self.text.starts_with('\u{feff}') {
            return Err(Bail);
        }
        let mut root = Table::default();
        // Where key/value lines go: entry indices from the root, each
        // stepping into a table or the last table of an array of tables.
        let mut path: Vec<usize> = Vec::new();
        loop {
            self.spaces();
            match self.peek() {
                None => return Ok(root),
                Some(b'#' | b'\n' | b'\r') => self.end_of_line()?,
                Some(b'[') => {
                    path = self.header(&mut root, list, sink)?;
                    self.end_of_line()?;
                }
                Some(_) if path.is_empty() && list.is_some() => {
                    return Err(Bail); // a key at the top of a file of one list
                }
                Some(_) => {
                    let (key, key_span) = self.key()?;
                    self.spaces();
                    if self.peek() != Some(b'=') {
                        return Err(Bail);
                    }
                    self.pos += 1;
                    self.spaces();
                    let item = self.value(0)?;
                    self.end_of_line()?;
                    let mut table = &mut root;
                    for &at in &path {
                        table = table.table_at(at)?;
                    }
                    table.insert(key, key_span, item)?;
                }
            }
        }
    }

    /// `[a.b]` or `[[a.b]]`: adds the table and gives the path to it.
    fn header(&mut self, root: &mut Table<'a>, stream: Option<&str>, sink: Sink<'_, 'a>) -> Read<Vec<usize>> {
        let start = self.pos;
        let list = self.bytes.get(self.pos + 1) == Some(&b'[');
        self.pos += if list { 2 } else { 1 };
        let mut keys = Vec::new();
        loop {
            self.spaces();
            keys.push(self.key()?);
            self.spaces();
            match self.peek() {
                Some(b'.') => self.pos += 1,
                Some(b']') => break,
                _ => return Err(Bail),
            }
        }
        self.pos += 1;
        if list {
            if self.peek() != Some(b']') {
                return Err(Bail);
            }
            self.pos += 1;
        }
        let span = self.span(start);
        // Every `key = value` under the header walks its path again: a
        // deep one is left to the toml crate.
        if keys.len() > MAX_DEPTH {
            return Err(Bail);
        }
        // A file of one list holds nothing else: the toml crate says so.
        if stream.is_some_and(|k| keys[0].0 != k) {
            return Err(Bail);
        }
        let (last, last_span) = keys.pop().ok_or(Bail)?;
        let mut path = Vec::with_capacity(keys.len() + 1);
        let mut table = root;
        for (key, _) in keys {
            let at = table.find(&key).ok_or(Bail)?;
            table = table.table_at(at)?;
            if table.inline {
                return Err(Bail);
            }
            path.push(at);
        }
        let new = |room: usize| Item {
            span: span.clone(),
            value: Value::Table(Table { entries: Vec::with_capacity(room), ..Table::default() }),
        };
        let at = match (list, table.find(&last)) {
            (true, Some(at)) => match &mut table.entries[at] {
                Entry { key, item: Item { value: Value::Array(a), .. }, .. } if a.of_tables => {
                    // A table of the streamed list gets room for as many
                    // keys as the one before it had (up to ROOM_MAX): the
                    // tables of a catalog are much alike, so most never grow.
                    let mut room = 0;
                    if path.is_empty() && stream == Some(&**key) {
                        if let Some(closed) = a.items.last_mut() {
                            if let Value::Table(t) = &closed.value {
                                room = t.entries.len().min(ROOM_MAX);
                            }
                            sink(std::mem::replace(closed, TAKEN))?;
                        }
                    }
                    a.items.push(new(room));
                    at
                }
                _ => return Err(Bail),
            },
            (true, None) => {
                let array = Array { items: vec![new(0)], of_tables: true };
                table.insert(last, last_span, Item { span: span.clone(), value: Value::Array(array) })?
            }
            (false, Some(_)) => return Err(Bail),
            (false, None) => table.insert(last, last_span, new(0))?,
        };
        path.push(at);
        Ok(path)
    }

    /// A bare or quoted key (not dotted) and its span.
    fn key(&mut self) -> Read<(Cow<'a, str>, Span)> {
        let start = self.pos;
        let key = match self.peek() {
            Some(b'"') => self.basic_string()?,
            Some(b'\'') => self.literal_string()?,
            _ => {
                while self.peek().is_some_and(is_bare) {
                    self.pos += 1;
                }
                if self.pos == start {
                    return Err(Bail);
                }
                Cow::Borrowed(&self.text[start..self.pos])
            }
        };
        Ok((key, self.span(start)))
    }

    fn value(&mut self, depth: usize) -> Read<Item<'a>> {
        if depth > MAX_DEPTH {
            return Err(Bail);
        }
        let start = self.pos;
        let value = match self.peek().ok_or(Bail)? {
            q @ (b'"' | b'\'') if self.bytes[self.pos..].starts_with(&[q, q, q]) => {
                Value::Str(self.multiline(q)?)
            }
            b'"' => Value::Str(self.basic_string()?),
            b'\'' => Value::Str(self.literal_string()?),
            b'[' => Value::Array(self.array(depth)?),
            b'{' => Value::Table(self.inline_table(depth)?),
            _ => self.scalar()?,
        };
        Ok(Item { span: self.span(start), value })
    }

    /// `"…"`, borrowed unless it has escapes; `"""` gives up.
    fn basic_string(&mut self) -> Read<Cow<'a, str>> {
        self.pos += 1;
        let start = self.pos;
        loop {
            match self.peek().ok_or(Bail)? {
                b'"' => break,
                b'\\' => return self.escaped(start),
                b if is_control(b) => return Err(Bail),
                _ => self.pos += 1,
            }
        }
        if self.pos == start && self.bytes.get(self.pos + 1) == Some(&b'"') {
            return Err(Bail); // `"""`: a multi-line string
        }
        self.pos += 1;
        Ok(Cow::Borrowed(&self.text[start..self.pos - 1]))
    }

    /// The rest of a basic string with escapes in it, from `start`.
    fn escaped(&mut self, start: usize) -> Read<Cow<'a, str>> {
        let mut out = String::from(&self.text[start..self.pos]);
        loop {
            let b = self.peek().ok_or(Bail)?;
            match b {
                b'"' => {
                    self.pos += 1;
                    return Ok(Cow::Owned(out));
                }
                b'\\' => {
                    let (c, len) = self.escape()?;
                    out.push(c);
                    self.pos += len;
                }
                b if is_control(b) => return Err(Bail),
                _ => {
                    let run = self.pos;
                    while self.peek().is_some_and(|b| b != b'"' && b != b'\\' && !is_control(b)) {
                        self.pos += 1;
                    }
                    out.push_str(&self.text[run..self.pos]);
                }
            }
        }
    }

    /// The escape at `pos` (a backslash): its character and its length.
    fn escape(&self) -> Read<(char, usize)> {
        Ok(match self.bytes.get(self.pos + 1).ok_or(Bail)? {
            b'"' => ('"', 2),
            b'\\' => ('\\', 2),
            b'n' => ('\n', 2),
            b't' => ('\t', 2),
            b'r' => ('\r', 2),
            b'b' => ('\u{8}', 2),
            b'f' => ('\u{c}', 2),
            b'u' => (self.code_point(4)?, 6),
            b'U' => (self.code_point(8)?, 10),
            _ => return Err(Bail),
        })
    }

    /// A multi-line string, `"""…"""` (`quote` `"`) or `'''…'''` (`quote` `'`):
    /// a line end right after the opening is dropped; in a basic one, a
    /// backslash at the end of a line drops the line end and the spaces and
    /// line ends after it. A `\r` anywhere gives up.
    fn multiline(&mut self, quote: u8) -> Read<Cow<'a, str>> {
        self.pos += 3;
        if self.peek() == Some(b'\n') {
            self.pos += 1;
        }
        let basic = quote == b'"';
        let plain = |c: u8| c != quote && !(basic && c == b'\\') && c != b'\n' && !is_control(c);
        let mut out = String::new();
        loop {
            let b = self.peek().ok_or(Bail)?;
            if b == quote {
                let run = self.bytes[self.pos..].iter().take_while(|&&c| c == quote).count();
                if run > 5 {
                    return Err(Bail);
                }
                let kept = if run >= 3 { run - 3 } else { run };
                out.extend(std::iter::repeat_n(char::from(quote), kept));
                self.pos += run;
                if run >= 3 {
                    return Ok(Cow::Owned(out));
                }
            } else if basic && b == b'\\' {
                let mut p = self.pos + 1;
                while let Some(b' ' | b'\t') = self.bytes.get(p) {
                    p += 1;
                }
                if self.bytes.get(p) == Some(&b'\n') {
                    while let Some(b' ' | b'\t' | b'\n') = self.bytes.get(p) {
                        p += 1;
                    }
                    self.pos = p;
                } else {
                    let (c, len) = self.escape()?;
                    out.push(c);
                    self.pos += len;
                }
            } else if b == b'\n' {
                out.push('\n');
                self.pos += 1;
            } else if !plain(b) {
                return Err(Bail);
            } else {
                let run = self.pos;
                while self.peek().is_some_and(plain) {
                    self.pos += 1;
                }
                out.push_str(&self.text[run..self.pos]);
            }
        }
    }

    /// The `digits` hex digits after the `\u` or `\U` at `pos`, as a
    /// character (a surrogate or a value past U+10FFFF gives up).
    fn code_point(&self, digits: usize) -> Read<char> {
        let from = self.pos + 2;
        let hex = self.text.get(from..from + digits).ok_or(Bail)?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Bail);
        }
        u32::from_str_radix(hex, 16).ok().and_then(char::from_u32).ok_or(Bail)
    }

    /// `'…'`; `'''` gives up.
    fn literal_string(&mut self) -> Read<Cow<'a, str>> {
        self.pos += 1;
        let start = self.pos;
        loop {
            match self.peek().ok_or(Bail)? {
                b'\'' => break,
                b if is_control(b) => return Err(Bail),
                _ => self.pos += 1,
            }
        }
        if self.pos == start && self.bytes.get(self.pos + 1) == Some(&b'\'') {
            return Err(Bail);
        }
        self.pos += 1;
        Ok(Cow::Borrowed(&self.text[start..self.pos - 1]))
    }

    /// Spaces, line ends and comments between the items of an array.
    fn array_space(&mut self) -> Read<()> {
        loop {
            self.spaces();
            match self.peek() {
                Some(b'#') => self.comment()?,
                Some(b'\n' | b'\r') => {
                    self.newline()?;
                }
                _ => return Ok(()),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Read<Array<'a>> {
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            self.array_space()?;
            if self.peek() == Some(b']') {
                break;
            }
            items.push(self.value(depth + 1)?);
            self.array_space()?;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => break,
                _ => return Err(Bail),
            }
        }
        self.pos += 1;
        Ok(Array { items, of_tables: false })
    }

    /// `{ k = v, … }` on one line, without a trailing comma (TOML 1.0).
    fn inline_table(&mut self, depth: usize) -> Read<Table<'a>> {
        self.pos += 1;
        let mut table = Table { inline: true, ..Table::default() };
        self.spaces();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(table);
        }
        loop {
            self.spaces();
            let (key, key_span) = self.key()?;
            self.spaces();
            if self.peek() != Some(b'=') {
                return Err(Bail);
            }
            self.pos += 1;
            self.spaces();
            let item = self.value(depth + 1)?;
            table.insert(key, key_span, item)?;
            self.spaces();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(table);
                }
                _ => return Err(Bail),
            }
        }
    }

    /// A number or a boolean: the run of characters up to what may follow
    /// a value, which must be exactly one of the forms in the subset.
    fn scalar(&mut self) -> Read<Value<'a>> {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|b| !matches!(b, b' ' | b'\t' | b',' | b']' | b'}' | b'#' | b'\n' | b'\r'))
        {
            self.pos += 1;
        }
        let token = &self.text[start..self.pos];
        match token {
            "true" => return Ok(Value::Bool(true)),
            "false" => return Ok(Value::Bool(false)),
            _ => {}
        }
        let unsigned = token.strip_prefix(['+', '-']).unwrap_or(token);
        let (int, rest) = unsigned.split_at(unsigned.find(['.', 'e', 'E']).unwrap_or(unsigned.len()));
        if !digits(int) || (int.len() > 1 && int.starts_with('0')) {
            return Err(Bail);
        }
        if rest.is_empty() {
            return clean(token).parse().map(Value::Int).map_err(|_| Bail);
        }
        let (frac, exp) = match rest.strip_prefix('.') {
            Some(r) => r.split_at(r.find(['e', 'E']).unwrap_or(r.len())),
            None => ("", rest),
        };
        if rest.starts_with('.') && !digits(frac) {
            return Err(Bail);
        }
        if !exp.is_empty() {
            let e = &exp[1..];
            if !digits(e.strip_prefix(['+', '-']).unwrap_or(e)) {
                return Err(Bail);
            }
        }
        let f: f64 = clean(token).parse().map_err(|_| Bail)?;
        if f.is_infinite() {
            return Err(Bail);
        }
        Ok(Value::Float(f))
    }
}

/// Digits with single underscores between them, at least one digit.
fn digits(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_digit()
        && b[b.len() - 1].is_ascii_digit()
        && b.iter().all(|c| c.is_ascii_digit() || *c == b'_')
        && !s.contains("__")
}

fn clean(token: &str) -> Cow<'_, str> {
    if token.contains('_') {
        Cow::Owned(token.replace('_', ""))
    } else {
        Cow::Borrowed(token)
    }
}

// The deserializer: what the `toml` crate's does for the same values (its
// `ValueDeserializer`, `TableDeserializer` and `KeyDeserializer`).

/// Deserializes one value; any error is [`Bail`].
pub struct ItemDe<'a> {
    span: Span,
    value: Value<'a>,
}

impl<'a> From<Item<'a>> for ItemDe<'a> {
    fn from(item: Item<'a>) -> Self {
        ItemDe { span: item.span, value: item.value }
    }
}

impl<'de> IntoDeserializer<'de, Bail> for ItemDe<'de> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> de::Deserializer<'de> for ItemDe<'de> {
    type Error = Bail;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Read<V::Value> {
        match self.value {
            Value::Str(Cow::Borrowed(s)) => visitor.visit_borrowed_str(s),
            Value::Str(Cow::Owned(s)) => visitor.visit_string(s),
            Value::Int(i) => visitor.visit_i64(i),
            Value::Float(f) => visitor.visit_f64(f),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Array(a) => {
                visitor.visit_seq(de::value::SeqDeserializer::new(a.items.into_iter().map(ItemDe::from)))
            }
            Value::Table(t) => visitor.visit_map(TableAccess::new(t)),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Read<V::Value> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Read<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Read<V::Value> {
        if serde_spanned::de::is_spanned(name) {
            let span = wide(&self.span);
            return visitor.visit_map(serde_spanned::de::SpannedDeserializer::new(self, span));
        }
        self.deserialize_any(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Read<V::Value> {
        match self.value {
            Value::Str(s) => visitor.visit_enum(s.into_deserializer()),
            _ => Err(Bail),
        }
    }

    serde::forward_to_deserialize_any! {
        bool u8 u16 u32 u64 u128 i8 i16 i32 i64 i128 f32 f64 char str string seq
        bytes byte_buf map unit ignored_any unit_struct tuple_struct tuple identifier
    }
}

/// A table's entries, keys in sorted order.
struct TableAccess<'a> {
    entries: std::vec::IntoIter<Entry<'a>>,
    value: Option<Item<'a>>,
}

impl<'a> TableAccess<'a> {
    fn new(table: Table<'a>) -> Self {
        let mut entries = table.entries;
        entries.sort_unstable_by(|a, b| a.key.cmp(&b.key));
        TableAccess { entries: entries.into_iter(), value: None }
    }
}

impl<'de> de::MapAccess<'de> for TableAccess<'de> {
    type Error = Bail;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(&mut self, seed: K) -> Read<Option<K::Value>> {
        let Some(entry) = self.entries.next() else { return Ok(None) };
        self.value = Some(entry.item);
        seed.deserialize(KeyDe { key: entry.key, span: entry.key_span }).map(Some)
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(&mut self, seed: V) -> Read<V::Value> {
        seed.deserialize(ItemDe::from(self.value.take().ok_or(Bail)?))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// Deserializer methods that give up.
macro_rules! refuse {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, _: V) -> Read<V::Value> {
            Err(Bail)
        }
    )*};
}

/// A table key: text, spanned text, or the name of an enum's variant.
struct KeyDe<'a> {
    key: Cow<'a, str>,
    span: Span,
}

impl<'de> de::Deserializer<'de> for KeyDe<'de> {
    type Error = Bail;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Read<V::Value> {
        self.key.into_deserializer().deserialize_any(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Read<V::Value> {
        match self.key {
            Cow::Borrowed(s) => visitor.visit_borrowed_str(s),
            Cow::Owned(s) => visitor.visit_string(s),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Read<V::Value> {
        if serde_spanned::de::is_spanned(name) {
            return visitor
                .visit_map(serde_spanned::de::SpannedDeserializer::new(self.key, wide(&self.span)));
        }
        self.deserialize_any(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Read<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Read<V::Value> {
        visitor.visit_enum(self.key.into_deserializer())
    }

    // A key read as a number, a boolean or a character: the `toml` crate
    // parses the text, which this leaves to it.
    refuse! {
        deserialize_bool deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_u128 deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_f32 deserialize_f64 deserialize_char
    }

    serde::forward_to_deserialize_any! {
        string seq bytes byte_buf map option unit ignored_any unit_struct tuple_struct tuple identifier
    }
}

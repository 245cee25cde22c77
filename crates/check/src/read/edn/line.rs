//! The fast path for Jepsen's `history.edn`: one op map per line, read
//! straight into JSON without building an [`Edn`] tree.
//!
//! A history of a million transactions is two million such lines; building
//! every value twice (EDN, then JSON) and streaming byte by byte cost about
//! half of `glomers check`'s time. This reader takes one whole line and
//! accepts only the plain subset Jepsen's `prn` writes for ordinary ops:
//! maps with keyword or string keys, vectors, lists, strings with simple
//! escapes, and atoms (numbers, keywords, `nil`, `true`, `false`, symbols),
//! which it classifies with the full reader's own rules. Anything else — a
//! tag, a set, a comment, a character, an unusual escape, a form spanning
//! lines, an error — returns `None`, and the caller reads the file with the
//! full reader instead, so results and error messages are the full reader's.

use super::parse::{classify, is_token, is_ws};
use super::MAX_DEPTH;
use serde_json::{Map, Value};

/// The one form on `line` as JSON, with the column (1-based, in characters)
/// where it starts; `None` if the line is not exactly one plain form.
pub fn form(line: &str) -> Option<(usize, Value)> {
    let mut p = Line {
        b: line.as_bytes(),
        i: 0,
    };
    p.skip_ws();
    // Leading whitespace is ASCII: its bytes are its characters.
    let column = p.i + 1;
    let value = p.value(0)?;
    p.skip_ws();
    (p.i == p.b.len()).then_some((column, value))
}

/// A cursor over one line, for readers that take an op map's entries
/// one by one (see `read::fast`).
pub struct Line<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Line<'a> {
    pub fn new(line: &'a str) -> Self {
        Line {
            b: line.as_bytes(),
            i: 0,
        }
    }

    /// The column (1-based) of the cursor; the line's start is ASCII
    /// whitespace up to it.
    pub fn column(&self) -> usize {
        self.i + 1
    }

    /// Consumes `b` if it comes next.
    pub fn eat(&mut self, b: u8) -> bool {
        let next = self.peek() == Some(b);
        if next {
            self.i += 1;
        }
        next
    }

    /// Whether only whitespace is left.
    pub fn at_end(&mut self) -> bool {
        self.skip_ws();
        self.i == self.b.len()
    }

    /// The next token's text (a number, keyword or symbol), unclassified.
    pub fn token(&mut self) -> Option<&'a str> {
        let start = self.i;
        while self.peek().is_some_and(is_token) {
            self.i += 1;
        }
        (self.i > start).then(|| std::str::from_utf8(&self.b[start..self.i]).ok())?
    }

    /// The next form as JSON.
    pub fn json(&mut self) -> Option<Value> {
        self.value(0)
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    pub fn skip_ws(&mut self) {
        while self.peek().is_some_and(is_ws) {
            self.i += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Option<Value> {
        if depth >= MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'{' => {
                self.i += 1;
                let mut map = Map::new();
                loop {
                    self.skip_ws();
                    if self.peek()? == b'}' {
                        self.i += 1;
                        return Some(Value::Object(map));
                    }
                    let key = match self.value(depth + 1)? {
                        // Keywords, strings and symbols key by their text;
                        // other keys need the full reader's EDN printing.
                        Value::String(k) => k,
                        _ => return None,
                    };
                    self.skip_ws();
                    if self.peek()? == b'}' {
                        return None; // odd number of forms: the full reader says so
                    }
                    let value = self.value(depth + 1)?;
                    map.insert(key, value);
                }
            }
            open @ (b'[' | b'(') => {
                let close = if open == b'[' { b']' } else { b')' };
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_ws();
                    if self.peek()? == close {
                        self.i += 1;
                        return Some(Value::Array(items));
                    }
                    items.push(self.value(depth + 1)?);
                }
            }
            b'"' => self.string(),
            b if is_token(b) && b != b'#' && b != b'\'' => self.atom(),
            _ => None,
        }
    }

    /// A number, keyword, symbol, `nil`, `true` or `false`, as the full
    /// reader classifies it; keywords and small integers without the
    /// detour through [`Edn`](super::Edn).
    fn atom(&mut self) -> Option<Value> {
        let start = self.i;
        while self.peek().is_some_and(is_token) {
            self.i += 1;
        }
        let text = std::str::from_utf8(&self.b[start..self.i]).ok()?;
        let bytes = text.as_bytes();
        if let [b':', first, rest @ ..] = bytes {
            if first.is_ascii_alphabetic() && !rest.contains(&b'/') {
                return Some(Value::String(text[1..].to_owned()));
            }
        }
        let digits = bytes.strip_prefix(b"-").unwrap_or(bytes);
        if (matches!(digits, [b'1'..=b'9', ..]) || bytes == b"0")
            && digits.len() < 19
            && digits.iter().all(u8::is_ascii_digit)
        {
            return text.parse::<i64>().ok().map(Value::from);
        }
        classify(text).ok().map(|edn| edn.to_json())
    }

    /// A string with at most the escapes `\" \\ \n \t \r`.
    fn string(&mut self) -> Option<Value> {
        self.i += 1;
        let mut out = Vec::new();
        loop {
            let start = self.i;
            while self.peek().is_some_and(|b| b != b'"' && b != b'\\') {
                self.i += 1;
            }
            out.extend_from_slice(&self.b[start..self.i]);
            match self.peek()? {
                b'"' => {
                    self.i += 1;
                    return String::from_utf8(out).ok().map(Value::String);
                }
                _ => {
                    let escaped = match self.b.get(self.i + 1)? {
                        b'"' => b'"',
                        b'\\' => b'\\',
                        b'n' => b'\n',
                        b't' => b'\t',
                        b'r' => b'\r',
                        _ => return None,
                    };
                    out.push(escaped);
                    self.i += 2;
                }
            }
        }
    }
}

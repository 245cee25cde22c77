//! The EDN reader: bytes from a `BufRead` validated as UTF-8 chunk by
//! chunk with the position of each, tokens, and forms built on an explicit
//! stack (so deep nesting never recurses).

use super::*;
// ---------------------------------------------------------------------------
// Input: bytes from the reader, validated as UTF-8 chunk by chunk, with the
// line and column of the next byte.

pub(super) const WS: u8 = 1;
pub(super) const TOKEN: u8 = 2;

/// Byte classes: whitespace (commas included), token bytes (anything that may
/// continue a number, symbol or keyword) or neither (delimiters and control
/// characters).
pub(super) static CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = match i as u8 {
            b' ' | b'\t' | b'\n' | b'\r' | b',' | 0x0B | 0x0C => WS,
            b'(' | b')' | b'[' | b']' | b'{' | b'}' | b'"' | b';' | b'\\' => 0,
            // Clojure's other terminating reader macros.
            b'@' | b'^' | b'`' | b'~' => 0,
            0..=0x1F | 0x7F => 0,
            _ => TOKEN,
        };
        i += 1;
    }
    table
};

pub fn is_ws(b: u8) -> bool {
    CLASS[b as usize] == WS
}

pub(super) fn is_token(b: u8) -> bool {
    CLASS[b as usize] == TOKEN
}

pub(super) struct Input<R> {
    pub(super) reader: R,
    pub(super) buf: Box<[u8]>,
    /// Next byte to hand out.
    pub(super) i: usize,
    /// End of the bytes known to be valid UTF-8; always a character boundary.
    pub(super) lim: usize,
    /// End of the bytes read; `lim..filled` is an incomplete character.
    pub(super) filled: usize,
    /// `buf[lim]` starts an invalid UTF-8 sequence.
    pub(super) bad_utf8: bool,
    pub(super) eof: bool,
    pub(super) line: usize,
    pub(super) col: usize,
}

impl<R: BufRead> Input<R> {
    pub(super) fn new(reader: R) -> Self {
        Input {
            reader,
            buf: vec![0; CHUNK].into_boxed_slice(),
            i: 0,
            lim: 0,
            filled: 0,
            bad_utf8: false,
            eof: false,
            line: 1,
            col: 1,
        }
    }

    pub(super) fn pos(&self) -> Pos {
        Pos {
            line: self.line,
            column: self.col,
        }
    }

    /// The next byte without consuming it; `None` at the end of input.
    #[inline]
    pub(super) fn peek(&mut self) -> Result<Option<u8>, EdnError> {
        if self.i < self.lim {
            Ok(self.buf.get(self.i).copied())
        } else {
            self.fill()
        }
    }

    pub(super) fn fill(&mut self) -> Result<Option<u8>, EdnError> {
        loop {
            if self.i < self.lim {
                return Ok(self.buf.get(self.i).copied());
            }
            if self.bad_utf8 {
                return Err(EdnError::new(self.pos(), "invalid UTF-8"));
            }
            if self.eof {
                return Ok(None);
            }
            // Keep only the (at most 3-byte) incomplete character, then read.
            self.buf.copy_within(self.i..self.filled, 0);
            self.filled -= self.i;
            self.lim -= self.i;
            self.i = 0;
            match self.reader.read(&mut self.buf[self.filled..]) {
                Ok(0) => {
                    self.eof = true;
                    // A character cut off by the end of input.
                    self.bad_utf8 = self.filled > self.lim;
                }
                Ok(n) => {
                    self.filled = (self.filled + n).min(self.buf.len());
                    match std::str::from_utf8(&self.buf[self.lim..self.filled]) {
                        Ok(_) => self.lim = self.filled,
                        Err(e) => {
                            self.lim += e.valid_up_to();
                            // `None` means cut off at the chunk's end: read on.
                            self.bad_utf8 = e.error_len().is_some();
                        }
                    }
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => {
                    self.eof = true;
                    self.filled = self.lim;
                    return Err(EdnError::new(self.pos(), format!("read error: {e}")));
                }
            }
        }
    }

    #[inline]
    pub(super) fn track(&mut self, b: u8) {
        if b == b'\n' {
            self.line += 1;
            self.col = 1;
        } else if b & 0xC0 != 0x80 {
            // Continuation bytes do not start a character.
            self.col += 1;
        }
    }

    /// Consumes the byte that `peek` returned.
    #[inline]
    pub(super) fn bump(&mut self) {
        if self.i < self.lim {
            if let Some(&b) = self.buf.get(self.i) {
                self.i += 1;
                self.track(b);
            }
        }
    }

    /// Consumes bytes while `keep` holds, appending them to `out` if given;
    /// returns the first byte not kept (not consumed).
    #[inline]
    pub(super) fn take_while(
        &mut self,
        keep: impl Fn(u8) -> bool,
        mut out: Option<&mut Vec<u8>>,
    ) -> Result<Option<u8>, EdnError> {
        loop {
            let start = self.i;
            let mut j = start;
            while j < self.lim {
                let Some(&b) = self.buf.get(j) else { break };
                if !keep(b) {
                    break;
                }
                self.track(b);
                j += 1;
            }
            if let (Some(out), Some(run)) = (out.as_deref_mut(), self.buf.get(start..j)) {
                out.extend_from_slice(run);
            }
            self.i = j;
            match self.peek()? {
                Some(b) if keep(b) => {}
                next => return Ok(next),
            }
        }
    }

    /// Consumes and returns the next character.
    pub(super) fn next_char(&mut self) -> Result<Option<char>, EdnError> {
        let Some(b) = self.peek()? else {
            return Ok(None);
        };
        let len = match b {
            0xF0.. => 4,
            0xE0.. => 3,
            0xC0.. => 2,
            _ => 1,
        };
        // `lim` only moves past whole characters, so all `len` bytes are here.
        let c = self
            .buf
            .get(self.i..self.i + len)
            .and_then(|bytes| std::str::from_utf8(bytes).ok())
            .and_then(|s| s.chars().next());
        let Some(c) = c else {
            return Err(EdnError::new(self.pos(), "invalid UTF-8"));
        };
        for _ in 0..len {
            self.bump();
        }
        Ok(Some(c))
    }
}

// ---------------------------------------------------------------------------
// Parser: an explicit stack of open collections and pending prefixes.

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    List,
    Vector,
    Map,
    Set,
}

impl Kind {
    pub(super) fn closer(self) -> u8 {
        match self {
            Kind::List => b')',
            Kind::Vector => b']',
            Kind::Map | Kind::Set => b'}',
        }
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Kind::List => "list",
            Kind::Vector => "vector",
            Kind::Map => "map",
            Kind::Set => "set",
        }
    }
}

pub(super) enum Frame {
    Coll {
        kind: Kind,
        open: Pos,
        /// Where its items start in `Parser::values`.
        start: usize,
        /// The namespace of a `#:ns{...}` map.
        ns: Option<String>,
    },
    /// `#tag` waiting for its form.
    Tag { tag: String, at: Pos },
    /// `#_` waiting for the form it throws away.
    Discard { at: Pos },
}

impl Frame {
    pub(super) fn eof_message(&self) -> String {
        match self {
            Frame::Coll { kind, open, .. } => format!(
                "unexpected end of input inside a {} opened at {open}",
                kind.name()
            ),
            Frame::Tag { tag, at } => format!("unexpected end of input after tag `#{tag}` at {at}"),
            Frame::Discard { at } => format!("unexpected end of input after `#_` at {at}"),
        }
    }
}

pub(super) struct Parser<R> {
    pub(super) input: Input<R>,
    pub(super) stack: Vec<Frame>,
    /// Items of all open collections, innermost last: each collection is
    /// moved out in one exact-size allocation when it closes.
    pub(super) values: Vec<Edn>,
    /// Reused buffer for the current token.
    pub(super) token: Vec<u8>,
}

impl<R: BufRead> Parser<R> {
    pub(super) fn new(reader: R) -> Self {
        Parser {
            input: Input::new(reader),
            stack: Vec::new(),
            values: Vec::new(),
            token: Vec::new(),
        }
    }

    /// The next top-level form and where it starts, or `None` at the end.
    pub(super) fn next_form(&mut self) -> Result<Option<(Pos, Edn)>, EdnError> {
        let mut start = self.input.pos();
        loop {
            let next = self.skip_space()?;
            let at = self.input.pos();
            if self.stack.is_empty() {
                start = at;
            }
            let Some(b) = next else {
                return match self.stack.last() {
                    None => Ok(None),
                    Some(frame) => Err(EdnError::new(at, frame.eof_message())),
                };
            };
            let value = match b {
                b'(' | b'[' | b'{' => {
                    self.input.bump();
                    let kind = match b {
                        b'(' => Kind::List,
                        b'[' => Kind::Vector,
                        _ => Kind::Map,
                    };
                    self.open(kind, at, None)?;
                    continue;
                }
                b')' | b']' | b'}' => {
                    self.input.bump();
                    self.close(b, at)?
                }
                b'"' => self.string(at)?,
                b'\\' => self.character(at)?,
                b'#' => {
                    self.input.bump();
                    match self.dispatch(at)? {
                        Some(value) => value,
                        None => continue,
                    }
                }
                b'\'' => return Err(EdnError::new(at, "unexpected `'`: quoting is not EDN")),
                b if is_token(b) => self.atom(at)?,
                b => {
                    return Err(EdnError::new(
                        at,
                        format!("unexpected character {}", describe(b)),
                    ));
                }
            };
            if let Some(done) = self.deliver(value) {
                return Ok(Some((start, done)));
            }
        }
    }

    /// Skips whitespace and comments; returns the next byte.
    pub(super) fn skip_space(&mut self) -> Result<Option<u8>, EdnError> {
        loop {
            match self.input.take_while(is_ws, None)? {
                Some(b';') => {
                    self.input.take_while(|b| b != b'\n', None)?;
                }
                next => return Ok(next),
            }
        }
    }

    /// Hands a finished form to whatever is waiting for it; returns it when
    /// it is a whole top-level form.
    pub(super) fn deliver(&mut self, mut value: Edn) -> Option<Edn> {
        loop {
            match self.stack.last_mut() {
                None => return Some(value),
                Some(Frame::Coll { .. }) => {
                    self.values.push(value);
                    return None;
                }
                Some(Frame::Discard { .. }) => {
                    self.stack.pop();
                    return None;
                }
                Some(Frame::Tag { tag, .. }) => {
                    let tag = std::mem::take(tag);
                    self.stack.pop();
                    value = Edn::Tagged(tag, Box::new(value));
                }
            }
        }
    }

    pub(super) fn push(&mut self, frame: Frame, at: Pos) -> Result<(), EdnError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(EdnError::new(
                at,
                format!("nested too deeply (more than {MAX_DEPTH} levels)"),
            ));
        }
        self.stack.push(frame);
        Ok(())
    }

    pub(super) fn open(
        &mut self,
        kind: Kind,
        open: Pos,
        ns: Option<String>,
    ) -> Result<(), EdnError> {
        let frame = Frame::Coll {
            kind,
            open,
            start: self.values.len(),
            ns,
        };
        self.push(frame, open)
    }

    pub(super) fn close(&mut self, closer: u8, at: Pos) -> Result<Edn, EdnError> {
        let c = closer as char;
        match self.stack.last() {
            None => return Err(EdnError::new(at, format!("unexpected `{c}`"))),
            Some(Frame::Tag { tag, at: t }) => {
                return Err(EdnError::new(
                    at,
                    format!("unexpected `{c}`, expected a form after tag `#{tag}` at {t}"),
                ));
            }
            Some(Frame::Discard { at: d }) => {
                return Err(EdnError::new(
                    at,
                    format!("unexpected `{c}`, expected a form after `#_` at {d}"),
                ));
            }
            Some(Frame::Coll { kind, open, .. }) if kind.closer() != closer => {
                return Err(EdnError::new(
                    at,
                    format!(
                        "unexpected `{c}`, expected `{}` to close the {} opened at {open}",
                        kind.closer() as char,
                        kind.name()
                    ),
                ));
            }
            Some(Frame::Coll { .. }) => {}
        }
        let Some(Frame::Coll {
            kind,
            open,
            start,
            ns,
        }) = self.stack.pop()
        else {
            return Err(EdnError::new(at, format!("unexpected `{c}`")));
        };
        let start = start.min(self.values.len());
        let mut items = self.values.drain(start..);
        Ok(match kind {
            Kind::List => Edn::List(items.collect()),
            Kind::Vector => Edn::Vector(items.collect()),
            Kind::Set => Edn::Set(items.collect()),
            Kind::Map => {
                if !items.len().is_multiple_of(2) {
                    return Err(EdnError::new(open, "map has an odd number of forms"));
                }
                let mut pairs = Vec::with_capacity(items.len() / 2);
                while let (Some(k), Some(v)) = (items.next(), items.next()) {
                    let k = match &ns {
                        Some(ns) => qualify(ns, k),
                        None => k,
                    };
                    pairs.push((k, v));
                }
                Edn::Map(pairs)
            }
        })
    }

    /// After `#`: sets, discards, symbolic values, namespaced maps and tags.
    /// Returns a value when the dispatch was a complete form.
    pub(super) fn dispatch(&mut self, at: Pos) -> Result<Option<Edn>, EdnError> {
        match self.input.peek()? {
            None => Err(EdnError::new(at, "unexpected end of input after `#`")),
            Some(b'{') => {
                self.input.bump();
                self.open(Kind::Set, at, None)?;
                Ok(None)
            }
            Some(b'_') => {
                self.input.bump();
                self.push(Frame::Discard { at }, at)?;
                Ok(None)
            }
            Some(b'#') => {
                self.input.bump();
                let name = self.token()?;
                match name.as_str() {
                    "Inf" | "-Inf" | "NaN" => Ok(Some(Edn::Float(format!("##{name}")))),
                    _ => Err(EdnError::new(
                        at,
                        format!(
                            "unknown symbolic value `##{name}`, expected ##Inf, ##-Inf or ##NaN"
                        ),
                    )),
                }
            }
            Some(b':') => {
                self.input.bump();
                if self.input.peek()? == Some(b':') {
                    return Err(EdnError::new(
                        at,
                        "auto-resolved namespaced maps (`#::{`) are not supported",
                    ));
                }
                let ns = self.token()?;
                if ns.is_empty() || ns.contains('/') || ns.starts_with(|c: char| c.is_ascii_digit())
                {
                    return Err(EdnError::new(at, format!("invalid map namespace `#:{ns}`")));
                }
                if self.skip_space()? != Some(b'{') {
                    return Err(EdnError::new(at, format!("expected `{{` after `#:{ns}`")));
                }
                self.input.bump();
                self.open(Kind::Map, at, Some(ns))?;
                Ok(None)
            }
            Some(b'"') => Err(EdnError::new(
                at,
                "regular expressions (`#\"...\"`) are not EDN",
            )),
            Some(b) if b.is_ascii_alphabetic() || b >= 0x80 => {
                let tag = self.token()?;
                if !valid_symbol(&tag) {
                    return Err(EdnError::new(at, format!("invalid tag `#{tag}`")));
                }
                self.push(Frame::Tag { tag, at }, at)?;
                Ok(None)
            }
            Some(b) => Err(EdnError::new(
                at,
                format!("unsupported dispatch `#` followed by {}", describe(b)),
            )),
        }
    }

    /// Reads a run of token bytes as a string.
    pub(super) fn token(&mut self) -> Result<String, EdnError> {
        self.token.clear();
        self.input.take_while(is_token, Some(&mut self.token))?;
        // Tokens end at ASCII bytes, so they are whole characters.
        String::from_utf8(self.token.clone())
            .map_err(|_| EdnError::new(self.input.pos(), "invalid UTF-8"))
    }

    /// A number, `nil`/`true`/`false`, keyword or symbol.
    pub(super) fn atom(&mut self, at: Pos) -> Result<Edn, EdnError> {
        self.token.clear();
        self.input.take_while(is_token, Some(&mut self.token))?;
        let text =
            std::str::from_utf8(&self.token).map_err(|_| EdnError::new(at, "invalid UTF-8"))?;
        classify(text).map_err(|message| EdnError::new(at, message))
    }

    pub(super) fn string(&mut self, at: Pos) -> Result<Edn, EdnError> {
        self.input.bump();
        let mut out = Vec::new();
        loop {
            match self
                .input
                .take_while(|b| b != b'"' && b != b'\\', Some(&mut out))?
            {
                None => return Err(EdnError::new(at, "unterminated string")),
                Some(b'"') => {
                    self.input.bump();
                    break;
                }
                Some(_) => {
                    let escape_at = self.input.pos();
                    self.input.bump();
                    let c = self.escape(at, escape_at)?;
                    out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                }
            }
        }
        String::from_utf8(out)
            .map(Edn::Str)
            .map_err(|_| EdnError::new(at, "invalid UTF-8 in string"))
    }

    /// The character a string escape stands for; the backslash is consumed.
    pub(super) fn escape(&mut self, string_at: Pos, at: Pos) -> Result<char, EdnError> {
        let Some(c) = self.input.next_char()? else {
            return Err(EdnError::new(string_at, "unterminated string"));
        };
        Ok(match c {
            't' => '\t',
            'r' => '\r',
            'n' => '\n',
            '\\' => '\\',
            '"' => '"',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'u' => self.unicode_escape(at)?,
            '0'..='7' => {
                let mut value = c as u32 - '0' as u32;
                for _ in 0..2 {
                    match self.input.peek()? {
                        Some(d @ b'0'..=b'7') => {
                            self.input.bump();
                            value = value * 8 + u32::from(d - b'0');
                        }
                        _ => break,
                    }
                }
                if value > 0o377 {
                    return Err(EdnError::new(
                        at,
                        "octal escape out of range, expected at most \\377",
                    ));
                }
                char::from_u32(value).unwrap_or('\u{FFFD}')
            }
            c => {
                return Err(EdnError::new(
                    at,
                    format!("unsupported escape `\\{}` in string", c.escape_debug()),
                ));
            }
        })
    }

    /// After `\u` in a string: four hex digits, and a second `\uXXXX` when
    /// the first is a high surrogate.
    pub(super) fn unicode_escape(&mut self, at: Pos) -> Result<char, EdnError> {
        let high = self.hex4(at)?;
        if (0xDC00..=0xDFFF).contains(&high) {
            return Err(EdnError::new(at, "unpaired surrogate in unicode escape"));
        }
        if !(0xD800..=0xDBFF).contains(&high) {
            return char::from_u32(high).ok_or_else(|| EdnError::new(at, "invalid unicode escape"));
        }
        let mut low = None;
        if self.input.peek()? == Some(b'\\') {
            self.input.bump();
            if self.input.peek()? == Some(b'u') {
                self.input.bump();
                low = Some(self.hex4(at)?);
            }
        }
        match low {
            Some(low @ 0xDC00..=0xDFFF) => {
                let c = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                char::from_u32(c).ok_or_else(|| EdnError::new(at, "invalid unicode escape"))
            }
            _ => Err(EdnError::new(at, "unpaired surrogate in unicode escape")),
        }
    }

    pub(super) fn hex4(&mut self, at: Pos) -> Result<u32, EdnError> {
        let mut value = 0;
        for _ in 0..4 {
            let digit = match self.input.peek()? {
                Some(b) => (b as char).to_digit(16),
                None => None,
            };
            let Some(digit) = digit else {
                return Err(EdnError::new(
                    at,
                    "invalid unicode escape, expected 4 hex digits after `\\u`",
                ));
            };
            self.input.bump();
            value = value * 16 + digit;
        }
        Ok(value)
    }

    /// A character literal: `\` then one character, or a name such as
    /// `newline` or `u0041`.
    pub(super) fn character(&mut self, at: Pos) -> Result<Edn, EdnError> {
        self.input.bump();
        let Some(first) = self.input.next_char()? else {
            return Err(EdnError::new(at, "unexpected end of input after `\\`"));
        };
        let rest = self.token()?;
        if rest.is_empty() {
            return Ok(Edn::Char(first));
        }
        let c = match (first, rest.as_str()) {
            ('n', "ewline") => Some('\n'),
            ('s', "pace") => Some(' '),
            ('t', "ab") => Some('\t'),
            ('r', "eturn") => Some('\r'),
            ('f', "ormfeed") => Some('\u{c}'),
            ('b', "ackspace") => Some('\u{8}'),
            ('u', hex) if hex.len() == 4 && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
                u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
            }
            ('o', oct)
                if (1..=3).contains(&oct.len())
                    && oct.bytes().all(|b| matches!(b, b'0'..=b'7')) =>
            {
                u32::from_str_radix(oct, 8)
                    .ok()
                    .filter(|&v| v <= 0o377)
                    .and_then(char::from_u32)
            }
            _ => None,
        };
        c.map(Edn::Char)
            .ok_or_else(|| EdnError::new(at, format!("unsupported character `\\{first}{rest}`")))
    }
}

/// Applies a `#:ns{...}` namespace to a key, as Clojure does.
pub(super) fn qualify(ns: &str, key: Edn) -> Edn {
    match key {
        Edn::Keyword(name) => Edn::Keyword(qualify_name(ns, name)),
        Edn::Symbol(name) => Edn::Symbol(qualify_name(ns, name)),
        other => other,
    }
}

pub(super) fn qualify_name(ns: &str, name: String) -> String {
    match name.strip_prefix("_/") {
        Some(bare) => bare.to_owned(),
        None if name.contains('/') => name,
        None => format!("{ns}/{name}"),
    }
}

/// Describes a byte that has no business starting a form.
pub(super) fn describe(b: u8) -> String {
    if b.is_ascii_graphic() {
        format!("`{}`", b as char)
    } else {
        format!("U+{b:04X}")
    }
}

/// Classifies a token: number, `nil`/`true`/`false`, keyword or symbol.
pub(super) fn classify(text: &str) -> Result<Edn, String> {
    match text.as_bytes() {
        [b':', ..] => {
            let name = &text[1..];
            if name.starts_with(':') {
                Err(format!(
                    "auto-resolved keywords (`{text}`) are not supported"
                ))
            } else if valid_name(name) {
                Ok(Edn::Keyword(name.to_owned()))
            } else {
                Err(format!("invalid keyword `{text}`"))
            }
        }
        [b'0'..=b'9', ..] | [b'+' | b'-', b'0'..=b'9', ..] => number(text),
        b"nil" => Ok(Edn::Nil),
        b"true" => Ok(Edn::Bool(true)),
        b"false" => Ok(Edn::Bool(false)),
        _ if valid_symbol(text) => Ok(Edn::Symbol(text.to_owned())),
        _ => Err(format!("invalid symbol `{text}`")),
    }
}

/// `name` or `ns/name`, both parts non-empty; `/` alone (division) too.
pub(super) fn valid_name(s: &str) -> bool {
    match s.split_once('/') {
        _ if s == "/" => true,
        None => !s.is_empty(),
        Some((ns, name)) => {
            !ns.is_empty() && (name == "/" || (!name.is_empty() && !name.contains('/')))
        }
    }
}

pub(super) fn valid_symbol(s: &str) -> bool {
    let b = s.as_bytes();
    let digit_after_dot = b.first() == Some(&b'.') && b.get(1).is_some_and(u8::is_ascii_digit);
    valid_name(s)
        && !digit_after_dot
        && !b.first().is_some_and(|c| matches!(c, b'#' | b':' | b'\''))
}

pub(super) fn number(text: &str) -> Result<Edn, String> {
    let bad = || format!("invalid number `{text}`");
    let (sign, body) = match text.as_bytes().first() {
        Some(b'+' | b'-') => text.split_at(1),
        _ => ("", text),
    };
    if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        let hex = hex.strip_suffix('N').unwrap_or(hex);
        if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let value = u128::from_str_radix(hex, 16)
            .map_err(|_| format!("hex integer `{text}` is too large"))?;
        return Ok(Edn::Int(format!("{sign}{value}")));
    }
    if let Some((num, den)) = body.split_once('/') {
        if !all_digits(num) || !all_digits(den) {
            return Err(bad());
        }
        if den.bytes().all(|b| b == b'0') {
            return Err(format!("ratio `{text}` has a zero denominator"));
        }
        return Ok(Edn::Ratio(text.to_owned()));
    }
    // The sign and digits: `text` less an `N` or `M` suffix.
    let kept = |suffix: char| text.strip_suffix(suffix).unwrap_or(text);
    let integer = |digits: &str, kept: &str| -> Result<Edn, String> {
        if digits.len() > 1 && digits.starts_with('0') {
            Err(format!(
                "invalid number `{text}`: leading zeros are not allowed"
            ))
        } else {
            Ok(Edn::Int(kept.to_owned()))
        }
    };
    if let Some(digits) = body.strip_suffix('N') {
        return if all_digits(digits) {
            integer(digits, kept('N'))
        } else {
            Err(bad())
        };
    }
    if let Some(decimal) = body.strip_suffix('M') {
        return if float_syntax(decimal, true) {
            Ok(Edn::Float(kept('M').to_owned()))
        } else {
            Err(bad())
        };
    }
    if all_digits(body) {
        return integer(body, text);
    }
    if float_syntax(body, false) {
        return Ok(Edn::Float(text.to_owned()));
    }
    Err(bad())
}

pub(super) fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `digits ['.' digits*] [('e'|'E') ['+'|'-'] digits]`, unsigned; a plain
/// integer only when `integer_ok` (for the `M` suffix).
pub(super) fn float_syntax(s: &str, integer_ok: bool) -> bool {
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (mantissa, None),
    };
    let frac_ok = frac.is_none_or(|f| f.bytes().all(|b| b.is_ascii_digit()));
    let exponent_ok = exponent.is_none_or(|e| all_digits(e.strip_prefix(['+', '-']).unwrap_or(e)));
    all_digits(int)
        && frac_ok
        && exponent_ok
        && (integer_ok || frac.is_some() || exponent.is_some())
}

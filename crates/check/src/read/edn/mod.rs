//! Reading EDN as Jepsen writes it.
//!
//! This module owns turning EDN text — chiefly a Jepsen/Maelstrom
//! `history.edn`, which Jepsen writes one operation per line with Clojure's
//! `prn` — into faithful [`Edn`] values, and turning those into
//! `serde_json` values spelled the way the bench's history model spells
//! Jepsen data (`history.jsonl`).
//!
//! # Reading
//!
//! * [`forms`] streams top-level forms from any [`BufRead`]. It holds one
//!   64 KiB chunk of input plus the form being built, so a 1 GB history reads
//!   in small memory. Each item carries the position where its form starts.
//!   After an error the iterator ends.
//! * [`parse_all`] reads every top-level form of a string; [`parse_one`]
//!   reads exactly one (whitespace and comments around it are allowed).
//!
//! Positions are 1-based; columns count characters (Unicode scalar values),
//! a tab counts as one. Reading never panics: invalid UTF-8 anywhere (even in
//! a comment) is an error at the offending byte, and nesting deeper than
//! 1000 levels (collections, tags and `#_` together) is the error "nested too
//! deeply". Collections are built with an explicit stack, so the parser
//! itself never recurses; the cap keeps `Drop`, `Display` and
//! [`Edn::to_json`], which do recurse, within a thread's stack.
//!
//! Errors say what was expected and where, e.g. `line 1, column 5:
//! unterminated string` (at the opening quote), `map has an odd number of
//! forms` (at the opening brace), ``unexpected `]`, expected `}` to close the
//! map opened at line 1, column 1`` (at the stray closer) or `unexpected end
//! of input inside a vector opened at line 3, column 7` (at the end).
//!
//! # What is read
//!
//! `nil`, `true`, `false`; integers with optional sign and `N` suffix, kept
//! as text so any size survives (`0x1F` hex is accepted as Clojure does and
//! kept in decimal; leading zeros, octal and `16rFF` radix forms are
//! rejected); floats (`1.5`, `-2e10`, `1.5M`, `##Inf`, `##-Inf`, `##NaN`);
//! ratios `1/3` (kept as written, not normalised); strings with `\t \r \n \\
//! \" \b \f \uXXXX` and Clojure's octal `\0`–`\377` escapes (a `\u` surrogate
//! pair makes one character; a lone surrogate is an error, as Rust strings
//! cannot hold one); characters (`\a`, `\newline`, `\space`, `\tab`,
//! `\return`, `\formfeed`, `\backspace`, `\uXXXX`, `\oNNN`); keywords
//! (`:foo`, `:foo/bar`, `:final?`); symbols (`+`, `-`, `foo.bar/baz`, `nil?`);
//! lists, vectors, maps and sets (`#{}`); commas are whitespace; `;` comments
//! run to the end of the line; `#_` discards the next form; tagged literals
//! `#tag form` and records `#jepsen.history.Op{...}` (both become
//! [`Edn::Tagged`]); namespaced maps `#:ns{:a 1}` (keys become `:ns/a`, a
//! `:_/a` key becomes `:a`). Auto-resolved `::kw` and `#::{}`, regexes
//! `#"..."`, quoting and other reader macros are rejected with a message
//! saying so. Duplicate map keys and set elements are kept as written.
//!
//! # JSON conversion ([`Edn::to_json`])
//!
//! | EDN                         | JSON                                          |
//! |-----------------------------|-----------------------------------------------|
//! | `nil`                       | `null`                                        |
//! | `true` / `false`            | `true` / `false`                              |
//! | integer (`12`, `-3N`, big)  | number, exact (serde_json `arbitrary_precision`) |
//! | float (`1.5`, `2e10`, `1.5M`) | number keeping the written digits; spelling made JSON (`1.` → `1.0`, `+1` → `1`, `007.5` → `7.5`; serde_json prints exponents as `2e+10`) |
//! | `##Inf` `##-Inf` `##NaN`    | `"Infinity"` `"-Infinity"` `"NaN"`            |
//! | ratio `1/3`                 | number: the nearest `f64` to num / den        |
//! | string                      | string                                        |
//! | character `\a`              | one-character string `"a"`                    |
//! | keyword `:append`, `:foo/bar` | `"append"`, `"foo/bar"` (no colon)          |
//! | symbol                      | string                                        |
//! | list, vector, set           | array (a set in the order written)            |
//! | map                         | object; keyword, string and symbol keys give their text, any other key its compact EDN text (`3` → `"3"`, `[1 2]` → `"[1 2]"`, `nil` → `"nil"`); a later duplicate key wins |
//! | `#tag v`, `#ns.Record{..}`  | `v` converted (the tag is dropped: `#inst "…"` → the string) |
//!
//! So `{:type :ok, :f :txn, :value [[:append 9 1] [:r 8 nil]]}` becomes
//! `{"type":"ok","f":"txn","value":[["append",9,1],["r",8,null]]}` and a
//! Kafka poll `[[:poll {"k1" [[0 12]]}]]` becomes `[["poll",{"k1":[[0,12]]}]]`.
//!
//! [`Edn`]'s `Display` prints compact EDN (`{:a 1, :b [1 2]}`) that reads
//! back to an equal value.
//!
//! # Jepsen's output
//!
//! `jepsen.store/write-history!` prints each op with `prn`, one per line.
//! Since jepsen.history's `Op` record gained a `print-method` (2022) ops print
//! as plain maps in record field order: `{:index 0, :time 11876417, :type
//! :invoke, :process 0, :f :txn, :value [...]}` plus any extra keys. Older
//! histories and `results.edn` print the record as `#jepsen.history.Op{...}`;
//! both convert to the same JSON because tags are dropped.
//!
//! [`parse`] holds the reader itself: bytes to tokens to forms, with an
//! explicit stack.

pub mod line;
mod parse;

pub use parse::is_ws;
use parse::*;

use std::fmt;
use std::io::{BufRead, ErrorKind};
use std::iter::FusedIterator;

use serde_json::{Map, Number, Value};

/// How deep collections, tags and `#_` may nest. Jepsen data nests a handful
/// of levels; the cap keeps the recursive `Drop`/`Display`/`to_json` safe.
const MAX_DEPTH: usize = 1000;

/// How much input is read from the underlying reader at a time.
const CHUNK: usize = 64 * 1024;

/// A position in the input, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// A parse error: what was wrong and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdnError {
    pub pos: Pos,
    pub message: String,
}

impl EdnError {
    fn new(pos: Pos, message: impl Into<String>) -> Self {
        EdnError {
            pos,
            message: message.into(),
        }
    }
}

impl fmt::Display for EdnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pos, self.message)
    }
}

impl std::error::Error for EdnError {}

/// A parsed EDN value, kept faithful to EDN.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Edn {
    Nil,
    Bool(bool),
    /// Digits with the sign as written (`-12`, `+3`); an `N` suffix is removed
    /// and hex (`0x1F`) is turned into decimal.
    Int(String),
    /// The number as written without an `M` suffix (`1.5`, `-2e10`), or one
    /// of `##Inf`, `##-Inf`, `##NaN`.
    Float(String),
    /// As written: `1/3`, `-22/7`.
    Ratio(String),
    Str(String),
    Char(char),
    /// Without the colon, namespace kept: `foo/bar`.
    Keyword(String),
    Symbol(String),
    List(Vec<Edn>),
    Vector(Vec<Edn>),
    Map(Vec<(Edn, Edn)>),
    /// Elements in the order written.
    Set(Vec<Edn>),
    /// `#tag value`, including records: `#jepsen.history.Op{...}`.
    Tagged(String, Box<Edn>),
}

/// Reads every top-level form of `text`, each with the position it starts at.
pub fn parse_all(text: &str) -> Result<Vec<(Pos, Edn)>, EdnError> {
    forms(text.as_bytes()).collect()
}

/// Reads exactly one form; whitespace, comments and `#_` discards may
/// surround it.
pub fn parse_one(text: &str) -> Result<Edn, EdnError> {
    let mut parser = Parser::new(text.as_bytes());
    let Some((_, form)) = parser.next_form()? else {
        return Err(EdnError::new(
            parser.input.pos(),
            "expected a form, found end of input",
        ));
    };
    match parser.next_form()? {
        None => Ok(form),
        Some((at, _)) => Err(EdnError::new(
            at,
            "unexpected second form, expected exactly one",
        )),
    }
}

/// Streams top-level forms from `reader`; see [`Forms`].
pub fn forms<R: BufRead>(reader: R) -> Forms<R> {
    Forms {
        parser: Parser::new(reader),
        done: false,
    }
}

/// Streaming: reads top-level forms one at a time from a `BufRead` without
/// holding the whole input. Each item is (start position, form) or an error;
/// after an error the iterator ends.
pub struct Forms<R: BufRead> {
    parser: Parser<R>,
    done: bool,
}

impl<R: BufRead> Iterator for Forms<R> {
    type Item = Result<(Pos, Edn), EdnError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.parser.next_form() {
            Ok(Some(form)) => Some(Ok(form)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                // Free the half-built form now rather than when `Forms` drops.
                self.parser.stack.clear();
                self.parser.values.clear();
                Some(Err(e))
            }
        }
    }
}

impl<R: BufRead> FusedIterator for Forms<R> {}

impl Edn {
    /// Converts to JSON as the bench's history model spells Jepsen values;
    /// see the module documentation for the rules.
    pub fn to_json(&self) -> Value {
        match self {
            Edn::Nil => Value::Null,
            Edn::Bool(b) => Value::Bool(*b),
            Edn::Int(t) => json_number(t),
            Edn::Float(t) => match t.as_str() {
                "##Inf" => Value::String("Infinity".into()),
                "##-Inf" => Value::String("-Infinity".into()),
                "##NaN" => Value::String("NaN".into()),
                _ => json_number(t),
            },
            Edn::Ratio(t) => json_ratio(t),
            Edn::Str(s) | Edn::Keyword(s) | Edn::Symbol(s) => Value::String(s.clone()),
            Edn::Char(c) => Value::String(c.to_string()),
            Edn::List(items) | Edn::Vector(items) | Edn::Set(items) => {
                Value::Array(items.iter().map(Edn::to_json).collect())
            }
            Edn::Map(pairs) => {
                let mut object = Map::new();
                for (k, v) in pairs {
                    object.insert(k.json_key(), v.to_json());
                }
                Value::Object(object)
            }
            Edn::Tagged(_, v) => v.to_json(),
        }
    }

    fn json_key(&self) -> String {
        match self {
            Edn::Keyword(s) | Edn::Str(s) | Edn::Symbol(s) => s.clone(),
            other => other.to_string(),
        }
    }
}

/// A JSON number from EDN number text. Plain `i64`s take a fast path; other
/// text is normalised to JSON's grammar (no `+`, no leading zeros, a digit
/// after `.`) and parsed by serde_json, which keeps every digit.
fn json_number(text: &str) -> Value {
    if !text.starts_with('+') {
        if let Ok(i) = text.parse::<i64>() {
            return Value::from(i);
        }
    }
    match serde_json::from_str::<Value>(&json_number_text(text)) {
        Ok(v @ Value::Number(_)) => v,
        _ => text
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map_or_else(|| Value::String(text.to_owned()), Value::Number),
    }
}

fn json_number_text(text: &str) -> String {
    let (negative, body) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => body.split_at(i),
        None => (body, ""),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (mantissa, None),
    };
    let int = int.trim_start_matches('0');
    let mut out = String::with_capacity(text.len() + 2);
    if negative {
        out.push('-');
    }
    out.push_str(if int.is_empty() { "0" } else { int });
    if let Some(frac) = frac {
        out.push('.');
        out.push_str(if frac.is_empty() { "0" } else { frac });
    }
    out.push_str(exponent);
    out
}

fn json_ratio(text: &str) -> Value {
    let quotient = text
        .split_once('/')
        .and_then(|(n, d)| Some(n.parse::<f64>().ok()? / d.parse::<f64>().ok()?));
    match quotient {
        None => Value::String(text.to_owned()),
        Some(q) => match Number::from_f64(q) {
            Some(n) => Value::Number(n),
            None if q.is_nan() => Value::String("NaN".into()),
            None if q > 0.0 => Value::String("Infinity".into()),
            None => Value::String("-Infinity".into()),
        },
    }
}

impl fmt::Display for Edn {
    /// Compact EDN that reads back to an equal value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Edn::Nil => f.write_str("nil"),
            Edn::Bool(b) => write!(f, "{b}"),
            Edn::Int(t) | Edn::Ratio(t) | Edn::Symbol(t) => f.write_str(t),
            Edn::Float(t) => {
                f.write_str(t)?;
                // `1M` was stored as "1": the suffix keeps it a float.
                if !t.starts_with("##") && !t.contains(['.', 'e', 'E']) {
                    f.write_str("M")?;
                }
                Ok(())
            }
            Edn::Str(s) => write_string(f, s),
            Edn::Char(c) => write_char(f, *c),
            Edn::Keyword(k) => write!(f, ":{k}"),
            Edn::List(items) => write_seq(f, "(", items, ")"),
            Edn::Vector(items) => write_seq(f, "[", items, "]"),
            Edn::Set(items) => write_seq(f, "#{", items, "}"),
            Edn::Map(pairs) => {
                f.write_str("{")?;
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k} {v}")?;
                }
                f.write_str("}")
            }
            Edn::Tagged(tag, v) => write!(f, "#{tag} {v}"),
        }
    }
}

fn write_seq(f: &mut fmt::Formatter<'_>, open: &str, items: &[Edn], close: &str) -> fmt::Result {
    f.write_str(open)?;
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(" ")?;
        }
        write!(f, "{item}")?;
    }
    f.write_str(close)
}

fn write_string(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_str("\"")?;
    let mut plain = 0;
    for (i, c) in s.char_indices() {
        let escape = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\t' => "\\t",
            '\r' => "\\r",
            '\u{8}' => "\\b",
            '\u{c}' => "\\f",
            c if c.is_ascii_control() => "",
            _ => continue,
        };
        f.write_str(&s[plain..i])?;
        if escape.is_empty() {
            write!(f, "\\u{:04X}", c as u32)?;
        } else {
            f.write_str(escape)?;
        }
        plain = i + c.len_utf8();
    }
    f.write_str(&s[plain..])?;
    f.write_str("\"")
}

fn write_char(f: &mut fmt::Formatter<'_>, c: char) -> fmt::Result {
    match c {
        '\n' => f.write_str("\\newline"),
        ' ' => f.write_str("\\space"),
        '\t' => f.write_str("\\tab"),
        '\r' => f.write_str("\\return"),
        '\u{c}' => f.write_str("\\formfeed"),
        '\u{8}' => f.write_str("\\backspace"),
        // Invisible characters get `\uXXXX`; all of them are in the BMP.
        c if (c.is_control() || c.is_whitespace()) && (c as u32) <= 0xFFFF => {
            write!(f, "\\u{:04X}", c as u32)
        }
        c => write!(f, "\\{c}"),
    }
}

#[cfg(test)]
mod tests;

//! The commonest line of a Jepsen `history.edn`, read straight into an
//! [`Op`]: a map of only `:index`, `:time`, `:type`, `:process`, `:f` and
//! `:value`, each of the plain shape Jepsen writes (`:time 71045`, `:type
//! :ok`, `:process 6` or `:nemesis`, `:f :txn`).
//!
//! This skips building the op map as JSON (a string per key, a number as a
//! heap string, a map to look them up) for the two million lines of a
//! million-transaction history. A line with anything else — another key,
//! a repeated key, a value of another shape — returns `None`, and the
//! caller reads it as a map, so the result is always the one
//! [`op_from_map`](super::op_from_map) gives.

use super::edn::line::Line;
use crate::history::{Op, OpType, Process};
use serde_json::{Map, Value};

/// The op on `line` and the column its map starts at, if the line is one
/// plain op map.
pub fn op(line: &str) -> Option<(usize, Op)> {
    let mut l = Line::new(line);
    l.skip_ws();
    let column = l.column();
    if !l.eat(b'{') {
        return None;
    }
    let mut seen = 0u8;
    let (mut time, mut typ, mut process, mut f) = (0, None, None, None);
    let mut value = Value::Null;
    loop {
        l.skip_ws();
        if l.eat(b'}') {
            break;
        }
        let key = l.token()?;
        let bit = match key {
            ":index" => 1,
            ":time" => 2,
            ":type" => 4,
            ":process" => 8,
            ":f" => 16,
            ":value" => 32,
            _ => return None,
        };
        if seen & bit != 0 {
            return None;
        }
        seen |= bit;
        l.skip_ws();
        match bit {
            1 => {
                natural(l.token()?)?; // reassigned in file order
            }
            2 => time = natural(l.token()?)?,
            4 => {
                typ = Some(match l.token()? {
                    ":invoke" => OpType::Invoke,
                    ":ok" => OpType::Ok,
                    ":fail" => OpType::Fail,
                    ":info" => OpType::Info,
                    _ => return None,
                })
            }
            8 => {
                process = Some(match l.token()? {
                    ":nemesis" => Process::Nemesis,
                    n => Process::Client(natural(n)?),
                })
            }
            16 => f = Some(keyword(l.token()?)?),
            _ => value = l.json()?,
        }
    }
    if !l.at_end() {
        return None;
    }
    Some((
        column,
        Op {
            index: 0,
            time,
            typ: typ?,
            process: process?,
            f: f?,
            value,
            error: None,
            exception: None,
            is_final: false,
            extra: Map::new(),
        },
    ))
}

/// A non-negative integer as Jepsen prints one: digits, no leading zero.
fn natural(text: &str) -> Option<u64> {
    let plain = matches!(text.as_bytes(), [b'1'..=b'9', ..] | [b'0']);
    if plain && text.bytes().all(|b| b.is_ascii_digit()) {
        text.parse().ok()
    } else {
        None
    }
}

/// A plain keyword's name: `:txn` → `txn`.
fn keyword(text: &str) -> Option<String> {
    let name = text.strip_prefix(':')?;
    let plain = name.bytes().next()?.is_ascii_alphabetic()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'?' | b'!' | b'.'));
    plain.then(|| name.to_owned())
}

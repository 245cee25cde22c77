//! Reading histories from files: Jepsen's and Maelstrom's `history.edn`
//! (one op map per line, as Jepsen's store writes it), an EDN vector of op
//! maps (as Knossos's and Elle's test data are written), and our
//! `history.jsonl`. Each op map becomes an [`Op`]; the history is then
//! checked for what Jepsen's own history model refuses — a completion
//! without its invocation, a second invocation on a busy process — and the
//! error names the line and column (and, inside a vector, the op's place).
//!
//! Order is the file's, as Jepsen's op indices are: `:time` is read but not
//! required to grow (Knossos's own test histories have ops a few
//! nanoseconds out of time order, and Knossos and Elle order by index), and
//! `:index` is reassigned in file order. Ops without `:time` get 0.
//!
//! Reading streams: the file is never held whole, only the ops.

pub mod edn;
mod fast;

use crate::history::{History, Op, OpType, Process};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{BufRead, BufReader};
use std::path::Path;

/// How a history file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// EDN: op maps one after another, or one vector of them.
    Edn,
    /// One JSON op map per line (`history.jsonl`).
    JsonLines,
}

impl Format {
    /// The format a file's name says, if it says one.
    pub fn of_path(path: &Path) -> Option<Self> {
        match path.extension().and_then(|e| e.to_str()) {
            Some("edn") => Some(Self::Edn),
            Some("jsonl" | "json" | "ndjson") => Some(Self::JsonLines),
            _ => None,
        }
    }

    /// The format the text's first op says: `{"` starts JSON, `{:`, `[` or
    /// `#` EDN.
    pub fn sniff(start: &[u8]) -> Self {
        let mut bytes = start
            .iter()
            .copied()
            .filter(|b| !b.is_ascii_whitespace() && *b != b',');
        match (bytes.next(), bytes.next()) {
            (Some(b'{'), Some(b'"')) => Self::JsonLines,
            _ => Self::Edn,
        }
    }
}

/// Where reading failed, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl std::error::Error for ReadError {}

/// Reads the history in `path` (its format from the name, else sniffed).
pub fn read_file(path: &Path) -> Result<History, String> {
    read_file_with(path, &mut |_| {})
}

/// Reads the history in `path`, handing each op to `take` (its index set)
/// before the history keeps it, so a checker may move what it needs out of
/// the op as it is read (see [`crate::txn::mops::Mops::take`]). If the fast
/// path gives up midway, the file is read again and ops are handed over a
/// second time, with the same indices.
pub fn read_file_with(path: &Path, take: &mut dyn FnMut(&mut Op)) -> Result<History, String> {
    let with_path = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let open = || {
        File::open(path)
            .map(|f| BufReader::with_capacity(1 << 16, f))
            .map_err(|e| with_path(&e))
    };
    let mut reader = open()?;
    let format = match Format::of_path(path) {
        Some(f) => f,
        None => Format::sniff(reader.fill_buf().map_err(|e| with_path(&e))?),
    };
    // Jepsen writes 60–300 bytes per op; room for what the file can hold
    // costs only address space until it is used.
    let capacity = fs::metadata(path).map_or(0, |m| m.len() / 64) as usize;
    if format == Format::Edn {
        if let Some(history) =
            read_edn_lines(&mut reader, capacity, take).map_err(|e| with_path(&e))?
        {
            return Ok(history);
        }
        // Not one plain op per line: the full reader starts over.
        reader = open()?;
    }
    read_with(reader, format, take).map_err(|e| with_path(&e))
}

/// Jepsen's `history.edn`, one op map per line, read by the fast path
/// ([`fast`], else [`edn::line`]); `Ok(None)` as soon as a line is
/// anything else.
///
/// Two threads share the work: one reads and parses lines, the other
/// builds the history (and lets `take` compact each op), handed batches of
/// parsed lines. Errors keep their order: the builder's error on an
/// earlier line wins over a parse failure on a later one.
fn read_edn_lines<R: BufRead + Send>(
    reader: &mut R,
    capacity: usize,
    take: &mut dyn FnMut(&mut Op),
) -> Result<Option<History>, ReadError> {
    /// Lines per batch: enough to make the hand-over cheap.
    const BATCH: usize = 512;
    enum Parsed {
        Op(Op),
        Map(Value),
    }
    type Batch = Vec<(usize, usize, Parsed)>;
    std::thread::scope(|scope| {
        let (send, receive) = std::sync::mpsc::sync_channel::<Batch>(16);
        let parser = scope.spawn(move || -> Result<bool, ReadError> {
            let mut bytes = Vec::new();
            let mut batch = Vec::with_capacity(BATCH);
            for line in 1.. {
                bytes.clear();
                let n = reader
                    .read_until(b'\n', &mut bytes)
                    .map_err(|e| ReadError {
                        line,
                        column: 1,
                        message: e.to_string(),
                    })?;
                if n == 0 {
                    break;
                }
                let Ok(text) = std::str::from_utf8(&bytes) else {
                    return Ok(false);
                };
                if text.bytes().all(edn::is_ws) {
                    continue;
                }
                let parsed = match fast::op(text) {
                    Some((column, op)) => (line, column, Parsed::Op(op)),
                    None => match edn::line::form(text) {
                        Some((column, op @ Value::Object(_))) => (line, column, Parsed::Map(op)),
                        _ => return Ok(false),
                    },
                };
                batch.push(parsed);
                if batch.len() == BATCH {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                    if send.send(full).is_err() {
                        return Ok(true); // the builder stopped at an error
                    }
                }
            }
            let _ = send.send(batch);
            Ok(true)
        });
        let mut builder = Builder::new(take);
        builder.history.reserve(capacity);
        let mut failed = None;
        'batches: for batch in &receive {
            for (line, column, parsed) in batch {
                let added = match parsed {
                    Parsed::Op(op) => builder.add_op(op, line, column),
                    Parsed::Map(map) => builder.add(map, line, column),
                };
                if let Err(e) = added {
                    failed = Some(e);
                    break 'batches;
                }
            }
        }
        drop(receive);
        let parsed = parser.join().unwrap_or_else(|_| {
            Err(ReadError {
                line: 0,
                column: 0,
                message: "the line reader stopped unexpectedly".into(),
            })
        });
        match (failed, parsed) {
            (Some(e), _) | (None, Err(e)) => Err(e),
            (None, Ok(true)) => Ok(Some(builder.history)),
            (None, Ok(false)) => Ok(None),
        }
    })
}

/// Reads a history written in `format`.
pub fn read<R: BufRead>(reader: R, format: Format) -> Result<History, ReadError> {
    read_with(reader, format, &mut |_| {})
}

/// [`read`], handing each op to `take` as [`read_file_with`] does.
pub fn read_with<R: BufRead>(
    reader: R,
    format: Format,
    take: &mut dyn FnMut(&mut Op),
) -> Result<History, ReadError> {
    let mut builder = Builder::new(take);
    match format {
        Format::JsonLines => {
            for (i, line) in reader.lines().enumerate() {
                let at = |column, message| ReadError {
                    line: i + 1,
                    column,
                    message,
                };
                let line = line.map_err(|e| at(1, e.to_string()))?;
                if line.trim().is_empty() {
                    continue;
                }
                let value: Value = serde_json::from_str(&line)
                    .map_err(|e| at(e.column(), format!("malformed JSON: {e}")))?;
                builder.add(value, i + 1, 1)?;
            }
        }
        Format::Edn => {
            for form in edn::forms(reader) {
                let (pos, form) = form.map_err(|e| ReadError {
                    line: e.pos.line,
                    column: e.pos.column,
                    message: format!("malformed EDN: {}", e.message),
                })?;
                match form {
                    // A vector of ops (Knossos's and Elle's test data).
                    edn::Edn::Vector(ops) | edn::Edn::List(ops) => {
                        for (k, op) in ops.into_iter().enumerate() {
                            builder
                                .add(op.to_json(), pos.line, pos.column)
                                .map_err(|e| ReadError {
                                    message: format!(
                                        "op {} of the vector opened here: {}",
                                        k + 1,
                                        e.message
                                    ),
                                    ..e
                                })?;
                        }
                    }
                    op => builder.add(op.to_json(), pos.line, pos.column)?,
                }
            }
        }
    }
    Ok(builder.history)
}

/// Builds the history op by op, checking each against the ones before.
struct Builder<'t> {
    history: History,
    /// Each client process's invocation still waiting for its completion:
    /// (history index, line).
    open: HashMap<Process, (usize, usize)>,
    take: &'t mut dyn FnMut(&mut Op),
}

impl<'t> Builder<'t> {
    fn new(take: &'t mut dyn FnMut(&mut Op)) -> Self {
        Self {
            history: History::default(),
            open: HashMap::new(),
            take,
        }
    }

    fn add(&mut self, value: Value, line: usize, column: usize) -> Result<(), ReadError> {
        let at = |message: String| ReadError {
            line,
            column,
            message,
        };
        let Value::Object(map) = value else {
            return Err(at(format!(
                "expected an op map, found {}",
                crate::svg::cut(&value.to_string(), 80)
            )));
        };
        let op = op_from_map(map).map_err(&at)?;
        self.add_op(op, line, column)
    }

    /// [`add`](Self::add) of an op already made from its map.
    fn add_op(&mut self, mut op: Op, line: usize, column: usize) -> Result<(), ReadError> {
        let at = |message: String| ReadError {
            line,
            column,
            message,
        };
        if op.process != Process::Nemesis {
            match (op.typ, self.open.get(&op.process)) {
                (OpType::Invoke, Some((_, since))) => {
                    return Err(at(format!(
                        "process {} invokes {} while its op from line {since} has not completed",
                        process_name(op.process),
                        op.f
                    )))
                }
                (OpType::Invoke, None) => {}
                (_, None) => {
                    return Err(at(format!(
                        "process {} completes {} ({}) without an invocation",
                        process_name(op.process),
                        op.f,
                        type_name(op.typ)
                    )))
                }
                (_, Some(_)) => {
                    self.open.remove(&op.process);
                }
            }
        }
        let invoke = op.typ == OpType::Invoke;
        let process = op.process;
        op.index = self.history.ops().len();
        (self.take)(&mut op);
        let index = self.history.push(op);
        if invoke && process != Process::Nemesis {
            self.open.insert(process, (index, line));
        }
        Ok(())
    }
}

fn process_name(p: Process) -> String {
    match p {
        Process::Client(n) => n.to_string(),
        Process::Nemesis => "nemesis".into(),
    }
}

fn type_name(t: OpType) -> &'static str {
    match t {
        OpType::Invoke => "invoke",
        OpType::Ok => "ok",
        OpType::Fail => "fail",
        OpType::Info => "info",
    }
}

/// Keys of Jepsen's op map the history model has fields for.
const KNOWN: &[&str] = &[
    "index",
    "time",
    "type",
    "process",
    "f",
    "value",
    "error",
    "exception",
    "final?",
];

/// One Jepsen op map (keywords already plain strings) as an [`Op`].
pub fn op_from_map(mut map: Map<String, Value>) -> Result<Op, String> {
    let typ = match map.get("type").and_then(Value::as_str) {
        Some("invoke") => OpType::Invoke,
        Some("ok") => OpType::Ok,
        Some("fail") => OpType::Fail,
        Some("info") => OpType::Info,
        Some(other) => {
            return Err(format!(
                ":type {other} is not one of :invoke :ok :fail :info"
            ))
        }
        None => return Err("the op has no :type".into()),
    };
    let process = match map.get("process") {
        Some(Value::String(s)) if s == "nemesis" => Process::Nemesis,
        Some(Value::Number(n)) => match n.as_u64() {
            Some(p) => Process::Client(p),
            None => return Err(format!(":process {n} is not a non-negative integer")),
        },
        Some(other) => return Err(format!(":process {other} is neither a number nor :nemesis")),
        None => return Err("the op has no :process".into()),
    };
    let f = match map.get("f") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => return Err("the op has no :f".into()),
        Some(other) => other.to_string(),
    };
    let time = match map.get("time") {
        None | Some(Value::Null) => 0,
        Some(Value::Number(n)) => n
            .as_u64()
            .ok_or_else(|| format!(":time {n} is not a non-negative integer (nanoseconds)"))?,
        Some(other) => return Err(format!(":time {other} is not a number")),
    };
    let is_final = matches!(map.get("final?"), Some(Value::Bool(true)));
    let value = map.remove("value").unwrap_or(Value::Null);
    let error = map.remove("error").filter(|e| !e.is_null());
    let exception = map
        .remove("exception")
        .filter(|e| !e.is_null())
        .map(|e| match e {
            Value::String(s) => s,
            other => other.to_string(),
        });
    let extra: Map<String, Value> = map
        .into_iter()
        .filter(|(k, _)| !KNOWN.contains(&k.as_str()))
        .collect();
    Ok(Op {
        index: 0,
        time,
        typ,
        process,
        f,
        value,
        error,
        exception,
        is_final,
        extra,
    })
}

#[cfg(test)]
mod tests;

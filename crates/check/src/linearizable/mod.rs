//! The `lin-kv` workload's checker: per key (independent, as Jepsen's
//! `independent/checker` splits `[key value]` tuples), linearizability of a
//! compare-and-set register starting at `null` (Knossos's `cas-register`),
//! plus the per-key `timeline`. The search is Wing–Gong–Lowe's with
//! Porcupine's memoisation of (linearized set, register state), bounded by
//! [`Limits`] so that a hard history yields `unknown` instead of hanging.
//! A failing key reports the completed operation no order can get past, the
//! operations concurrent with it, the states the register could be in, and a
//! sentence saying why; [`timeline_svg`] draws that window.
//!
//! Ops that never completed ok (info, or no completion) may take effect at
//! any later time or never; they are tried by kind (interchangeable once
//! invoked) and only when no ok op can go next, and a configuration that has
//! used more of them than a visited one with the same state and ok ops is
//! subsumed. Valid histories check in linear time in practice (a 60 s × 1000
//! ops/s history: ~60 ms). A violation late in a history with hundreds of
//! info ops on its key can still exhaust the limits, since which of them
//! took effect before it is genuinely combinatorial: the key is then
//! `unknown`, with the op the search was stuck at as `op`.
//!
//! [`search`] is the search of one key; [`report`] turns its outcome into
//! Knossos's result map and a sentence; [`picture`] draws the failing window.

mod picture;
mod report;
mod search;

use picture::*;
use report::*;
use search::*;

use crate::history::{History, Op, OpType, Process};
use crate::svg::{cut, escape, open_svg, LIGHT_BLUE, ORANGE, PINK};
use serde_json::{json, Map, Value};
use std::collections::{BTreeSet, HashMap};
use std::fmt::Write;
use std::time::{Duration, Instant};

/// Bounds on one key's search; exceeding either makes that key `unknown`.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_time: Duration,
    /// Memoised (linearized set, state) configurations.
    pub max_states: usize,
    /// Approximate bytes those configurations take: each holds a bit per
    /// op that never completed ok, so histories with thousands of info ops
    /// hit this before `max_states`.
    pub max_memo_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_time: Duration::from_secs(10),
            max_states: 10_000_000,
            max_memo_bytes: 1 << 30,
        }
    }
}

/// Per memoised count vector beyond its words: its allocation's header
/// and rounding, and its slot in the key's list.
const MEMO_OVERHEAD: usize = 48;

/// Per memoised key (state, linearized ok ops) beyond its words: its
/// allocation, its hash-table slot (hashbrown keeps up to twice the slots it
/// uses, and both tables while it grows) and its list's allocation.
const MEMO_KEY_OVERHEAD: usize = 96;

/// Most count vectors kept per (state, linearized ok ops).
const MEMO_LIST_MAX: usize = 16;

/// Checks every key's subhistory; the result has Jepsen's independent
/// checker's shape: `{valid?, results: {key: {linearizable, timeline,
/// valid?}}, failures: [keys whose valid? is false]}`.
pub fn check(history: &History, limits: Limits) -> Value {
    check_keyed(history, limits, Keying::Tuples)
}

/// How an op's value names its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keying {
    /// `[key value]` tuples (lin-kv, Jepsen's `independent`).
    Tuples,
    /// One register: the value is the register's, the key [`REGISTER_KEY`].
    Single,
}

fn check_keyed(history: &History, limits: Limits, keying: Keying) -> Value {
    let mut results = Map::new();
    let mut failures = Vec::new();
    let mut any_false = false;
    let mut any_unknown = false;
    for (key, ops) in split_by_key(history, keying) {
        let lin = analyse(&ops, limits).to_value(history, &ops, &key);
        let valid = lin["valid?"].clone();
        match &valid {
            Value::Bool(true) => {}
            Value::Bool(false) => {
                any_false = true;
                failures.push(key.clone());
            }
            // Clojure's :unknown is truthy, so Jepsen leaves such keys out
            // of :failures; they still make the verdict unknown.
            _ => any_unknown = true,
        }
        results.insert(
            key_name(&key),
            json!({"linearizable": lin, "timeline": {"valid?": true}, "valid?": valid}),
        );
    }
    let valid = if any_false {
        json!(false)
    } else if any_unknown {
        json!("unknown")
    } else {
        json!(true)
    };
    json!({"valid?": valid, "results": results, "failures": failures})
}

/// The key a plain register's operations are filed under.
pub const REGISTER_KEY: &str = "register";

/// Checks one register, as Knossos's `cas-register` model does (a read of
/// `nil` constrains nothing). The result has lin-kv's shape, with the one
/// key [`REGISTER_KEY`].
pub fn check_register(history: &History, limits: Limits) -> Value {
    check_keyed(history, limits, Keying::Single)
}

/// An SVG of `key`'s failing window: one lane per process, one bar per
/// operation with its value, the operation that cannot be linearized in pink.
/// A key that is linearizable (or unknown, or absent) gets a one-line note.
pub fn timeline_svg(history: &History, key: &Value, keying: Keying) -> String {
    let Some((_, ops)) = split_by_key(history, keying)
        .into_iter()
        .find(|(k, _)| k == key)
    else {
        return note_svg(&format!("no operations on key {}", key_name(key)));
    };
    match analyse(&ops, Limits::default()) {
        Outcome::Invalid(f) => window_svg(history, &ops, key, &f),
        Outcome::Valid { .. } => note_svg(&format!("key {} is linearizable", key_name(key))),
        Outcome::Unknown(cause, _) => note_svg(&format!("key {}: {cause}", key_name(key))),
    }
}

// ---------------------------------------------------------------------------
// Per-key operations

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Read(u32),
    Write(u32),
    Cas(u32, u32),
}

/// One operation of a key as the search sees it. Values are interned; id 0
/// is `null`.
#[derive(Debug, Clone)]
struct KOp {
    kind: Kind,
    /// History indices of the invocation and the completion (None if it
    /// never completed).
    invoke: usize,
    complete: Option<usize>,
    /// True if it completed ok; otherwise it may take effect any time after
    /// its invocation, or never.
    ok: bool,
}

struct KeyOps {
    ops: Vec<KOp>,
    values: Vec<Value>,
    /// `read_ok`s of `null`, always consistent and so left out of the search.
    null_reads: usize,
}

impl KeyOps {
    fn value(&self, id: u32) -> &Value {
        self.values.get(id as usize).unwrap_or(&Value::Null)
    }
}

fn split_by_key(history: &History, keying: Keying) -> Vec<(Value, KeyOps)> {
    let mut by_key: Vec<(Value, KeyOps, HashMap<String, u32>)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let register = Value::from(REGISTER_KEY);
    for (inv, done) in history.pairs() {
        let (key, v) = match keying {
            Keying::Single => (&register, &inv.value),
            Keying::Tuples => match inv.value.as_array().map(Vec::as_slice) {
                Some([key, v]) => (key, v),
                _ => continue,
            },
        };
        if !matches!(inv.f.as_str(), "read" | "write" | "cas") {
            continue;
        }
        let typ = done.map(|d| d.typ);
        // A fail definitely did not happen.
        if typ == Some(OpType::Fail) {
            continue;
        }
        let ok = typ == Some(OpType::Ok);
        let slot = *index.entry(key.to_string()).or_insert_with(|| {
            by_key.push((
                key.clone(),
                KeyOps {
                    ops: Vec::new(),
                    values: vec![Value::Null],
                    null_reads: 0,
                },
                HashMap::from([(Value::Null.to_string(), 0)]),
            ));
            by_key.len() - 1
        });
        let (_, k, interned) = &mut by_key[slot];
        let mut intern = |v: &Value| -> u32 {
            *interned.entry(v.to_string()).or_insert_with(|| {
                k.values.push(v.clone());
                (k.values.len() - 1) as u32
            })
        };
        let kind = match inv.f.as_str() {
            "read" => {
                // The read value is the completion's; an unfinished read
                // observed nothing and constrains nothing.
                let read = match done {
                    Some(d) if ok => match keying {
                        Keying::Single => Some(d.value.clone()),
                        Keying::Tuples => d.value.as_array().and_then(|a| a.get(1)).cloned(),
                    },
                    _ => None,
                };
                match read {
                    Some(r) if !r.is_null() => Kind::Read(intern(&r)),
                    Some(_) => {
                        k.null_reads += 1;
                        continue;
                    }
                    None => continue,
                }
            }
            "write" => Kind::Write(intern(v)),
            _ => match v.as_array().map(Vec::as_slice) {
                Some([from, to]) => Kind::Cas(intern(from), intern(to)),
                _ => continue,
            },
        };
        k.ops.push(KOp {
            kind,
            invoke: inv.index,
            complete: done.map(|d| d.index),
            ok,
        });
    }
    let mut out: Vec<(Value, KeyOps)> = by_key.into_iter().map(|(k, o, _)| (k, o)).collect();
    out.sort_by(|a, b| key_order(&a.0, &b.0));
    out
}

/// Integer keys in numeric order, then the rest by their JSON text.
fn key_order(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a.as_i64(), b.as_i64()) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.to_string().cmp(&b.to_string()),
    }
}

fn key_name(key: &Value) -> String {
    match key.as_str() {
        Some(s) => s.to_string(),
        None => key.to_string(),
    }
}

/// Knossos's `cas-register` step: the next state, or why the op can't apply.
fn step(state: u32, kind: Kind) -> Result<u32, ()> {
    match kind {
        Kind::Read(v) if v == state => Ok(state),
        Kind::Read(_) => Err(()),
        Kind::Write(v) => Ok(v),
        Kind::Cas(from, to) if from == state => Ok(to),
        Kind::Cas(..) => Err(()),
    }
}

#[cfg(test)]
mod tests;

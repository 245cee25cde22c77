//! Every transaction's micro-ops, compacted: keys and values interned to
//! dense ids (each distinct value kept once), reads' lists as ranges of one
//! flat array.
//!
//! A million-transaction history holds tens of millions of small JSON
//! values; as `serde_json` trees they take gigabytes. [`Mops::take`] lets a
//! reader compact each op as it is read and drop its value, so the history
//! keeps only the ops' heads; [`Mops::op_value`] rebuilds a value for the
//! few ops a result shows. [`Mops::of`] compacts a history already in
//! memory (as `glomers test` has it), leaving it untouched.
//!
//! An op whose value is not a list of `[f k v]` micro-ops with `f` one of
//! `append`, `r`, `w` keeps its value and is marked irregular: the checker
//! reads that value to say what is wrong with it.

use super::{FxMap, NONE};
use crate::history::{History, Op};
use serde_json::Value;

/// A micro-op's function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum F {
    Append,
    Read,
    Write,
}

impl F {
    fn of(name: &str) -> Option<Self> {
        match name {
            "append" => Some(F::Append),
            "r" => Some(F::Read),
            "w" => Some(F::Write),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            F::Append => "append",
            F::Read => "r",
            F::Write => "w",
        }
    }
}

/// One micro-op `[f key value]`, its value either one interned value
/// (`val`) or, for a read of a list, a range of [`Mops::list`].
#[derive(Debug, Clone, Copy)]
pub struct Mop {
    pub f: F,
    pub key: u32,
    /// The value's id, or NONE when the value is a list.
    pub val: u32,
    pub list: Option<(u32, u32)>,
}

/// Interns JSON values to dense ids: Clojure's `=` on the values
/// Maelstrom's JSON parser makes, approximated by the text (numbers keep
/// their text: `1` and `1.0` differ, as Long and Double do).
#[derive(Default)]
pub struct Interner {
    nums: FxMap<Box<str>, u32>,
    strs: FxMap<Box<str>, u32>,
    other: FxMap<String, u32>,
    null: Option<u32>,
    values: Vec<Value>,
}

impl Interner {
    pub fn id(&mut self, v: &Value) -> u32 {
        let next = self.values.len() as u32;
        let id = match v {
            Value::Null => *self.null.get_or_insert(next),
            Value::Number(n) => intern(&mut self.nums, n.as_str(), next),
            Value::String(s) => intern(&mut self.strs, s, next),
            other => *self.other.entry(other.to_string()).or_insert(next),
        };
        if id == next {
            self.values.push(v.clone());
        }
        id
    }

    /// The id of `v` if it was interned.
    pub fn find(&self, v: &Value) -> Option<u32> {
        match v {
            Value::Null => self.null,
            Value::Number(n) => self.nums.get(n.as_str()).copied(),
            Value::String(s) => self.strs.get(s.as_str()).copied(),
            other => self.other.get(&other.to_string()).copied(),
        }
    }

    pub fn value(&self, id: u32) -> &Value {
        self.values.get(id as usize).unwrap_or(&super::NULL)
    }
}

fn intern(map: &mut FxMap<Box<str>, u32>, text: &str, next: u32) -> u32 {
    match map.get(text) {
        Some(&id) => id,
        None => {
            map.insert(text.into(), next);
            next
        }
    }
}

/// The compacted micro-ops of a history's ops, by op index.
#[derive(Default)]
pub struct Mops {
    /// Registers hold single values: a read of a list is one value, not a
    /// list of elements (list-append's reads).
    registers: bool,
    pub keys: Interner,
    pub vals: Interner,
    mops: Vec<Mop>,
    elems: Vec<u32>,
    /// Per op index: its range of `mops`, or (NONE, NONE) when irregular.
    ops: Vec<(u32, u32)>,
    /// Per op index: whether its value was dropped after compacting.
    taken: Vec<bool>,
}

impl Mops {
    /// For list-append: a read's value is a list of elements.
    pub fn lists() -> Self {
        Self::default()
    }

    /// For rw-register: every value is one value.
    pub fn registers() -> Self {
        Self {
            registers: true,
            ..Self::default()
        }
    }

    /// Compacts every op of a history in memory.
    pub fn of(self, history: &History) -> Self {
        let mut m = self;
        for op in history.ops() {
            m.add(op);
        }
        m
    }

    /// Compacts `op` and, when it was regular, drops its value.
    pub fn take(&mut self, op: &mut Op) {
        if self.add(op) && !op.value.is_null() {
            op.value = Value::Null;
            self.taken[op.index] = true;
        }
    }

    /// Compacts `op`; whether its value is a regular list of micro-ops
    /// (`nil` counts as the empty one).
    fn add(&mut self, op: &Op) -> bool {
        if self.ops.len() <= op.index {
            self.ops.resize(op.index + 1, (NONE, NONE));
            self.taken.resize(op.index + 1, false);
        }
        let start = self.mops.len();
        let elems = self.elems.len();
        let regular = match &op.value {
            Value::Null => true,
            Value::Array(list) => list.iter().all(|m| self.push(m)),
            _ => false,
        };
        if regular {
            self.ops[op.index] = (start as u32, self.mops.len() as u32);
        } else {
            self.mops.truncate(start);
            self.elems.truncate(elems);
        }
        regular
    }

    fn push(&mut self, mop: &Value) -> bool {
        let Some(parts) = mop.as_array() else {
            return false;
        };
        let Some(f) = parts.first().and_then(Value::as_str).and_then(F::of) else {
            return false;
        };
        let key = self.keys.id(parts.get(1).unwrap_or(&super::NULL));
        let v = parts.get(2).unwrap_or(&super::NULL);
        let (val, list) = match (f, v) {
            (F::Read, Value::Array(items)) if !self.registers => {
                let s = self.elems.len() as u32;
                for e in items {
                    let id = self.vals.id(e);
                    self.elems.push(id);
                }
                (NONE, Some((s, self.elems.len() as u32)))
            }
            _ => (self.vals.id(v), None),
        };
        self.mops.push(Mop { f, key, val, list });
        true
    }

    /// The micro-ops of the op with this index, or `None` when its value
    /// is irregular (and still in the op).
    pub fn of_op(&self, index: usize) -> Option<&[Mop]> {
        match self.ops.get(index) {
            Some(&(s, e)) if s != NONE => Some(&self.mops[s as usize..e as usize]),
            _ => None,
        }
    }

    /// How many micro-ops are held.
    pub fn len(&self) -> usize {
        self.mops.len()
    }

    pub fn is_empty(&self) -> bool {
        self.mops.is_empty()
    }

    pub fn list(&self, r: (u32, u32)) -> &[u32] {
        &self.elems[r.0 as usize..r.1 as usize]
    }

    /// A micro-op as JSON, as it was read.
    pub fn mop_json(&self, m: &Mop) -> Value {
        let v = match m.list {
            Some(r) => Value::Array(
                self.list(r)
                    .iter()
                    .map(|&e| self.vals.value(e).clone())
                    .collect(),
            ),
            None => self.vals.value(m.val).clone(),
        };
        Value::Array(vec![
            Value::String(m.f.name().into()),
            self.keys.value(m.key).clone(),
            v,
        ])
    }

    /// The value [`take`](Self::take) dropped from `op`, rebuilt; `None`
    /// if it kept it.
    pub fn op_value(&self, op: &Op) -> Option<Value> {
        if !self.taken.get(op.index).copied().unwrap_or(false) {
            return None;
        }
        let mops = self.of_op(op.index)?;
        Some(Value::Array(
            mops.iter().map(|m| self.mop_json(m)).collect(),
        ))
    }
}

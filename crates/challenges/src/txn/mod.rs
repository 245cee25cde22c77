//! Challenge 6 (6a–6c), transactions over a key-value store: a `txn` is a
//! list of micro-ops — `["r", k, null]`, `["w", k, v]` (`txn-rw-register`)
//! or `["append", k, v]` (`txn-list-append`) — executed in order and
//! answered `txn_ok` with the same list, every read filled in with the
//! key's value (`null` if never written; a list for appended keys).
//!
//! Two nodes, both speaking both workloads (see `docs/06-txn.md`):
//! - [`single`] (6a): one map, micro-ops applied one after another. One
//!   node handling one request at a time is strictly serializable.
//! - [`replicated`] (6b, 6c): every node answers every `txn` at once from
//!   its own store (total availability: partitions never block it) and
//!   ships each transaction's final write-set to its peers in one batch
//!   per period, resent until acknowledged. Each transaction is applied
//!   atomically, only final writes ever leave it, and replicas merge by
//!   last-writer-wins on a hybrid clock: read committed (and more, see
//!   there), not serializable.
//!
//! This module holds what both share: the micro-op type and
//! [`execute`], which runs a transaction against a read function and
//! returns its effects.

pub mod replicated;
pub mod single;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// One micro-op. On the wire a triple: `["r", k, v]` (`v` is `null` in a
/// request, the value read in the reply), `["w", k, v]`, `["append", k, v]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "(String, Value, Value)", into = "(String, Value, Value)")]
pub enum MicroOp {
    Read { key: Value, value: Value },
    Write { key: Value, value: Value },
    Append { key: Value, value: Value },
}

impl TryFrom<(String, Value, Value)> for MicroOp {
    type Error = String;
    fn try_from((f, key, value): (String, Value, Value)) -> Result<Self, String> {
        match f.as_str() {
            "r" => Ok(Self::Read { key, value }),
            "w" => Ok(Self::Write { key, value }),
            "append" => Ok(Self::Append { key, value }),
            other => Err(format!("unknown micro-op {other:?}")),
        }
    }
}

impl From<MicroOp> for (String, Value, Value) {
    fn from(op: MicroOp) -> Self {
        match op {
            MicroOp::Read { key, value } => ("r".into(), key, value),
            MicroOp::Write { key, value } => ("w".into(), key, value),
            MicroOp::Append { key, value } => ("append".into(), key, value),
        }
    }
}

/// The reply to a `txn`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Response {
    TxnOk { txn: Vec<MicroOp> },
}

/// A key as the stores index it: its JSON text (keys are integers in both
/// workloads, but the schema allows any value, and `Value` is not `Ord`).
pub fn key_id(key: &Value) -> String {
    key.to_string()
}

/// What a transaction leaves behind: the last value it wrote to each key
/// (only that one may ever be seen by others), and its appends in order.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Effects {
    /// Key id → (key, final value).
    pub writes: BTreeMap<String, (Value, Value)>,
    /// (key id, key, element), in micro-op order.
    pub appends: Vec<(String, Value, Value)>,
}

impl Effects {
    pub fn is_empty(&self) -> bool {
        self.writes.is_empty() && self.appends.is_empty()
    }
}

/// Runs `ops` in order, filling in every read, and returns the effects.
/// Reads of a key the transaction already wrote or appended to see that
/// (its own intermediate state); other reads go to `read`, which sees the
/// store as it was before the transaction. Nothing is applied here: the
/// caller applies the effects as one unit, which is what keeps
/// intermediate writes invisible to everyone else.
///
/// A key is used either as a register or as a list (each workload uses one
/// kind); an append to a register value starts a new list.
pub fn execute(ops: &mut [MicroOp], mut read: impl FnMut(&str) -> Value) -> Effects {
    // The transaction's own view of every key it changed.
    let mut own: BTreeMap<String, Value> = BTreeMap::new();
    let mut effects = Effects::default();
    for op in ops {
        match op {
            MicroOp::Read { key, value } => {
                let id = key_id(key);
                *value = match own.get(&id) {
                    Some(v) => v.clone(),
                    None => read(&id),
                };
            }
            MicroOp::Write { key, value } => {
                let id = key_id(key);
                own.insert(id.clone(), value.clone());
                effects.writes.insert(id, (key.clone(), value.clone()));
            }
            MicroOp::Append { key, value } => {
                let id = key_id(key);
                let list = own.entry(id.clone()).or_insert_with(|| read(&id));
                match list {
                    Value::Array(items) => items.push(value.clone()),
                    other => *other = Value::Array(vec![value.clone()]),
                }
                effects.appends.push((id, key.clone(), value.clone()));
            }
        }
    }
    effects
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn micro_ops_round_trip_as_triples_and_unknown_kinds_are_refused() {
        let text = json!([["r", 1, null], ["w", 2, 3], ["append", 4, 5]]);
        let ops: Vec<MicroOp> = serde_json::from_value(text.clone()).expect("parses");
        assert_eq!(
            ops[1],
            MicroOp::Write {
                key: json!(2),
                value: json!(3)
            }
        );
        assert_eq!(serde_json::to_value(&ops).expect("serializes"), text);
        assert!(serde_json::from_value::<Vec<MicroOp>>(json!([["cas", 1, 2]])).is_err());
    }

    #[test]
    fn execute_sees_its_own_writes_and_returns_only_final_ones() {
        let base = BTreeMap::from([("1".to_string(), json!(10)), ("5".to_string(), json!([7]))]);
        let mut ops: Vec<MicroOp> = serde_json::from_value(json!([
            ["r", 1, null],
            ["w", 1, 11],
            ["r", 1, null],
            ["w", 1, 12],
            ["r", 2, null],
            ["append", 5, 8],
            ["r", 5, null],
            ["append", 6, 1]
        ]))
        .expect("parses");
        let fx = execute(&mut ops, |id| base.get(id).cloned().unwrap_or(Value::Null));
        let reads: Vec<Value> = ops
            .iter()
            .filter_map(|op| match op {
                MicroOp::Read { value, .. } => Some(value.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(
            reads,
            vec![json!(10), json!(11), Value::Null, json!([7, 8])]
        );
        assert_eq!(
            fx.writes,
            BTreeMap::from([("1".to_string(), (json!(1), json!(12)))])
        );
        assert_eq!(
            fx.appends,
            vec![
                ("5".to_string(), json!(5), json!(8)),
                ("6".to_string(), json!(6), json!(1))
            ]
        );
    }
}

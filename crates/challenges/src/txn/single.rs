//! Challenge 6a, single-node transactions: one map from key to value,
//! micro-ops applied in order, as they come.
//!
//! One node handles one request at a time, so a transaction runs with
//! nothing in between: it is atomic, sees every transaction answered
//! before it began, and no other transaction ever sees its intermediate
//! state. That is strict serializability, far more than 6a's
//! read-uncommitted asks; every `txn` is answered `txn_ok` at once
//! (`--availability total`). Maelstrom never restarts nodes, so memory is
//! durable here. Appends (`txn-list-append`) keep a JSON array per key.

use super::{key_id, MicroOp, Response};
use glomers_node::{Ctx, Error, Node, Request};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The one request this node takes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Msg {
    Txn { txn: Vec<MicroOp> },
}

#[derive(Debug, Default)]
pub struct TxnSingle {
    /// Key id → value (an array for appended keys).
    store: BTreeMap<String, Value>,
}

impl TxnSingle {
    /// The value of `key` (`null` if never written).
    pub fn get(&self, key: &Value) -> Value {
        self.store.get(&key_id(key)).cloned().unwrap_or(Value::Null)
    }
}

impl Node for TxnSingle {
    type Msg = Msg;

    fn handle(&mut self, ctx: &mut Ctx<Self>, req: Request<Msg>) -> Result<(), Error> {
        let Msg::Txn { txn } = &req.body;
        let mut txn = txn.clone();
        for op in &mut txn {
            match op {
                MicroOp::Read { key, value } => *value = self.get(key),
                MicroOp::Write { key, value } => {
                    self.store.insert(key_id(key), value.clone());
                }
                MicroOp::Append { key, value } => {
                    let list = self.store.entry(key_id(key)).or_insert(Value::Null);
                    match list {
                        Value::Array(items) => items.push(value.clone()),
                        other => *other = Value::Array(vec![value.clone()]),
                    }
                }
            }
        }
        ctx.reply(&req, Response::TxnOk { txn });
        Ok(())
    }
}

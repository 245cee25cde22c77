//! The set of values a node has seen, deduplicated by JSON value and kept in
//! arrival order (the hub's order is its log, which leaves index into).

use serde_json::Value;
use std::collections::HashSet;

#[derive(Debug, Default, Clone)]
pub struct ValueSet {
    order: Vec<Value>,
    seen: HashSet<String>,
}

impl ValueSet {
    /// Adds `v`; returns whether it was new.
    pub fn insert(&mut self, v: Value) -> bool {
        let fresh = self.seen.insert(v.to_string());
        if fresh {
            self.order.push(v);
        }
        fresh
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Values from position `from` on.
    pub fn since(&self, from: usize) -> &[Value] {
        self.order.get(from..).unwrap_or(&[])
    }

    pub fn to_vec(&self) -> Vec<Value> {
        self.order.clone()
    }
}

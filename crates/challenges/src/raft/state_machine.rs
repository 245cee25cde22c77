//! The replicated state machine: a map of registers with `read`, `write` and
//! `cas`, exactly lin-kv's semantics. It only ever sees committed entries, in
//! log order, so every node's copy goes through the same states; the result
//! of applying an entry is the answer its client gets.

use glomers_node::kv::KvResponse;
use glomers_node::{Error, ErrorCode};
use serde_json::Value;
use std::collections::BTreeMap;

/// A client operation, as it arrives and as it sits in the log: the
/// lin-kv workload's request. Reads go through the log too: a read ordered
/// among the writes by its log index is linearizable without leases or read
/// indexes.
pub use glomers_node::workloads::lin_kv::Request as Op;

/// Registers by key. Keys are JSON values; their text is the map key, so
/// `1` and `"1"` stay distinct.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StateMachine {
    registers: BTreeMap<String, Value>,
}

impl StateMachine {
    /// Applies `op`; a failed `cas` or a read of a missing key changes
    /// nothing and gives the definite error the client must see.
    pub fn apply(&mut self, op: &Op) -> Result<KvResponse, Error> {
        match op {
            Op::Read { key } => self.read(key),
            Op::Write { key, value } => {
                self.registers.insert(key.to_string(), value.clone());
                Ok(KvResponse::WriteOk)
            }
            Op::Cas { key, from, to } => match self.registers.get_mut(&key.to_string()) {
                None => Err(missing(key)),
                Some(current) if current == from => {
                    *current = to.clone();
                    Ok(KvResponse::CasOk)
                }
                Some(current) => Err(Error::new(
                    ErrorCode::PreconditionFailed,
                    format!("expected {from}, found {current}"),
                )),
            },
        }
    }

    /// Reads `key` without going through the log (only the faulty
    /// stale-read fixture answers clients this way).
    pub fn read(&self, key: &Value) -> Result<KvResponse, Error> {
        match self.registers.get(&key.to_string()) {
            Some(value) => Ok(KvResponse::ReadOk {
                value: value.clone(),
            }),
            None => Err(missing(key)),
        }
    }
}

fn missing(key: &Value) -> Error {
    Error::new(
        ErrorCode::KeyDoesNotExist,
        format!("key {key} does not exist"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cas_register_semantics() {
        let mut sm = StateMachine::default();
        let read = Op::Read { key: json!(1) };
        assert_eq!(
            sm.apply(&read).unwrap_err().code,
            ErrorCode::KeyDoesNotExist
        );
        let cas = |from, to| Op::Cas {
            key: json!(1),
            from: json!(from),
            to: json!(to),
        };
        assert_eq!(
            sm.apply(&cas(0, 1)).unwrap_err().code,
            ErrorCode::KeyDoesNotExist
        );
        let write = Op::Write {
            key: json!(1),
            value: json!(3),
        };
        assert_eq!(sm.apply(&write), Ok(KvResponse::WriteOk));
        assert_eq!(
            sm.apply(&cas(0, 1)).unwrap_err().code,
            ErrorCode::PreconditionFailed
        );
        assert_eq!(sm.apply(&cas(3, 4)), Ok(KvResponse::CasOk));
        assert_eq!(sm.apply(&read), Ok(KvResponse::ReadOk { value: json!(4) }));
        assert!(sm.read(&json!("1")).is_err());
    }
}

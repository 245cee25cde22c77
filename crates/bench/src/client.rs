//! How a Maelstrom client turns a reply (or its absence) into a history
//! completion: `error` bodies become `fail`/`info` by code definiteness,
//! timeouts become `info` (or `fail` for idempotent ops), and success bodies
//! are validated against the RPC's closed response schema — any missing or
//! extra key makes the reply malformed (`info` with an exception).

use glomers_check::history::{Completion, OpType};
use glomers_node::ErrorCode;
use serde_json::{json, Map, Value};

/// What a workload's client does with errors for one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorPolicy {
    /// Definite errors fail, indefinite ones (and timeouts) are `info`.
    ByCode,
    /// The op is idempotent: every error and timeout is a `fail`.
    Idempotent,
    /// g-set / counters: every error, timeout or malformed reply is `info`
    /// with an `"indeterminate: …"` error.
    Indeterminate,
}

/// The type of one response field, as Maelstrom's schemas check it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Any,
    /// A JSON integer (floats such as `3.0` are rejected).
    Int,
    /// A JSON array (or null) of anything.
    List,
    /// A JSON object (or null).
    Map,
}

impl FieldType {
    fn accepts(self, v: &Value) -> bool {
        match self {
            Self::Any => true,
            Self::Int => v.is_i64() || v.is_u64(),
            Self::List => v.is_array() || v.is_null(),
            Self::Map => v.is_object() || v.is_null(),
        }
    }
}

/// A closed response schema: `type` plus exactly these fields.
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    pub kind: &'static str,
    pub fields: &'static [(&'static str, FieldType)],
}

impl Schema {
    /// Checks `body` against the schema; the error names the first problem.
    pub fn validate(&self, body: &Map<String, Value>) -> Result<(), String> {
        for (key, value) in body {
            let ok = match key.as_str() {
                "type" => value == self.kind,
                "in_reply_to" => FieldType::Int.accepts(value),
                "msg_id" => FieldType::Int.accepts(value),
                other => match self.fields.iter().find(|(k, _)| *k == other) {
                    Some((_, t)) => t.accepts(value),
                    None => return Err(format!("unexpected key {other:?} in {}", self.kind)),
                },
            };
            if !ok {
                return Err(format!("bad value for {key:?}: {value}"));
            }
        }
        for (key, _) in self.fields {
            if !body.contains_key(*key) {
                return Err(format!("missing key {key:?} in {}", self.kind));
            }
        }
        if !body.contains_key("type") {
            return Err(format!("missing \"type\" (expected {})", self.kind));
        }
        Ok(())
    }
}

/// The completion for an `error` reply.
pub fn error_completion(policy: ErrorPolicy, body: &Map<String, Value>) -> Completion {
    let code = body.get("code").and_then(Value::as_i64);
    let text = body.get("text").cloned().unwrap_or(Value::Null);
    let name = code.map_or("unknown", |c| ErrorCode::from_code(c).name());
    let definite = code.is_some_and(|c| ErrorCode::from_code(c).is_definite());
    match policy {
        ErrorPolicy::Indeterminate => indeterminate(format!("{}", Value::Object(body.clone()))),
        ErrorPolicy::Idempotent => failed(OpType::Fail, json!([name, text])),
        ErrorPolicy::ByCode if definite => failed(OpType::Fail, json!([name, text])),
        ErrorPolicy::ByCode => failed(OpType::Info, json!([name, text])),
    }
}

/// The completion when no reply came in time.
pub fn timeout_completion(policy: ErrorPolicy) -> Completion {
    match policy {
        ErrorPolicy::Indeterminate => indeterminate("net-timeout".into()),
        ErrorPolicy::Idempotent => failed(OpType::Fail, json!("net-timeout")),
        ErrorPolicy::ByCode => failed(OpType::Info, json!("net-timeout")),
    }
}

/// The completion for a reply that broke its schema.
pub fn malformed_completion(policy: ErrorPolicy, problem: String) -> Completion {
    let exception = format!("Malformed RPC response: {problem}");
    match policy {
        ErrorPolicy::Indeterminate => indeterminate(exception),
        _ => Completion {
            typ: OpType::Info,
            value: Value::Null,
            error: None,
            exception: Some(exception),
        },
    }
}

pub fn ok(value: Value) -> Completion {
    Completion {
        typ: OpType::Ok,
        value,
        error: None,
        exception: None,
    }
}

fn failed(typ: OpType, error: Value) -> Completion {
    Completion {
        typ,
        value: Value::Null,
        error: Some(error),
        exception: None,
    }
}

fn indeterminate(why: String) -> Completion {
    failed(OpType::Info, Value::String(format!("indeterminate: {why}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    const READ_OK: Schema = Schema {
        kind: "read_ok",
        fields: &[("value", FieldType::Int)],
    };

    #[test]
    fn closed_schema() {
        assert!(READ_OK
            .validate(&map(
                json!({"type":"read_ok","value":3,"in_reply_to":1,"msg_id":9})
            ))
            .is_ok());
        assert!(READ_OK
            .validate(&map(json!({"type":"read_ok","value":3.0,"in_reply_to":1})))
            .is_err());
        assert!(READ_OK
            .validate(&map(json!({"type":"read_ok","in_reply_to":1})))
            .is_err());
        assert!(READ_OK
            .validate(&map(
                json!({"type":"read_ok","value":1,"extra":1,"in_reply_to":1})
            ))
            .is_err());
        assert!(READ_OK
            .validate(&map(
                json!({"type":"read_ok","value":1,"msg_id":null,"in_reply_to":1})
            ))
            .is_err());
        assert!(READ_OK
            .validate(&map(json!({"type":"write_ok","value":1})))
            .is_err());
    }

    #[test]
    fn error_mapping() {
        let definite = map(json!({"type":"error","code":22,"text":"no"}));
        let indefinite = map(json!({"type":"error","code":13}));
        assert_eq!(
            error_completion(ErrorPolicy::ByCode, &definite).typ,
            OpType::Fail
        );
        assert_eq!(
            error_completion(ErrorPolicy::ByCode, &definite).error,
            Some(json!(["precondition-failed", "no"]))
        );
        assert_eq!(
            error_completion(ErrorPolicy::ByCode, &indefinite).typ,
            OpType::Info
        );
        assert_eq!(
            error_completion(ErrorPolicy::Idempotent, &indefinite).typ,
            OpType::Fail
        );
        assert_eq!(
            error_completion(ErrorPolicy::Indeterminate, &definite).typ,
            OpType::Info
        );
        assert_eq!(
            timeout_completion(ErrorPolicy::Idempotent).typ,
            OpType::Fail
        );
        assert_eq!(timeout_completion(ErrorPolicy::ByCode).typ, OpType::Info);
        assert!(malformed_completion(ErrorPolicy::ByCode, "x".into())
            .exception
            .is_some());
    }
}

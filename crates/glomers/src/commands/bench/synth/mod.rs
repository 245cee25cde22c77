//! Realistic, valid synthetic histories for the checker benchmarks, drawn
//! as the workloads' generators draw them; their tests check that each
//! checker finds them valid and catches a corrupted copy.

pub mod kafka;
pub mod lin_kv;
pub mod txn;

use glomers_check::history::{History, Op};
use serde_json::Value;
use std::io::{BufWriter, Write};
use std::path::Path;

/// Writes `history` to `path`: Jepsen's `history.edn` (one op map per line,
/// keywords where Jepsen has them) if the name ends in `.edn`, else our
/// `history.jsonl`.
pub fn write(path: &Path, history: &History) -> Result<(), String> {
    let io = |e: std::io::Error| format!("{}: {e}", path.display());
    let mut out = BufWriter::new(std::fs::File::create(path).map_err(io)?);
    let edn = path.extension().is_some_and(|e| e == "edn");
    for op in history.ops() {
        if edn {
            writeln!(out, "{}", edn_op(op)).map_err(io)?;
        } else {
            serde_json::to_writer(&mut out, op).map_err(|e| e.to_string())?;
            out.write_all(b"\n").map_err(io)?;
        }
    }
    out.flush().map_err(io)
}

/// One op as Jepsen prints it: `{:index 0, :time 5, :type :invoke, …}`,
/// micro-op names as keywords.
fn edn_op(op: &Op) -> String {
    let typ = serde_json::to_value(op.typ).unwrap_or_default();
    let process = match serde_json::to_value(op.process).unwrap_or_default() {
        Value::String(s) => format!(":{s}"),
        other => other.to_string(),
    };
    let mut line = format!(
        "{{:index {}, :time {}, :type :{}, :process {process}, :f :{}, :value {}",
        op.index,
        op.time,
        typ.as_str().unwrap_or("info"),
        op.f,
        edn_value(&op.value, true)
    );
    if let Some(e) = &op.error {
        line.push_str(&format!(", :error {}", edn_value(e, false)));
    }
    line.push('}');
    line
}

/// A JSON value in EDN; `mops` renders a transaction's micro-ops
/// `["append", k, v]` as `[:append k v]`.
fn edn_value(v: &Value, mops: bool) -> String {
    match v {
        Value::Null => "nil".into(),
        Value::Array(items) => {
            let inner: Vec<String> = items
                .iter()
                .map(|x| match (mops, x) {
                    (true, Value::Array(mop)) => {
                        let parts: Vec<String> = mop
                            .iter()
                            .enumerate()
                            .map(|(j, p)| match (j, p) {
                                (0, Value::String(f)) => format!(":{f}"),
                                _ => edn_value(p, false),
                            })
                            .collect();
                        format!("[{}]", parts.join(" "))
                    }
                    _ => edn_value(x, false),
                })
                .collect();
            format!("[{}]", inner.join(" "))
        }
        Value::Object(m) => {
            let inner: Vec<String> = m
                .iter()
                .map(|(k, x)| format!("{} {}", Value::from(k.as_str()), edn_value(x, false)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_histories_read_back_equal_in_both_formats() {
        let h = txn::synthetic_txn_history(300, 2, true);
        let dir = std::env::temp_dir().join(format!("glomers-synth-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        for name in ["h.edn", "h.jsonl"] {
            let path = dir.join(name);
            write(&path, &h).expect("writes");
            let back = glomers_check::read::read_file(&path).expect("reads back");
            assert_eq!(back.ops(), h.ops(), "{name}");
        }
    }
}

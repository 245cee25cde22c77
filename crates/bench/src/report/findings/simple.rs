//! Echo, unique ids and the counters: the offending operations themselves.

use super::during::During;
use super::{and_more, op_phrase, Finding, Run, SHOWN};
use glomers_check::exact::cmp_values;
use serde_json::Value;
use std::cmp::Ordering;

/// Echo: replies that did not echo the request.
pub fn echo(result: &Value) -> Vec<Finding> {
    let errors = result["errors"].as_array().cloned().unwrap_or_default();
    if errors.is_empty() {
        return Vec::new();
    }
    let mut evidence: Vec<String> = errors
        .iter()
        .take(SHOWN)
        .map(|e| match e.as_array().map(Vec::as_slice) {
            Some([_, sent, _, got]) => format!("sent {sent}, the reply was {got}"),
            _ => e.to_string(),
        })
        .collect();
    and_more(&mut evidence, errors.len());
    vec![Finding {
        checker: "workload".into(),
        sentence: format!(
            "{} echo replies did not carry back the request's `echo` field unchanged.",
            errors.len()
        ),
        evidence,
        ..Finding::default()
    }]
}

/// Unique ids: ids handed out more than once, the operations that got them,
/// and the faults in effect between them (a node restarted in between).
pub fn unique_ids(run: &Run, result: &Value, faults: Option<&During>) -> Vec<Finding> {
    let dups = result["duplicated"].as_array().cloned().unwrap_or_default();
    if dups.is_empty() {
        return Vec::new();
    }
    let shown: Vec<(Value, Value)> = dups
        .iter()
        .take(SHOWN)
        .filter_map(|d| Some((d.get(0)?.clone(), d.get(1)?.clone())))
        .collect();
    // The operations that received each shown id.
    let mut got: Vec<Vec<String>> = vec![Vec::new(); shown.len()];
    let mut ops: Vec<Value> = Vec::new();
    for op in run.history() {
        if op["type"] != "ok" || op["f"] != "generate" {
            continue;
        }
        for (i, (id, _)) in shown.iter().enumerate() {
            if cmp_values(&op["value"], id) == Ordering::Equal {
                got[i].push(op_phrase(&op));
                if faults.is_some() {
                    ops.push(op.clone());
                }
            }
        }
    }
    let mut evidence: Vec<String> = shown
        .iter()
        .zip(&got)
        .map(|((id, times), ops)| format!("id {id}, returned {times} times: {}", ops.join("; ")))
        .collect();
    and_more(&mut evidence, dups.len());
    let ops: Vec<&Value> = ops.iter().collect();
    evidence.extend(faults.and_then(|f| f.sentence(&ops, "these generates", false)));
    vec![Finding {
        checker: "workload".into(),
        sentence: format!(
            "{} ids were handed out more than once (of {} acknowledged).",
            result["duplicated-count"], result["acknowledged-count"]
        ),
        evidence,
        ..Finding::default()
    }]
}

/// Counters: final reads outside what the acknowledged adds allow, and the
/// faults since the run began (the adds the reads should count span it).
pub fn counter(result: &Value, faults: Option<&During>) -> Vec<Finding> {
    let errors = result["errors"].as_array().cloned().unwrap_or_default();
    let acceptable: Vec<String> = result["acceptable"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| match r.as_array().map(Vec::as_slice) {
            Some([lo, hi]) if lo == hi => format!("{lo}"),
            Some([lo, hi]) => format!("{lo} to {hi}"),
            _ => r.to_string(),
        })
        .collect();
    let mut evidence: Vec<String> = errors
        .iter()
        .take(SHOWN)
        .map(|op| format!("{} read {}", op_phrase(op), op["value"]))
        .collect();
    and_more(&mut evidence, errors.len());
    let shown: Vec<&Value> = errors.iter().take(SHOWN).collect();
    evidence.extend(faults.and_then(|f| f.sentence(&shown, "the adds and these reads", true)));
    vec![Finding {
        checker: "workload".into(),
        sentence: format!(
            "{} final read(s) fall outside what the acknowledged adds allow ({}): the \
             final reads were {}.",
            errors.len(),
            if acceptable.is_empty() {
                "nothing".to_string()
            } else {
                acceptable.join(" or ")
            },
            result["final-reads"]
        ),
        evidence,
        ..Finding::default()
    }]
}

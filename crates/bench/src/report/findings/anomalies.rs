//! Kafka, transactions and linearizability: the anomalies their checkers
//! name, each with a plain description and its first witness.

use super::during::During;
use super::{and_more, op_phrase, Finding, SHOWN};
use serde_json::Value;

/// What each of jepsen.tests.kafka's error types means.
fn kafka_meaning(kind: &str) -> &'static str {
    match kind {
        "lost-write" => {
            "a message acknowledged by send never showed up in polls that read past its offset"
        }
        "unseen" => "acknowledged messages were never polled by the end of the test",
        "poll-skip" => "a consumer's next poll skipped over offsets after the one it had reached",
        "int-poll-skip" => "one poll returned offsets with a gap inside it",
        "nonmonotonic-poll" => "a consumer's next poll went back to earlier offsets",
        "int-nonmonotonic-poll" => "one poll returned offsets out of order",
        "send-skip" | "int-send-skip" => "a process's sends were assigned offsets with a gap",
        "nonmonotonic-send" | "int-nonmonotonic-send" => {
            "a process's later send got an earlier offset"
        }
        "inconsistent-offsets" => "different messages were seen at the same offset of a key",
        "duplicate" => "one message showed up at more than one offset",
        "G0" | "G0-realtime" => "a cycle of write dependencies (dirty write)",
        "G1a" => "a poll saw a message whose send had failed (aborted read)",
        "G1b" => "a poll saw an intermediate state of another transaction",
        "G1c" | "G1c-realtime" => "a cycle of write and read dependencies between operations",
        "precommitted-read" => "a poll saw a message before its send was acknowledged",
        _ => "see results.json for the witnesses",
    }
}

pub fn kafka(result: &Value, faults: Option<&During>) -> Vec<Finding> {
    let bad: Vec<String> = strings(&result["bad-error-types"]);
    bad.iter()
        .map(|kind| {
            let entry = &result[kind.as_str()];
            let errs = entry["errs"]
                .as_array()
                .cloned()
                .or_else(|| entry.as_array().cloned())
                .unwrap_or_default();
            // `unseen` is one map: per key, how many messages were never polled.
            let unseen = entry["unseen"].as_object();
            let count = match (entry["count"].as_u64(), unseen) {
                (Some(c), _) => c as usize,
                (None, Some(keys)) => keys.values().filter_map(Value::as_u64).sum::<u64>() as usize,
                (None, None) => errs.len(),
            };
            let mut evidence: Vec<String> = errs.iter().take(SHOWN).map(kafka_witness).collect();
            if !errs.is_empty() {
                and_more(&mut evidence, count);
            }
            if let Some(keys) = unseen.filter(|_| errs.is_empty()) {
                let per_key: Vec<String> =
                    keys.iter().map(|(k, n)| format!("key {k}: {n}")).collect();
                evidence.push(crate::report::cut(
                    &format!("never polled, per key: {}", per_key.join(", ")),
                    300,
                ));
            }
            let shown: Vec<&Value> = errs.iter().take(SHOWN).collect();
            evidence.extend(faults.and_then(|f| f.sentence(&shown, "these operations", false)));
            Finding {
                checker: "workload".into(),
                sentence: format!("{kind} ({count}): {}.", kafka_meaning(kind)),
                evidence,
                ..Finding::default()
            }
        })
        .collect()
}

/// A kafka error without its operations' (often huge) values: the scalar
/// fields, then the operations named.
fn kafka_witness(err: &Value) -> String {
    let Some(map) = err.as_object() else {
        return crate::report::cut(&err.to_string(), 300);
    };
    let mut parts: Vec<String> = map
        .iter()
        .filter(|(_, v)| !v.is_object() && !v.is_array())
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    for (k, v) in map {
        let ops: Vec<&Value> = match v {
            Value::Object(o) if o.contains_key("index") => vec![v],
            Value::Array(items) if items.iter().all(|i| i.get("index").is_some()) => {
                items.iter().collect()
            }
            _ => {
                if v.is_object() || v.is_array() {
                    parts.push(format!("{k} {}", crate::report::cut(&v.to_string(), 120)));
                }
                continue;
            }
        };
        let named: Vec<String> = ops
            .iter()
            .map(|op| format!("#{} {}", op["index"], op_phrase(op)))
            .collect();
        parts.push(format!("{k}: {}", named.join(", ")));
    }
    parts.join("; ")
}

pub fn txn(result: &Value, faults: Option<&During>) -> Vec<Finding> {
    let Some(anomalies) = result["anomalies"].as_object() else {
        return Vec::new();
    };
    let not = strings(&result["not"]);
    anomalies
        .iter()
        .map(|(kind, witnesses)| {
            let list = witnesses.as_array().cloned().unwrap_or_default();
            let mut evidence: Vec<String> = list
                .iter()
                .take(2)
                .map(|w| {
                    w["explanation"]
                        .as_str()
                        .map_or_else(|| crate::report::cut(&w.to_string(), 400), str::to_string)
                })
                .collect();
            and_more(&mut evidence, list.len());
            let shown: Vec<&Value> = list.iter().take(2).collect();
            evidence.extend(faults.and_then(|f| f.sentence(&shown, "these transactions", false)));
            Finding {
                checker: "workload".into(),
                sentence: format!(
                    "{kind}: {} witness(es){}.",
                    list.len(),
                    if not.is_empty() {
                        String::new()
                    } else {
                        format!(", so the history is not {}", not.join(", "))
                    }
                ),
                evidence,
                ..Finding::default()
            }
        })
        .collect()
}

pub fn linearizable(result: &Value, faults: Option<&During>) -> Vec<Finding> {
    let failures = result["failures"].as_array().cloned().unwrap_or_default();
    failures
        .iter()
        .map(|key| {
            let name = key.as_str().map_or_else(|| key.to_string(), str::to_string);
            let lin = &result["results"][name.as_str()]["linearizable"];
            let explanation = lin["explanation"]
                .as_str()
                .map_or_else(|| crate::report::cut(&lin.to_string(), 400), str::to_string);
            let mut evidence = vec![explanation];
            // The failing op, those concurrent with it, and the last ok before it.
            let ops = [&lin["op"], &lin["window"], &lin["previous-ok"]];
            evidence.extend(faults.and_then(|f| f.sentence(&ops, "these operations", false)));
            Finding {
                checker: "workload".into(),
                sentence: format!("Key {name} is not linearizable."),
                evidence,
                pictures: vec![format!("independent/{name}/linear.svg")],
                ..Finding::default()
            }
        })
        .collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .map(|s| s.as_str().map_or_else(|| s.to_string(), str::to_string))
        .collect()
}

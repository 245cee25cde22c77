//! The `unique-ids` checker: fails the run if any id was acknowledged
//! twice, and reports the id range.

use crate::history::{History, OpType};
use serde_json::{json, Value};
use std::cmp::Ordering;
use std::collections::HashMap;

/// Duplicated acknowledged ids, counts and the id range, as Maelstrom's
/// `unique-ids` checker reports them.
pub fn check(history: &History) -> Value {
    let ops = history.ops().iter().filter(|o| o.is_workload_op());
    let attempted = ops.clone().filter(|o| o.typ == OpType::Invoke).count();
    let ids: Vec<&Value> = ops
        .filter(|o| o.typ == OpType::Ok)
        .map(|o| &o.value)
        .collect();
    // serde_json maps are sorted, so the compact text is a canonical key.
    let mut counts: HashMap<String, (usize, &Value)> = HashMap::new();
    for id in &ids {
        counts.entry(id.to_string()).or_insert((0, id)).0 += 1;
    }
    let mut dups: Vec<(usize, &Value)> = counts.into_values().filter(|(n, _)| *n > 1).collect();
    dups.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then_with(|| a.1.to_string().cmp(&b.1.to_string()))
    });
    let duplicated_count = dups.len();
    let duplicated: Vec<Value> = dups.iter().take(48).map(|(n, id)| json!([id, n])).collect();
    let mut result = json!({
        "valid?": duplicated_count == 0,
        "attempted-count": attempted,
        "acknowledged-count": ids.len(),
        "duplicated-count": duplicated_count,
        "duplicated": duplicated,
    });
    match range(&ids) {
        Ok(r) => result["range"] = r,
        // Maelstrom's checker throws on incomparable ids: verdict unknown.
        Err(e) => {
            result["valid?"] = if duplicated_count > 0 {
                json!(false)
            } else {
                json!("unknown")
            };
            result["error"] = json!(e);
        }
    }
    result
}

/// `[min max]` under Clojure's `compare`: ids must all be numbers, all
/// strings or all booleans.
fn range(ids: &[&Value]) -> Result<Value, String> {
    let present: Vec<&Value> = ids.iter().copied().filter(|v| !v.is_null()).collect();
    let Some(first) = present.first() else {
        return Ok(json!([null, null]));
    };
    let cmp = |a: &Value, b: &Value| -> Result<Ordering, String> {
        match (a, b) {
            (Value::Number(x), Value::Number(y)) => Ok(crate::exact::cmp_numbers(x, y)),
            (Value::String(x), Value::String(y)) => Ok(x.cmp(y)),
            (Value::Bool(x), Value::Bool(y)) => Ok(x.cmp(y)),
            _ => Err(format!("ids {a} and {b} cannot be compared")),
        }
    };
    let (mut lo, mut hi) = (*first, *first);
    for id in &present {
        if cmp(id, lo)? == Ordering::Less {
            lo = id;
        }
        if cmp(id, hi)? == Ordering::Greater {
            hi = id;
        }
    }
    Ok(json!([lo, hi]))
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::build::history;

    fn run(ids: &[Value]) -> Value {
        let mut rows = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            rows.push((i as u64, OpType::Invoke, "generate", Value::Null, 0));
            rows.push((i as u64, OpType::Ok, "generate", id.clone(), 1));
        }
        check(&history(&rows))
    }

    #[test]
    fn duplicates_fail_and_distinct_pass() {
        let ok = run(&[json!("n0-1"), json!("n1-1"), json!("n0-2")]);
        assert_eq!(ok["valid?"], true);
        assert_eq!(ok["range"], json!(["n0-1", "n1-1"]));
        let dup = run(&[json!(1), json!(2), json!(1), json!(1)]);
        assert_eq!(dup["valid?"], false);
        assert_eq!(dup["duplicated-count"], 1);
        assert_eq!(dup["duplicated"], json!([[1, 3]]));
        // 1 and 1.0 are different ids, as in Maelstrom.
        assert_eq!(run(&[json!(1), json!(1.0)])["valid?"], true);
        assert_eq!(run(&[json!(1), json!("1")])["valid?"], "unknown");
    }

    #[test]
    fn ids_past_64_bits_stay_distinct_and_ordered() {
        let big = |t: &str| -> Value { serde_json::from_str(t).expect("a number") };
        let ids = [
            big("1000000000000000000002"),
            big("1000000000000000000001"),
            big("1000000000000000000003"),
        ];
        let r = run(&ids);
        assert_eq!(r["valid?"], true, "{r}");
        assert_eq!(r["duplicated-count"], 0);
        assert_eq!(
            r["range"].to_string(),
            "[1000000000000000000001,1000000000000000000003]"
        );
    }
}

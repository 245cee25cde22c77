//! The checkers every test runs — `stats`, `availability`,
//! `exceptions`, `perf` — and the composition of all results into the
//! top-level verdict, exactly as Maelstrom's results.edn is built.

use crate::history::{History, Op, OpType};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// `--availability`: `total` or a minimum fraction of `ok` operations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Availability {
    Total,
    AtLeast(f64),
}

/// A checker verdict: `true`, `false` or `unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Validity {
    // Ordered by precedence when combining: false beats unknown beats true.
    True,
    Unknown,
    False,
}

impl Validity {
    pub fn of(result: &Value) -> Self {
        match result.get("valid?") {
            Some(Value::Bool(true)) => Self::True,
            Some(Value::Bool(false)) => Self::False,
            _ => Self::Unknown,
        }
    }

    pub fn to_value(self) -> Value {
        match self {
            Self::True => json!(true),
            Self::False => json!(false),
            Self::Unknown => json!("unknown"),
        }
    }

    /// Maelstrom's exit status for this verdict.
    pub fn exit_code(self) -> i32 {
        match self {
            Self::True => 0,
            Self::False => 1,
            Self::Unknown => 2,
        }
    }

    pub fn banner(self) -> &'static str {
        match self {
            Self::True => "Everything looks good! ヽ(‘ー`)ノ",
            Self::False => "Analysis invalid! (ﾉಥ益ಥ）ﾉ ┻━┻",
            Self::Unknown => "Errors occurred during analysis, but no anomalies found. ಠ~ಠ",
        }
    }
}

/// Completed client ops, per `f`, and overall; invalid if some `f` never succeeded.
pub fn stats(history: &History) -> Value {
    #[derive(Default)]
    struct Counts {
        count: u64,
        ok: u64,
        fail: u64,
        info: u64,
    }
    impl Counts {
        fn add(&mut self, op: &Op) {
            self.count += 1;
            match op.typ {
                OpType::Ok => self.ok += 1,
                OpType::Fail => self.fail += 1,
                _ => self.info += 1,
            }
        }
        fn to_value(&self, valid: bool) -> Value {
            json!({"valid?": valid, "count": self.count, "ok-count": self.ok,
                   "fail-count": self.fail, "info-count": self.info})
        }
    }
    let mut total = Counts::default();
    let mut by_f: BTreeMap<&str, Counts> = BTreeMap::new();
    for op in history
        .ops()
        .iter()
        .filter(|o| o.is_workload_op() && o.typ != OpType::Invoke)
    {
        total.add(op);
        by_f.entry(&op.f).or_default().add(op);
    }
    // kafka's pseudo-ops never succeed by design.
    let exempt = |f: &str| f == "crash" || f == "debug-topic-partitions";
    let mut by_f_value = Map::new();
    let mut valid = true;
    for (f, counts) in &by_f {
        let ok = counts.ok > 0 || exempt(f);
        valid &= ok;
        by_f_value.insert(f.to_string(), counts.to_value(ok));
    }
    let mut v = total.to_value(valid);
    v["by-f"] = Value::Object(by_f_value);
    v
}

/// Fraction of client invocations that completed `ok`.
pub fn availability(history: &History, expected: Option<Availability>) -> Value {
    let invocations = history.invocation_count();
    let oks = history
        .ops()
        .iter()
        .filter(|o| o.is_workload_op() && o.typ == OpType::Ok)
        .count() as u64;
    let fraction = if invocations == 0 {
        1.0
    } else {
        oks as f64 / invocations as f64
    };
    let valid = match expected {
        None => true,
        Some(Availability::Total) => oks == invocations,
        Some(Availability::AtLeast(a)) => fraction >= a,
    };
    json!({"valid?": valid, "ok-fraction": fraction})
}

/// Groups the exceptions attached to `info` completions (e.g. malformed replies).
pub fn exceptions(history: &History) -> Value {
    let mut groups: BTreeMap<String, (u64, &Op)> = BTreeMap::new();
    for op in history.ops() {
        if let Some(e) = &op.exception {
            let class = e.split(':').next().unwrap_or(e).to_string();
            groups.entry(class).or_insert((0, op)).0 += 1;
        }
    }
    if groups.is_empty() {
        return json!({"valid?": true});
    }
    let list: Vec<Value> = groups
        .into_iter()
        .map(|(class, (count, op))| {
            json!({"class": class, "count": count,
                   "example": serde_json::to_value(op).unwrap_or(Value::Null)})
        })
        .collect();
    json!({"valid?": true, "exceptions": list})
}

/// Latency quantiles (ms) of completed client ops, per `f` and outcome. Maelstrom
/// draws these as graphs; we report the numbers.
pub fn perf(history: &History) -> Value {
    let mut by: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for (invoke, done) in history.pairs() {
        if let Some(done) = done {
            let ms = (done.time.saturating_sub(invoke.time)) as f64 / 1e6;
            let outcome = serde_json::to_value(done.typ).unwrap_or(Value::Null);
            let key = format!("{} {}", invoke.f, outcome.as_str().unwrap_or(""));
            by.entry(key).or_default().push(ms);
        }
    }
    let latencies: Map<String, Value> = by
        .into_iter()
        .map(|(k, mut v)| {
            v.sort_by(f64::total_cmp);
            (k, quantiles(&v, |x| json!((x * 1000.0).round() / 1000.0)))
        })
        .collect();
    json!({"latency-graph": {"valid?": true}, "rate-graph": {"valid?": true},
           "latencies-ms": latencies, "valid?": true})
}

/// Quantiles `{0, 0.5, 0.95, 0.99, 1}` of a sorted list, as Jepsen picks them:
/// the element at index `min(n−1, floor(n·p))`.
pub fn quantiles<T: Copy>(sorted: &[T], show: impl Fn(T) -> Value) -> Value {
    let mut m = Map::new();
    if sorted.is_empty() {
        return Value::Object(m);
    }
    let n = sorted.len();
    for (name, p) in [
        ("0", 0.0),
        ("0.5", 0.5),
        ("0.95", 0.95),
        ("0.99", 0.99),
        ("1", 1.0),
    ] {
        let i = ((n as f64 * p).floor() as usize).min(n - 1);
        m.insert(name.into(), show(sorted[i]));
    }
    Value::Object(m)
}

/// The anomaly names a workload result lists: Elle's `anomaly-types`
/// (txn), or the kafka checker's `error-types`.
pub fn anomaly_types(workload: &Value) -> Vec<&str> {
    let list = if workload["anomaly-types"].is_array() {
        &workload["anomaly-types"]
    } else {
        &workload["error-types"]
    };
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

/// Assembles results.json: every checker's map plus the combined `valid?`.
/// `net` is the network's figures, when a run measured them.
pub fn compose(
    history: &History,
    availability: Option<Availability>,
    net: Option<Value>,
    workload: Value,
) -> Value {
    compose_checked(every_test_checks(history, availability), net, workload)
}

/// The checkers every test runs beside its workload's: `perf`, `timeline`,
/// `exceptions`, `stats`, `availability`. They read only the history, so
/// they may run while the workload's checker does.
pub fn every_test_checks(
    history: &History,
    availability: Option<Availability>,
) -> Map<String, Value> {
    let mut results = Map::new();
    results.insert("perf".into(), perf(history));
    results.insert("timeline".into(), json!({"valid?": true}));
    results.insert("exceptions".into(), exceptions(history));
    results.insert("stats".into(), stats(history));
    results.insert(
        "availability".into(),
        self::availability(history, availability),
    );
    results
}

/// [`compose`] of results already checked.
pub fn compose_checked(
    mut results: Map<String, Value>,
    net: Option<Value>,
    workload: Value,
) -> Value {
    if let Some(net) = net {
        results.insert("net".into(), net);
    }
    results.insert("workload".into(), workload);
    let verdict = results
        .values()
        .map(Validity::of)
        .max()
        .unwrap_or(Validity::True);
    results.insert("valid?".into(), verdict.to_value());
    Value::Object(results)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::build::history;

    #[test]
    fn stats_and_availability() {
        let h = history(&[
            (0, OpType::Invoke, "read", Value::Null, 0),
            (0, OpType::Ok, "read", json!(1), 1),
            (1, OpType::Invoke, "add", json!(1), 0),
            (1, OpType::Info, "add", Value::Null, 5),
        ]);
        let s = stats(&h);
        assert_eq!(s["valid?"], false, "add never succeeded");
        assert_eq!(s["by-f"]["read"]["ok-count"], 1);
        assert_eq!(s["info-count"], 1);
        assert_eq!(availability(&h, None)["valid?"], true);
        assert_eq!(availability(&h, Some(Availability::Total))["valid?"], false);
        assert_eq!(
            availability(&h, Some(Availability::AtLeast(0.5)))["valid?"],
            true
        );
        assert_eq!(
            availability(&h, Some(Availability::AtLeast(0.6)))["valid?"],
            false
        );
    }

    #[test]
    fn verdict_precedence_and_quantiles() {
        assert!(Validity::False > Validity::Unknown && Validity::Unknown > Validity::True);
        let q = quantiles(&[1, 2, 3, 4], |x| json!(x));
        assert_eq!(q, json!({"0":1, "0.5":3, "0.95":4, "0.99":4, "1":4}));
    }
}

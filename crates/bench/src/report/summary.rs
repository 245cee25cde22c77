//! The terminal summary of a run: the figures people look for in
//! results.edn (workload verdict and counts, latencies, msgs-per-op,
//! availability), each with the results.json path it came from.

use crate::opts::TestOptions;
use serde_json::Value;
use std::path::Path;

pub fn print(opts: &TestOptions, results: &Value, dir: &Path) {
    println!();
    println!("results ({}):", dir.join("results.json").display());
    for key in ["workload", "stats", "availability", "exceptions"] {
        if let Some(v) = results.get(key) {
            println!("  {key:<13} {}", compact(v));
        }
    }
    let net = &results["net"];
    println!(
        "  net           servers msgs-per-op {}  (msg-count {}), all msgs-per-op {}",
        fmt_num(&net["servers"]["msgs-per-op"]),
        net["servers"]["msg-count"],
        fmt_num(&net["all"]["msgs-per-op"])
    );
    if let Some(lat) = results["perf"]["latencies-ms"].as_object() {
        for (what, q) in lat {
            println!("  latency ms    {what:<14} {}", compact(q));
        }
    }
    println!("  seed          {}", opts.seed);
    println!("  replay        {}", super::store::replay_command(opts));
    println!(
        "  run page      {}  (glomers serve, glomers explain)",
        dir.join(super::page::PAGE_FILE).display()
    );
}

/// One line per checker: each field as is when short; longer ones cut
/// down to their shape (a list as its length, a map as its keys' sizes).
/// The full maps stay in results.json; the findings in words follow.
fn compact(v: &Value) -> String {
    let Some(map) = v.as_object() else {
        return brief(v);
    };
    map.iter()
        .map(|(k, v)| format!("{k} {}", brief(v)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Longest field shown whole.
const SHORT: usize = 120;

fn brief(v: &Value) -> String {
    let text = v.to_string();
    if text.len() <= SHORT {
        return text;
    }
    match v {
        Value::Array(a) => format!("[{} items]", a.len()),
        Value::Object(o) => {
            let sizes: Vec<String> = o.iter().map(|(k, v)| format!("{k}: {}", size(v))).collect();
            let inner = sizes.join(", ");
            if inner.len() <= 2 * SHORT {
                format!("{{{inner}}}")
            } else {
                format!("{{{} keys}}", o.len())
            }
        }
        _ => format!("{}…", text.chars().take(SHORT).collect::<String>()),
    }
}

/// How big a nested value is, in a word.
fn size(v: &Value) -> String {
    match v {
        Value::Array(a) => a.len().to_string(),
        Value::Object(o) => format!("{} keys", o.len()),
        other => {
            let text = other.to_string();
            if text.len() <= 40 {
                text
            } else {
                "…".into()
            }
        }
    }
}

fn fmt_num(v: &Value) -> String {
    v.as_f64()
        .map_or_else(|| "n/a".into(), |x| format!("{x:.3}"))
}

#[cfg(test)]
mod tests {
    use super::compact;
    use serde_json::json;

    #[test]
    fn a_huge_anomaly_map_prints_as_counts_per_anomaly() {
        let witness = json!({"cycle": (0..200).collect::<Vec<_>>(), "steps": "long"});
        let workload = json!({
            "valid?": false,
            "anomaly-types": ["G1c", "G-single-item"],
            "anomalies": {"G1c": vec![witness.clone(); 40], "G-single-item": [witness]},
        });
        let line = compact(&workload);
        assert!(line.len() < 200, "{line}");
        assert!(
            line.contains("anomalies {G-single-item: 1, G1c: 40}"),
            "{line}"
        );
        assert!(
            line.contains(r#"anomaly-types ["G1c","G-single-item"]"#),
            "{line}"
        );
        assert!(line.contains("valid? false"), "{line}");
    }
}

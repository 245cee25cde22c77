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

/// One line per checker: scalars and small maps, big lists as counts.
fn compact(v: &Value) -> String {
    let Some(map) = v.as_object() else {
        return v.to_string();
    };
    map.iter()
        .map(|(k, v)| match v {
            Value::Array(a) if a.len() > 8 || a.iter().any(|x| x.is_object() || x.is_array()) => {
                format!("{k} [{} items]", a.len())
            }
            Value::Object(o) if o.len() > 8 => format!("{k} {{{} keys}}", o.len()),
            _ => format!("{k} {v}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn fmt_num(v: &Value) -> String {
    v.as_f64()
        .map_or_else(|| "n/a".into(), |x| format!("{x:.3}"))
}

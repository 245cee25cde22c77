//! Why a run failed, in plain words: one [`Finding`] per checker that did
//! not pass, with the smallest evidence that shows it. Read from a run
//! directory's files (results, history, journal, options), so the run page
//! and `glomers explain` say the same thing about any stored run.
//!
//! Each workload's checker has its explainer: [`sets`] (broadcast, g-set:
//! lost values traced through the journal), [`simple`] (echo, unique ids,
//! counters), [`anomalies`] (kafka, transactions, linearizability).

mod anomalies;
pub mod during;
pub mod partitions;
mod sets;
mod simple;

use crate::net::journal::{read_events, JournalEvent};
use crate::report::store::{ERROR_FILE, JOURNAL_FILE};
use serde_json::Value;
use std::fs::{self, File};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

/// At most this many offending items are spelled out per finding.
pub const SHOWN: usize = 5;

/// One reason a run is not valid.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Finding {
    /// The results key of the checker, e.g. `workload`, `availability`.
    pub checker: String,
    /// What went wrong, in one sentence.
    pub sentence: String,
    /// The evidence, a line each (at most [`SHOWN`] items and a count of the rest).
    pub evidence: Vec<String>,
    /// Values worth a diagram of their messages (lost broadcast values).
    pub values: Vec<Value>,
    /// Pictures the checker drew, relative to the run directory.
    pub pictures: Vec<String>,
}

/// A stored run, as its files tell it.
pub struct Run {
    pub dir: PathBuf,
    pub results: Value,
    /// test.json: the options and the replay command.
    pub test: Value,
    /// The run's error (error.txt), when it ended without a verdict.
    pub error: Option<String>,
}

impl Run {
    pub fn open(dir: &Path) -> Result<Self, String> {
        let json = |name: &str| -> Result<Value, String> {
            let path = dir.join(name);
            let text = fs::read_to_string(&path)
                .map_err(|e| format!("{}: {e} (is this a run directory?)", path.display()))?;
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
        };
        let error = fs::read_to_string(dir.join(ERROR_FILE)).ok();
        // A run that failed before its workload started has no results.
        let results = match json("results.json") {
            Err(_) if error.is_some() => Value::Object(Default::default()),
            results => results?,
        };
        Ok(Self {
            dir: dir.to_path_buf(),
            results,
            test: json("test.json")?,
            error,
        })
    }

    pub fn workload(&self) -> &str {
        self.test["workload"].as_str().unwrap_or("")
    }

    /// The node ids of the run.
    pub fn nodes(&self) -> Vec<String> {
        match &self.test["nodes"] {
            Value::Array(ids) => ids
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The journal's events, streamed from disk (none if it is missing).
    pub fn journal(&self) -> Box<dyn Iterator<Item = JournalEvent>> {
        match File::open(self.dir.join(JOURNAL_FILE)) {
            Ok(f) => Box::new(read_events(BufReader::new(f))),
            Err(_) => Box::new(std::iter::empty()),
        }
    }

    /// The history's operations, streamed from disk.
    pub fn history(&self) -> impl Iterator<Item = Value> {
        File::open(self.dir.join("history.jsonl"))
            .into_iter()
            .flat_map(|f| BufReader::new(f).lines().map_while(Result::ok))
            .filter_map(|line| serde_json::from_str(&line).ok())
    }
}

/// Every finding of the run, the workload's first.
pub fn findings(run: &Run) -> Vec<Finding> {
    let r = &run.results;
    let mut out = Vec::new();
    let workload = &r["workload"];
    if failed(workload) {
        let faults = || during::During::of(run);
        let mut found = match run.workload() {
            "broadcast" | "g-set" | "set-full" => sets::explain(run, workload),
            "echo" => simple::echo(workload),
            "unique-ids" => simple::unique_ids(run, workload, faults().as_ref()),
            "g-counter" | "pn-counter" => simple::counter(workload, faults().as_ref()),
            "kafka" => anomalies::kafka(workload, faults().as_ref()),
            "txn-rw-register" | "txn-list-append" | "rw-register" | "list-append" => {
                anomalies::txn(workload, faults().as_ref())
            }
            "lin-kv" | "cas-register" => anomalies::linearizable(workload, faults().as_ref()),
            _ => Vec::new(),
        };
        if found.is_empty() {
            found.push(unexplained("workload", workload));
        }
        out.extend(found);
    }
    if failed(&r["availability"]) {
        let a = &r["availability"];
        out.push(Finding {
            checker: "availability".into(),
            sentence: format!(
                "Only {} of the operations succeeded; --availability asked for {}.",
                percent(&a["ok-fraction"]),
                match &a["expected"] {
                    Value::String(s) if s == "total" => "all of them (total)".to_string(),
                    v => percent(v),
                }
            ),
            ..Finding::default()
        });
    }
    if failed(&r["stats"]) {
        let never: Vec<String> = r["stats"]["by-f"]
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(_, s)| s["ok-count"].as_u64() == Some(0))
            .map(|(f, s)| format!("{f}: {} attempted, none ok", s["count"]))
            .collect();
        out.push(Finding {
            checker: "stats".into(),
            sentence: "Some kind of operation never succeeded.".into(),
            evidence: never,
            ..Finding::default()
        });
    }
    if failed(&r["exceptions"]) {
        out.push(unexplained("exceptions", &r["exceptions"]));
    }
    for key in ["net", "perf", "timeline"] {
        if failed(&r[key]) {
            out.push(unexplained(key, &r[key]));
        }
    }
    out
}

/// True when a checker's result says `valid?` false or unknown.
fn failed(result: &Value) -> bool {
    !result.is_null() && result.get("valid?") != Some(&Value::Bool(true))
}

/// A checker that failed for a reason we have no words for: its result.
fn unexplained(checker: &str, result: &Value) -> Finding {
    let verdict = match result.get("valid?") {
        Some(Value::Bool(false)) => "found the history invalid",
        _ => "could not decide (unknown)",
    };
    Finding {
        checker: checker.into(),
        sentence: format!("The {checker} checker {verdict}; its result follows."),
        evidence: vec![crate::report::cut(&result.to_string(), 2000)],
        ..Finding::default()
    }
}

/// `0.9312` as `93.1 %`.
fn percent(v: &Value) -> String {
    v.as_f64()
        .map_or_else(|| v.to_string(), |x| format!("{:.1} %", x * 100.0))
}

/// `n` items shown out of `total`: "… and 12 more".
fn and_more(lines: &mut Vec<String>, total: usize) {
    if total > lines.len() {
        lines.push(format!("… and {} more", total - lines.len()));
    }
}

/// An op of the history as a short phrase: `process 3's read at 4.213 s`.
fn op_phrase(op: &Value) -> String {
    let process = &op["process"];
    let time = op["time"]
        .as_u64()
        .map(crate::report::lamport::filter::seconds);
    format!(
        "process {}'s {} ({}) at {} s",
        process.as_str().map_or(process.to_string(), str::to_string),
        op["f"].as_str().unwrap_or("op"),
        op["type"].as_str().unwrap_or("?"),
        time.unwrap_or_else(|| "?".into())
    )
}

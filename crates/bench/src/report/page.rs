//! The run page (`index.html` in every run directory): the verdict first;
//! for a failed run each checker's finding in plain words with its evidence
//! and a diagram of the messages behind each lost value; the key figures;
//! the pictures inline; links to every file; the exact replay command.
//! Written from the run directory's files, so `glomers explain --page` can
//! redo it for any stored run.

use super::escape;
use super::findings::partitions::Partitions;
use super::findings::{self, Finding, Run};
use super::lamport::{self, filter::Filter};
use crate::net::journal::{EventKind, JournalEvent};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::fmt::Write;
use std::fs;
use std::path::Path;

pub const PAGE_FILE: &str = "index.html";
/// Focused diagrams live here, one per value or filter.
pub const EXPLAIN_DIR: &str = "explain";

/// The pictures every run has, with their captions.
const PICTURES: [(&str, &str); 4] = [
    (
        "messages.svg",
        "Lamport diagram: every message, time downward",
    ),
    ("latency-raw.svg", "Latency of every operation"),
    ("latency-quantiles.svg", "Latency quantiles over time"),
    ("rate.svg", "Operations per second"),
];

/// A run's verdict as a word: valid, invalid, unknown, or crashed.
pub fn verdict(run: &Run) -> &'static str {
    if run.error.is_some() {
        return "crashed";
    }
    match run.results.get("valid?") {
        Some(Value::Bool(true)) => "valid",
        Some(Value::Bool(false)) => "invalid",
        _ => "unknown",
    }
}

/// Writes `index.html` (and the focused diagrams it shows) into the run directory.
pub fn write(dir: &Path) -> Result<(), String> {
    let run = Run::open(dir)?;
    let found = if verdict(&run) == "valid" {
        Vec::new()
    } else {
        findings::findings(&run)
    };
    let mut diagrams = Vec::new();
    for value in found.iter().flat_map(|f| &f.values) {
        let filter = Filter {
            value: Some(value.clone()),
            ..Filter::default()
        };
        diagrams.push((value.clone(), write_focused(&run, &filter)?));
    }
    let html = render(&run, &found, &diagrams);
    fs::write(dir.join(PAGE_FILE), html)
        .map_err(|e| format!("writing {}: {e}", dir.join(PAGE_FILE).display()))
}

/// Draws the messages `filter` selects into `explain/<name>.svg`; returns
/// the path relative to the run directory.
pub fn write_focused(run: &Run, filter: &Filter) -> Result<String, String> {
    let svg = focused(run, filter);
    let name = format!("{EXPLAIN_DIR}/{}.svg", slug(&filter.describe()));
    let path = run.dir.join(&name);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    fs::write(&path, svg).map_err(|e| format!("writing {}: {e}", path.display()))?;
    Ok(name)
}

/// Why each message sent among `events` and never received there was lost,
/// where a partition explains it.
pub fn why_undelivered(run: &Run, events: &[JournalEvent]) -> HashMap<u64, String> {
    let received: HashSet<u64> = events
        .iter()
        .filter(|e| e.kind == EventKind::Recv)
        .map(|e| e.message.id)
        .collect();
    let partitions = Partitions::of(run);
    events
        .iter()
        .filter(|e| e.kind == EventKind::Send && !received.contains(&e.message.id))
        .filter_map(|e| Some((e.message.id, partitions.why_lost(&e.message, e.time)?)))
        .collect()
}

/// The Lamport diagram of just the messages `filter` selects, titled with it.
pub fn focused(run: &Run, filter: &Filter) -> String {
    let events = filter.select(run.journal());
    let why = why_undelivered(run, &events);
    let options = lamport::Options {
        title: Some(format!(
            "{} ({} messages)",
            filter.describe(),
            events.iter().filter(|e| e.kind == EventKind::Send).count()
        )),
        complete: true,
        why_undelivered: why,
        faults: super::faults::Faults::of_json(run.history()),
        ..lamport::Options::default()
    };
    lamport::draw(&events, &options, false)
}

/// A file-name-safe version of a description.
fn slug(text: &str) -> String {
    let s: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let s = s
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    super::cut(&s, 80).replace('\u{2026}', "")
}

/// Percent-encodes a relative path for an `href`/`src`.
pub fn href(path: &str) -> String {
    let mut out = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn render(run: &Run, found: &[Finding], diagrams: &[(Value, String)]) -> String {
    let verdict = verdict(run);
    let name = run
        .dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut h = String::with_capacity(16 * 1024);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{workload} {name}: {verdict}</title><style>{STYLE}</style></head><body>\n\
         <header><h1>{workload} <span id=\"verdict\" class=\"verdict {verdict}\">{verdict}</span></h1>\
         <p class=\"sub\">{name} · {nodes} node(s) · {mode} · seed {seed}</p></header>\n",
        workload = escape(run.workload()),
        name = escape(&name),
        nodes = run.nodes().len(),
        mode = if run.test["sim"] == true { "simulation" } else { "processes" },
        seed = run.test["seed"],
    );
    if let Some(error) = &run.error {
        let _ = writeln!(
            h,
            "<section id=\"error\"><h2>The run failed</h2><pre>{}</pre></section>",
            escape(error)
        );
    }
    if !found.is_empty() {
        h.push_str("<section id=\"failure\"><h2>Why it is not valid</h2>\n");
        for f in found {
            let _ = write!(
                h,
                "<div class=\"finding\"><p class=\"sentence\"><span class=\"checker\">{}</span> {}</p>",
                escape(&f.checker),
                escape(&f.sentence)
            );
            if !f.evidence.is_empty() {
                h.push_str("<ul class=\"evidence\">");
                for line in &f.evidence {
                    let _ = write!(h, "<li>{}</li>", escape(line));
                }
                h.push_str("</ul>");
            }
            for picture in &f.pictures {
                if run.dir.join(picture).is_file() {
                    figure(&mut h, picture, picture);
                }
            }
            for value in &f.values {
                if let Some((_, path)) = diagrams.iter().find(|(v, _)| v == value) {
                    figure(
                        &mut h,
                        path,
                        &format!("The messages that carried {value}, and the replies to them"),
                    );
                }
            }
            h.push_str("</div>\n");
        }
        h.push_str("</section>\n");
    }
    figures(&mut h, &run.results);
    faults(&mut h, run);
    h.push_str("<section id=\"pictures\"><h2>Pictures</h2>\n");
    for (file, caption) in PICTURES {
        if run.dir.join(file).is_file() {
            figure(&mut h, file, caption);
        }
    }
    if run.dir.join("timeline.html").is_file() {
        h.push_str("<p><a href=\"timeline.html\">Timeline of every operation</a></p>\n");
    }
    h.push_str("</section>\n");
    h.push_str(EXPLORE);
    files(&mut h, &run.dir);
    let _ = write!(
        h,
        "<section id=\"replay\"><h2>Replay</h2><p>The exact command that reproduces this run:</p>\
         <pre>{}</pre></section>\n</body></html>\n",
        escape(run.test["replay"].as_str().unwrap_or("")),
    );
    h
}

/// What the nemesis did and when (partitions, pauses, kills, clocks): its
/// completed operations from the history, a row each.
fn faults(h: &mut String, run: &Run) {
    let done: Vec<Value> = run
        .history()
        .filter(|op| op["process"] == "nemesis" && op["type"] == "info")
        .collect();
    if done.is_empty() {
        return;
    }
    h.push_str(
        "<section id=\"faults\"><h2>Faults</h2><table>\n<tr><th>time (s)</th><th>nemesis</th><th>what</th></tr>\n",
    );
    for op in &done {
        let time = op["time"].as_u64().unwrap_or(0) as f64 / 1e9;
        let what = match &op["value"] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let _ = writeln!(
            h,
            "<tr><td>{time:.3}</td><td>{}</td><td>{}</td></tr>",
            escape(op["f"].as_str().unwrap_or("")),
            escape(&crate::report::cut(&what, 300))
        );
    }
    h.push_str("</table></section>\n");
}

fn figure(h: &mut String, path: &str, caption: &str) {
    let _ = writeln!(
        h,
        "<figure><div class=\"scroll\"><a href=\"{src}\"><img src=\"{src}\" alt=\"{alt}\" \
         onload=\"this.dataset.loaded='yes'\" \
         onerror=\"this.dataset.loaded='no';this.alt='missing: '+this.getAttribute('src')\"></a></div>\
         <figcaption>{alt}</figcaption></figure>",
        src = escape(&href(path)),
        alt = escape(caption)
    );
}

/// The key figures: operations by outcome, messages per operation,
/// availability, the workload's headline numbers and latencies.
fn figures(h: &mut String, r: &Value) {
    let mut rows: Vec<(String, String)> = Vec::new();
    let stats = &r["stats"];
    rows.push((
        "operations".into(),
        format!(
            "{} ({} ok, {} failed, {} indeterminate)",
            stats["count"], stats["ok-count"], stats["fail-count"], stats["info-count"]
        ),
    ));
    let net = &r["net"];
    rows.push((
        "messages per operation".into(),
        format!(
            "{} between servers ({} messages), {} in all",
            num(&net["servers"]["msgs-per-op"]),
            net["servers"]["msg-count"],
            num(&net["all"]["msgs-per-op"])
        ),
    ));
    if let Some(f) = r["availability"]["ok-fraction"].as_f64() {
        rows.push(("availability (ok fraction)".into(), format!("{f:.4}")));
    }
    let w = &r["workload"];
    for (key, label) in [
        ("stable-latencies", "stable latency (ms)"),
        ("lost-latencies", "lost latency (ms)"),
    ] {
        if let Some(q) = w[key].as_object() {
            let parts: Vec<String> = q.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            rows.push((label.into(), parts.join(", ")));
        }
    }
    for (key, label) in [
        ("lost-count", "lost values"),
        ("stale-count", "stale values"),
        ("duplicated-count", "duplicated"),
        ("final-reads", "final reads"),
        ("worst-realtime-lag", "worst realtime lag"),
        ("anomaly-types", "anomalies"),
        ("error-types", "error types"),
    ] {
        if let Some(v) = w.get(key) {
            rows.push((label.into(), v.to_string()));
        }
    }
    if let Some(lat) = r["perf"]["latencies-ms"].as_object() {
        for (what, q) in lat {
            let parts: Vec<String> = q
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| format!("{k}: {}", num(v)))
                .collect();
            rows.push((format!("latency ms, {what}"), parts.join(", ")));
        }
    }
    h.push_str("<section id=\"figures\"><h2>Figures</h2><table>\n");
    for (k, v) in rows {
        let _ = writeln!(h, "<tr><th>{}</th><td>{}</td></tr>", escape(&k), escape(&v));
    }
    h.push_str("</table></section>\n");
}

fn num(v: &Value) -> String {
    match v.as_f64() {
        Some(x) if x.fract() == 0.0 => format!("{x:.0}"),
        Some(x) => format!("{x:.3}"),
        None => "n/a".into(),
    }
}

/// Links to every file of the run, sorted, the page itself left out.
fn files(h: &mut String, dir: &Path) {
    let mut paths = Vec::new();
    collect(dir, "", &mut paths);
    paths.retain(|p| p != PAGE_FILE);
    paths.sort();
    h.push_str("<section id=\"files\"><h2>Files</h2><ul class=\"files\">\n");
    for p in paths {
        let _ = writeln!(
            h,
            "<li><a href=\"{}\">{}</a></li>",
            escape(&href(&p)),
            escape(&p)
        );
    }
    h.push_str("</ul></section>\n");
}

fn collect(dir: &Path, prefix: &str, out: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = format!("{prefix}{name}");
        match entry.file_type() {
            Ok(t) if t.is_dir() => collect(&entry.path(), &format!("{rel}/"), out),
            Ok(t) if t.is_file() => out.push(rel),
            _ => {}
        }
    }
}

/// A form that draws the messages of a value, node, type or time window:
/// answered by `glomers serve`; the same as `glomers explain` offline.
const EXPLORE: &str = "<section id=\"explore\"><h2>Explore the messages</h2>\
<form action=\"explain.svg\" method=\"get\">\
<label>value <input name=\"value\" size=\"8\"></label> \
<label>node <input name=\"node\" size=\"6\"></label> \
<label>type <input name=\"type\" size=\"10\"></label> \
<label>from <input name=\"from\" size=\"5\"> s</label> \
<label>to <input name=\"to\" size=\"5\"> s</label> \
<button type=\"submit\">Draw</button></form>\
<p class=\"sub\">Draws the messages that match (a value: those that carried it, and the replies), \
when the page is served by <code>glomers serve</code>. From a file: \
<code>glomers explain &lt;run dir&gt; --value 42 --node n3 --type gossip --from 4 --to 6</code>.</p></section>\n";

const STYLE: &str = "body{font-family:sans-serif;margin:2em auto;max-width:1400px;padding:0 1em;color:#222}\
h1{margin-bottom:0.2em}.sub{color:#666;margin-top:0}\
.verdict{padding:0.1em 0.5em;border-radius:0.3em;color:#fff;font-size:0.8em}\
.verdict.valid{background:#2a8a3a}.verdict.invalid{background:#FF1E90}\
.verdict.unknown{background:#FFA400}.verdict.crashed{background:#8a1a1a}\
.finding{border-left:4px solid #FF1E90;padding:0.2em 1em;margin:1em 0;background:#fff5fa}\
.checker{font-weight:bold;text-transform:uppercase;font-size:0.8em;color:#FF1E90;margin-right:0.5em}\
.evidence li{font-family:monospace;white-space:pre-wrap;margin:0.3em 0}\
table{border-collapse:collapse}th{text-align:left;padding:0.2em 1em 0.2em 0;vertical-align:top}\
td{font-family:monospace}.scroll{overflow:auto;max-height:80vh;border:1px solid #ddd}\
figure{margin:1em 0}figcaption{color:#666;font-size:0.9em}pre{background:#f4f4f4;padding:0.8em;white-space:pre-wrap}";

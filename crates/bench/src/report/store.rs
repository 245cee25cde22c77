//! The store's layout: `store/<workload>/<timestamp>/` and the names of
//! the files in it, the data files of a finished run — `results.json` (keys
//! as in Maelstrom's results.edn) and `results.edn` itself,
//! `history.jsonl`, `history.txt`, the console log, `test.json` (the
//! options with the exact command to replay the run), `error.txt` when the
//! run failed — and the `store/latest` and `store/<workload>/latest` links.
//! The pictures and the run page drawn from them are [`super::write`]'s.

use crate::net::delivery::Jitter;
use crate::net::latency::LatencyDist;
use crate::opts::{Availability, TestOptions};
use glomers_check::history::{History, Op};
use serde_json::{json, Value};
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// Creates a fresh run directory (and its `node-logs/`); runs starting in
/// the same millisecond get distinct directories.
pub fn create_run_dir(store: &Path, workload: &str) -> Result<PathBuf, String> {
    let base = store.join(workload);
    fs::create_dir_all(&base).map_err(|e| format!("cannot create {}: {e}", base.display()))?;
    let stamp = timestamp();
    for n in 0.. {
        let dir = match n {
            0 => base.join(&stamp),
            n => base.join(format!("{stamp}-{n}")),
        };
        match fs::create_dir(&dir) {
            Ok(()) => {
                fs::create_dir(dir.join("node-logs"))
                    .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                return Ok(dir);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("cannot create {}: {e}", dir.display())),
        }
    }
    unreachable!("the loop above returns")
}

/// What a finished run leaves for the store to keep.
pub struct Finished<'a> {
    pub opts: &'a TestOptions,
    pub history: &'a History,
    pub results: &'a Value,
    /// The console log (`jepsen.log`).
    pub console: &'a [String],
    /// The error that ended the run without a verdict.
    pub failure: Option<&'a str>,
}

/// Writes the data files of a finished run: results, history, options,
/// console log and error.
pub fn write_data(dir: &Path, run: &Finished) -> Result<(), String> {
    // A run that failed before any client operation (a node never answered
    // `init`) has nothing to judge: like Maelstrom, write no results rather
    // than a `:valid? true` over zero operations.
    let judged = run.failure.is_none() || run.history.ops().iter().any(|op| op.is_workload_op());
    if judged {
        write_results(dir, run.results)?;
    }
    write_jsonl(&dir.join(HISTORY_FILE), run.history.ops())
        .map_err(|e| io(dir, HISTORY_FILE, e))?;
    write_history_txt(&dir.join("history.txt"), run.history.ops())
        .map_err(|e| io(dir, "history.txt", e))?;
    let test = test_json(run.opts);
    fs::write(
        dir.join(TEST_FILE),
        serde_json::to_string_pretty(&test).unwrap_or_default(),
    )
    .map_err(|e| io(dir, TEST_FILE, e))?;
    fs::write(dir.join("jepsen.log"), run.console.join("\n") + "\n")
        .map_err(|e| io(dir, "jepsen.log", e))?;
    if let Some(failure) = run.failure {
        fs::write(dir.join(ERROR_FILE), format!("{failure}\n"))
            .map_err(|e| io(dir, ERROR_FILE, e))?;
    }
    Ok(())
}

/// `results.json` and Maelstrom's `results.edn`.
pub fn write_results(dir: &Path, results: &Value) -> Result<(), String> {
    let pretty = serde_json::to_string_pretty(results).unwrap_or_default();
    fs::write(dir.join(RESULTS_FILE), pretty + "\n").map_err(|e| io(dir, RESULTS_FILE, e))?;
    fs::write(dir.join("results.edn"), super::edn::render(results))
        .map_err(|e| io(dir, "results.edn", e))
}

/// The error for a file that could not be written.
pub fn io(dir: &Path, what: &str, e: std::io::Error) -> String {
    format!("writing {what} in {}: {e}", dir.display())
}

/// `history.txt`: one tab-separated line per op, as Maelstrom prints them.
fn write_history_txt(path: &Path, history: &[Op]) -> std::io::Result<()> {
    let mut txt = BufWriter::new(File::create(path)?);
    for op in history {
        let process = serde_json::to_value(op.process).unwrap_or_default();
        let typ = serde_json::to_value(op.typ).unwrap_or_default();
        let error = op.error.as_ref().map(|e| e.to_string()).unwrap_or_default();
        writeln!(
            txt,
            "{process}\t{}\t{}\t{}\t{error}",
            typ.as_str().unwrap_or(""),
            op.f,
            op.value
        )?;
    }
    txt.flush()
}

/// `test.json`: the options that shape the run, and the replay command.
fn test_json(opts: &TestOptions) -> Value {
    json!({
        "workload": opts.workload,
        "bin": opts.bin,
        "bin-args": opts.bin_args,
        "nodes": opts.nodes,
        "time-limit": opts.time_limit_s,
        "rate": opts.rate,
        "concurrency": opts.concurrency,
        "latency": opts.latency.mean_ms,
        "jitter": opts.jitter.name(),
        "nemesis": crate::opts::nemesis_names(opts),
        "nemesis-interval": opts.nemesis_interval_s,
        "topology": opts.topology,
        "consistency-models": opts.consistency_models,
        "availability": match opts.availability {
            Some(Availability::Total) => json!("total"),
            Some(Availability::AtLeast(a)) => json!(a.to_string()),
            None => Value::Null,
        },
        "seed": opts.seed,
        "sim": opts.sim,
        "replay": replay_command(opts),
    })
}

/// Points `store/latest` and `store/<workload>/latest` at this run.
pub fn link_latest(dir: &Path, opts: &TestOptions) {
    if let Some(run_name) = dir.file_name() {
        let workload_dir = dir.parent().unwrap_or(dir);
        relink(&workload_dir.join("latest"), Path::new(run_name));
        relink(
            &opts.store.join("latest"),
            &Path::new(&opts.workload).join(run_name),
        );
    }
}

/// The file of page `i` (0-based) of the Lamport diagram.
pub fn message_page(i: usize) -> String {
    match i {
        0 => "messages.svg".into(),
        i => format!("messages-{}.svg", i + 1),
    }
}

/// The message journal of a run directory, written while the run goes.
pub const JOURNAL_FILE: &str = "net-journal.jsonl";

/// The results map, as JSON.
pub const RESULTS_FILE: &str = "results.json";

/// The history, one op map per line.
pub const HISTORY_FILE: &str = "history.jsonl";

/// The options of the run and its replay command.
pub const TEST_FILE: &str = "test.json";

/// Present when the run ended in an error rather than a verdict.
pub const ERROR_FILE: &str = "error.txt";

/// Writes one compact JSON object per line.
pub fn write_jsonl<T: serde::Serialize>(path: &Path, items: &[T]) -> std::io::Result<()> {
    let mut out = BufWriter::new(File::create(path)?);
    for item in items {
        serde_json::to_writer(&mut out, item)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

/// The shell command that reproduces this run: the environment the bench
/// gave the nodes, every option that shapes the run, and the seed, each word
/// quoted for a POSIX shell.
pub fn replay_command(opts: &TestOptions) -> String {
    let mut words: Vec<String> = opts
        .node_env
        .iter()
        .map(|(k, v)| format!("{k}={}", shell_word(v)))
        .collect();
    let mut arg = |flag: &str, value: String| {
        words.push(flag.to_string());
        words.push(shell_word(&value));
    };
    arg("glomers", "test".into());
    arg("-w", opts.workload.clone());
    arg("--bin", opts.bin.display().to_string());
    let default_names: Vec<String> = (0..opts.nodes.len()).map(|i| format!("n{i}")).collect();
    if opts.nodes == default_names {
        arg("--node-count", opts.nodes.len().to_string());
    } else {
        arg("--nodes", opts.nodes.join(","));
    }
    arg("--time-limit", opts.time_limit_s.to_string());
    arg("--rate", opts.rate.to_string());
    arg("--concurrency", opts.concurrency.to_string());
    arg("--latency", opts.latency.mean_ms.to_string());
    if opts.latency.dist != LatencyDist::Constant {
        arg(
            "--latency-dist",
            format!("{:?}", opts.latency.dist).to_lowercase(),
        );
    }
    if opts.jitter != Jitter::default() {
        arg("--jitter", opts.jitter.name().into());
    }
    let faults = crate::opts::nemesis_names(opts);
    if !faults.is_empty() {
        arg("--nemesis", faults.join(","));
        arg("--nemesis-interval", opts.nemesis_interval_s.to_string());
    }
    if opts.topology != "grid" {
        arg("--topology", opts.topology.clone());
    }
    match opts.availability {
        Some(Availability::Total) => arg("--availability", "total".into()),
        Some(Availability::AtLeast(a)) => arg("--availability", a.to_string()),
        None => {}
    }
    let defaults = TestOptions::new(&opts.workload, "", opts.nodes.len());
    if opts.consistency_models != defaults.consistency_models {
        // Maelstrom splits only on a comma with spaces on both sides.
        arg("--consistency-models", opts.consistency_models.join(" , "));
    }
    if let Some(k) = opts.key_count {
        arg("--key-count", k.to_string());
    }
    if opts.max_txn_length != defaults.max_txn_length {
        arg("--max-txn-length", opts.max_txn_length.to_string());
    }
    if opts.max_writes_per_key != defaults.max_writes_per_key {
        arg("--max-writes-per-key", opts.max_writes_per_key.to_string());
    }
    arg("--seed", opts.seed.to_string());
    if opts.sim {
        words.push("--sim".into());
    }
    if !opts.bin_args.is_empty() {
        // After `--`, so arguments that look like flags reach the node.
        words.push("--".into());
        words.extend(opts.bin_args.iter().map(|a| shell_word(a)));
    }
    words.join(" ")
}

/// One word for a POSIX shell: as is when it holds only safe characters,
/// else in single quotes (a `'` inside becomes `'\''`).
pub fn shell_word(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_./,:=+@%".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

fn relink(link: &Path, target: &Path) {
    let _ = fs::remove_file(link);
    #[cfg(unix)]
    let _ = std::os::unix::fs::symlink(target, link);
}

/// `yyyyMMddTHHmmss.SSS+0000`, like Maelstrom's store folders (UTC).
fn timestamp() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}.{:03}+0000",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        now.subsec_millis()
    )
}

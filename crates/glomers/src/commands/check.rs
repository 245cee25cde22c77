//! `glomers check [HISTORY|RUN_DIR]…`: checks histories that are already
//! written — Jepsen's or Maelstrom's `history.edn`, an EDN vector of ops
//! (Knossos's and Elle's test data), our `history.jsonl`, or a run
//! directory of Maelstrom's or ours (workload and options taken from the
//! run) — with the checkers of `glomers-check`, and nothing else running.
//!
//! Each input gets a directory `<store>/check/<workload>/<time>/` laid out
//! like a run's (`results.json`, `results.edn`, `test.json` naming the
//! history checked, the checker's pictures, `index.html`), so `glomers
//! explain` and `glomers serve` read it too. The findings are printed in words; a
//! Maelstrom run directory also shows Maelstrom's own verdict beside ours.
//! The exit status is `glomers test`'s: 0 valid, 1 invalid, 2 unknown, 254
//! bad input (the worst over all inputs).

use crate::cli::{parse_availability, CheckArgs, EXIT_BAD_ARGS};
use glomers_bench::report::findings::{self, Run};
use glomers_bench::report::{page, store, write};
use glomers_check::common::anomaly_types;
use glomers_check::linearizable::Limits;
use glomers_check::model::{self, Model};
use glomers_check::read::{self, edn as edn_reader};
use glomers_check::{Options, Validity};
use serde_json::{json, Value};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub fn main(args: CheckArgs) -> i32 {
    small_pages();
    let mut worst = 0;
    for input in &args.inputs {
        let code = match check_one(&args, input) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("glomers check: {e}");
                EXIT_BAD_ARGS
            }
        };
        worst = worst.max(code);
    }
    worst
}

/// Asks Linux for 4 KiB pages only. With transparent huge pages the
/// allocator's arenas fault in 2 MiB at a time, each zeroed whole, again
/// after every purge: on a million-transaction history that was a third of
/// the time (sys 4.0 s of 13.5; 1.4 s with small pages).
fn small_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE only sets a flag of this process.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// What an input is: the history file, and what its run says about it.
struct Source {
    history: PathBuf,
    /// The workload the run was (a directory's `test.json`, or Maelstrom's
    /// store folder `store/<workload>/<time>/`).
    workload: Option<String>,
    consistency_models: Option<Vec<String>>,
    availability: Option<String>,
    /// Maelstrom's own results, beside its history.
    reference: Option<Value>,
}

impl Source {
    fn locate(input: &Path) -> Result<Self, String> {
        if !input.exists() {
            return Err(format!("{}: no such file or directory", input.display()));
        }
        if !input.is_dir() {
            return Ok(Self {
                history: input.to_path_buf(),
                workload: None,
                consistency_models: None,
                availability: None,
                reference: None,
            });
        }
        let ours = input.join(store::HISTORY_FILE);
        if ours.is_file() {
            return Ok(Self::glomers_run(input, ours));
        }
        let theirs = input.join("history.edn");
        if theirs.is_file() {
            return Ok(Self::maelstrom_run(input, theirs));
        }
        if input.join("latest").is_dir() {
            return Self::locate(&input.join("latest"));
        }
        Err(format!(
            "{}: neither history.jsonl (a glomers run) nor history.edn (a Maelstrom or Jepsen run) is here",
            input.display()
        ))
    }

    fn glomers_run(dir: &Path, history: PathBuf) -> Self {
        let test: Value = fs::read_to_string(dir.join(store::TEST_FILE))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(Value::Null);
        let strings = |v: &Value| -> Option<Vec<String>> {
            v.as_array().map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(String::from))
                    .collect()
            })
        };
        Self {
            history,
            workload: test["workload"].as_str().map(String::from),
            consistency_models: strings(&test["consistency-models"]),
            availability: test["availability"].as_str().map(String::from),
            reference: None,
        }
    }

    fn maelstrom_run(dir: &Path, history: PathBuf) -> Self {
        // Maelstrom files a run under store/<workload>/<time>/.
        let workload = dir
            .canonicalize()
            .ok()
            .and_then(|d| d.parent().and_then(Path::file_name).map(|n| n.to_owned()))
            .and_then(|n| n.to_str().map(String::from))
            .filter(|n| Model::from_name(n).is_ok());
        let log = fs::read_to_string(dir.join("jepsen.log")).unwrap_or_default();
        let reference = fs::read_to_string(dir.join("results.edn"))
            .ok()
            .and_then(|t| edn_reader::parse_one(&t).ok())
            .map(|e| e.to_json());
        Self {
            history,
            workload,
            consistency_models: logged_option(&log, ":consistency-models").map(|v| {
                v.split(|c: char| c.is_whitespace() || "[]#{}(),:".contains(c))
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect()
            }),
            availability: logged_option(&log, ":availability")
                .map(|v| v.trim_start_matches(':').to_string())
                .filter(|v| v != "nil"),
            reference,
        }
    }
}

/// The value Jepsen's log prints after `key` in the test map: a word, or a
/// bracketed collection.
fn logged_option(log: &str, key: &str) -> Option<String> {
    let at = log.find(&format!("{key} "))? + key.len() + 1;
    let rest = log[at..].trim_start();
    let end = match rest.chars().next()? {
        '[' => rest.find(']')? + 1,
        '#' => rest.find('}')? + 1,
        _ => rest.find(|c: char| c == ',' || c == '}' || c.is_whitespace())?,
    };
    Some(rest[..end].to_string())
}

fn check_one(args: &CheckArgs, input: &Path) -> Result<i32, String> {
    let source = Source::locate(input)?;
    let name = args
        .workload
        .clone()
        .or(source.workload.clone())
        .ok_or_else(|| {
            format!(
                "{}: which checker? Say -w/--workload (e.g. -w txn-list-append, -w cas-register)",
                input.display()
            )
        })?;
    let model = Model::from_name(&name)?;
    let opts = options(args, &source)?;

    let read_start = Instant::now();
    let mut digest = model::Digest::for_model(model);
    let history = read::read_file_with(&source.history, &mut |op| digest.take(op))?;
    let read_time = read_start.elapsed();
    let check_start = Instant::now();
    let results = model::check_digested(model, &history, &opts, &digest);
    let check_time = check_start.elapsed();
    let verdict = Validity::of(&results);

    let dir = store::create_run_dir(&args.store.join("check"), model.name())?;
    let _ = fs::remove_dir(dir.join("node-logs"));
    write_outputs(&dir, model, &source, &opts, &history, &results)?;

    let ops = history.invocation_count();
    println!(
        "{}: {} ({} ops, read in {}, checked in {}) → {}",
        source.history.display(),
        model.name(),
        ops,
        ms(read_time),
        ms(check_time),
        verdict_word(verdict)
    );
    if !args.quiet {
        if let Ok(run) = Run::open(&dir) {
            for f in findings::findings(&run) {
                println!("  [{}] {}", f.checker, f.sentence);
                for line in &f.evidence {
                    println!("    - {line}");
                }
                for picture in f.pictures.iter().filter(|p| dir.join(p).is_file()) {
                    println!("    picture: {}", dir.join(picture).display());
                }
            }
        }
        if let Some(reference) = &source.reference {
            println!("  {}", compare(&results, reference));
        }
        println!("  results: {}", dir.display());
    }
    Ok(verdict.exit_code())
}

/// The checker options: flags first, then what the run recorded.
fn options(args: &CheckArgs, source: &Source) -> Result<Options, String> {
    let consistency_models = match (&args.consistency_models, &source.consistency_models) {
        (Some(flag), _) => glomers_check::txn::models::parse_consistency_models(flag),
        (None, Some(run)) if !run.is_empty() => run.clone(),
        _ => Options::default().consistency_models,
    };
    let availability = args
        .availability
        .as_deref()
        .or(source.availability.as_deref())
        .map(parse_availability)
        .transpose()?;
    if !(args.linearizable_time_limit > 0.0 && args.linearizable_time_limit.is_finite()) {
        return Err("--linearizable-time-limit must be a positive number of seconds".into());
    }
    let linearizable = Limits {
        max_time: Duration::from_secs_f64(args.linearizable_time_limit),
        max_memo_bytes: usize::try_from(args.linearizable_memory.saturating_mul(1 << 20))
            .unwrap_or(usize::MAX),
        ..Limits::default()
    };
    Ok(Options {
        consistency_models,
        availability,
        linearizable,
    })
}

/// Writes the input's check directory, laid out like a run's.
fn write_outputs(
    dir: &Path,
    model: Model,
    source: &Source,
    opts: &Options,
    history: &glomers_check::history::History,
    results: &Value,
) -> Result<(), String> {
    let io = |what: &str, e: std::io::Error| store::io(dir, what, e);
    store::write_results(dir, results)?;
    // The history stays where it is (test.json names it); only the
    // unique-ids findings read it back, to name who received a duplicate.
    if model == Model::UniqueIds {
        store::write_jsonl(&dir.join(store::HISTORY_FILE), history.ops())
            .map_err(|e| io(store::HISTORY_FILE, e))?;
    }
    let test = json!({
        "workload": model.name(),
        "checked": source.history,
        "consistency-models": opts.consistency_models,
        "replay": format!(
            "glomers check -w {} {}",
            model.name(),
            store::shell_word(&source.history.display().to_string())
        ),
    });
    fs::write(
        dir.join(store::TEST_FILE),
        serde_json::to_string_pretty(&test).unwrap_or_default(),
    )
    .map_err(|e| io(store::TEST_FILE, e))?;
    write::write_artifacts(dir, &model::artifacts(model, history, &results["workload"]))?;
    page::write(dir)
}

/// Our verdict and anomaly types beside Maelstrom's, from its results.edn.
fn compare(ours: &Value, reference: &Value) -> String {
    let types = |r: &Value| -> Vec<String> {
        anomaly_types(&r["workload"])
            .into_iter()
            .map(String::from)
            .collect()
    };
    let theirs = Validity::of(reference);
    let mine = Validity::of(ours);
    let agree = if theirs == mine && types(ours) == types(reference) {
        "agree"
    } else {
        "DIFFER"
    };
    format!(
        "Maelstrom's results.edn: valid? {} {:?}; ours: valid? {} {:?} — {agree}",
        theirs.to_value(),
        types(reference),
        mine.to_value(),
        types(ours)
    )
}

fn verdict_word(v: Validity) -> &'static str {
    match v {
        Validity::True => "valid",
        Validity::False => "INVALID",
        Validity::Unknown => "unknown",
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_and_logged_options() {
        let typo = Model::from_name("uniqe-ids").expect_err("no such model");
        assert_eq!(typo.matches("did you mean").count(), 1, "{typo}");
        assert!(typo.contains("did you mean unique-ids?"), "{typo}");
        let log = "{:consistency-models [:read-committed], :availability :total, :rate 100}";
        assert_eq!(
            logged_option(log, ":consistency-models").as_deref(),
            Some("[:read-committed]")
        );
        assert_eq!(
            logged_option(log, ":availability").as_deref(),
            Some(":total")
        );
        assert_eq!(logged_option(log, ":nemesis"), None);
    }
}

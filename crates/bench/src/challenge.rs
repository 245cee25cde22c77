//! `glomers challenge`: the Gossip Glomers challenges with their official
//! parameters (challenges.md), run against this project's own node binaries,
//! with every pass criterion checked and a table of measured vs target.

use crate::cli::ChallengeArgs;
use crate::opts::{Availability, TestOptions};
use crate::run::run_test;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A numeric pass criterion read from results.json: `value < below`.
pub struct Target {
    pub label: &'static str,
    pub path: &'static [&'static str],
    pub below: f64,
}

pub struct Challenge {
    pub id: &'static str,
    pub title: &'static str,
    /// Node binary name in the bin directory.
    pub bin: &'static str,
    /// The official command, as flags on top of Maelstrom's defaults.
    pub configure: fn(&mut TestOptions),
    pub targets: &'static [Target],
    /// Figures to show besides the targets.
    pub figures: &'static [(&'static str, &'static [&'static str])],
}

fn echo(o: &mut TestOptions) {
    *o = TestOptions::new("echo", o.bin.clone(), 1);
    o.time_limit_s = 10;
}

fn unique_ids(o: &mut TestOptions) {
    *o = TestOptions::new("unique-ids", o.bin.clone(), 3);
    o.time_limit_s = 30;
    o.rate = 1000.0;
    o.availability = Some(Availability::Total);
    o.nemesis_partition = true;
}

pub const CHALLENGES: &[Challenge] = &[
    Challenge {
        id: "1",
        title: "Echo",
        bin: "echo",
        configure: echo,
        targets: &[],
        figures: &[("ok ops", &["stats", "ok-count"])],
    },
    Challenge {
        id: "2",
        title: "Unique ID Generation",
        bin: "unique-ids",
        configure: unique_ids,
        targets: &[],
        figures: &[
            ("acknowledged ids", &["workload", "acknowledged-count"]),
            ("duplicates", &["workload", "duplicated-count"]),
            ("ok-fraction", &["availability", "ok-fraction"]),
        ],
    },
];

/// Resolves `all` and validates ids.
pub fn select(ids: &[String]) -> Result<Vec<&'static Challenge>, String> {
    let mut chosen = Vec::new();
    for id in ids {
        if id == "all" {
            return Ok(CHALLENGES.iter().collect());
        }
        match CHALLENGES.iter().find(|c| c.id == id.as_str()) {
            Some(c) => chosen.push(c),
            None => {
                let known: Vec<&str> = CHALLENGES.iter().map(|c| c.id).collect();
                return Err(format!(
                    "unknown challenge {id:?}; known: {} all",
                    known.join(" ")
                ));
            }
        }
    }
    Ok(chosen)
}

/// Default place of our node binaries: beside the running `glomers`.
pub fn default_bin_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("target/release"))
}

pub fn lookup<'a>(results: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(results, |v, k| v.get(*k))
}

fn show(v: Option<&Value>) -> String {
    match v {
        Some(Value::Number(n)) if n.is_f64() => format!("{:.3}", n.as_f64().unwrap_or_default()),
        Some(v) => v.to_string(),
        None => "n/a".into(),
    }
}

/// Runs the selected challenges and prints the table; exit 0 iff all pass.
pub fn main(args: ChallengeArgs) -> i32 {
    let chosen = match select(&args.ids) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return crate::cli::EXIT_BAD_ARGS;
        }
    };
    let bin_dir = args.bin_dir.unwrap_or_else(default_bin_dir);
    let mut rows = Vec::new();
    let mut all_pass = true;
    for c in chosen {
        let mut opts = TestOptions::new("", bin_dir.join(c.bin), 1);
        (c.configure)(&mut opts);
        opts.seed = args.seed.unwrap_or_else(crate::cli::clock_seed);
        opts.store = args.store.clone();
        opts.quiet = !args.verbose;
        println!(
            "challenge {} ({}): running {} …",
            c.id, c.title, opts.workload
        );
        let (verdict, figures, pass) = match run_test(&opts) {
            Err(e) => (format!("error: {e}"), String::new(), false),
            Ok(outcome) => {
                let mut pass = outcome.exit_code() == 0;
                let mut figures: Vec<String> = c
                    .figures
                    .iter()
                    .map(|(label, path)| {
                        format!("{label} {}", show(lookup(&outcome.results, path)))
                    })
                    .collect();
                for t in c.targets {
                    let measured = lookup(&outcome.results, t.path).and_then(Value::as_f64);
                    let ok = measured.is_some_and(|m| m < t.below);
                    pass &= ok;
                    figures.push(format!(
                        "{} {} (target < {}) {}",
                        t.label,
                        show(lookup(&outcome.results, t.path)),
                        t.below,
                        if ok { "✓" } else { "✗" }
                    ));
                }
                let verdict = match &outcome.error {
                    Some(e) => format!("crashed: {}", e.lines().next().unwrap_or("")),
                    None => format!("valid? {}", outcome.results["valid?"]),
                };
                (verdict, figures.join("; "), pass)
            }
        };
        all_pass &= pass;
        rows.push((c.id, if pass { "PASS" } else { "FAIL" }, verdict, figures));
    }
    println!();
    println!("{:<5} {:<5} {:<16} figures", "id", "", "verdict");
    for (id, pass, verdict, figures) in &rows {
        println!("{id:<5} {pass:<5} {verdict:<16} {figures}");
    }
    if all_pass {
        0
    } else {
        1
    }
}

//! `glomers challenge`: the Gossip Glomers challenges with their official
//! parameters (challenges.md), run against this project's own node binaries,
//! with every pass criterion checked and a table of measured vs target.

use crate::cli::ChallengeArgs;
use glomers_bench::opts::{Availability, TestOptions};
use glomers_bench::report::junit;
use glomers_bench::run::run_test;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A figure read from results.json with its official pass criterion
/// (`value < below`, if the challenge sets one) and this project's own,
/// stricter goal (`value ≤ goal`), reported but not required.
pub struct Target {
    pub label: &'static str,
    pub path: &'static [&'static str],
    pub below: Option<f64>,
    pub goal: Option<f64>,
}

pub struct Challenge {
    pub id: &'static str,
    pub title: &'static str,
    /// Node binary name in the bin directory.
    pub bin: &'static str,
    /// The official command, as flags on top of Maelstrom's defaults.
    pub configure: fn(&mut TestOptions),
    pub targets: &'static [Target],
    /// Environment for the node processes (e.g. a solution's profile).
    pub node_env: &'static [(&'static str, &'static str)],
    /// Figures to show besides the targets.
    pub figures: &'static [(&'static str, &'static [&'static str])],
}

fn echo(o: &mut TestOptions) {
    *o = TestOptions::new("echo", o.bin.clone(), 1);
    o.time_limit_s = 10;
}

fn broadcast(o: &mut TestOptions, nodes: usize, rate: f64) {
    *o = TestOptions::new("broadcast", o.bin.clone(), nodes);
    o.time_limit_s = 20;
    o.rate = rate;
}

fn broadcast_3a(o: &mut TestOptions) {
    broadcast(o, 1, 10.0);
}

fn broadcast_3b(o: &mut TestOptions) {
    broadcast(o, 5, 10.0);
}

fn broadcast_3c(o: &mut TestOptions) {
    broadcast(o, 5, 10.0);
    o.nemesis_partition = true;
}

/// 3d and 3e: the very same command.
fn broadcast_efficient(o: &mut TestOptions) {
    broadcast(o, 25, 100.0);
    o.latency.mean_ms = 100;
}

const SERVER_MSGS: &[&str] = &["net", "servers", "msgs-per-op"];
const MEDIAN: &[&str] = &["workload", "stable-latencies", "0.5"];
const MAX: &[&str] = &["workload", "stable-latencies", "1"];
/// Broadcast efficiency criteria: server msgs-per-op, median and max stable
/// latency (ms), each with its official bound and our goal.
const fn efficiency_targets(below: [f64; 3], goal: [Option<f64>; 3]) -> [Target; 3] {
    [
        Target {
            label: "msgs/op",
            path: SERVER_MSGS,
            below: Some(below[0]),
            goal: goal[0],
        },
        Target {
            label: "median ms",
            path: MEDIAN,
            below: Some(below[1]),
            goal: goal[1],
        },
        Target {
            label: "max ms",
            path: MAX,
            below: Some(below[2]),
            goal: goal[2],
        },
    ]
}

const SET_FIGURES: &[(&str, &[&str])] = &[
    ("values", &["workload", "attempt-count"]),
    ("lost", &["workload", "lost-count"]),
    ("stable p50 ms", MEDIAN),
    ("max ms", MAX),
    ("msgs/op", SERVER_MSGS),
];

fn g_counter(o: &mut TestOptions) {
    *o = TestOptions::new("g-counter", o.bin.clone(), 3);
    o.time_limit_s = 20;
    o.rate = 100.0;
    o.nemesis_partition = true;
}

fn unique_ids(o: &mut TestOptions) {
    *o = TestOptions::new("unique-ids", o.bin.clone(), 3);
    o.time_limit_s = 30;
    o.rate = 1000.0;
    o.availability = Some(Availability::Total);
    o.nemesis_partition = true;
}

/// 5a–5c: one or two nodes, two workers per node, 20 s at rate 1000.
fn kafka(o: &mut TestOptions, nodes: usize) {
    *o = TestOptions::new("kafka", o.bin.clone(), nodes);
    o.concurrency = 2 * nodes;
    o.time_limit_s = 20;
    o.rate = 1000.0;
}

fn kafka_5a(o: &mut TestOptions) {
    kafka(o, 1);
}

fn kafka_5b(o: &mut TestOptions) {
    kafka(o, 2);
}

/// 6a–6c: txn-rw-register, two workers per node, 20 s at rate 1000, every
/// transaction answered (`--availability total`).
fn txn(o: &mut TestOptions, nodes: usize, model: &str) {
    *o = TestOptions::new("txn-rw-register", o.bin.clone(), nodes);
    o.concurrency = 2 * nodes;
    o.time_limit_s = 20;
    o.rate = 1000.0;
    o.consistency_models = vec![model.to_string()];
    o.availability = Some(Availability::Total);
}

fn txn_6a(o: &mut TestOptions) {
    txn(o, 1, "read-uncommitted");
}

/// 6b's second (stricter) command: partitions and total availability.
fn txn_6b(o: &mut TestOptions) {
    txn(o, 2, "read-uncommitted");
    o.nemesis_partition = true;
}

/// 6c as the page means it (its `–-nemesis` typo would drop the partitions).
fn txn_6c(o: &mut TestOptions) {
    txn(o, 2, "read-committed");
    o.nemesis_partition = true;
}

const TXN_FIGURES: &[(&str, &[&str])] = &[
    ("ok txns", &["stats", "ok-count"]),
    ("anomalies", &["workload", "anomaly-types"]),
    ("ok-fraction", &["availability", "ok-fraction"]),
];

const LAG: &[&str] = &["workload", "worst-realtime-lag", "lag"];
const KAFKA_FIGURES: &[(&str, &[&str])] = &[
    ("ok ops", &["stats", "ok-count"]),
    ("error types", &["workload", "error-types"]),
    ("worst lag s", LAG),
    ("msgs/op", SERVER_MSGS),
];

pub const CHALLENGES: &[Challenge] = &[
    Challenge {
        id: "1",
        title: "Echo",
        bin: "echo",
        configure: echo,
        targets: &[],
        node_env: &[],
        figures: &[("ok ops", &["stats", "ok-count"])],
    },
    Challenge {
        id: "2",
        title: "Unique ID Generation",
        bin: "unique-ids",
        configure: unique_ids,
        targets: &[],
        node_env: &[],
        figures: &[
            ("acknowledged ids", &["workload", "acknowledged-count"]),
            ("duplicates", &["workload", "duplicated-count"]),
            ("ok-fraction", &["availability", "ok-fraction"]),
        ],
    },
    Challenge {
        id: "3a",
        title: "Single-Node Broadcast",
        bin: "broadcast",
        configure: broadcast_3a,
        targets: &[],
        node_env: &[],
        figures: SET_FIGURES,
    },
    Challenge {
        id: "3b",
        title: "Multi-Node Broadcast",
        bin: "broadcast",
        configure: broadcast_3b,
        targets: &[],
        node_env: &[],
        figures: SET_FIGURES,
    },
    Challenge {
        id: "3c",
        title: "Fault Tolerant Broadcast",
        bin: "broadcast",
        configure: broadcast_3c,
        targets: &[],
        node_env: &[],
        figures: SET_FIGURES,
    },
    Challenge {
        id: "3d",
        title: "Efficient Broadcast, Part I",
        bin: "broadcast",
        configure: broadcast_efficient,
        targets: &efficiency_targets([30.0, 400.0, 600.0], [Some(1.0), Some(300.0), Some(550.0)]),
        node_env: &[],
        figures: &[
            ("values", &["workload", "attempt-count"]),
            ("lost", &["workload", "lost-count"]),
        ],
    },
    Challenge {
        id: "3e",
        title: "Efficient Broadcast, Part II",
        bin: "broadcast",
        configure: broadcast_efficient,
        targets: &efficiency_targets([20.0, 1000.0, 2000.0], [Some(0.5), None, None]),
        node_env: &[("GLOMERS_BROADCAST_PROFILE", "3e")],
        figures: &[
            ("values", &["workload", "attempt-count"]),
            ("lost", &["workload", "lost-count"]),
        ],
    },
    Challenge {
        id: "4",
        title: "Grow-Only Counter",
        bin: "counter",
        configure: g_counter,
        targets: &[Target {
            label: "msgs/op",
            path: SERVER_MSGS,
            below: None,
            goal: Some(0.3),
        }],
        node_env: &[],
        figures: &[
            ("final reads", &["workload", "final-reads"]),
            ("acceptable", &["workload", "acceptable"]),
        ],
    },
    Challenge {
        id: "5a",
        title: "Single-Node Kafka-Style Log",
        bin: "kafka-single",
        configure: kafka_5a,
        targets: &[],
        node_env: &[],
        figures: KAFKA_FIGURES,
    },
    Challenge {
        id: "5b",
        title: "Multi-Node Kafka-Style Log",
        bin: "kafka-lin-kv",
        configure: kafka_5b,
        targets: &[],
        node_env: &[],
        figures: KAFKA_FIGURES,
    },
    Challenge {
        id: "5c",
        title: "Efficient Kafka-Style Log",
        bin: "kafka",
        configure: kafka_5b,
        // The challenge sets no number; these are our own goals.
        targets: &[
            Target {
                label: "msgs/op",
                path: SERVER_MSGS,
                below: None,
                goal: Some(0.1),
            },
            Target {
                label: "worst lag s",
                path: LAG,
                below: None,
                goal: Some(1.0),
            },
        ],
        node_env: &[],
        figures: &[
            ("ok ops", &["stats", "ok-count"]),
            ("error types", &["workload", "error-types"]),
        ],
    },
    Challenge {
        id: "6a",
        title: "Single-Node, Totally-Available Transactions",
        bin: "txn-single",
        configure: txn_6a,
        targets: &[],
        node_env: &[],
        figures: TXN_FIGURES,
    },
    Challenge {
        id: "6b",
        title: "Totally-Available, Read Uncommitted Transactions",
        bin: "txn",
        configure: txn_6b,
        targets: &[],
        node_env: &[],
        figures: TXN_FIGURES,
    },
    Challenge {
        id: "6c",
        title: "Totally-Available, Read Committed Transactions",
        bin: "txn",
        configure: txn_6c,
        // The challenge sets no number; this is our own goal.
        targets: &[Target {
            label: "msgs/op",
            path: SERVER_MSGS,
            below: None,
            goal: Some(0.05),
        }],
        node_env: &[],
        figures: TXN_FIGURES,
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

/// One challenge run, with real processes or in simulation.
fn run(
    opts: &TestOptions,
    sim: bool,
    c: &Challenge,
) -> Result<glomers_bench::run::Outcome, String> {
    if !sim {
        return run_test(opts);
    }
    let make = crate::registry::for_bin(Path::new(c.bin))?;
    // In-process nodes read their profile from our own environment. Runs are
    // sequential and single-threaded here, so setting it for one run is safe.
    for (k, v) in c.node_env {
        std::env::set_var(k, v);
    }
    let outcome = glomers_bench::sim::run_sim(opts, &|_, seed| make(seed));
    for (k, _) in c.node_env {
        std::env::remove_var(k);
    }
    outcome
}

/// The JUnit case of one challenge: failed when the row says FAIL, with the
/// verdict and figures (the ✗ marks a missed target) and the findings.
fn challenge_case(
    c: &Challenge,
    pass: bool,
    verdict: &str,
    figures: &str,
    findings: &str,
    started: std::time::Instant,
) -> junit::Case {
    let verdict = match pass {
        true => junit::Verdict::Passed,
        false => junit::Verdict::Failed {
            message: format!("challenge {}: {verdict}", c.id),
            text: format!("{figures}\n{findings}"),
        },
    };
    junit::Case {
        name: format!("{} {}", c.id, c.title),
        classname: "glomers.challenge".into(),
        seconds: started.elapsed().as_secs_f64(),
        verdict,
    }
}

/// The failing checkers of a stored run, a line each, in words.
fn failing_cases(dir: &Path) -> String {
    let cases = junit::run_cases(dir, 0.0).unwrap_or_default();
    cases
        .into_iter()
        .filter_map(|case| match case.verdict {
            junit::Verdict::Passed => None,
            junit::Verdict::Failed { message, .. } | junit::Verdict::Errored { message, .. } => {
                Some(format!("{}: {message}", case.name))
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
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
    let mut cases = Vec::new();
    let mut all_pass = true;
    let total = chosen.len();
    for (i, c) in chosen.into_iter().enumerate() {
        let mut opts = TestOptions::new("", bin_dir.join(c.bin), 1);
        (c.configure)(&mut opts);
        opts.node_env = c
            .node_env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        opts.seed = args.seed.unwrap_or_else(crate::cli::clock_seed);
        opts.store = args.store.clone();
        opts.quiet = !args.verbose;
        opts.sim = args.sim;
        opts.progress_label = Some(format!("challenge {} ({}/{total})", c.id, i + 1));
        println!(
            "challenge {} ({}): running {} …",
            c.id, c.title, opts.workload
        );
        let started = std::time::Instant::now();
        let mut findings = String::new();
        let (verdict, figures, pass) = match run(&opts, args.sim, c) {
            Err(e) => (format!("error: {e}"), String::new(), false),
            Ok(outcome) => {
                if args.junit.is_some() {
                    findings = failing_cases(&outcome.dir);
                }
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
                    let mark = |ok: bool| if ok { "✓" } else { "✗" };
                    let mut checks = Vec::new();
                    if let Some(below) = t.below {
                        let ok = measured.is_some_and(|m| m < below);
                        pass &= ok;
                        checks.push(format!("target < {below} {}", mark(ok)));
                    }
                    if let Some(goal) = t.goal {
                        let met = measured.is_some_and(|m| m <= goal);
                        checks.push(format!("our goal ≤ {goal} {}", mark(met)));
                    }
                    figures.push(format!(
                        "{} {} ({})",
                        t.label,
                        show(lookup(&outcome.results, t.path)),
                        checks.join(", ")
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
        cases.push(challenge_case(
            c, pass, &verdict, &figures, &findings, started,
        ));
        rows.push((c.id, if pass { "PASS" } else { "FAIL" }, verdict, figures));
    }
    if let Some(path) = &args.junit {
        let suite = junit::Suite {
            name: "glomers challenge".into(),
            cases,
        };
        if let Err(e) = junit::write(path, &[suite]) {
            eprintln!("{e}");
            return glomers_bench::run::EXIT_CRASH;
        }
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

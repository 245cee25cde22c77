//! Seed sweeps (`glomers test --sim --seeds N`): run the same test under N
//! consecutive seeds, two at a time, and report every failing seed with the
//! anomaly its checker named and the command that replays it.
//!
//! A sweep can be spread over machines with `--shard I/N`: shard I runs the
//! seeds whose position in the sweep is I modulo N, so any shard can be run
//! again alone, and writes a [`Summary`]; [`merge`] joins the shards'
//! summaries into the report the whole sweep would have given.

use super::{run_sim, NodeFactory};
use crate::opts::TestOptions;
use crate::report::store::replay_command;
use glomers_check::Validity;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

/// One failing seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    pub seed: u64,
    pub verdict: String,
    pub reason: String,
    /// The command that replays this seed.
    pub replay: String,
    /// With `--shrink`: the smallest failing variant's command.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shrunk: Option<String>,
}

/// Which part of a sweep one process runs: shard `index` of `of` takes the
/// seeds at positions `index`, `index + of`, `index + 2·of`, … of the sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u64,
    pub of: u64,
}

impl Shard {
    /// The whole sweep.
    pub const ALL: Shard = Shard { index: 0, of: 1 };

    /// `I/N`, 0 ≤ I < N (as a CI matrix or an indexed job numbers its workers).
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("--shard {text}: expected I/N with 0 ≤ I < N, e.g. 0/4");
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let (index, of) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if of == 0 || index >= of {
            return Err(bad());
        }
        Ok(Self { index, of })
    }

    fn takes(self, position: u64) -> bool {
        position % self.of == self.index
    }
}

/// What one shard of a sweep found: enough to merge shards and replay any
/// failure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// The test, as the command that replays its first seed.
    pub command: String,
    pub first_seed: u64,
    /// Seeds in the whole sweep.
    pub seeds: u64,
    pub shard: Shard,
    /// Seeds this shard ran.
    pub ran: u64,
    pub stopped_early: bool,
    pub failures: Vec<Failure>,
}

/// Runs this shard's seeds of `opts.seed .. opts.seed + count`; stops early
/// (not starting new seeds) after the first failure if `stop_early`.
pub fn sweep(
    opts: &TestOptions,
    make: NodeFactory,
    count: u64,
    stop_early: bool,
    threads: usize,
    shard: Shard,
) -> Summary {
    let positions: Vec<u64> = (0..count).filter(|k| shard.takes(*k)).collect();
    let next = AtomicUsize::new(0);
    let ran = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= positions.len() || stop.load(Ordering::SeqCst) {
                    break;
                }
                ran.fetch_add(1, Ordering::SeqCst);
                let mut o = opts.clone();
                o.seed = opts.seed.wrapping_add(positions[i]);
                o.quiet = true;
                let replay = replay_command(&o);
                let failure = match run_sim(&o, make) {
                    Ok(out) if out.exit_code() == 0 => None,
                    Ok(out) => Some(Failure {
                        seed: o.seed,
                        verdict: match &out.error {
                            Some(_) => "crashed".into(),
                            None => format!("valid? {}", Validity::of(&out.results).to_value()),
                        },
                        reason: out.error.clone().unwrap_or_else(|| anomaly(&out.results)),
                        replay,
                        shrunk: None,
                    }),
                    Err(e) => Some(Failure {
                        seed: o.seed,
                        verdict: "error".into(),
                        reason: e,
                        replay,
                        shrunk: None,
                    }),
                };
                println!(
                    "seed {:>6}: {}",
                    o.seed,
                    failure.as_ref().map_or("valid".to_string(), |f| format!(
                        "{} — {}",
                        f.verdict, f.reason
                    ))
                );
                if let Some(f) = failure {
                    if stop_early {
                        stop.store(true, Ordering::SeqCst);
                    }
                    if let Ok(mut all) = failures.lock() {
                        all.push(f);
                    }
                }
            });
        }
    });
    let mut all: Vec<Failure> = failures.into_inner().unwrap_or_default();
    all.sort_by_key(|f| f.seed);
    for f in &all {
        println!("replay seed {}: {}", f.seed, f.replay);
    }
    let ran = ran.into_inner() as u64;
    Summary {
        command: replay_command(opts),
        first_seed: opts.seed,
        seeds: count,
        shard,
        ran,
        stopped_early: stop_early && ran < positions.len() as u64,
        failures: all,
    }
}

/// Joins the summaries of a sweep's shards: they must be of the same test
/// and sweep, each shard once. The result is the summary the unsharded
/// sweep gives (failures by seed); a missing shard is an error naming it.
pub fn merge(parts: &[Summary]) -> Result<Summary, String> {
    let first = parts.first().ok_or("no summaries to merge")?;
    let of = first.shard.of;
    let mut seen = vec![false; of as usize];
    for p in parts {
        if (&p.command, p.first_seed, p.seeds, p.shard.of)
            != (&first.command, first.first_seed, first.seeds, of)
        {
            return Err(format!(
                "summaries of different sweeps: `{}` ({} seeds from {}, {} shards) and `{}` ({} seeds from {}, {} shards)",
                first.command, first.seeds, first.first_seed, of, p.command, p.seeds, p.first_seed, p.shard.of
            ));
        }
        let slot = &mut seen[p.shard.index as usize];
        if std::mem::replace(slot, true) {
            return Err(format!("shard {}/{of} given twice", p.shard.index));
        }
    }
    let missing: Vec<String> = (0..of)
        .filter(|i| !seen[*i as usize])
        .map(|i| format!("{i}/{of}"))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "missing shard(s) {}: run them with --shard",
            missing.join(", ")
        ));
    }
    let mut failures: Vec<Failure> = parts.iter().flat_map(|p| p.failures.clone()).collect();
    failures.sort_by_key(|f| f.seed);
    Ok(Summary {
        command: first.command.clone(),
        first_seed: first.first_seed,
        seeds: first.seeds,
        shard: Shard::ALL,
        ran: parts.iter().map(|p| p.ran).sum(),
        stopped_early: parts.iter().any(|p| p.stopped_early),
        failures,
    })
}

/// The report of a (merged) sweep, as printed.
pub fn report(summary: &Summary) -> String {
    let mut out = format!(
        "{} of {} seed(s) failed (seeds {}..{}; {} run{})\n",
        summary.failures.len(),
        summary.seeds,
        summary.first_seed,
        summary.first_seed.wrapping_add(summary.seeds),
        summary.ran,
        if summary.stopped_early {
            ", stopped at a failure"
        } else {
            ""
        }
    );
    for f in &summary.failures {
        out.push_str(&format!(
            "seed {}: {} — {}\n  replay: {}\n",
            f.seed, f.verdict, f.reason, f.replay
        ));
        if let Some(shrunk) = &f.shrunk {
            out.push_str(&format!("  smallest failing case: {shrunk}\n"));
        }
    }
    out
}

/// Names what went wrong: the invalid checkers and their headline figures.
pub fn anomaly(results: &Value) -> String {
    let Some(map) = results.as_object() else {
        return "no results".into();
    };
    let mut parts = Vec::new();
    for (checker, result) in map {
        if checker == "valid?" || Validity::of(result) == Validity::True {
            continue;
        }
        let detail: Vec<String> = [
            "lost-count",
            "lost",
            "duplicated-count",
            "errors",
            "error",
            "ok-fraction",
        ]
        .iter()
        .filter_map(|k| {
            result
                .get(*k)
                .filter(|v| !v.is_null())
                .map(|v| format!("{k} {}", crate::report::cut(&v.to_string(), 80)))
        })
        .collect();
        parts.push(format!("{checker} invalid ({})", detail.join(", ")));
    }
    if parts.is_empty() {
        "unknown".into()
    } else {
        parts.join("; ")
    }
}

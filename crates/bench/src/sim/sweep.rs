//! Seed sweeps (`glomers test --sim --seeds N`): run the same test under N
//! consecutive seeds, two at a time, and report every failing seed with the
//! anomaly its checker named and the command that replays it.

use super::{run_sim, NodeFactory};
use crate::opts::TestOptions;
use crate::report::store::replay_command;
use glomers_check::Validity;
use serde_json::Value;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

/// One failing seed.
#[derive(Debug, Clone)]
pub struct Failure {
    pub seed: u64,
    pub verdict: String,
    pub reason: String,
}

/// Runs seeds `opts.seed .. opts.seed + count`; stops early (not starting new
/// seeds) after the first failure if `stop_early`.
pub fn sweep(
    opts: &TestOptions,
    make: NodeFactory,
    count: u64,
    stop_early: bool,
    threads: usize,
) -> Vec<Failure> {
    let next = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            scope.spawn(|| loop {
                let k = next.fetch_add(1, Ordering::SeqCst);
                if k >= count || stop.load(Ordering::SeqCst) {
                    break;
                }
                let mut o = opts.clone();
                o.seed = opts.seed.wrapping_add(k);
                o.quiet = true;
                let failure = match run_sim(&o, make) {
                    Ok(out) if out.exit_code() == 0 => None,
                    Ok(out) => Some(Failure {
                        seed: o.seed,
                        verdict: match &out.error {
                            Some(_) => "crashed".into(),
                            None => format!("valid? {}", Validity::of(&out.results).to_value()),
                        },
                        reason: out.error.clone().unwrap_or_else(|| anomaly(&out.results)),
                    }),
                    Err(e) => Some(Failure {
                        seed: o.seed,
                        verdict: "error".into(),
                        reason: e,
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
    let mut all = failures.into_inner().unwrap_or_default();
    all.sort_by_key(|f| f.seed);
    for f in &all {
        let mut o = opts.clone();
        o.seed = f.seed;
        println!("replay seed {}: {}", f.seed, replay_command(&o));
    }
    all
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

//! Shrinking (`glomers test --sim --shrink`): from a failing run, greedily
//! try smaller variants — fewer kinds of fault, a shorter time limit, fewer
//! nodes, a lower rate, fewer client workers — keeping each one that still
//! fails the same checker, until none does. Reports the smallest failing
//! command (its fault schedule is the seed's, so it replays too).

use super::{run_sim, sweep::anomaly, NodeFactory};
use crate::opts::TestOptions;
use crate::report::store::replay_command;
use glomers_check::Validity;

/// The checkers a run failed (by name), or `None` if it passed.
fn failing_checkers(opts: &TestOptions, make: NodeFactory) -> Option<(Vec<String>, String)> {
    let mut o = opts.clone();
    o.quiet = true;
    let out = run_sim(&o, make).ok()?;
    if out.exit_code() == 0 {
        return None;
    }
    let names = out
        .results
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, v)| *k != "valid?" && Validity::of(v) != Validity::True)
                .map(|(k, _)| k.clone())
                .collect()
        })
        .unwrap_or_default();
    Some((names, out.error.unwrap_or_else(|| anomaly(&out.results))))
}

/// Smaller variants of `o`, most aggressive first.
fn candidates(o: &TestOptions) -> Vec<TestOptions> {
    let mut out = Vec::new();
    let mut push = |f: &dyn Fn(&mut TestOptions)| {
        let mut c = o.clone();
        f(&mut c);
        out.push(c);
    };
    // A fault the failure does not need goes first: it names the culprit.
    if o.nemesis_faults.pause {
        push(&|c| c.nemesis_faults.pause = false);
    }
    if o.nemesis_faults.kill {
        push(&|c| c.nemesis_faults.kill = false);
    }
    if o.nemesis_faults.clock {
        push(&|c| c.nemesis_faults.clock = false);
    }
    if o.nemesis_partition {
        push(&|c| c.nemesis_partition = false);
    }
    if o.time_limit_s > 1 {
        push(&|c| c.time_limit_s /= 2);
        push(&|c| c.time_limit_s -= 1);
    }
    if o.nodes.len() > 1 {
        push(&|c| {
            c.nodes.pop();
            c.concurrency = c.concurrency.min(c.nodes.len()).max(1);
        });
    }
    if o.rate > 1.0 {
        push(&|c| c.rate = (c.rate / 2.0).floor().max(1.0));
    }
    if o.concurrency > 1 {
        push(&|c| c.concurrency -= 1);
    }
    out
}

/// Shrinks a failing configuration; returns it (or `None` if it does not fail).
pub fn shrink(opts: &TestOptions, make: NodeFactory) -> Option<TestOptions> {
    let (target, reason) = failing_checkers(opts, make)?;
    println!("shrinking a run failing {target:?}: {reason}");
    let mut best = opts.clone();
    'outer: loop {
        for c in candidates(&best) {
            if let Some((names, reason)) = failing_checkers(&c, make) {
                if names.iter().any(|n| target.contains(n)) {
                    let faults = crate::opts::nemesis_names(&c);
                    println!(
                        "  still fails with {} node(s), {} s, rate {}, {} worker(s), nemesis [{}]: {reason}",
                        c.nodes.len(),
                        c.time_limit_s,
                        c.rate,
                        c.concurrency,
                        faults.join(",")
                    );
                    best = c;
                    continue 'outer;
                }
            }
        }
        break;
    }
    println!("smallest failing case: {}", replay_command(&best));
    Some(best)
}

/// With `--shrink`: shrinks each failing seed, recording the smallest
/// failing variant's command.
pub fn shrink_failures(summary: &mut super::sweep::Summary, opts: &TestOptions, make: NodeFactory) {
    for f in &mut summary.failures {
        let mut o = opts.clone();
        o.seed = f.seed;
        o.quiet = true;
        f.shrunk = shrink(&o, make).map(|smallest| replay_command(&smallest));
    }
}

//! `glomers test`: one run (or `--test-count` runs), a seed sweep
//! (`--sim --seeds N`) or shrinking a failing run (`--sim --shrink`), on
//! real processes or on the nodes `crate::registry` simulates by name.

use crate::cli::{TestArgs, EXIT_BAD_ARGS};
use crate::registry;
use glomers_bench::opts::TestOptions;
use glomers_bench::report::junit;
use glomers_bench::run::{self, Outcome};
use glomers_bench::sim;
use std::path::Path;
use std::time::Instant;

pub fn main(args: TestArgs) -> i32 {
    let (seeds, stop_early, shrink) = (args.seeds, args.stop_early, args.shrink);
    let junit = args.junit.clone();
    let shard = match args
        .shard
        .as_deref()
        .map(sim::sweep::Shard::parse)
        .transpose()
    {
        Ok(shard) => shard.unwrap_or(sim::sweep::Shard::ALL),
        Err(e) => {
            eprintln!("{e}");
            return EXIT_BAD_ARGS;
        }
    };
    let summary = args.summary.clone();
    match args.into_options() {
        Err(e) => {
            eprintln!("{e}");
            EXIT_BAD_ARGS
        }
        Ok(opts) => match seeds {
            Some(count) => sweep(&opts, count, stop_early, shrink, shard, summary.as_deref()),
            None if shrink => shrink_failure(&opts),
            None => run_tests(&opts, junit.as_deref()),
        },
    }
}

/// The simulated node `--bin` names, or the exit status for an unknown one.
fn simulated_node(opts: &TestOptions) -> Result<registry::Constructor, i32> {
    registry::for_bin(&opts.bin).map_err(|e| {
        eprintln!("{e}");
        EXIT_BAD_ARGS
    })
}

/// One run (or `--test-count` runs, stopping at the first failure); with
/// `junit`, a suite per run written there.
fn run_tests(opts: &TestOptions, junit: Option<&Path>) -> i32 {
    let constructor = match opts.sim.then(|| simulated_node(opts)).transpose() {
        Ok(c) => c,
        Err(code) => return code,
    };
    let mut code = 0;
    let mut suites = Vec::new();
    for i in 0..opts.test_count.max(1) {
        let mut this = opts.clone();
        this.seed = opts.seed.wrapping_add(i);
        let started = Instant::now();
        let outcome: Result<Outcome, String> = match constructor {
            Some(make) => sim::run_sim(&this, &|_, seed| make(seed)),
            None => run::run_test(&this),
        };
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(e) => {
                eprintln!("{e}");
                return run::EXIT_CRASH;
            }
        };
        if junit.is_some() {
            let seconds = started.elapsed().as_secs_f64();
            match junit::run_cases(&outcome.dir, seconds) {
                Ok(cases) => suites.push(junit::Suite {
                    name: format!("glomers test -w {} --seed {}", this.workload, this.seed),
                    cases,
                }),
                Err(e) => eprintln!("--junit: {e}"),
            }
        }
        code = outcome.exit_code();
        if code != 0 {
            break;
        }
    }
    if let Some(path) = junit {
        if let Err(e) = junit::write(path, &suites) {
            eprintln!("{e}");
            return run::EXIT_CRASH;
        }
    }
    code
}

/// `--sim --shrink`: the smallest failing variant of this run.
fn shrink_failure(opts: &TestOptions) -> i32 {
    let make = match simulated_node(opts) {
        Ok(c) => c,
        Err(code) => return code,
    };
    match sim::shrink::shrink(opts, &|_, seed| make(seed)) {
        Some(_) => 1,
        None => {
            println!("the run passes: nothing to shrink");
            0
        }
    }
}

/// `--sim --seeds N`: a seed sweep (this shard of it), its summary written
/// for `glomers merge`.
fn sweep(
    opts: &TestOptions,
    count: u64,
    stop_early: bool,
    shrink: bool,
    shard: sim::sweep::Shard,
    summary_path: Option<&Path>,
) -> i32 {
    let make = match simulated_node(opts) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let factory = |_: usize, seed: u64| make(seed);
    let mut summary = sim::sweep::sweep(opts, &factory, count, stop_early, 2, shard);
    if shrink {
        sim::shrink::shrink_failures(&mut summary, opts, &factory);
    }
    print!("{}", sim::sweep::report(&summary));
    let path = summary_path.map_or_else(
        || {
            opts.store.join(format!(
                "sweep-{}-seed{}-n{count}-shard{}of{}.json",
                opts.workload, opts.seed, shard.index, shard.of
            ))
        },
        Path::to_path_buf,
    );
    let written = std::fs::create_dir_all(path.parent().unwrap_or(Path::new("."))).and_then(|()| {
        std::fs::write(
            &path,
            serde_json::to_string_pretty(&summary).unwrap_or_default(),
        )
    });
    match written {
        Ok(()) => println!("summary: {} (glomers merge joins shards)", path.display()),
        Err(e) => eprintln!("could not write the summary {}: {e}", path.display()),
    }
    i32::from(!summary.failures.is_empty())
}

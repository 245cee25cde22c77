//! Helpers for bench integration tests: locating the workspace's node
//! binaries and running short tests quietly into a temporary store.

#![allow(dead_code)]

use glomers_bench::opts::TestOptions;
use glomers_bench::run::{run_test, Outcome};
use std::path::PathBuf;

/// `target/<profile>/<name>`; the workspace's binaries must be built first
/// (`cargo build --workspace --bins`, which scripts/test.sh does).
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>/deps");
    let path = dir.join(name);
    assert!(
        path.is_file(),
        "{} is missing: run `cargo build --workspace --bins` before the tests (scripts/test.sh does)",
        path.display()
    );
    path
}

/// Options for a short, quiet run of `workload` on `nodes` nodes of `bin_name`.
pub fn options(workload: &str, bin_name: &str, nodes: usize) -> TestOptions {
    let mut o = TestOptions::new(workload, bin(bin_name), nodes);
    o.time_limit_s = 2;
    o.rate = 20.0;
    o.quiet = true;
    o.seed = 42;
    o.store = std::env::temp_dir().join(format!("glomers-test-store-{}", std::process::id()));
    o
}

/// Options for a quiet simulated run of `node` (a node registered for
/// `--sim` by its binary name) into a temporary store.
pub fn sim_options(workload: &str, node: &str, nodes: usize) -> TestOptions {
    let mut o = TestOptions::new(workload, node, nodes);
    o.quiet = true;
    o.seed = 1;
    o.sim = true;
    o.store = std::env::temp_dir().join(format!("glomers-sim-store-{}", std::process::id()));
    o
}

/// Runs `o` in simulation with its registered node.
pub fn simulate(o: &TestOptions) -> Outcome {
    let make = glomers::registry::for_bin(&o.bin).expect("a registered node");
    glomers_bench::sim::run_sim(o, &|_, seed| make(seed)).expect("the simulation runs")
}

pub fn run(opts: &TestOptions) -> Outcome {
    run_test(opts).expect("the run starts")
}

pub fn console(outcome: &Outcome) -> String {
    std::fs::read_to_string(outcome.dir.join("jepsen.log")).unwrap_or_default()
}

/// Runs every option set at once, one thread each, each into its own store
/// (a sub-folder of the test store named after `label` and its position).
pub fn run_all(label: &str, mut runs: Vec<TestOptions>) -> Vec<Outcome> {
    for (i, o) in runs.iter_mut().enumerate() {
        o.store = o.store.join(format!("{label}-{i}"));
    }
    std::thread::scope(|s| {
        let handles: Vec<_> = runs.iter().map(|o| s.spawn(move || run(o))).collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("the run's thread"))
            .collect()
    })
}

/// The lines of a JSON-lines file of the run directory.
pub fn jsonl(dir: &std::path::Path, file: &str) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(dir.join(file))
        .unwrap_or_else(|e| panic!("{}: {e}", dir.join(file).display()));
    text.lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

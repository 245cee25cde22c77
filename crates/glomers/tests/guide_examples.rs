//! The guide's example nodes (crates/node/examples, walked through in
//! docs/guide.md) run under the bench as any user would run them, each on
//! the workload its doc comment names, with partitions where it claims to
//! survive them: every one must come out valid. The examples are built by
//! `cargo build --workspace --examples` (scripts/test.sh does).

mod common;

use common::{options, run_all};
use glomers_bench::opts::TestOptions;
use glomers_check::Validity;
use std::path::PathBuf;

/// `target/<profile>/examples/<name>`.
fn example(name: &str) -> PathBuf {
    let bin = common::bin("glomers");
    let path = bin.with_file_name("examples").join(name);
    assert!(
        path.is_file(),
        "{} is missing: run `cargo build --workspace --examples` first (scripts/test.sh does)",
        path.display()
    );
    path
}

fn opts(workload: &str, name: &str, nodes: usize) -> TestOptions {
    let mut o = options(workload, "glomers", nodes);
    o.bin = example(name);
    o.time_limit_s = 5;
    o.recovery_s = 2.0;
    o
}

#[test]
fn every_guide_example_passes_its_workload() {
    let mut ids = opts("unique-ids", "unique_ids", 3);
    ids.rate = 200.0;
    ids.nemesis_partition = true;
    let mut broadcast = opts("broadcast", "broadcast", 5);
    broadcast.nemesis_partition = true;
    broadcast.nemesis_interval_s = 2.0;
    let mut counter = opts("g-counter", "counter", 3);
    counter.rate = 50.0;
    counter.nemesis_partition = true;
    let mut quorum = opts("lin-kv", "quorum", 5);
    quorum.rate = 50.0;
    quorum.concurrency = 10;
    quorum.nemesis_partition = true;
    quorum.nemesis_interval_s = 2.0;
    let runs = vec![opts("echo", "echo", 1), ids, broadcast, counter, quorum];
    let names: Vec<String> = runs.iter().map(|o| o.bin.display().to_string()).collect();
    for (name, out) in names.iter().zip(run_all("guide", runs)) {
        assert_eq!(
            out.verdict,
            Validity::True,
            "{name}: {}",
            serde_json::to_string(&out.results).unwrap_or_default()
        );
    }
}

//! Deterministic simulation: a seed replays a run byte for byte, faulty
//! fixtures are caught in simulation too (a seed sweep finds the no-retry
//! broadcast's losses), and simulation agrees with real processes on the
//! verdicts of our correct nodes.

mod common;

use common::{options, run, sim_options, simulate};
use glomers::registry;
use glomers_bench::run::Outcome;
use glomers_bench::sim::sweep::{merge, report, sweep, Shard};
use glomers_check::Validity;

fn read(o: &Outcome, file: &str) -> String {
    std::fs::read_to_string(o.dir.join(file)).expect("run artifact")
}

#[test]
fn one_seed_replays_byte_for_byte_and_seeds_differ() {
    let mut o = sim_options("broadcast", "broadcast", 5);
    o.time_limit_s = 5;
    o.rate = 50.0;
    o.latency.mean_ms = 20;
    o.nemesis_partition = true;
    o.nemesis_interval_s = 1.0;
    let (a, b) = (simulate(&o), simulate(&o));
    assert_ne!(a.dir, b.dir);
    for file in ["history.jsonl", "results.json", "net-journal.jsonl"] {
        assert_eq!(
            read(&a, file),
            read(&b, file),
            "{file} differs between runs of one seed"
        );
    }
    o.seed = 2;
    let c = simulate(&o);
    assert_ne!(read(&a, "history.jsonl"), read(&c, "history.jsonl"));
    assert_eq!(a.verdict, Validity::True, "{:#}", a.results);
}

#[test]
fn faulty_fixtures_are_caught_in_simulation() {
    let altered = simulate(&sim_options("echo", "faulty-echo-altered", 1));
    assert_eq!(altered.verdict, Validity::False);
    let mut ids = sim_options("unique-ids", "faulty-ids-collide", 3);
    ids.rate = 100.0;
    ids.time_limit_s = 5;
    let ids = simulate(&ids);
    assert!(
        ids.results["workload"]["duplicated-count"]
            .as_u64()
            .unwrap_or(0)
            > 0
    );
    let mut drops = sim_options("broadcast", "faulty-broadcast-drops", 1);
    drops.time_limit_s = 5;
    drops.rate = 20.0;
    let drops = simulate(&drops);
    assert!(
        drops.results["workload"]["lost-count"]
            .as_u64()
            .unwrap_or(0)
            > 0
    );
    let mut phantom = sim_options("broadcast", "faulty-broadcast-phantom", 3);
    phantom.time_limit_s = 5;
    assert_eq!(
        simulate(&phantom).verdict,
        Validity::True,
        "never-added elements are ignored"
    );
}

#[test]
fn a_seed_sweep_finds_the_no_retry_broadcast_losing_values() {
    let mut o = sim_options("broadcast", "faulty-broadcast-no-retry", 5);
    o.time_limit_s = 10;
    o.rate = 10.0;
    o.nemesis_partition = true;
    let make = registry::for_bin(&o.bin).expect("registered");
    let summary = sweep(&o, &|_, seed| make(seed), 20, true, 2, Shard::ALL);
    let first = summary.failures.first().expect("found within 20 seeds");
    assert!(first.reason.contains("lost-count"), "{}", first.reason);
    assert!(
        first.replay.contains(&format!("--seed {}", first.seed)),
        "{}",
        first.replay
    );
    // The same node on a healthy network passes: the checker is not failing everything.
    o.nemesis_partition = false;
    let healthy = sweep(&o, &|_, seed| make(seed), 3, false, 2, Shard::ALL);
    assert!(healthy.failures.is_empty());
}

#[test]
fn merging_the_shards_of_a_sweep_gives_the_unsharded_sweep() {
    // Short and slow enough that only some seeds lose a value.
    let mut o = sim_options("broadcast", "faulty-broadcast-no-retry", 5);
    o.time_limit_s = 2;
    o.rate = 5.0;
    o.nemesis_partition = true;
    o.nemesis_interval_s = 1.0;
    let make = registry::for_bin(&o.bin).expect("registered");
    let whole = sweep(&o, &|_, seed| make(seed), 10, false, 2, Shard::ALL);
    let shards: Vec<_> = (0..3)
        .map(|i| {
            let shard = Shard::parse(&format!("{i}/3")).expect("a shard");
            sweep(&o, &|_, seed| make(seed), 10, false, 1, shard)
        })
        .collect();
    assert_eq!(shards.iter().map(|s| s.ran).collect::<Vec<_>>(), [4, 3, 3]);
    let merged = merge(&shards).expect("the shards merge");
    assert_eq!(merged, whole);
    assert_eq!(report(&merged), report(&whole));
    let failing = whole.failures.len();
    assert!(
        failing > 0 && failing < 10,
        "a mixed sweep: {failing} of 10 failed"
    );
    // A shard run again alone gives the same summary; a missing one is named.
    let again = sweep(&o, &|_, seed| make(seed), 10, false, 2, shards[1].shard);
    assert_eq!(again, shards[1]);
    let err = merge(&shards[..2]).expect_err("shard 2 is missing");
    assert!(err.contains("missing shard(s) 2/3"), "{err}");
    assert!(Shard::parse("3/3").is_err() && Shard::parse("x").is_err());
}

#[test]
fn simulation_and_processes_agree_on_our_correct_nodes() {
    let cases = [
        ("echo", "echo", 1, 5.0),
        ("unique-ids", "unique-ids", 3, 200.0),
        ("broadcast", "broadcast", 5, 20.0),
        ("g-counter", "counter", 3, 50.0),
        ("pn-counter", "counter", 3, 50.0),
    ];
    for (workload, node, n, rate) in cases {
        let mut s = sim_options(workload, node, n);
        s.time_limit_s = 3;
        s.rate = rate;
        s.nemesis_partition = workload != "echo";
        let mut p = options(workload, node, n);
        p.time_limit_s = 3;
        p.rate = rate;
        p.nemesis_partition = s.nemesis_partition;
        let (sim, real) = (simulate(&s), run(&p));
        assert_eq!(
            sim.verdict,
            Validity::True,
            "{workload} in simulation: {:#}",
            sim.results
        );
        assert_eq!(
            real.verdict, sim.verdict,
            "{workload}: process {:#}",
            real.results
        );
    }
}

#[test]
fn shrinking_finds_a_smaller_failing_case() {
    let mut o = sim_options("broadcast", "faulty-broadcast-no-retry", 5);
    o.time_limit_s = 20;
    o.rate = 10.0;
    o.nemesis_partition = true;
    o.seed = 3;
    let make = registry::for_bin(&o.bin).expect("registered");
    let small =
        glomers_bench::sim::shrink::shrink(&o, &|_, seed| make(seed)).expect("seed 3 fails");
    assert!(small.time_limit_s < o.time_limit_s || small.nodes.len() < o.nodes.len());
    assert_ne!(
        simulate(&small).verdict,
        Validity::True,
        "the shrunk case still fails"
    );
    // A passing run has nothing to shrink.
    let ok = sim_options("echo", "echo", 1);
    let echo = registry::for_bin(&ok.bin).expect("registered");
    assert!(glomers_bench::sim::shrink::shrink(&ok, &|_, seed| echo(seed)).is_none());
}

/// Two nodes that answer each other at once forever, at zero latency and
/// on an idealised network (no thread wake-ups to move time on), would hold
/// virtual time still; the simulation must end with an error naming them
/// and the message type, not spin.
#[test]
fn a_forever_chattering_pair_ends_the_simulation_with_an_error() {
    let mut o = sim_options("echo", "faulty-chatter", 2);
    o.time_limit_s = 2;
    o.jitter = glomers_bench::net::delivery::Jitter::None;
    let out = simulate(&o);
    assert_eq!(out.exit_code(), 255, "{:#}", out.results);
    let error = out.error.as_deref().unwrap_or("");
    assert!(error.contains("froze"), "{error}");
    assert!(
        error.contains("n0 → n1 \"ping\"") && error.contains("n1 → n0 \"ping\""),
        "{error}"
    );
}

#[test]
fn sharded_sweeps_on_the_command_line_merge_into_one_report() {
    let dir = std::env::temp_dir().join(format!("glomers-shards-{}", std::process::id()));
    let glomers = common::bin("glomers");
    let sweep_args = [
        "test",
        "--sim",
        "--seeds",
        "6",
        "--seed",
        "1",
        "-w",
        "broadcast",
        "--bin",
        "faulty-broadcast-no-retry",
        "--node-count",
        "5",
        "--time-limit",
        "2",
        "--rate",
        "5",
        "--nemesis",
        "partition",
        "--nemesis-interval",
        "1",
    ];
    let mut summaries = Vec::new();
    for shard in ["0/2", "1/2"] {
        let summary = dir.join(format!("shard-{}.json", &shard[..1]));
        let status = std::process::Command::new(&glomers)
            .args(sweep_args)
            .args(["--shard", shard, "--summary"])
            .arg(&summary)
            .arg("--store")
            .arg(&dir)
            .output()
            .expect("glomers runs")
            .status;
        assert!(status.code().is_some_and(|c| c == 0 || c == 1), "{status}");
        summaries.push(summary);
    }
    let merged = std::process::Command::new(&glomers)
        .arg("merge")
        .args(&summaries)
        .output()
        .expect("glomers merge runs");
    let text = String::from_utf8_lossy(&merged.stdout);
    assert!(
        text.contains("of 6 seed(s) failed (seeds 1..7; 6 run)"),
        "{text}"
    );
    let failing = text.matches("  replay: ").count();
    assert_eq!(merged.status.code(), Some(i32::from(failing > 0)), "{text}");
    let alone = std::process::Command::new(&glomers)
        .arg("merge")
        .arg(&summaries[0])
        .output()
        .expect("glomers merge runs");
    assert_eq!(alone.status.code(), Some(254));
    assert!(String::from_utf8_lossy(&alone.stderr).contains("missing shard(s) 1/2"));
}

//! The `lin-kv` workload end to end: our Raft node and the proxy to the
//! `lin-kv` service are linearizable under partitions, in simulation and as
//! real processes; the faulty nodes (reads from a follower's local state,
//! acknowledged writes that are lost) are caught with the key that is not
//! linearizable; and `--concurrency` must be a multiple of 2N, as Jepsen's
//! generator insists.

mod common;

use common::{options, run, run_all, sim_options, simulate};
use glomers_bench::opts::TestOptions;
use glomers_bench::run::Outcome;
use glomers_check::Validity;

/// The command, shortened: 5 nodes, `--concurrency 2n`, rate 100,
/// partitions.
fn lin_kv(bin: &str, sim: bool, seed: u64, seconds: u64) -> TestOptions {
    let mut o = if sim {
        sim_options("lin-kv", bin, 5)
    } else {
        options("lin-kv", bin, 5)
    };
    o.concurrency = 10;
    o.time_limit_s = seconds;
    o.rate = 100.0;
    o.nemesis_partition = true;
    o.seed = seed;
    o
}

fn failures(out: &Outcome) -> Vec<String> {
    out.results["workload"]["failures"]
        .as_array()
        .map(|keys| keys.iter().map(|k| k.to_string()).collect())
        .unwrap_or_default()
}

#[test]
fn raft_is_linearizable_under_partitions_in_simulation() {
    for seed in 1..=6 {
        let out = simulate(&lin_kv("raft", true, seed, 60));
        assert_eq!(
            out.verdict,
            Validity::True,
            "seed {seed}: {:#}",
            out.results["workload"]
        );
        let ok = out.results["stats"]["ok-count"].as_u64().unwrap_or(0);
        assert!(ok > 1_000, "seed {seed}: only {ok} ok ops");
    }
}

#[test]
fn raft_and_the_proxy_are_linearizable_as_processes() {
    let outcomes = run_all(
        "lin-kv",
        vec![
            lin_kv("raft", false, 1, 10),
            lin_kv("lin-kv-proxy", false, 1, 10),
        ],
    );
    for out in outcomes {
        assert_eq!(out.verdict, Validity::True, "{:#}", out.results["workload"]);
    }
}

#[test]
fn stale_reads_and_lost_writes_are_not_linearizable() {
    for bin in ["faulty-lin-kv-stale-read", "faulty-lin-kv-lost-write"] {
        for sim in [true, false] {
            let o = lin_kv(bin, sim, 1, if sim { 60 } else { 10 });
            let out = if sim { simulate(&o) } else { run(&o) };
            assert_eq!(out.verdict, Validity::False, "{bin} (sim {sim}) passed");
            let keys = failures(&out);
            assert!(!keys.is_empty(), "{bin}: no failing key");
            let key = &out.results["workload"]["results"][keys[0].trim_matches('"')];
            assert_eq!(key["linearizable"]["valid?"], false, "{key:#}");
            let svg = out
                .dir
                .join("independent")
                .join(keys[0].trim_matches('"'))
                .join("linear.svg");
            let svg = std::fs::read_to_string(&svg)
                .unwrap_or_else(|e| panic!("{bin}: {}: {e}", svg.display()));
            assert!(
                svg.contains("<svg") && svg.trim_end().ends_with("</svg>"),
                "{bin}: not an SVG"
            );
        }
    }
}

#[test]
fn concurrency_must_be_a_multiple_of_two_n() {
    let mut o = lin_kv("raft", true, 1, 1);
    o.concurrency = 7;
    let make = glomers::registry::for_bin(&o.bin).expect("registered");
    let err = glomers_bench::sim::run_sim(&o, &|_, seed| make(seed))
        .err()
        .unwrap_or_default();
    assert!(err.contains("multiple of 10"), "{err}");
}

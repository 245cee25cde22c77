//! The `txn-rw-register` and `txn-list-append` workloads end to end: our
//! nodes (6a single node, 6b/6c replicated) are valid under the models
//! their challenges name, in real processes and in simulation, and every
//! faulty node is caught with the anomaly that names its flaw, in both
//! modes; the replicated node's first broken stronger model is named.

mod common;

use common::{options, run_all, sim_options, simulate};
use glomers_bench::opts::{Availability, TestOptions};
use glomers_bench::run::Outcome;
use glomers_check::Validity;

/// A short txn run: 4 s at rate 200, two workers per node.
fn txn_options(workload: &str, bin: &str, nodes: usize, model: &str, sim: bool) -> TestOptions {
    let mut o = if sim {
        sim_options(workload, bin, nodes)
    } else {
        options(workload, bin, nodes)
    };
    o.concurrency = 2 * nodes;
    o.time_limit_s = 4;
    o.rate = 200.0;
    o.consistency_models = vec![model.to_string()];
    o.seed = 11;
    o
}

fn anomaly_types(out: &Outcome) -> Vec<String> {
    out.results["workload"]["anomaly-types"]
        .as_array()
        .map(|types| {
            types
                .iter()
                .filter_map(|t| t.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// (workload, node, node count, model) cases, each run as processes (side
/// by side) and simulated: process outcomes first, then simulated ones.
type Case<'a> = (&'a str, &'a str, usize, &'a str);

fn both_modes(cases: &[Case], tweak: fn(&mut TestOptions)) -> Vec<Outcome> {
    let mut real: Vec<TestOptions> = cases
        .iter()
        .map(|&(w, bin, n, m)| txn_options(w, bin, n, m, false))
        .collect();
    real.iter_mut().for_each(tweak);
    let mut outcomes = run_all("txn", real);
    for &(w, bin, n, m) in cases {
        let mut o = txn_options(w, bin, n, m, true);
        tweak(&mut o);
        outcomes.push(simulate(&o));
    }
    outcomes
}

#[test]
fn our_nodes_are_valid_under_their_challenges_models() {
    let cases: [Case; 4] = [
        ("txn-rw-register", "txn-single", 1, "strict-serializable"),
        ("txn-list-append", "txn-single", 1, "strict-serializable"),
        ("txn-rw-register", "txn", 2, "read-uncommitted"),
        ("txn-rw-register", "txn", 2, "read-committed"),
    ];
    let outcomes = both_modes(&cases, |o| {
        o.nemesis_partition = o.nodes.len() > 1;
        o.availability = Some(Availability::Total);
    });
    for (i, out) in outcomes.iter().enumerate() {
        let (w, bin, n, model) = cases[i % cases.len()];
        let mode = if i < cases.len() { "process" } else { "sim" };
        assert_eq!(
            out.verdict,
            Validity::True,
            "{bin} ×{n} on {w} under {model} ({mode}): {:#}",
            out.results["workload"]
        );
        assert!(
            out.results["stats"]["ok-count"].as_u64().unwrap_or(0) > 300,
            "{bin} ({mode}) did too little"
        );
    }
}

#[test]
fn faulty_nodes_are_caught_with_the_anomaly_that_names_the_flaw() {
    let cases: [(Case, &str); 5] = [
        (
            (
                "txn-rw-register",
                "faulty-txn-dirty-read",
                1,
                "read-committed",
            ),
            "G1a",
        ),
        (
            (
                "txn-rw-register",
                "faulty-txn-intermediate-read",
                1,
                "read-committed",
            ),
            "G1b",
        ),
        (
            ("txn-rw-register", "faulty-txn-g1c", 1, "read-committed"),
            "G1c",
        ),
        (
            (
                "txn-rw-register",
                "faulty-txn-lost-update",
                1,
                "repeatable-read",
            ),
            "lost-update",
        ),
        (
            ("txn-list-append", "faulty-txn-g0", 2, "read-committed"),
            "G0",
        ),
    ];
    let runs: Vec<Case> = cases.iter().map(|(c, _)| *c).collect();
    let outcomes = both_modes(&runs, |o| o.time_limit_s = 6);
    for (i, out) in outcomes.iter().enumerate() {
        let ((w, bin, _, model), expected) = cases[i % cases.len()];
        let mode = if i < cases.len() { "process" } else { "sim" };
        let types = anomaly_types(out);
        assert_eq!(out.verdict, Validity::False, "{bin} ({mode}) passed");
        assert!(
            types.iter().any(|t| t == expected),
            "{bin} on {w} under {model} ({mode}): expected {expected} among {types:?}"
        );
        let witness = &out.results["workload"]["anomalies"][expected][0];
        assert!(
            witness["explanation"]
                .as_str()
                .is_some_and(|e| !e.is_empty()),
            "{bin} ({mode}): {expected} comes without an explanation: {witness:#}"
        );
    }
}

/// A weaker model must not flag what only a stronger one prohibits: the
/// lost-update node is fine under read committed, as Elle says.
#[test]
fn a_lost_update_is_allowed_by_read_committed() {
    let o = txn_options(
        "txn-rw-register",
        "faulty-txn-lost-update",
        1,
        "read-committed",
        true,
    );
    let out = simulate(&o);
    assert_eq!(out.verdict, Validity::True, "{:#}", out.results["workload"]);
}

/// Beyond 6c: the replicated node is read committed; the first stronger
/// model it breaks is repeatable read (two nodes accept concurrent updates
/// of one key), and the checker says with which anomaly.
#[test]
fn the_replicated_node_breaks_repeatable_read_and_says_how() {
    let mut o = txn_options("txn-rw-register", "txn", 2, "repeatable-read", true);
    o.time_limit_s = 10;
    o.rate = 500.0;
    let out = simulate(&o);
    assert_eq!(
        out.verdict,
        Validity::False,
        "{:#}",
        out.results["workload"]
    );
    let types = anomaly_types(&out);
    assert!(
        types
            .iter()
            .any(|t| t == "lost-update" || t.starts_with("G2") || t.starts_with("G-single")),
        "{types:?}"
    );
    assert!(
        out.results["workload"]["not"]
            .as_array()
            .is_some_and(|n| !n.iter().any(|m| m == "read-committed")),
        "read committed must still hold: {:#}",
        out.results["workload"]["not"]
    );
}

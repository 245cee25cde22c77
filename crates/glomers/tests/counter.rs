//! The `g-counter` and `pn-counter` workloads (Maelstrom's counter checker)
//! and the `seq-kv` service behind them, against our correct `counter` node
//! and against fixtures that get a counter wrong (crates/fixtures): the
//! correct node passes both workloads under partitions; each fixture is
//! caught by the workload that exposes it, with the offending final reads
//! in `errors`; and the node↔service traffic is server traffic that pays
//! the network latency.
//!
//! Every run waits for a recovery pause before its final reads. Our
//! `counter` syncs in the background, so its runs keep Maelstrom's 10 s; the
//! fixtures only act when a message arrives — nothing changes while the
//! cluster is quiet — so their runs use a short pause, which changes nothing
//! but the wall time. Tests needing several runs start them side by side in
//! threads, each with its own store.

mod common;

use common::{jsonl, options, run, run_all};
use glomers_bench::opts::TestOptions;
use glomers_bench::run::Outcome;
use glomers_check::Validity;
use serde_json::Value;
use std::collections::HashMap;

/// A short run of a fixture: rate 100, 3 s, and a 1 s recovery pause (see
/// the module doc).
fn fixture_opts(workload: &str, bin: &str, nodes: usize, seed: u64) -> TestOptions {
    let mut o = options(workload, bin, nodes);
    o.time_limit_s = 3;
    o.rate = 100.0;
    o.recovery_s = 1.0;
    o.seed = seed;
    o
}

/// The counter checker's result.
fn workload(out: &Outcome) -> &Value {
    &out.results["workload"]
}

fn final_reads(out: &Outcome) -> Vec<i64> {
    workload(out)["final-reads"]
        .as_array()
        .unwrap_or_else(|| panic!("no final reads: {:#}", workload(out)))
        .iter()
        .map(|v| v.as_i64().expect("an integer final read"))
        .collect()
}

/// `acceptable` as `[lo, hi]` intervals.
fn acceptable(out: &Outcome) -> Vec<(i64, i64)> {
    workload(out)["acceptable"]
        .as_array()
        .expect("acceptable intervals")
        .iter()
        .map(|i| (i[0].as_i64().unwrap_or(0), i[1].as_i64().unwrap_or(0)))
        .collect()
}

fn is_acceptable(out: &Outcome, v: i64) -> bool {
    acceptable(out).iter().any(|&(lo, hi)| lo <= v && v <= hi)
}

/// Deltas of the adds the history acknowledged (`ok`).
fn acknowledged_deltas(out: &Outcome) -> Vec<i64> {
    let mut invoked: HashMap<u64, i64> = HashMap::new();
    let mut acked = Vec::new();
    for op in jsonl(&out.dir, "history.jsonl") {
        let (Some(process), true) = (op["process"].as_u64(), op["f"] == "add") else {
            continue;
        };
        if op["type"] == "invoke" {
            invoked.insert(process, op["value"].as_i64().expect("a delta"));
        } else if let Some(delta) = invoked.remove(&process) {
            if op["type"] == "ok" {
                acked.push(delta);
            }
        }
    }
    acked
}

/// A correct node's run: valid, every final read present (one per worker),
/// all equal and acceptable, and enough adds to mean something.
fn assert_counted(out: &Outcome, what: &str) {
    let w = workload(out);
    assert_eq!(out.error, None, "{what}");
    assert_eq!(out.verdict, Validity::True, "{what}: {:#}", out.results);
    assert_eq!(w["errors"], Value::Null, "{what}: {w:#}");
    let reads = final_reads(out);
    assert_eq!(reads.len(), 3, "{what}: one final read per worker: {w:#}");
    assert!(reads.windows(2).all(|p| p[0] == p[1]), "{what}: {w:#}");
    assert!(is_acceptable(out, reads[0]), "{what}: {w:#}");
    let adds = out.results["stats"]["by-f"]["add"]["ok-count"]
        .as_u64()
        .unwrap_or(0);
    assert!(adds >= 30, "{what}: only {adds} adds");
}

/// A caught run, for the right reason: invalid, and `errors` holds exactly
/// the final reads outside `acceptable`, as the ops that returned them.
fn assert_caught(out: &Outcome, what: &str) {
    let w = workload(out);
    assert_eq!(out.error, None, "{what}");
    assert_eq!(out.verdict, Validity::False, "{what}: {w:#}");
    assert_eq!(w["valid?"], false, "{what}: {w:#}");
    let errors = w["errors"].as_array().expect("errors list");
    let bad: Vec<i64> = final_reads(out)
        .into_iter()
        .filter(|&v| !is_acceptable(out, v))
        .collect();
    assert!(!bad.is_empty(), "{what}: {w:#}");
    assert_eq!(errors.len(), bad.len(), "{what}: {w:#}");
    for (e, v) in errors.iter().zip(&bad) {
        assert_eq!(e["f"], "read", "{what}: {e}");
        assert_eq!(e["type"], "ok", "{what}: {e}");
        assert_eq!(e["final?"], true, "{what}: {e}");
        assert_eq!(e["value"], *v, "{what}: {e}");
    }
}

/// Our node under the partition nemesis: the counter lives in `seq-kv`,
/// which is never partitioned, so cutting node↔node links costs nothing.
fn correct_counter_opts(workload: &str) -> TestOptions {
    let mut o = options(workload, "counter", 3);
    o.time_limit_s = 5;
    o.rate = 100.0;
    o.nemesis_partition = true;
    o.nemesis_interval_s = 1.0;
    o
}

fn assert_partitioned(out: &Outcome, what: &str) {
    let history = jsonl(&out.dir, "history.jsonl");
    assert!(
        history
            .iter()
            .any(|op| op["process"] == "nemesis" && op["f"] == "start-partition"),
        "{what}: no partition happened"
    );
}

#[test]
fn correct_counter_passes_g_counter_under_partitions() {
    let out = run(&correct_counter_opts("g-counter"));
    assert_counted(&out, "g-counter");
    assert_partitioned(&out, "g-counter");
}

#[test]
fn correct_counter_passes_pn_counter_under_partitions() {
    let out = run(&correct_counter_opts("pn-counter"));
    assert_counted(&out, "pn-counter");
    assert_partitioned(&out, "pn-counter");
    assert!(
        acknowledged_deltas(&out).iter().any(|&d| d < 0),
        "pn-counter sends negative deltas"
    );
}

/// A shared key updated by read + plain write loses concurrent and
/// stale-based updates. Every write is an earlier value of the key plus a
/// non-negative delta, so the key never exceeds the acknowledged total: the
/// offending final reads are all short of it. (Caught in 18 of 18
/// calibration runs, 6 seeds.)
#[test]
fn read_modify_write_counter_is_caught_losing_adds() {
    let out = run(&fixture_opts("g-counter", "faulty-counter-rmw", 3, 1));
    assert_caught(&out, "rmw");
    let total: i64 = acknowledged_deltas(&out).iter().sum();
    assert_eq!(
        acceptable(&out),
        vec![(total, total)],
        "no indeterminate adds"
    );
    for e in workload(&out)["errors"].as_array().into_iter().flatten() {
        let v = e["value"].as_i64().unwrap_or(i64::MAX);
        assert!(v < total, "lost adds read short: {v} vs {total}");
    }
}

/// Reads answered from one plain `seq-kv` read of the peer's key are stale
/// whenever the reader's view is behind the peer's last add — and nothing
/// moves it on during the recovery pause. Whether a node ends up behind
/// depends on the op stream's tail and `seq-kv`'s draws: across seeds about
/// a third of the runs are caught (8 of 24 when last calibrated). Rather
/// than pin seeds, which any change in how the bench uses its random stream
/// reshuffles, we run 24 and require at least 3 caught (a chance below 1 %
/// of missing that if a third are caught), each with the right reason.
#[test]
fn stale_reads_are_caught_in_g_counter() {
    let seeds: Vec<u64> = (1..=24).collect();
    let opts = seeds
        .iter()
        .map(|&seed| fixture_opts("g-counter", "faulty-counter-stale-read", 2, seed))
        .collect();
    let outs = run_all("stale-read", opts);
    let mut caught = 0;
    for (seed, out) in seeds.iter().zip(&outs) {
        assert_eq!(out.error, None, "seed {seed}");
        if out.verdict == Validity::True {
            continue;
        }
        caught += 1;
        assert_caught(out, &format!("stale-read seed {seed}"));
        // Adds are right, reads are behind: a stale read falls short.
        let total: i64 = acknowledged_deltas(out).iter().sum();
        for v in final_reads(out) {
            assert!(v <= total, "seed {seed}: {v} > {total}");
        }
    }
    assert!(caught >= 3, "only {caught} of 24 seeds caught");
}

/// Negative deltas are acknowledged but never applied, and the fixture's
/// reads are fresh: every final read is exactly the sum of the acknowledged
/// non-negative deltas.
#[test]
fn a_counter_ignoring_negative_deltas_is_caught_by_pn_counter() {
    let out = run(&fixture_opts(
        "pn-counter",
        "faulty-pn-counter-ignores-negative",
        3,
        1,
    ));
    assert_caught(&out, "ignores-negative");
    let deltas = acknowledged_deltas(&out);
    assert!(deltas.iter().any(|&d| d < 0), "{deltas:?}");
    let applied: i64 = deltas.iter().filter(|&&d| d > 0).sum();
    assert_eq!(final_reads(&out), vec![applied; 3]);
    assert_eq!(workload(&out)["errors"].as_array().map(Vec::len), Some(3));
}

/// The same node is a correct grow-only counter: g-counter never sends a
/// negative delta, so it passes — the checker does not fail everything.
#[test]
fn a_counter_ignoring_negative_deltas_passes_g_counter() {
    let out = run(&fixture_opts(
        "g-counter",
        "faulty-pn-counter-ignores-negative",
        3,
        1,
    ));
    assert_counted(&out, "ignores-negative in g-counter");
}

/// Node↔service messages are server messages (our node talks to nobody
/// but `seq-kv`, so they are all of them) and pay the latency both ways.
#[test]
fn service_traffic_is_server_traffic_and_pays_latency() {
    const MS: u64 = 1_000_000;
    let mut o = options("g-counter", "counter", 3);
    o.time_limit_s = 3;
    o.rate = 50.0;
    o.latency.mean_ms = 50;
    let out = run(&o);
    assert_counted(&out, "latency 50");
    let journal = jsonl(&out.dir, "net-journal.jsonl");
    let sends = |e: &&Value| e["type"] == "send";
    let involves_kv =
        |e: &&Value| e["message"]["src"] == "seq-kv" || e["message"]["dest"] == "seq-kv";
    let kv_messages = journal.iter().filter(sends).filter(involves_kv).count() as u64;
    assert!(kv_messages > 0);
    assert_eq!(
        out.results["net"]["servers"]["msg-count"], kv_messages,
        "{:#}",
        out.results["net"]
    );
    // (node, msg_id) → when the request was sent / reached seq-kv.
    let mut sent: HashMap<(String, u64), u64> = HashMap::new();
    let mut arrived: HashMap<(String, u64), u64> = HashMap::new();
    let mut replies = 0;
    for e in &journal {
        let m = &e["message"];
        let time = e["time"].as_u64().expect("time in ns");
        let node = |k: &str| m[k].as_str().unwrap_or("").to_string();
        if m["dest"] == "seq-kv" {
            let key = (node("src"), m["body"]["msg_id"].as_u64().expect("msg_id"));
            let seen = if e["type"] == "send" {
                &mut sent
            } else {
                &mut arrived
            };
            seen.insert(key, time);
        } else if m["src"] == "seq-kv" {
            let key = (
                node("dest"),
                m["body"]["in_reply_to"].as_u64().expect("in_reply_to"),
            );
            if e["type"] == "send" {
                assert!(time >= arrived[&key], "replied before the request arrived");
            } else {
                // Maelstrom sleeps whole milliseconds, truncated: each leg
                // may end up to 1 ms before its 50 ms.
                let rtt = time - sent[&key];
                assert!(
                    rtt >= 98 * MS,
                    "{key:?}: reply after {rtt} ns, not 2 × 50 ms"
                );
                replies += 1;
            }
        }
    }
    for (key, at) in &arrived {
        assert!(at - sent[key] >= 49 * MS, "{key:?} arrived early");
    }
    assert!(replies > 10, "only {replies} seq-kv replies");
}

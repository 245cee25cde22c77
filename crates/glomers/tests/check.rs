//! `glomers check` end to end, through the binary: a run's history checked
//! again gives the run's verdict and anomalies (from our history.jsonl and
//! from the same history written as Jepsen's history.edn in a
//! Maelstrom-shaped store folder, whose results.edn is compared), a broken
//! register is caught with its picture, and bad input is a clear error.

mod common;

use common::{bin, sim_options, simulate};
use glomers::commands::bench::synth;
use glomers_check::common::anomaly_types;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("glomers-check-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn check(args: &[&str], store: &Path) -> Output {
    Command::new(bin("glomers"))
        .arg("check")
        .args(args)
        .arg("--store")
        .arg(store)
        .output()
        .expect("glomers runs")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The results.json `glomers check` wrote (its path is printed last).
fn results_of(out: &Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let dir = stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("results: "))
        .expect("the results line");
    let json = std::fs::read_to_string(Path::new(dir).join("results.json")).expect("results");
    serde_json::from_str(&json).expect("JSON")
}

#[test]
fn a_runs_history_checked_again_gives_the_runs_verdict_in_both_formats() {
    let mut o = sim_options("txn-rw-register", "faulty-txn-g1c", 1);
    o.concurrency = 2;
    o.time_limit_s = 4;
    o.rate = 200.0;
    o.consistency_models = vec!["read-committed".into()];
    let run = simulate(&o);
    let types = anomaly_types(&run.results["workload"]);
    assert!(types.contains(&"G1c"), "the fixture's flaw: {types:?}");
    let store = scratch("again");

    // Our run directory: workload and consistency models from test.json.
    let ours = check(&[run.dir.to_str().expect("utf-8")], &store);
    assert_eq!(ours.status.code(), Some(1), "{}", text(&ours));
    let again = results_of(&ours);
    assert_eq!(
        again["workload"],
        run.results["workload"],
        "{}",
        text(&ours)
    );

    // The same history as Maelstrom leaves it: store/<workload>/<time>/.
    let maelstrom = store.join("maelstrom/txn-rw-register/20260101T000000.000+0000");
    std::fs::create_dir_all(&maelstrom).expect("dir");
    let history = glomers_check::read::read_file(&run.dir.join("history.jsonl")).expect("reads");
    synth::write(&maelstrom.join("history.edn"), &history).expect("writes EDN");
    std::fs::copy(run.dir.join("results.edn"), maelstrom.join("results.edn")).expect("copy");
    std::fs::write(
        maelstrom.join("jepsen.log"),
        "INFO jepsen.core Running test with {:consistency-models [:read-committed], :rate 200}\n",
    )
    .expect("log");
    let theirs = check(&[maelstrom.to_str().expect("utf-8")], &store);
    assert_eq!(theirs.status.code(), Some(1), "{}", text(&theirs));
    assert_eq!(results_of(&theirs)["workload"], run.results["workload"]);
    assert!(
        text(&theirs).contains("— agree"),
        "Maelstrom's verdict shown beside ours: {}",
        text(&theirs)
    );
}

#[test]
fn a_broken_register_is_caught_with_its_picture_and_a_good_one_passes() {
    let dir = scratch("register");
    let good = dir.join("good.edn");
    let bad = dir.join("bad.edn");
    let ops = |read: u32| {
        format!(
            "[{{:process 0, :type :invoke, :f :write, :value 3}}\n \
             {{:process 1, :type :invoke, :f :read, :value nil}}\n \
             {{:process 0, :type :ok, :f :write, :value 3}}\n \
             {{:process 1, :type :ok, :f :read, :value {read}}}\n \
             {{:process 1, :type :invoke, :f :read, :value nil}}\n \
             {{:process 1, :type :ok, :f :read, :value 3}}]\n"
        )
    };
    std::fs::write(&good, ops(3)).expect("write");
    std::fs::write(&bad, ops(0)).expect("write");
    let g = check(&["-w", "cas-register", good.to_str().expect("utf-8")], &dir);
    assert_eq!(g.status.code(), Some(0), "{}", text(&g));
    let b = check(&["-w", "cas-register", bad.to_str().expect("utf-8")], &dir);
    assert_eq!(b.status.code(), Some(1), "{}", text(&b));
    let out = text(&b);
    assert!(out.contains("not linearizable"), "{out}");
    let picture = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("picture: "))
        .expect("the picture's path");
    assert!(std::fs::read_to_string(picture)
        .expect("svg")
        .contains("<svg"));
    // Both at once: the worst status.
    let both = check(
        &[
            "-w",
            "cas-register",
            good.to_str().expect("utf-8"),
            bad.to_str().expect("utf-8"),
        ],
        &dir,
    );
    assert_eq!(both.status.code(), Some(1));
}

#[test]
fn bad_input_is_a_clear_error() {
    let dir = scratch("bad");
    let broken = dir.join("broken.edn");
    std::fs::write(
        &broken,
        "{:process 0, :type :invoke, :f :read}\n{:process 0, :type :ok :f}\n",
    )
    .expect("write");
    let out = check(
        &["-w", "cas-register", broken.to_str().expect("utf-8")],
        &dir,
    );
    assert_eq!(out.status.code(), Some(254));
    assert!(
        text(&out).contains("broken.edn: line 2, column 1: malformed EDN: map has an odd number"),
        "{}",
        text(&out)
    );
    let typo = check(
        &["-w", "cas-regster", broken.to_str().expect("utf-8")],
        &dir,
    );
    assert_eq!(typo.status.code(), Some(254));
    assert!(
        text(&typo).contains("did you mean cas-register?"),
        "{}",
        text(&typo)
    );
    assert_eq!(text(&typo).matches("did you mean").count(), 1);
    let nothing = check(&["-w", "echo", "/no/such/history.edn"], &dir);
    assert_eq!(nothing.status.code(), Some(254));
    assert!(
        text(&nothing).contains("no such file"),
        "{}",
        text(&nothing)
    );
    let unnamed = check(&[broken.to_str().expect("utf-8")], &dir);
    assert_eq!(unnamed.status.code(), Some(254));
    assert!(
        text(&unnamed).contains("which checker?"),
        "{}",
        text(&unnamed)
    );
}

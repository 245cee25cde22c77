//! `--junit FILE` on `glomers test` and `glomers challenge`, read back with
//! a JUnit-reading library (junit-parser, as CI report tools read it): a
//! valid run is all passing cases, one per checker; a broken node's run
//! fails exactly the checker that caught it, with the finding in words as
//! the message and the run page in the text; a run that could not start
//! its workload is an error; exit codes are unchanged.

mod common;

use common::bin;
use junit_parser::{TestStatus, TestSuites};
use std::path::PathBuf;
use std::process::Command;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("glomers-junit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir.join(name)
}

/// Runs `glomers ARGS --junit FILE --store …`; returns the exit code and the parsed report.
fn run(args: &[&str], name: &str) -> (i32, TestSuites) {
    let report = scratch(name);
    let store = scratch(&format!("{name}-store"));
    let status = Command::new(bin("glomers"))
        .args(args)
        .arg("--junit")
        .arg(&report)
        .arg("--store")
        .arg(&store)
        .output()
        .expect("glomers runs")
        .status;
    let file = std::fs::File::open(&report).expect("the report was written");
    let suites = junit_parser::from_reader(std::io::BufReader::new(file)).expect("valid JUnit XML");
    (status.code().unwrap_or(-1), suites)
}

#[test]
fn a_valid_run_is_one_passing_case_per_checker() {
    let (code, suites) = run(
        &[
            "test",
            "-w",
            "echo",
            "--bin",
            "echo",
            "--node-count",
            "1",
            "--time-limit",
            "5",
            "--sim",
        ],
        "valid.xml",
    );
    assert_eq!(code, 0);
    let suite = &suites.suites[0];
    let names: Vec<&str> = suite
        .cases
        .iter()
        .map(|c| c.original_name.as_str())
        .collect();
    for checker in ["workload", "stats", "availability", "exceptions", "perf"] {
        assert!(names.contains(&checker), "{names:?}");
    }
    assert!(suite.cases.iter().all(|c| c.status.is_success()));
    assert_eq!((suites.failures, suites.errors), (0, 0));
}

#[test]
fn a_broken_node_fails_the_checker_that_caught_it_with_the_finding() {
    let (code, suites) = run(
        &[
            "test",
            "-w",
            "echo",
            "--bin",
            "faulty-echo-altered",
            "--node-count",
            "1",
            "--time-limit",
            "5",
            "--sim",
        ],
        "broken.xml",
    );
    assert_eq!(code, 1, "exit code unchanged: invalid is 1");
    let suite = &suites.suites[0];
    let failed: Vec<_> = suite
        .cases
        .iter()
        .filter_map(|c| match &c.status {
            TestStatus::Failure(f) => Some((c.original_name.as_str(), f)),
            _ => None,
        })
        .collect();
    assert_eq!(failed.len(), 1, "{:?}", suite.cases);
    let (checker, failure) = failed[0];
    assert_eq!(checker, "workload");
    assert!(
        failure.message.to_lowercase().contains("echo"),
        "{}",
        failure.message
    );
    assert!(failure.text.contains("index.html"), "{}", failure.text);
    assert_eq!(suites.failures, 1);
}

#[test]
fn a_run_that_never_starts_its_workload_is_an_error() {
    let silent = bin("faulty-silent");
    let (code, suites) = run(
        &[
            "test",
            "-w",
            "echo",
            "--bin",
            silent.to_str().expect("utf-8 path"),
            "--node-count",
            "1",
            "--time-limit",
            "1",
        ],
        "setup-failed.xml",
    );
    // FIXTURE_SILENT_INIT is not set here: the node answers init, then
    // never answers a request, so the run has a verdict (invalid) ...
    assert_eq!(code, 1);
    assert!(suites.suites[0].cases.iter().any(|c| c.status.is_failure()));
    // ... whereas a node that never answers init ends the run in setup.
    let status = Command::new(bin("glomers"))
        .args(["test", "-w", "echo", "--bin"])
        .arg(&silent)
        .args(["--node-count", "1", "--time-limit", "1", "--junit"])
        .arg(scratch("init.xml"))
        .arg("--store")
        .arg(scratch("init-store"))
        .env("FIXTURE_SILENT_INIT", "1")
        .output()
        .expect("glomers runs")
        .status;
    assert_eq!(status.code(), Some(255));
    let file = std::fs::File::open(scratch("init.xml")).expect("report");
    let suites = junit_parser::from_reader(std::io::BufReader::new(file)).expect("valid JUnit XML");
    let cases = &suites.suites[0].cases;
    assert_eq!(
        cases.len(),
        1,
        "no results, so only the run's error: {cases:?}"
    );
    match &cases[0].status {
        TestStatus::Error(e) => assert!(e.message.contains("init"), "{}", e.message),
        other => panic!("expected an error, got {other:?}"),
    }
}

#[test]
fn challenge_writes_a_case_per_challenge() {
    let (code, suites) = run(&["challenge", "1", "2", "--sim"], "challenge.xml");
    assert_eq!(code, 0);
    let cases = &suites.suites[0].cases;
    let names: Vec<&str> = cases.iter().map(|c| c.original_name.as_str()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(
        names[0].starts_with("1 ") && names[1].starts_with("2 "),
        "{names:?}"
    );
    assert!(cases.iter().all(|c| c.status.is_success()));
}

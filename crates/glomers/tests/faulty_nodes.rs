//! The bench against deliberately broken nodes (crates/fixtures) and against
//! our correct nodes: each fault must be caught, with the right reason, and
//! correct nodes must pass — under partitions too.

mod common;

use common::{console, options, run};
use glomers_bench::opts::Availability;
use glomers_bench::run::run_test;
use glomers_check::Validity;

#[test]
fn correct_echo_passes_under_partitions() {
    let mut o = options("echo", "echo", 3);
    o.nemesis_partition = true;
    o.nemesis_interval_s = 0.5;
    let out = run(&o);
    assert_eq!(out.exit_code(), 0, "{:#}", out.results);
    assert!(out.results["stats"]["ok-count"].as_u64().unwrap_or(0) > 10);
    assert_eq!(out.results["net"]["servers"]["msg-count"], 0);
}

#[test]
fn correct_unique_ids_pass_under_partitions_with_total_availability() {
    let mut o = options("unique-ids", "unique-ids", 3);
    o.rate = 1000.0;
    o.nemesis_partition = true;
    o.nemesis_interval_s = 0.5;
    o.availability = Some(Availability::Total);
    let out = run(&o);
    assert_eq!(out.exit_code(), 0, "{:#}", out.results);
    assert_eq!(out.results["availability"]["ok-fraction"], 1.0);
    assert!(
        out.results["workload"]["acknowledged-count"]
            .as_u64()
            .unwrap_or(0)
            > 500
    );
}

#[test]
fn altered_echo_payload_is_caught() {
    let out = run(&options("echo", "faulty-echo-altered", 1));
    assert_eq!(out.verdict, Validity::False);
    assert_eq!(out.exit_code(), 1);
    let errors = out.results["workload"]["errors"]
        .as_array()
        .expect("errors list");
    assert!(!errors.is_empty());
    assert_eq!(errors[0][0], "Expected a message with :echo");
}

#[test]
fn colliding_ids_are_caught_as_duplicates() {
    let mut o = options("unique-ids", "faulty-ids-collide", 3);
    o.rate = 200.0;
    let out = run(&o);
    assert_eq!(out.verdict, Validity::False);
    assert!(
        out.results["workload"]["duplicated-count"]
            .as_u64()
            .unwrap_or(0)
            > 0
    );
}

#[test]
fn a_node_that_crashes_mid_run_ends_the_run_in_an_error_naming_it() {
    let mut o = options("echo", "faulty-crash-after", 1);
    o.node_env = vec![("FIXTURE_CRASH_AFTER".into(), "3".into())];
    let out = run(&o);
    assert_eq!(out.exit_code(), 255);
    let error = out.error.as_deref().unwrap_or("");
    assert!(
        error.contains("Node n0 crashed with exit status 3"),
        "{error}"
    );
    assert!(
        error.contains("giving up after 3 messages"),
        "stderr tail shown: {error}"
    );
    // The history is still checked: three echoes succeeded, then timeouts.
    assert_eq!(out.results["stats"]["ok-count"], 3);
}

#[test]
fn garbage_on_stdout_stops_the_node_as_in_maelstrom() {
    let out = run(&options("echo", "faulty-garbage-stdout", 1));
    assert_eq!(out.verdict, Validity::False, "no echo can succeed");
    assert_eq!(out.results["stats"]["ok-count"], 0);
    let log = console(&out);
    assert!(log.contains("not well-formed JSON"), "{log}");
    assert!(
        log.contains("DEBUG got an echo request"),
        "offending line shown: {log}"
    );
}

#[test]
fn replies_to_a_closed_client_are_refused_loudly() {
    let out = run(&options("echo", "faulty-wrong-client", 1));
    assert_eq!(out.verdict, Validity::False);
    assert!(
        console(&out).contains("Invalid dest \"c0\""),
        "{}",
        console(&out)
    );
}

#[test]
fn a_reply_with_an_extra_key_is_malformed() {
    let out = run(&options("echo", "faulty-extra-field", 1));
    assert_eq!(out.verdict, Validity::False, "no op succeeds");
    let exceptions = &out.results["exceptions"]["exceptions"];
    assert!(
        exceptions[0]["class"]
            .as_str()
            .unwrap_or("")
            .contains("Malformed RPC response"),
        "{exceptions}"
    );
}

#[test]
fn a_node_that_never_answers_times_out_into_info() {
    let mut o = options("echo", "faulty-silent", 1);
    o.time_limit_s = 1;
    let out = run(&o);
    assert_eq!(out.verdict, Validity::False);
    assert_eq!(out.results["stats"]["ok-count"], 0);
    assert!(out.results["stats"]["info-count"].as_u64().unwrap_or(0) >= 1);
    assert!(
        console(&out).contains("node n0 left 1 client request(s) unanswered"),
        "the bench names the silent node: {}",
        console(&out)
    );
}

#[test]
fn a_node_that_ignores_init_fails_setup_naming_it() {
    let mut o = options("echo", "faulty-silent", 2);
    o.node_env = vec![("FIXTURE_SILENT_INIT".into(), "1".into())];
    let out = run(&o);
    assert_eq!(out.exit_code(), 255);
    let error = out.error.as_deref().unwrap_or("");
    assert!(error.contains("to respond to an init message"), "{error}");
    // Nothing was judged: like Maelstrom, no results files (no `valid? true`
    // over zero operations), but the error, history and journal stay.
    assert!(!out.dir.join("results.json").exists());
    assert!(!out.dir.join("results.edn").exists());
    assert!(out.dir.join("error.txt").is_file());
    assert!(out.dir.join("net-journal.jsonl").is_file());
    // The run page and explain still open it.
    assert!(out.dir.join("index.html").is_file());
}

/// A script written by a newcomer, in a fresh temporary directory.
fn script(name: &str, text: &str, executable: bool) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("glomers-newcomer-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("script written");
    let mode = if executable { 0o755 } else { 0o644 };
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    path
}

#[test]
fn a_newcomers_broken_binary_gets_one_sentence_saying_what_to_do() {
    let cases = [
        (
            script("no_run_bit.py", "#!/usr/bin/env python3\n", false),
            "is not executable: run `chmod +x",
        ),
        (
            script("no_shebang.py", "import sys\nprint(sys.argv)\n", true),
            "add one, such as `#!/usr/bin/env python3`",
        ),
        (
            script("bad_interpreter.py", "#!/nonexistent/python9\n", true),
            "the interpreter its first line names (#!/nonexistent/python9) was not found",
        ),
    ];
    for (path, advice) in cases {
        let mut o = options("echo", "echo", 1);
        o.bin = path.clone();
        let err = run_test(&o).expect_err("cannot start");
        assert!(err.contains(advice), "{}: {err}", path.display());
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    // A node that dies at start with a stack trace: the trace is shown, and
    // how to reproduce it by hand.
    let crashing = script(
        "crash.sh",
        "#!/bin/sh\necho 'Traceback: boom at start' >&2\nexit 1\n",
        true,
    );
    let mut o = options("echo", "echo", 1);
    o.bin = crashing.clone();
    let out = run(&o);
    assert_eq!(out.exit_code(), 255);
    let error = out.error.unwrap_or_default();
    let first = error.lines().next().unwrap_or("");
    assert!(
        first.contains("crashed with exit status 1 before answering init"),
        "{error}"
    );
    assert!(
        first.contains(&format!("| {}`", crashing.display())),
        "{error}"
    );
    assert!(error.contains("Traceback: boom at start"), "{error}");
}

#[test]
fn a_missing_binary_is_a_clear_error() {
    let mut o = options("echo", "echo", 1);
    o.bin = "/nonexistent/node".into();
    let err = run_test(&o).expect_err("cannot start");
    assert!(err.contains("/nonexistent/node"), "{err}");
}

/// Ids past 64 bits must reach the checker exact (they would collide as
/// doubles); Maelstrom calls this node valid, and so must we — in process
/// mode and in simulation, with the ids written to the history as printed.
#[test]
fn ids_past_64_bits_stay_exact_through_the_bench() {
    let mut o = options("unique-ids", "bigint-ids", 3);
    o.rate = 200.0;
    let mut sim = o.clone();
    sim.sim = true;
    let make = glomers::registry::for_bin(&sim.bin).expect("registered");
    let simulated = glomers_bench::sim::run_sim(&sim, &|_, seed| make(seed)).expect("runs");
    for out in [run(&o), simulated] {
        assert_eq!(out.exit_code(), 0, "{:?} {:#}", out.error, out.results);
        let w = &out.results["workload"];
        assert_eq!(w["duplicated-count"], 0);
        assert!(w["acknowledged-count"].as_u64().unwrap_or(0) > 100, "{w}");
        assert_eq!(w["range"][0].to_string(), "1000000000000000000000");
        let history = std::fs::read_to_string(out.dir.join("history.jsonl")).expect("history");
        assert!(
            history.contains("\"value\":1000000000000000000001"),
            "exact in the history"
        );
        let journal = std::fs::read_to_string(out.dir.join("net-journal.jsonl")).expect("journal");
        assert!(
            journal.contains("\"id\":1000000000000000000002"),
            "exact in the journal"
        );
    }
}

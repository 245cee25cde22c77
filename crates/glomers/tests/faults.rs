//! Faults beyond partitions (`--nemesis pause,kill,clock`): each is really
//! injected — recorded in the history as Jepsen records it, felt by the
//! nodes (a paused node answers nothing, a killed node forgets what it held
//! in memory), replayed exactly by a seed in simulation — and processes are
//! paused with SIGSTOP and restarted for real.

mod common;

use common::{jsonl, options, run, sim_options, simulate};
use glomers_bench::opts::{Faults, TestOptions};
use glomers_check::Validity;
use serde_json::Value;

fn with_faults(mut o: TestOptions, pause: bool, kill: bool, clock: bool) -> TestOptions {
    o.nemesis_faults = Faults { pause, kill, clock };
    o.nemesis_interval_s = 1.0;
    o
}

/// The nemesis's operations: (f, invoke value, completion value).
fn nemesis_ops(dir: &std::path::Path) -> Vec<(String, Value, Value)> {
    jsonl(dir, "history.jsonl")
        .into_iter()
        .filter(|op| op["process"] == "nemesis")
        .map(|op| {
            let f = op["f"].as_str().unwrap_or("").to_string();
            (f, op["value"].clone(), op["type"].clone())
        })
        .collect()
}

#[test]
fn pause_and_kill_are_recorded_as_jepsen_records_them_and_echo_survives() {
    let mut o = with_faults(sim_options("echo", "echo", 5), true, true, false);
    o.time_limit_s = 10;
    o.rate = 50.0;
    let out = simulate(&o);
    assert_eq!(out.verdict, Validity::True, "{:#}", out.results);
    let ops = nemesis_ops(&out.dir);
    let fs: Vec<&str> = ops.iter().map(|(f, _, _)| f.as_str()).collect();
    assert!(fs.contains(&"pause") && fs.contains(&"kill"), "{fs:?}");
    assert!(ops
        .iter()
        .all(|(_, _, typ)| typ == "invoke" || typ == "info"));
    // Requests to a paused or killed node go unanswered: some ops are info.
    assert!(out.results["stats"]["info-count"].as_u64().unwrap_or(0) > 0);
    let log = common::console(&out);
    assert!(log.contains("nemesis kill: {\""), "{log}");
    assert!(log.contains("nemesis start: {"), "{log}");
    // The run page lists them: which node was paused or restarted when.
    let page = std::fs::read_to_string(out.dir.join("index.html")).expect("run page");
    let faults = &page[page
        .find("<section id=\"faults\">")
        .expect("a faults section")..];
    assert!(faults.contains("<td>kill</td>") && faults.contains("<td>pause</td>"));
    assert!(
        faults.contains("&quot;killed&quot;"),
        "{}",
        &faults[..faults.len().min(800)]
    );
}

#[test]
fn a_workload_without_a_final_phase_ends_with_every_node_running() {
    // Echo has no final reads, so no recovery phase heals the faults; the
    // end of the run still resumes and restarts every node it stopped.
    for seed in 1..=4 {
        let mut o = with_faults(sim_options("echo", "echo", 3), true, true, false);
        o.time_limit_s = 5;
        o.rate = 20.0;
        o.seed = seed;
        let out = simulate(&o);
        let completions: Vec<&str> = nemesis_ops(&out.dir)
            .iter()
            .filter(|(_, _, typ)| typ == "info")
            .map(|(f, _, _)| match f.as_str() {
                "pause" | "kill" => "down",
                "resume" | "start" => "up",
                _ => "other",
            })
            .collect();
        let last_down = completions.iter().rposition(|&s| s == "down");
        let last_up = completions.iter().rposition(|&s| s == "up");
        assert!(
            last_down.is_none() || last_up > last_down,
            "seed {seed}: {completions:?}"
        );
    }
}

#[test]
fn a_seed_replays_the_faults_exactly() {
    let mut o = with_faults(sim_options("echo", "echo", 3), true, true, true);
    o.time_limit_s = 8;
    let first = simulate(&o);
    let again = simulate(&o);
    let read = |out: &glomers_bench::run::Outcome, f: &str| {
        std::fs::read(out.dir.join(f)).expect("a run file")
    };
    for file in ["history.jsonl", "results.json", "net-journal.jsonl"] {
        assert!(read(&first, file) == read(&again, file), "{file} differs");
    }
    let fs: Vec<String> = nemesis_ops(&first.dir)
        .into_iter()
        .map(|(f, _, _)| f)
        .collect();
    assert!(fs.iter().any(|f| f.ends_with("-clock")), "{fs:?}");
}

#[test]
fn a_node_keeping_its_total_in_memory_loses_acknowledged_adds_under_kill() {
    // Our counter keeps its own total in memory and mirrors it to seq-kv:
    // restarted empty, it publishes a smaller total over the old one.
    let mut o = with_faults(sim_options("g-counter", "counter", 3), false, true, false);
    o.time_limit_s = 15;
    o.rate = 50.0;
    let out = simulate(&o);
    assert_eq!(
        out.verdict,
        Validity::False,
        "{:#}",
        out.results["workload"]
    );
    // The same node without the fault is valid: the fault did it.
    o.nemesis_faults = Faults::default();
    assert_eq!(simulate(&o).verdict, Validity::True);
}

#[test]
fn a_late_reply_after_a_pause_is_dropped_not_held_against_the_node() {
    // A client gives up on a paused node, which answers once resumed: under
    // Maelstrom's rule (an unknown client cuts the node off) our counter
    // went silent and its final reads fell short. A late reply is dropped.
    let mut o = with_faults(sim_options("g-counter", "counter", 3), true, false, false);
    o.time_limit_s = 20;
    o.rate = 100.0;
    o.nemesis_interval_s = 5.0;
    let out = simulate(&o);
    assert_eq!(out.verdict, Validity::True, "{:#}", out.results["workload"]);
    let log = common::console(&out);
    assert!(log.contains("after that client gave up"), "{log}");
    assert!(!log.contains("cannot route"), "{log}");
}

#[test]
fn a_paused_node_answers_nothing_until_resumed() {
    let mut o = with_faults(sim_options("echo", "echo", 1), true, false, false);
    o.time_limit_s = 20;
    o.rate = 20.0;
    let out = simulate(&o);
    let ops = jsonl(&out.dir, "history.jsonl");
    // Between each pause and its resume, no echo completes ok.
    let mut paused_since = None;
    let mut completed_while_paused = 0;
    let mut pauses = 0;
    for op in &ops {
        match (
            op["process"].as_str(),
            op["f"].as_str(),
            op["type"].as_str(),
        ) {
            (Some("nemesis"), Some("pause"), Some("info")) => {
                pauses += 1;
                paused_since = op["time"].as_u64();
            }
            (Some("nemesis"), Some("resume"), Some("info")) => paused_since = None,
            (None, Some("echo"), Some("ok")) if paused_since.is_some() => {
                completed_while_paused += 1;
            }
            _ => {}
        }
    }
    assert!(pauses > 0);
    assert_eq!(completed_while_paused, 0);
}

#[test]
fn processes_are_paused_with_sigstop_and_killed_and_restarted() {
    let mut o = with_faults(options("echo", "echo", 3), true, true, false);
    o.time_limit_s = 10;
    o.nemesis_interval_s = 2.0;
    o.rate = 20.0;
    o.seed = 7;
    let out = run(&o);
    // Requests to a stopped or dead node time out (info); the rest answer.
    assert_eq!(out.error, None, "a nemesis kill is no crash");
    assert!(out.results["stats"]["ok-count"].as_u64().unwrap_or(0) > 0);
    assert_eq!(out.results["workload"]["valid?"], true);
    let fs: Vec<String> = nemesis_ops(&out.dir)
        .into_iter()
        .map(|(f, _, _)| f)
        .collect();
    assert!(fs.iter().any(|f| f == "kill"), "{fs:?}");
    assert!(fs.iter().any(|f| f == "pause"), "{fs:?}");
    // Every restarted process answered its init again.
    let log = common::console(&out);
    assert!(!log.contains("did not answer its init"), "{log}");
    assert!(!log.contains("closed its stdout"), "{log}");
}

#[test]
fn bad_fault_names_and_clock_without_sim_are_refused() {
    let glomers = common::bin("glomers");
    let run = |args: &[&str]| {
        std::process::Command::new(&glomers)
            .args(["test", "-w", "echo", "--bin", "echo", "--time-limit", "1"])
            .args(args)
            .output()
            .expect("glomers runs")
    };
    let out = run(&["--nemesis", "partition,kil"]);
    assert_eq!(out.status.code(), Some(254));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown fault kil (did you mean kill?)"),
        "{err}"
    );
    assert!(err.contains("partition pause kill clock"), "{err}");
    let out = run(&["--nemesis", "clock"]);
    assert_eq!(out.status.code(), Some(254));
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs --sim"));
}

#[test]
fn messages_to_a_killed_node_are_dropped_and_said_to_be() {
    use glomers_bench::net::journal::{read_events, EventKind};
    use glomers_bench::report::findings::{partitions::Partitions, Run};
    use std::collections::HashSet;
    let mut o = with_faults(sim_options("broadcast", "broadcast", 5), false, true, false);
    o.time_limit_s = 20;
    o.rate = 10.0;
    o.nemesis_interval_s = 5.0;
    let out = simulate(&o);
    let file = std::fs::File::open(out.dir.join("net-journal.jsonl")).expect("journal");
    let events: Vec<_> = read_events(std::io::BufReader::new(file)).collect();
    let received: HashSet<u64> = events
        .iter()
        .filter(|e| e.kind == EventKind::Recv)
        .map(|e| e.message.id)
        .collect();
    let run = Run::open(&out.dir).expect("a stored run");
    let faults = Partitions::of(&run);
    let reasons: Vec<String> = events
        .iter()
        .filter(|e| e.kind == EventKind::Send && !received.contains(&e.message.id))
        .filter_map(|e| faults.why_lost(&e.message, e.time))
        .collect();
    assert!(
        reasons.iter().any(|r| r.contains("was killed at")),
        "{reasons:?}"
    );
    // A lost value's evidence names the node killed after it received it.
    let found = glomers_bench::report::findings::findings(&run);
    let evidence: Vec<&String> = found.iter().flat_map(|f| &f.evidence).collect();
    assert!(
        evidence
            .iter()
            .any(|e| e.contains("then killed, and restarted with empty memory")),
        "{evidence:?}"
    );
}

#[test]
fn shrinking_drops_the_faults_a_failure_does_not_need() {
    // Our counter loses adds under kill, not under pause: shrinking a run
    // with both keeps kill and drops pause.
    let mut o = with_faults(sim_options("g-counter", "counter", 3), true, true, false);
    o.time_limit_s = 15;
    o.rate = 50.0;
    let make = glomers::registry::for_bin(&o.bin).expect("registered");
    let smallest = glomers_bench::sim::shrink::shrink(&o, &|_, seed| make(seed)).expect("it fails");
    assert!(
        smallest.nemesis_faults.kill,
        "kill is what loses the adds: {:?}",
        smallest.nemesis_faults
    );
    assert!(!smallest.nemesis_faults.pause, "pause was not needed");
}

#[test]
fn the_lamport_diagram_draws_pauses_and_kills_on_the_right_lanes() {
    use glomers_bench::net::journal::read_events;
    let mut o = with_faults(sim_options("echo", "echo", 3), true, true, false);
    o.time_limit_s = 10;
    o.rate = 20.0;
    let out = simulate(&o);
    let file = std::fs::File::open(out.dir.join("net-journal.jsonl")).expect("journal");
    let last = read_events(std::io::BufReader::new(file))
        .map(|e| e.time)
        .max()
        .unwrap_or(0);
    // Expected: every node paused or killed before the journal's last event.
    let mut expected: Vec<(String, String)> = Vec::new();
    for op in jsonl(&out.dir, "history.jsonl") {
        let time = op["time"].as_u64().unwrap_or(u64::MAX);
        if op["process"] != "nemesis" || op["type"] != "info" || time > last {
            continue;
        }
        let (class, what) = match op["f"].as_str() {
            Some("pause") => ("pause", "paused"),
            Some("kill") => ("kill", "killed"),
            _ => continue,
        };
        for (node, done) in op["value"].as_object().into_iter().flatten() {
            if done == what {
                expected.push((class.to_string(), node.clone()));
            }
        }
    }
    expected.sort();
    assert!(expected.iter().any(|(c, _)| c == "pause"), "{expected:?}");
    assert!(expected.iter().any(|(c, _)| c == "kill"), "{expected:?}");

    let svg = std::fs::read_to_string(out.dir.join("messages.svg")).expect("messages.svg");
    assert!(!svg.contains("Additional network events"), "one page");
    // Each lane's x, from its name label.
    let attr = |tag: &str, name: &str| -> Option<String> {
        Some(
            tag.split(&format!(" {name}=\""))
                .nth(1)?
                .split('"')
                .next()?
                .to_string(),
        )
    };
    let lane_x = |node: &str| -> f64 {
        svg.split("<text class=\"name\"")
            .skip(1)
            .find(|t| t.contains(&format!("<title>{node}</title>")))
            .and_then(|t| attr(t, "x"))
            .and_then(|x| x.parse().ok())
            .expect("a lane for the node")
    };
    let mut drawn: Vec<(String, String)> = Vec::new();
    for class in ["pause", "kill"] {
        for band in svg.split(&format!("<g class=\"fault {class}\"")).skip(1) {
            let node = attr(band, "data-node").expect("data-node");
            let x: f64 = attr(band, "x").and_then(|x| x.parse().ok()).expect("x");
            let w: f64 = attr(band, "width").and_then(|x| x.parse().ok()).expect("w");
            assert!(
                (x + w / 2.0 - lane_x(&node)).abs() < 0.1,
                "{class} band of {node} off its lane"
            );
            assert!(band.contains("<title>") && band.contains(&node));
            drawn.push((class.to_string(), node));
        }
    }
    drawn.sort();
    assert_eq!(drawn, expected);
}

/// Every evidence line of the run's findings for its workload.
fn workload_evidence(dir: &std::path::Path) -> Vec<(String, Vec<String>)> {
    let run = glomers_bench::report::findings::Run::open(dir).expect("a stored run");
    glomers_bench::report::findings::findings(&run)
        .into_iter()
        .filter(|f| f.checker == "workload")
        .map(|f| (f.sentence, f.evidence))
        .collect()
}

#[test]
fn explain_names_the_kills_behind_a_counter_and_a_kafka_failure() {
    // Our counter under kill: its final reads fall short; the kills since
    // the run began are named.
    let mut o = with_faults(sim_options("g-counter", "counter", 3), false, true, false);
    o.time_limit_s = 15;
    o.rate = 50.0;
    let out = simulate(&o);
    assert_eq!(out.verdict, Validity::False);
    let found = workload_evidence(&out.dir);
    let note = found
        .iter()
        .flat_map(|(_, e)| e)
        .find(|e| e.starts_with("Faults in effect during the adds and these reads (0.000"))
        .unwrap_or_else(|| panic!("{found:#?}"));
    assert!(
        note.contains(" killed at ") && note.contains(", started at "),
        "{note}"
    );

    // 5a keeps its log in memory: restarted, it forgets acknowledged sends,
    // which no poll sees by the end; the finding names the kills.
    let mut o = with_faults(sim_options("kafka", "kafka-single", 1), false, true, false);
    o.time_limit_s = 20;
    o.rate = 100.0;
    o.nemesis_interval_s = 5.0;
    let out = simulate(&o);
    assert_eq!(out.verdict, Validity::False);
    let found = workload_evidence(&out.dir);
    assert!(!found.is_empty());
    for (sentence, evidence) in &found {
        let note = evidence
            .iter()
            .find(|e| e.starts_with("Faults in effect during ") || e.starts_with("No fault"))
            .unwrap_or_else(|| panic!("{sentence}: {evidence:#?}"));
        assert!(note.contains("n0 killed at "), "{note}");
    }
    let (sentence, evidence) = found
        .iter()
        .find(|(s, _)| s.starts_with("unseen"))
        .unwrap_or_else(|| panic!("{found:#?}"));
    assert!(!sentence.starts_with("unseen (0)"), "{sentence}");
    assert!(!evidence[0].starts_with("… and"), "{evidence:?}");
    assert!(
        evidence
            .iter()
            .any(|e| e.starts_with("never polled, per key: key ")),
        "{evidence:?}"
    );
}

/// A lease fixture's lin-kv run: 3 nodes, `--concurrency 2n`, 30 s at rate
/// 100, faults every second or so.
fn lease_run(bin: &str, seed: u64, pause: bool, clock: bool) -> glomers_bench::run::Outcome {
    let mut o = with_faults(sim_options("lin-kv", bin, 3), pause, false, clock);
    o.concurrency = 6;
    o.time_limit_s = 30;
    o.rate = 100.0;
    o.seed = seed;
    simulate(&o)
}

/// The non-linearizable key's explanation and the faults named with it.
fn not_linearizable(out: &glomers_bench::run::Outcome) -> (String, String) {
    assert_eq!(
        out.verdict,
        Validity::False,
        "{:#}",
        out.results["workload"]
    );
    let found = workload_evidence(&out.dir);
    let (sentence, evidence) = found
        .iter()
        .find(|(s, _)| s.starts_with("Key ") && s.ends_with(" is not linearizable."))
        .unwrap_or_else(|| panic!("{found:#?}"));
    assert!(
        evidence[0].contains("cannot be linearized"),
        "{sentence} {evidence:?}"
    );
    let note = evidence
        .iter()
        .find(|e| e.starts_with("Faults in effect during these operations"))
        .unwrap_or_else(|| panic!("{evidence:?}"));
    (evidence[0].clone(), note.clone())
}

#[test]
fn a_lease_checked_only_by_its_timer_is_caught_by_pause() {
    // Without faults the leader steps down before its lease can lapse.
    let bin = "faulty-lin-kv-lease-by-timer";
    let out = lease_run(bin, 5, false, false);
    assert_eq!(out.verdict, Validity::True, "{:#}", out.results["workload"]);
    // Paused, a follower takes over; resumed, the old leader answers the
    // reads that waited for it from memory before its timer runs.
    let (why, note) = not_linearizable(&lease_run(bin, 5, true, false));
    assert!(why.contains("the ok read"), "{why}");
    assert!(note.contains(" paused "), "{note}");
}

#[test]
fn a_lease_checked_by_the_clock_survives_pause_and_is_caught_by_clock() {
    let bin = "faulty-lin-kv-lease-by-clock";
    let out = lease_run(bin, 1, false, false);
    assert_eq!(out.verdict, Validity::True, "{:#}", out.results["workload"]);
    // A resumed leader's clock says its lease is over: it answers nothing.
    let out = lease_run(bin, 1, true, false);
    assert_eq!(out.verdict, Validity::True, "{:#}", out.results["workload"]);
    // A slow clock keeps a leader trusting a lease another node has taken.
    let (why, note) = not_linearizable(&lease_run(bin, 1, false, true));
    assert!(why.contains("the ok read"), "{why}");
    assert!(note.contains("'s clock "), "{note}");
}

#[test]
fn explain_relates_a_transaction_anomaly_to_the_faults_around_its_cycle() {
    // A G1c fixture fails with or without faults; under pause its finding
    // says which faults overlapped the cycle's transactions, a window taken
    // from the cycle's operations (not the whole run).
    let mut o = with_faults(
        sim_options("txn-rw-register", "faulty-txn-g1c", 1),
        true,
        false,
        false,
    );
    o.concurrency = 2;
    o.time_limit_s = 6;
    o.rate = 200.0;
    o.consistency_models = vec!["read-committed".to_string()];
    o.seed = 11;
    let out = simulate(&o);
    assert_eq!(out.verdict, Validity::False);
    let found = workload_evidence(&out.dir);
    let (_, evidence) = found
        .iter()
        .find(|(s, _)| s.starts_with("G1c"))
        .unwrap_or_else(|| panic!("{found:#?}"));
    let note = evidence.last().expect("evidence");
    assert!(
        note.starts_with("Faults in effect during these transactions (")
            || note.starts_with("No fault was in effect during these transactions ("),
        "{note}"
    );
    assert!(!note.contains("from 0.000 s on"), "{note}");
}

#[test]
fn explain_relates_duplicate_ids_to_the_faults_between_them() {
    // Every node of this fixture counts from 1: ids collide with or without
    // faults, and the finding names the faults around the colliding ops.
    let mut o = with_faults(
        sim_options("unique-ids", "faulty-ids-collide", 3),
        false,
        true,
        false,
    );
    o.time_limit_s = 10;
    o.rate = 50.0;
    let out = simulate(&o);
    assert_eq!(out.verdict, Validity::False);
    let found = workload_evidence(&out.dir);
    let (_, evidence) = found
        .iter()
        .find(|(s, _)| s.contains("ids were handed out more than once"))
        .unwrap_or_else(|| panic!("{found:#?}"));
    let note = evidence.last().expect("evidence");
    assert!(
        note.starts_with("Faults in effect during these generates (")
            || note.starts_with("No fault was in effect during these generates ("),
        "{note}"
    );
}

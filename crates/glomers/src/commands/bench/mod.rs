//! `glomers bench`: measures the bench itself — time from `glomers test`
//! start to the first client operation, and how many messages per second the
//! core (envelope validation, routing, journal, delivery) can move, and how
//! fast the kafka, transactional and lin-kv checkers analyse long histories.

pub mod relay;
pub mod synth;

use crate::cli::BenchArgs;
use crate::commands::challenge::default_bin_dir;
use glomers_bench::opts::TestOptions;
use glomers_bench::runner::Runner;
use glomers_bench::workloads;
use glomers_check::history::History;
use std::time::Instant;

pub fn main(args: BenchArgs) -> i32 {
    if let Some(path) = &args.write_history {
        let list_append = args.history_model == "list-append";
        let history = synth::txn::synthetic_txn_history(args.history_txns, 1, list_append);
        return match synth::write(path, &history) {
            Ok(()) => {
                println!(
                    "wrote {} ops ({} transactions, {}) to {}",
                    history.ops().len(),
                    args.history_txns,
                    args.history_model,
                    path.display()
                );
                0
            }
            Err(e) => {
                eprintln!("glomers bench: {e}");
                1
            }
        };
    }
    // First, on a fresh heap: the later benchmarks leave it fragmented,
    // which taxes allocation-heavy code unevenly.
    match relay::measure(100_000) {
        Ok(r) => {
            println!(
                "node runtime: an RPC relay (100 in flight), 7 × 100 000 requests each way: callbacks {:.0} req/s, async {:.0} req/s (best runs); async / callbacks, median of the pairs: {:.0} % (goal ≥ 90 %)",
                r.callback_rate,
                r.async_rate,
                100.0 * r.ratio
            );
            if let (Some(cb), Some(asy)) = (r.callback_bytes, r.async_bytes) {
                println!(
                    "node runtime: memory per RPC in flight (200 000 waiting): callbacks {cb:.0} bytes, async {asy:.0} bytes"
                );
            }
        }
        Err(e) => {
            eprintln!("relay benchmark failed: {e}");
            return 1;
        }
    }
    let bin_dir = args.bin_dir.unwrap_or_else(default_bin_dir);
    let echo = bin_dir.join("echo");
    for nodes in [1, 25] {
        let mut opts = TestOptions::new("echo", &echo, nodes);
        opts.time_limit_s = 1;
        opts.quiet = true;
        opts.store = std::env::temp_dir().join("glomers-bench-store");
        match glomers_bench::run::run_test(&opts) {
            Ok(o) => match o.first_op_after {
                Some(d) => println!(
                    "start-up: {nodes:>2} echo node(s), test start → first client op: {:.1} ms (goal ≤ 50 ms)",
                    d.as_secs_f64() * 1e3
                ),
                None => println!("start-up: no client operation happened"),
            },
            Err(e) => {
                eprintln!("start-up benchmark failed: {e}");
                return 1;
            }
        }
    }
    match sim_speed() {
        Ok((wall, virtual_s)) => println!(
            "simulation: 3d command (25 nodes, 20 s, rate 100, 100 ms latency) simulated {virtual_s:.1} s in {:.0} ms of wall time ({:.0}× real time; goal ≥ 20×, < 1 s)",
            wall * 1e3,
            virtual_s / wall
        ),
        Err(e) => {
            eprintln!("simulation benchmark failed: {e}");
            return 1;
        }
    }
    let core = core_throughput(args.messages);
    println!(
        "network core: {:.0} msgs/s routed among 25 nodes (validate, route, journal to disk, deliver; goal ≥ 200k)",
        core.rate
    );
    match core.peak_growth {
        Some(bytes) => println!(
            "memory: routing {} messages grew peak RSS by {:.1} MiB = {:.1} bytes/message (goal ≤ 100)",
            args.messages,
            bytes as f64 / MIB,
            bytes as f64 / args.messages.max(1) as f64
        ),
        None => println!("memory: peak RSS not measurable here (/proc/self/status)"),
    }
    let kafka = check_figures(
        &synth::kafka::synthetic_history(60_000, 10, 1),
        glomers_check::kafka::check,
    );
    kafka.print(
        "kafka checker: a 60 s × 1000 ops/s history",
        "analysed",
        "≤ 1 s, ≤ 200 MiB",
    );
    for list_append in [true, false] {
        use glomers_check::txn;
        let history = synth::txn::synthetic_txn_history(100_000, 1, list_append);
        let models = vec!["strict-serializable".to_string()];
        let figures = check_figures(&history, |h| {
            if list_append {
                txn::check_list_append(h, &models)
            } else {
                txn::check_rw_register(h, &models)
            }
        });
        let name = if list_append {
            "txn-list-append"
        } else {
            "txn-rw-register"
        };
        figures.print(
            &format!("{name} checker: 100 000 transactions, strict-serializable"),
            "checked",
            "≤ 2 s, ≤ 500 MiB",
        );
    }
    {
        use glomers_check::linearizable;
        let history = synth::lin_kv::synthetic_history(5, 1000.0, 60, 1);
        let lin = check_figures(&history, |h| {
            linearizable::check(h, linearizable::Limits::default())
        });
        lin.print(
            "lin-kv checker: a 60 s × 1000 ops/s history (5 nodes, 20 processes)",
            "checked",
            "≤ 1 s",
        );
    }
    match large_message(30 << 20) {
        Some(times) => println!(
            "memory: one 30 MiB message (an array of numbers) routed at a peak of {times:.2}× its size, the line read from the node included (goal ≤ 3×)"
        ),
        None => println!("memory: peak RSS not measurable here (/proc/self/status)"),
    }
    match diagram_speed() {
        Ok((events, first, all, pages)) => println!(
            "Lamport diagram: 3d command for 30 s (25 nodes, {events} journal events): first page (messages.svg) drawn in {:.0} ms, all {pages} pages in {:.0} ms (goal < 1 s)",
            first * 1e3,
            all * 1e3
        ),
        Err(e) => {
            eprintln!("diagram benchmark failed: {e}");
            return 1;
        }
    }
    0
}

const MIB: f64 = (1 << 20) as f64;

/// A field of `/proc/self/status` in bytes (`VmRSS`, `VmHWM`).
pub fn status_bytes(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Resets the peak RSS (`VmHWM`) to the current RSS; returns the current RSS.
pub fn reset_peak_rss() -> Option<u64> {
    std::fs::write("/proc/self/clear_refs", "5").ok()?;
    status_bytes("VmRSS:")
}

/// A runner for 25 nodes in its main phase (every `init` answered), with
/// its journal streaming to a scratch file as in a real run.
fn main_phase_runner() -> Option<(Runner, TestOptions)> {
    let mut opts = TestOptions::new("echo", "unused", 25);
    opts.rate = 0.0;
    opts.time_limit_s = 3600;
    let workload = workloads::build("echo", &opts).ok()?;
    let mut runner = Runner::new(opts.clone(), workload);
    let scratch =
        std::env::temp_dir().join(format!("glomers-bench-journal-{}", std::process::id()));
    runner.journal_to(&scratch).ok()?;
    let _ = std::fs::remove_file(&scratch); // the open file stays writable
    runner.start(0);
    for (node, msg) in runner.take_node_deliveries() {
        let line = format!(
            r#"{{"src":"{}","dest":"{}","body":{{"type":"init_ok","in_reply_to":1}}}}"#,
            opts.nodes[node], msg.src
        );
        runner.on_node_line(node, &line, 0);
    }
    runner.tick(0);
    Some((runner, opts))
}

/// Routes one message of about `size` bytes (a JSON array of numbers, the
/// costliest shape to parse into a tree) from n0 to n1 and returns the peak
/// RSS it took, as a multiple of its size: the line as read, routing,
/// journal, and the line written to the destination.
pub fn large_message(size: usize) -> Option<f64> {
    let (mut runner, _) = main_phase_runner()?;
    let before = reset_peak_rss()?;
    let mut line = String::with_capacity(size + 100);
    line.push_str(r#"{"src":"n0","dest":"n1","body":{"type":"big","values":["#);
    let mut i = 0u64;
    while line.len() < size {
        line.push_str(&i.to_string());
        line.push(',');
        i += 1;
    }
    line.push_str("0]}}");
    let len = line.len();
    runner.on_node_line(0, &line, 1);
    drop(line);
    runner.tick(2);
    for (_, msg) in runner.take_node_deliveries() {
        std::hint::black_box(msg.to_line());
    }
    let peak = status_bytes("VmHWM:")?;
    Some(peak.saturating_sub(before) as f64 / len as f64)
}

/// What the network core benchmark measured.
pub struct CoreFigures {
    /// Messages routed per second.
    pub rate: f64,
    /// Growth of the peak RSS while routing, in bytes (Linux only).
    pub peak_growth: Option<u64>,
}

/// The 3d command (25 nodes, rate 100, 100 ms latency) for `seconds`,
/// simulated with our broadcast node, seed 1, into a scratch store.
fn simulated_3d(seconds: u64) -> TestOptions {
    let mut opts = TestOptions::new("broadcast", "broadcast", 25);
    opts.time_limit_s = seconds;
    opts.rate = 100.0;
    opts.latency.mean_ms = 100;
    opts.sim = true;
    opts.quiet = true;
    opts.seed = 1;
    opts.store = std::env::temp_dir().join("glomers-bench-store");
    opts
}

/// Simulates the 3d command with our broadcast node; returns (wall seconds,
/// simulated seconds).
pub fn sim_speed() -> Result<(f64, f64), String> {
    let opts = simulated_3d(20);
    let make = crate::registry::for_bin(&opts.bin)?;
    let start = Instant::now();
    let outcome = glomers_bench::sim::run_sim(&opts, &|_, seed| make(seed))?;
    let wall = start.elapsed().as_secs_f64();
    let simulated = std::fs::read_to_string(outcome.dir.join("history.jsonl"))
        .ok()
        .and_then(|h| h.lines().last().map(str::to_string))
        .and_then(|l| serde_json::from_str::<serde_json::Value>(&l).ok())
        .and_then(|op| op["time"].as_u64())
        .unwrap_or(0) as f64
        / 1e9;
    Ok((wall, simulated))
}

/// Simulates the 3d command for 30 s, then draws its Lamport diagram from
/// the journal on disk; returns (events, seconds for the first page,
/// seconds for every page, pages).
pub fn diagram_speed() -> Result<(usize, f64, f64, usize), String> {
    use glomers_bench::net::journal::read_events;
    use glomers_bench::report::lamport;
    let opts = simulated_3d(30);
    let make = crate::registry::for_bin(&opts.bin)?;
    let outcome = glomers_bench::sim::run_sim(&opts, &|_, seed| make(seed))?;
    let journal = outcome.dir.join(glomers_bench::report::store::JOURNAL_FILE);
    let open = || -> Result<_, String> {
        let f = std::fs::File::open(&journal).map_err(|e| e.to_string())?;
        Ok(read_events(std::io::BufReader::new(f)))
    };
    let events = open()?.count();
    let start = Instant::now();
    let first = lamport::render(open()?);
    let first_s = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let pages = lamport::pages(open()?, &lamport::Options::default(), 10, |i| {
        Some(glomers_bench::report::store::message_page(i))
    });
    let all_s = start.elapsed().as_secs_f64();
    if first.is_empty() {
        return Err("the diagram is empty".into());
    }
    Ok((events, first_s, all_s, pages.len()))
}

/// Pushes `count` node-to-node lines through a 25-node runner in the main
/// phase; returns messages per second and how much the peak RSS grew.
pub fn core_throughput(count: u64) -> CoreFigures {
    let Some((mut runner, _)) = main_phase_runner() else {
        return CoreFigures {
            rate: 0.0,
            peak_growth: None,
        };
    };
    let lines: Vec<(usize, String)> = (0..1000)
        .map(|i| {
            let (from, to) = (i % 25, (i * 7 + 3) % 25);
            let line = format!(
                r#"{{"src":"n{from}","dest":"n{to}","body":{{"type":"gossip","msg_id":{i},"values":[{i},{}]}}}}"#,
                i + 1
            );
            (from, line)
        })
        .collect();
    let before = reset_peak_rss();
    let start = Instant::now();
    let mut now = 1u64;
    for k in 0..count {
        let (node, line) = &lines[(k % 1000) as usize];
        runner.on_node_line(*node, line, now);
        now += 1;
        if k % 64 == 0 {
            runner.tick(now);
            // Render each delivery as the line a node would receive.
            for (_, msg) in runner.take_node_deliveries() {
                std::hint::black_box(msg.to_line());
            }
        }
    }
    runner.tick(now);
    std::hint::black_box(runner.take_node_deliveries());
    let rate = count as f64 / start.elapsed().as_secs_f64();
    let peak_growth = status_bytes("VmHWM:")
        .zip(before)
        .map(|(peak, before)| peak.saturating_sub(before));
    CoreFigures { rate, peak_growth }
}

/// What a checker benchmark measured.
pub struct CheckFigures {
    /// Client invocations and history entries.
    pub ops: usize,
    pub entries: usize,
    pub seconds: f64,
    /// Growth of the peak RSS while checking, in bytes (Linux only).
    pub peak_growth: Option<u64>,
    pub valid: serde_json::Value,
}

impl CheckFigures {
    fn print(&self, what: &str, verb: &str, goals: &str) {
        let growth = self
            .peak_growth
            .map_or("peak RSS not measurable here".to_string(), |b| {
                format!("peak RSS +{:.1} MiB", b as f64 / MIB)
            });
        println!(
            "{what} ({} ops, {} entries) {verb} in {:.0} ms, {growth}, valid? {} (goals {goals})",
            self.ops,
            self.entries,
            self.seconds * 1e3,
            self.valid
        );
    }
}

/// Times `check` on a synthetic history (`synth` builds a realistic,
/// valid one per checker) and measures how much it raised the peak RSS.
pub fn check_figures(
    history: &History,
    check: impl FnOnce(&History) -> serde_json::Value,
) -> CheckFigures {
    // Hand memory freed by earlier benchmarks back to the system first, so
    // the peak's growth is this check's alone.
    crate::alloc::release_free_memory();
    let before = reset_peak_rss();
    let start = Instant::now();
    let result = check(history);
    let seconds = start.elapsed().as_secs_f64();
    let peak_growth = status_bytes("VmHWM:")
        .zip(before)
        .map(|(peak, before)| peak.saturating_sub(before));
    CheckFigures {
        ops: history.invocation_count() as usize,
        entries: history.ops().len(),
        seconds,
        peak_growth,
        valid: result["valid?"].clone(),
    }
}

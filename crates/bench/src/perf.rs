//! `glomers bench`: measures the bench itself — time from `glomers test`
//! start to the first client operation, and how many messages per second the
//! core (envelope validation, routing, journal, delivery) can move.

use crate::challenge::default_bin_dir;
use crate::cli::BenchArgs;
use crate::opts::TestOptions;
use crate::runner::Runner;
use crate::workloads;
use std::time::Instant;

pub fn main(args: BenchArgs) -> i32 {
    let bin_dir = args.bin_dir.unwrap_or_else(default_bin_dir);
    let echo = bin_dir.join("echo");
    for nodes in [1, 25] {
        let mut opts = TestOptions::new("echo", &echo, nodes);
        opts.time_limit_s = 1;
        opts.quiet = true;
        opts.store = std::env::temp_dir().join("glomers-bench-store");
        match crate::run::run_test(&opts) {
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
    let rate = core_throughput(args.messages);
    println!(
        "network core: {rate:.0} msgs/s routed among 25 nodes (validate, route, journal, deliver; goal ≥ 200k)"
    );
    0
}

/// Simulates the 3d command with our broadcast node; returns (wall seconds,
/// simulated seconds).
pub fn sim_speed() -> Result<(f64, f64), String> {
    let mut opts = TestOptions::new("broadcast", "broadcast", 25);
    opts.time_limit_s = 20;
    opts.rate = 100.0;
    opts.latency.mean_ms = 100;
    opts.sim = true;
    opts.quiet = true;
    opts.seed = 1;
    opts.store = std::env::temp_dir().join("glomers-bench-store");
    let make = crate::sim::registry::for_bin(&opts.bin)?;
    let start = Instant::now();
    let outcome = crate::sim::run_sim(&opts, &|_, seed| make(seed))?;
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

/// Pushes `count` node-to-node lines through a 25-node runner in the main
/// phase and returns messages per second.
pub fn core_throughput(count: u64) -> f64 {
    let mut opts = TestOptions::new("echo", "unused", 25);
    opts.rate = 0.0;
    opts.time_limit_s = 3600;
    let workload = match workloads::build("echo", &opts) {
        Ok(w) => w,
        Err(_) => return 0.0,
    };
    let mut runner = Runner::new(opts.clone(), workload);
    runner.start(0);
    // Answer init for every node so the run reaches its main phase.
    for (node, msg) in runner.take_node_deliveries() {
        let line = format!(
            r#"{{"src":"{}","dest":"{}","body":{{"type":"init_ok","in_reply_to":1}}}}"#,
            opts.nodes[node], msg.src
        );
        runner.on_node_line(node, &line, 0);
    }
    runner.tick(0);
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
    count as f64 / start.elapsed().as_secs_f64()
}

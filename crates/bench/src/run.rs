//! The process driver: runs one `glomers test` against real node processes
//! in real time. It owns the I/O loop — node output and the clock go into
//! the [`Runner`], deliveries go out to node stdins — then tears the nodes
//! down, checks the history and writes the store.

use crate::checkers::Validity;
use crate::opts::TestOptions;
use crate::process::{spawn_all, ProcEvent};
use crate::report::{store, summary};
use crate::runner::Runner;
use crate::workloads;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

/// Maelstrom's exit status when the run itself failed (setup, crash).
pub const EXIT_CRASH: i32 = 255;

/// What a finished run produced.
#[derive(Debug)]
pub struct Outcome {
    pub results: Value,
    pub verdict: Validity,
    /// Set when the run ended in an error rather than a verdict (exit 255).
    pub error: Option<String>,
    pub dir: PathBuf,
    /// Wall time from start to the first client operation.
    pub first_op_after: Option<Duration>,
}

impl Outcome {
    pub fn exit_code(&self) -> i32 {
        if self.error.is_some() {
            EXIT_CRASH
        } else {
            self.verdict.exit_code()
        }
    }
}

/// Runs one test. `Err` means it could not even start (bad workload, binary).
pub fn run_test(opts: &TestOptions) -> Result<Outcome, String> {
    let workload = workloads::build(&opts.workload, opts)?;
    if !opts.bin.is_file() {
        return Err(format!(
            "--bin {}: no such file (build it first, e.g. cargo build --release)",
            opts.bin.display()
        ));
    }
    let started = Instant::now();
    let dir = store::create_run_dir(&opts.store, &opts.workload)?;
    let say = |line: &str| {
        if !opts.quiet {
            println!("{line}");
        }
    };
    say(&format!(
        "glomers test -w {} with {} node(s), seed {} → {}",
        opts.workload,
        opts.nodes.len(),
        opts.seed,
        dir.display()
    ));

    let (mut procs, events) = spawn_all(opts, &dir.join("node-logs"))?;
    let mut runner = Runner::new(opts.clone(), workload);
    let mut console = Vec::new();
    let now = || started.elapsed().as_nanos() as u64;
    runner.start(now());
    loop {
        for (node, msg) in runner.take_node_deliveries() {
            procs[node].send(msg.to_line());
        }
        for line in runner.take_log() {
            say(&line);
            console.push(line);
        }
        if runner.is_done() {
            break;
        }
        let wait = runner
            .next_wakeup()
            .map(|at| Duration::from_nanos(at.saturating_sub(now())))
            .unwrap_or(Duration::from_millis(100));
        match events.recv_timeout(wait) {
            Ok(event) => {
                let mut next = Some(event);
                while let Some(event) = next {
                    match event {
                        ProcEvent::Line { node, line } => runner.on_node_line(node, &line, now()),
                        ProcEvent::Closed { node } => {
                            let status = procs[node]
                                .exit_status(Duration::from_millis(500))
                                .unwrap_or_else(|| "closed its stdout".into());
                            runner.on_node_exit(node, status, now());
                        }
                    }
                    next = events.try_recv().ok();
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {}
        }
        runner.tick(now());
    }
    let first_op_after = runner.first_op_at.map(Duration::from_nanos);

    // Teardown: a node that exited before now crashed, as far as Maelstrom is concerned.
    let mut crashes = Vec::new();
    for (i, p) in procs.iter_mut().enumerate() {
        let status = runner.nodes()[i]
            .exited
            .clone()
            .or_else(|| p.exit_status(Duration::ZERO));
        if let Some(status) = status {
            crashes.push(crash_report(&p.name, &status, &p.stderr_tail(), &dir));
        }
        p.kill();
    }
    for (i, node) in runner.nodes().iter().enumerate() {
        if let Some(why) = &node.stdout_dead {
            let tail = procs[i].stderr_tail();
            console.push(format!(
                "node {} output was ignored from this line on: {why}{}",
                node.name,
                tail_text(&tail)
            ));
        }
    }
    let error = runner
        .abort_reason()
        .map(|reason| {
            let tails: Vec<String> = procs
                .iter()
                .map(|p| format!("{}:{}", p.name, tail_text(&p.stderr_tail())))
                .collect();
            format!("{reason}\nstderr of the nodes:\n{}", tails.join("\n"))
        })
        .or_else(|| (!crashes.is_empty()).then(|| crashes.join("\n")));

    let results = runner.results();
    let verdict = Validity::of(&results);
    store::write_run(&dir, opts, &runner, &results, &console)?;
    if !opts.quiet {
        summary::print(opts, &results, &dir);
    }
    if let Some(e) = &error {
        eprintln!("\nThe run failed: {e}");
    } else {
        println!("{}", verdict.banner());
    }
    Ok(Outcome {
        results,
        verdict,
        error,
        dir,
        first_op_after,
    })
}

fn crash_report(name: &str, status: &str, tail: &[String], dir: &std::path::Path) -> String {
    format!(
        "Node {name} crashed with {status}. Full log: {}{}",
        dir.join("node-logs").join(format!("{name}.log")).display(),
        tail_text(tail)
    )
}

fn tail_text(tail: &[String]) -> String {
    if tail.is_empty() {
        " (stderr was empty)".into()
    } else {
        format!("\n  last stderr lines:\n    {}", tail.join("\n    "))
    }
}

//! The process driver: runs one `glomers test` against real node processes
//! in real time. It owns the I/O loop — node output and the clock go into
//! the [`Runner`], deliveries go out to node stdins — then tears the nodes
//! down. Preparing a run and finishing it (checking, store, summary) are
//! shared with the simulation driver (`crate::sim`).

use crate::opts::TestOptions;
use crate::process::{self, spawn_all, NodeProcess, ProcEvent};
use crate::progress::Progress;
use crate::report::{store, summary, write};
use crate::runner::{NodeControl, Runner};
use crate::workloads;
use glomers_check::Validity;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

/// Maelstrom's exit status when the run itself failed (setup, crash).
pub const EXIT_CRASH: i32 = 255;

/// Node output lines handled before the loop ticks timers and writes stdins.
const EVENT_BATCH: usize = 1024;

/// How often the loop looks for nodes that exited, at the least.
const EXIT_POLL: Duration = Duration::from_millis(50);

/// Past the longest a healthy run can take (`Runner::longest_run`), the
/// bench waits this much more, then stops, kills the nodes and says so.
const GRACE: Duration = Duration::from_secs(60);

/// What a finished run produced.
#[derive(Debug)]
pub struct Outcome {
    pub results: Value,
    pub verdict: Validity,
    /// Set when the run ended in an error rather than a verdict (exit 255).
    pub error: Option<String>,
    pub dir: PathBuf,
    /// Time from start to the first client operation (wall or virtual).
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

/// A run being driven: the core, its store directory and the console log.
pub struct Session<'a> {
    pub opts: &'a TestOptions,
    pub runner: Runner,
    pub dir: PathBuf,
    pub console: Vec<String>,
    pub progress: Progress,
}

impl<'a> Session<'a> {
    /// Builds the workload and the run directory; announces the run.
    pub fn prepare(opts: &'a TestOptions, mode: &str) -> Result<Self, String> {
        let workload = workloads::build(&opts.workload, opts)?;
        let dir = store::create_run_dir(&opts.store, &opts.workload)?;
        let mut runner = Runner::new(opts.clone(), workload);
        runner.journal_to(&dir.join(store::JOURNAL_FILE))?;
        // Simulated runs take well under a second: no live display.
        let label = opts.progress_label.as_deref().unwrap_or("");
        let show = mode != "simulation" && (!opts.quiet || !label.is_empty());
        let session = Self {
            opts,
            runner,
            dir,
            console: Vec::new(),
            progress: Progress::new(label, show, opts.quiet),
        };
        session.say(&format!(
            "glomers test -w {} with {} node(s) ({mode}), seed {} → {}",
            opts.workload,
            opts.nodes.len(),
            opts.seed,
            session.dir.display()
        ));
        Ok(session)
    }

    fn say(&self, line: &str) {
        self.progress.println(line);
    }

    /// Prints a line (unless quiet) and keeps it in the console log.
    pub fn note(&mut self, line: String) {
        self.say(&line);
        self.console.push(line);
    }

    /// Moves the runner's log lines to the console.
    pub fn pump_log(&mut self) {
        for line in self.runner.take_log() {
            self.say(&line);
            self.console.push(line);
        }
    }

    /// Checks the history, writes the store and prints the summary.
    /// `failure` is an error that ends the run without a verdict.
    pub fn finish(mut self, failure: Option<String>) -> Result<Outcome, String> {
        self.pump_log();
        if let Err(e) = self.runner.flush_journal() {
            self.note(format!("WARNING: {e}"));
        }
        let failure = failure.or_else(|| self.runner.abort_reason().map(str::to_string));
        self.progress.checking();
        let results = self.runner.results();
        self.progress.finish();
        let verdict = Validity::of(&results);
        let finished = store::Finished {
            opts: self.opts,
            history: self.runner.history(),
            results: &results,
            console: &self.console,
            failure: failure.as_deref(),
        };
        write::write_run(&self.dir, &finished, &self.runner.artifacts(&results))?;
        if !self.opts.quiet {
            summary::print(self.opts, &results, &self.dir);
        }
        match &failure {
            Some(e) if !self.opts.quiet => eprintln!("\nThe run failed: {e}"),
            None if !self.opts.quiet => println!("{}", verdict.banner()),
            _ => {}
        }
        Ok(Outcome {
            results,
            verdict,
            error: failure,
            first_op_after: self.runner.first_op_at.map(Duration::from_nanos),
            dir: self.dir,
        })
    }
}

/// Runs one test against node processes. `Err` means it could not even start.
pub fn run_test(opts: &TestOptions) -> Result<Outcome, String> {
    if !opts.bin.is_file() {
        return Err(format!(
            "--bin {}: no such file: give the path of your node's executable (a Rust node: build it first, e.g. cargo build --release)",
            opts.bin.display()
        ));
    }
    crate::process::check_runnable(&opts.bin)?;
    // Nodes run in the temp directory, as under Maelstrom, so resolve the
    // binary against ours first.
    let mut resolved = opts.clone();
    resolved.bin = std::fs::canonicalize(&opts.bin)
        .map_err(|e| format!("--bin {}: {e}", opts.bin.display()))?;
    let opts = &resolved;
    // Timed deliveries are sub-millisecond; Linux's default 50 µs timer
    // slack on our sleeps would add to the wake-ups the network models.
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_TIMERSLACK only changes this thread's sleep precision.
    unsafe {
        libc::prctl(libc::PR_SET_TIMERSLACK, 1);
    }
    let started = Instant::now();
    let mut session = Session::prepare(opts, "processes")?;
    let log_dir = session.dir.join("node-logs");
    let (mut procs, events) = spawn_all(opts, &log_dir)?;
    let now = || started.elapsed().as_nanos() as u64;
    let budget = session
        .runner
        .longest_run()
        .saturating_add(GRACE.as_nanos() as u64);
    let hard_stop = now().saturating_add(budget);
    let runner = &mut session.runner;
    runner.start(now());
    let mut stdout_closed = vec![false; procs.len()];
    let mut next_exit_poll = 0;
    loop {
        for control in runner.take_node_controls() {
            if let NodeControl::Start(i) = control {
                stdout_closed[i] = false; // a new process, a new stdout
            }
            if let Err(e) = apply_control(opts, control, &mut procs, &log_dir, &events) {
                runner.abort_with(e);
            }
        }
        for (node, msg) in runner.take_node_deliveries() {
            procs[node].send(msg.to_line());
        }
        for line in runner.take_log() {
            session.progress.println(&line);
            session.console.push(line);
        }
        session.progress.update(&runner.status(now()));
        if runner.is_done() {
            break;
        }
        if now() >= hard_stop {
            runner.abort_with(format!(
                "the run did not end within {:.0} s (time limit, recovery and a grace period): the bench gave up waiting and killed the nodes",
                budget as f64 / 1e9
            ));
            continue;
        }
        let wait = runner
            .next_wakeup()
            .map(|at| Duration::from_nanos(at.saturating_sub(now())))
            .unwrap_or(EXIT_POLL)
            .min(EXIT_POLL);
        match next_event(&events.rx, wait) {
            Ok(first) => {
                // A bounded batch, so timers, phases and node stdins get
                // their turn even while a node prints without pause.
                let batch =
                    std::iter::once(first).chain(events.rx.try_iter().take(EVENT_BATCH - 1));
                for event in batch {
                    match event {
                        // Events of a process the kill nemesis replaced are stale.
                        ProcEvent::Line { node, start, .. } | ProcEvent::Closed { node, start }
                            if start != procs[node].start => {}
                        ProcEvent::Line { node, line, .. } => {
                            runner.on_node_line(node, &line, now())
                        }
                        ProcEvent::Closed { node, .. } => stdout_closed[node] = true,
                    }
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            // Every node closed its stdout: nothing to read, only time passes.
            Err(RecvTimeoutError::Disconnected) => std::thread::sleep(wait),
        }
        // A crash is a process that exited (as in Maelstrom), not a closed stdout.
        if now() >= next_exit_poll {
            next_exit_poll = now() + EXIT_POLL.as_nanos() as u64;
            for (i, p) in procs.iter_mut().enumerate() {
                if runner.nodes()[i].exited.is_none() {
                    if let Some(status) = p.exit_status() {
                        runner.on_node_exit(i, status, now());
                    }
                }
            }
        }
        runner.tick(now());
    }

    // Teardown: a node that exited before now crashed, as far as Maelstrom is concerned.
    let mut crashes = Vec::new();
    let mut notes = Vec::new();
    for (i, p) in procs.iter_mut().enumerate() {
        let exited = session.runner.nodes()[i].exited.clone();
        // Still down at the end: the kill nemesis's doing, not a crash.
        let killed = session.runner.nodes()[i].down;
        if let Some(status) = exited.or_else(|| p.exit_status()).filter(|_| !killed) {
            crashes.push(crash_report(
                &p.name,
                &status,
                &p.stderr_tail(),
                &session.dir,
            ));
        }
        if stdout_closed[i] && session.runner.nodes()[i].exited.is_none() {
            notes.push(format!(
                "node {} closed its stdout but kept running (nothing it printed after that could reach the bench)",
                p.name
            ));
        }
        if p.kill() {
            notes.push(format!(
                "node {} left processes of its own running (children that outlived it or it started in the background); the bench killed its process group",
                p.name
            ));
        }
    }
    for (i, node) in session.runner.nodes().iter().enumerate() {
        let tail = || tail_text(&procs[i].stderr_tail());
        if let Some(why) = &node.stdout_dead {
            notes.push(format!(
                "node {} output was ignored from this line on: {why}{}",
                node.name,
                tail()
            ));
        } else if node.timeouts > 0 {
            notes.push(format!(
                "node {} left {} client request(s) unanswered within the timeout{}",
                node.name,
                node.timeouts,
                tail()
            ));
        }
    }
    for note in notes {
        session.note(note);
    }
    let failure = session
        .runner
        .abort_reason()
        .map(|reason| {
            let tails: Vec<String> = procs
                .iter()
                .map(|p| format!("{}:{}", p.name, tail_text(&p.stderr_tail())))
                .collect();
            format!("{reason}\nstderr of the nodes:\n{}", tails.join("\n"))
        })
        .or_else(|| (!crashes.is_empty()).then(|| crashes.join("\n")));
    session.finish(failure)
}

/// Does to the node processes what the nemesis asks: SIGSTOP / SIGCONT for
/// pause and resume, kill and start again for kill (the clock fault needs
/// `--sim`, which the options enforce).
fn apply_control(
    opts: &TestOptions,
    control: NodeControl,
    procs: &mut [NodeProcess],
    log_dir: &Path,
    events: &process::Events,
) -> Result<(), String> {
    let fail =
        |what: &str, i: usize| format!("the nemesis could not {what} node {}", opts.nodes[i]);
    match control {
        NodeControl::Pause(i) if !procs[i].signal(libc::SIGSTOP) => Err(fail("pause", i)),
        NodeControl::Resume(i) if !procs[i].signal(libc::SIGCONT) => Err(fail("resume", i)),
        NodeControl::Kill(i) => {
            procs[i].kill();
            Ok(())
        }
        NodeControl::Start(i) => {
            let start = procs[i].start + 1;
            let p = process::restart(opts, i, start, log_dir, events)
                .map_err(|e| format!("{}: {e}", fail("start again", i)))?;
            procs[i] = p;
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Below this, the loop polls for node output instead of sleeping: a
/// sleep this short overshoots by a thread wake-up (~0.1 ms here), which
/// would add to the Maelstrom wake-ups the network already models.
const SPIN_BELOW: Duration = Duration::from_micros(250);

/// The next node event within `wait`: sleeps until shortly before the
/// deadline, then polls, so timed deliveries go out on time.
fn next_event(
    events: &std::sync::mpsc::Receiver<ProcEvent>,
    wait: Duration,
) -> Result<ProcEvent, RecvTimeoutError> {
    let until = Instant::now() + wait;
    if wait > SPIN_BELOW {
        match events.recv_timeout(wait - SPIN_BELOW) {
            Err(RecvTimeoutError::Timeout) => {}
            other => return other,
        }
    }
    loop {
        match events.try_recv() {
            Ok(e) => return Ok(e),
            Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                return Err(RecvTimeoutError::Disconnected)
            }
            Err(std::sync::mpsc::TryRecvError::Empty) if Instant::now() >= until => {
                return Err(RecvTimeoutError::Timeout)
            }
            Err(std::sync::mpsc::TryRecvError::Empty) => std::thread::yield_now(),
        }
    }
}

fn crash_report(name: &str, status: &str, tail: &[String], dir: &Path) -> String {
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

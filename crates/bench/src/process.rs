//! Node processes: spawning the `--bin` once per node, feeding its stdin from
//! a writer thread, reading its stdout lines into the bench's event channel,
//! and appending its stderr to `node-logs/<node>.log` while keeping the last
//! lines in memory to show if the node misbehaves.
//!
//! Each node runs in a process group of its own, so teardown kills whatever
//! it started too (a shell wrapper's child, a helper daemon) — descendants
//! that inherit its stdout would otherwise keep the bench waiting forever.
//! The event channel is bounded: a node printing faster than the bench
//! routes is slowed down by its own pipe instead of growing our memory.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use crate::opts::TestOptions;

/// Lines of stderr kept per node for error reports (Maelstrom keeps 32).
const TAIL_LINES: usize = 32;

/// Stdout lines (of all nodes together) read ahead of the bench.
const EVENT_BACKLOG: usize = 4096;

/// How long teardown waits for a killed node's stderr to reach its log.
const STDERR_GRACE: Duration = Duration::from_secs(1);

/// What the node processes tell the bench.
#[derive(Debug)]
pub enum ProcEvent {
    /// A complete (`\n`-terminated) stdout line.
    Line {
        node: usize,
        start: u64,
        line: String,
    },
    /// Stdout closed (the process may still run: only an exit is a crash).
    Closed { node: usize, start: u64 },
}

pub struct NodeProcess {
    pub name: String,
    /// Which start of the node this is (0, then one more per restart by
    /// the kill nemesis): events of an earlier process are ignored.
    pub start: u64,
    child: Child,
    stdin: Option<Sender<String>>,
    stderr_tail: Arc<Mutex<VecDeque<String>>>,
    /// Signals when the stderr reader has written everything to the log.
    stderr_done: Receiver<()>,
    /// The status once the process was seen to exit.
    exited: Option<String>,
}

impl NodeProcess {
    /// Queues one line for the node's stdin.
    pub fn send(&self, line: String) {
        if let Some(tx) = &self.stdin {
            let _ = tx.send(line); // a dead node simply stops reading
        }
    }

    /// The node's last stderr lines.
    pub fn stderr_tail(&self) -> Vec<String> {
        self.stderr_tail
            .lock()
            .map(|t| t.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The exit status if the process has ended (never blocks).
    pub fn exit_status(&mut self) -> Option<String> {
        if self.exited.is_none() {
            if let Ok(Some(status)) = self.child.try_wait() {
                self.exited = Some(describe(status));
            }
        }
        self.exited.clone()
    }

    /// Sends `signal` to the node's process group (the pause nemesis's
    /// SIGSTOP and SIGCONT); false if it could not be delivered.
    pub fn signal(&self, signal: libc::c_int) -> bool {
        let group = self.child.id() as libc::pid_t;
        // SAFETY: a plain syscall on the process group we created.
        unsafe { libc::kill(-group, signal) == 0 }
    }

    /// Kills the node and everything in its process group, then waits
    /// (briefly) for its stderr to reach the log. Returns true when
    /// processes it started were still running and had to be killed.
    pub fn kill(&mut self) -> bool {
        self.stdin = None;
        let group = self.child.id() as libc::pid_t;
        let _ = self.child.kill();
        let _ = self.child.wait();
        // SAFETY: plain syscalls on a process group id we created; signal 0
        // only asks whether any member is left.
        let leftovers = unsafe { libc::kill(-group, 0) } == 0;
        if leftovers {
            // SAFETY: as above; SIGKILL to the node's own group only.
            unsafe { libc::kill(-group, libc::SIGKILL) };
        }
        let _ = self.stderr_done.recv_timeout(STDERR_GRACE);
        leftovers
    }
}

fn describe(status: std::process::ExitStatus) -> String {
    match status.code() {
        Some(code) => format!("exit status {code}"),
        None => format!("{status}"),
    }
}

/// Starts every node. Errors name the node and the reason.
pub fn spawn_all(opts: &TestOptions, log_dir: &Path) -> Result<(Vec<NodeProcess>, Events), String> {
    let (tx, rx) = mpsc::sync_channel(EVENT_BACKLOG);
    let mut procs = Vec::new();
    for i in 0..opts.nodes.len() {
        match spawn_one(opts, i, 0, log_dir, tx.clone()) {
            Ok(p) => procs.push(p),
            Err(e) => {
                for p in &mut procs {
                    p.kill();
                }
                return Err(e);
            }
        }
    }
    Ok((procs, Events { rx, tx }))
}

/// The node processes' events, and the sender a restarted node reports on.
pub struct Events {
    pub rx: Receiver<ProcEvent>,
    tx: SyncSender<ProcEvent>,
}

/// Starts node `index` again (the kill nemesis): a new process, its
/// stderr appended to the same log.
pub fn restart(
    opts: &TestOptions,
    index: usize,
    start: u64,
    log_dir: &Path,
    events: &Events,
) -> Result<NodeProcess, String> {
    spawn_one(opts, index, start, log_dir, events.tx.clone())
}

fn spawn_one(
    opts: &TestOptions,
    index: usize,
    start: u64,
    log_dir: &Path,
    events: SyncSender<ProcEvent>,
) -> Result<NodeProcess, String> {
    let name = opts.nodes[index].as_str();
    let workdir = std::env::temp_dir();
    // A script written just before the run may still be open for writing
    // in a process forked meanwhile (ETXTBSY): try again, briefly.
    let mut tries = 0;
    let mut child = loop {
        let spawned = Command::new(&opts.bin)
            .process_group(0)
            .args(&opts.bin_args)
            .envs(opts.node_env.iter().map(|(k, v)| (k, v)))
            .current_dir(&workdir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        match spawned {
            Err(e) if e.raw_os_error() == Some(libc::ETXTBSY) && tries < 10 => {
                tries += 1;
                thread::sleep(Duration::from_millis(20));
            }
            other => {
                break other.map_err(|e| {
                    format!(
                        "could not start node {name}: {}",
                        why_not_runnable(&opts.bin, &e)
                    )
                })?
            }
        }
    };
    let (stdin, stdout, stderr) =
        match (child.stdin.take(), child.stdout.take(), child.stderr.take()) {
            (Some(i), Some(o), Some(e)) => (i, o, e),
            _ => return Err(format!("node {name}: could not open its standard streams")),
        };

    let (stdin_tx, stdin_rx) = mpsc::channel::<String>();
    thread::spawn(move || {
        let mut w = BufWriter::new(stdin);
        while let Ok(line) = stdin_rx.recv() {
            let mut batch = Some(line);
            while let Some(line) = batch {
                if w.write_all(line.as_bytes())
                    .and_then(|_| w.write_all(b"\n"))
                    .is_err()
                {
                    return;
                }
                batch = stdin_rx.try_recv().ok();
            }
            if w.flush().is_err() {
                return;
            }
        }
    });

    thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match reader.read_until(b'\n', &mut buf) {
                // A last line without its newline is never seen by Maelstrom either.
                Ok(0) | Err(_) => break,
                Ok(_) if buf.last() != Some(&b'\n') => break,
                Ok(_) => {
                    buf.pop();
                    // Moved, not copied, when it is UTF-8 (a line can be megabytes).
                    let line = String::from_utf8(std::mem::take(&mut buf))
                        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
                    let event = ProcEvent::Line {
                        node: index,
                        start,
                        line,
                    };
                    if events.send(event).is_err() {
                        return;
                    }
                }
            }
        }
        let _ = events.send(ProcEvent::Closed { node: index, start });
    });

    let tail = Arc::new(Mutex::new(VecDeque::new()));
    let log_path = log_dir.join(format!("{name}.log"));
    // Appended to: a node the kill nemesis restarts keeps one log.
    let mut log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
    let echo = opts.log_stderr.then(|| name.to_string());
    let (done_tx, stderr_done) = mpsc::channel();
    {
        let tail = tail.clone();
        thread::spawn(move || {
            let mut reader = BufReader::new(stderr);
            let mut buf = Vec::new();
            while matches!(reader.read_until(b'\n', &mut buf), Ok(n) if n > 0) {
                let _ = log.write_all(&buf);
                let line = String::from_utf8_lossy(&buf).trim_end().to_string();
                buf.clear();
                if let Some(node) = &echo {
                    eprintln!("[{node}] {line}");
                }
                if let Ok(mut t) = tail.lock() {
                    if t.len() == TAIL_LINES {
                        t.pop_front();
                    }
                    t.push_back(line);
                }
            }
            let _ = log.flush();
            let _ = done_tx.send(());
        });
    }

    Ok(NodeProcess {
        name: name.to_string(),
        start,
        child,
        stdin: Some(stdin_tx),
        stderr_tail: tail,
        stderr_done,
        exited: None,
    })
}

/// Whether `bin` can be started as a node, checked before any node is: a
/// file with its run bit, and either a binary the system runs or a script
/// with a `#!` line. The error says what to do, in one sentence.
pub fn check_runnable(bin: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let shown = bin.display();
    let meta = std::fs::metadata(bin).map_err(|e| format!("--bin {shown}: {e}"))?;
    if !meta.is_file() {
        return Err(format!(
            "--bin {shown} is not a file: give the node's executable"
        ));
    }
    if meta.permissions().mode() & 0o111 == 0 {
        return Err(format!(
            "--bin {shown} is not executable: run `chmod +x {shown}`"
        ));
    }
    let mut start = [0u8; 4];
    let read = std::fs::File::open(bin)
        .and_then(|mut f| std::io::Read::read(&mut f, &mut start))
        .map_err(|e| format!("--bin {shown}: {e}"))?;
    let start = &start[..read];
    let native = start.starts_with(b"\x7fELF") || start.starts_with(b"\xcf\xfa\xed\xfe");
    if !native && !start.starts_with(b"#!") {
        return Err(format!(
            "--bin {shown} is neither a program nor a script with a `#!` first line: \
             add one, such as `#!/usr/bin/env python3`"
        ));
    }
    Ok(())
}

/// Why spawning `bin` failed, in words a newcomer can act on.
fn why_not_runnable(bin: &Path, e: &std::io::Error) -> String {
    let shown = bin.display();
    if e.kind() == std::io::ErrorKind::NotFound && bin.is_file() {
        // The file is there: it is the interpreter of its `#!` line that is not.
        let first = std::fs::read_to_string(bin)
            .ok()
            .and_then(|text| text.lines().next().map(str::to_string))
            .unwrap_or_default();
        return format!("{shown}: the interpreter its first line names ({first}) was not found");
    }
    match check_runnable(bin) {
        Err(reason) => reason,
        Ok(()) => format!("{shown}: {e}"),
    }
}

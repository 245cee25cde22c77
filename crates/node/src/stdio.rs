//! The real-world driver: feeds stdin lines and the monotonic clock into a
//! [`Runtime`], writes messages to stdout (whole lines, one writer, flushed
//! per batch) and logs to stderr. This is the only place that does I/O; the
//! loop itself (`drive`) sees its input and clock through `Inbox`, so its
//! fairness between input and timers is tested in-process.

use crate::ctx::Output;
use crate::{Node, Runtime};
use std::io::{BufRead, BufWriter, Write};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Runs `node` on stdin/stdout until stdin closes.
pub fn run<N: Node>(node: N) {
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
        ^ u64::from(std::process::id()).rotate_left(32);
    run_with_seed(node, seed)
}

/// Like [`run`], with a fixed seed for [`crate::Ctx::random_u64`].
pub fn run_with_seed<N: Node>(node: N, seed: u64) {
    let (lines_tx, lines_rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match stdin.read_until(b'\n', &mut buf) {
                Ok(0) => break,
                Ok(_) => {
                    let line = String::from_utf8_lossy(&buf).trim_end().to_string();
                    if lines_tx.send(line).is_err() {
                        break;
                    }
                }
                Err(e) => {
                    eprintln!("stdin read failed: {e}");
                    break;
                }
            }
        }
    });

    let mut inbox = Stdin {
        lines: lines_rx,
        start: Instant::now(),
    };
    let mut runtime = Runtime::new(node, seed);
    let mut stdout = BufWriter::new(std::io::stdout().lock());
    drive(&mut runtime, &mut inbox, &mut stdout);
}

/// Input lines still to come, and the clock they are timed by.
pub(crate) trait Inbox {
    /// Time since the driver started.
    fn now(&self) -> Duration;
    /// Waits up to `timeout` (forever if `None`) for the next line.
    fn recv(&mut self, timeout: Option<Duration>) -> Recv;
    /// The next line, if one has already arrived.
    fn try_recv(&mut self) -> Option<String>;
}

/// What waiting on an [`Inbox`] gave.
pub(crate) enum Recv {
    Line(String),
    TimedOut,
    Closed,
}

/// The most input lines handled in a row while more are waiting: bounds how
/// long outputs wait for their flush under an input burst.
const MAX_BATCH: usize = 64;

/// The driver loop, until the input closes or stdout does. Lines that have
/// already arrived are handled as one batch and flushed together, but a batch
/// ends as soon as a timer or RPC timeout is due (the clock is read between
/// lines) or after [`MAX_BATCH`] lines: an input burst cannot starve timers,
/// which fire at most one line's handling late.
pub(crate) fn drive<N: Node>(
    runtime: &mut Runtime<N>,
    inbox: &mut impl Inbox,
    stdout: &mut impl Write,
) {
    loop {
        runtime.handle_timeouts(inbox.now());
        if flush(runtime, stdout).is_err() {
            return; // stdout closed: nobody is listening any more.
        }
        let timeout = runtime
            .next_deadline()
            .map(|at| at.saturating_sub(inbox.now()));
        let line = match inbox.recv(timeout) {
            Recv::Line(line) => line,
            Recv::TimedOut => continue,
            Recv::Closed => break,
        };
        runtime.handle_line(&line, inbox.now());
        for _ in 1..MAX_BATCH {
            // Timers first as soon as one is due: a burst must not starve them.
            if runtime.next_deadline().is_some_and(|at| at <= inbox.now()) {
                break;
            }
            let Some(line) = inbox.try_recv() else {
                break;
            };
            runtime.handle_line(&line, inbox.now());
        }
    }
    let _ = flush(runtime, stdout);
}

/// Stdin lines from the reader thread, timed by the monotonic clock.
struct Stdin {
    lines: mpsc::Receiver<String>,
    start: Instant,
}

impl Inbox for Stdin {
    fn now(&self) -> Duration {
        self.start.elapsed()
    }

    fn recv(&mut self, timeout: Option<Duration>) -> Recv {
        // A timeout too far off to be an `Instant` (a huge RPC timeout) is
        // as good as none.
        let timeout = timeout.filter(|t| Instant::now().checked_add(*t).is_some());
        match timeout {
            Some(t) => match self.lines.recv_timeout(t) {
                Ok(line) => Recv::Line(line),
                Err(mpsc::RecvTimeoutError::Timeout) => Recv::TimedOut,
                Err(mpsc::RecvTimeoutError::Disconnected) => Recv::Closed,
            },
            None => match self.lines.recv() {
                Ok(line) => Recv::Line(line),
                Err(_) => Recv::Closed,
            },
        }
    }

    fn try_recv(&mut self) -> Option<String> {
        self.lines.try_recv().ok()
    }
}

fn flush<N: Node>(runtime: &mut Runtime<N>, stdout: &mut impl Write) -> std::io::Result<()> {
    let mut wrote = false;
    for output in runtime.drain_output() {
        match output {
            Output::Line(line) => {
                stdout.write_all(line.as_bytes())?;
                stdout.write_all(b"\n")?;
                wrote = true;
            }
            Output::Log(text) => eprintln!("{text}"),
        }
    }
    if wrote {
        stdout.flush()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{drive, Inbox, Recv, MAX_BATCH};
    use crate::{Ctx, Error, Node, Payload, Request, Runtime};
    use std::collections::VecDeque;
    use std::io::Write;
    use std::time::Duration;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// `init`, then `count` requests that have all arrived already; taking
    /// each line costs 1 ms of the fake clock.
    struct Burst {
        lines: VecDeque<String>,
        now: Duration,
    }

    impl Burst {
        fn new(count: usize) -> Self {
            let mut lines = VecDeque::from([
                r#"{"src":"c0","dest":"n0","body":{"type":"init","msg_id":1,"node_id":"n0","node_ids":["n0"]}}"#.to_string(),
            ]);
            lines.extend((0..count).map(|i| {
                format!(
                    r#"{{"src":"c1","dest":"n0","body":{{"type":"hit","msg_id":{}}}}}"#,
                    i + 2
                )
            }));
            Self {
                lines,
                now: Duration::ZERO,
            }
        }
    }

    impl Inbox for Burst {
        fn now(&self) -> Duration {
            self.now
        }
        fn recv(&mut self, _timeout: Option<Duration>) -> Recv {
            match self.try_recv() {
                Some(line) => Recv::Line(line),
                None => Recv::Closed,
            }
        }
        fn try_recv(&mut self) -> Option<String> {
            let line = self.lines.pop_front()?;
            self.now += ms(1);
            Some(line)
        }
    }

    /// Answers every request, recording `l`, and `t` per tick of its timer.
    #[derive(Default)]
    struct Ticker {
        period: Option<Duration>,
        events: String,
    }

    impl Node for Ticker {
        type Msg = Payload;
        fn on_init(&mut self, ctx: &mut Ctx<Self>) {
            if let Some(period) = self.period {
                ctx.every(period, |node, _| node.events.push('t'));
            }
        }
        fn handle(&mut self, ctx: &mut Ctx<Self>, req: Request<Payload>) -> Result<(), Error> {
            self.events.push('l');
            ctx.reply(&req, serde_json::json!({"type": "hit_ok"}));
            Ok(())
        }
    }

    /// Counts flushes, dropping the bytes.
    #[derive(Default)]
    struct Flushes(usize);

    impl Write for Flushes {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            self.0 += 1;
            Ok(())
        }
    }

    #[test]
    fn an_input_burst_does_not_starve_timers() {
        let ticker = Ticker {
            period: Some(ms(10)),
            ..Ticker::default()
        };
        let mut runtime = Runtime::new(ticker, 1);
        drive(&mut runtime, &mut Burst::new(200), &mut Flushes::default());
        let events = &runtime.node().events;
        assert_eq!(events.matches('l').count(), 200);
        // 201 ms of input handling, a tick due every 10 ms: each fires once
        // the line being handled when it fell due is done.
        assert_eq!(events.matches('t').count(), 20, "{events}");
        let longest_run = events.split('t').map(str::len).max().unwrap_or(0);
        assert!(longest_run <= 10, "{longest_run} lines in a row: {events}");
    }

    /// Leaves a task waiting forever on an RPC and a sleep.
    struct Stuck;

    impl Node for Stuck {
        type Msg = Payload;
        fn handle(&mut self, ctx: &mut Ctx<Self>, _: Request<Payload>) -> Result<(), Error> {
            let handle = ctx.handle();
            ctx.spawn(async move {
                let _ = handle
                    .rpc("n9", serde_json::json!({"type": "x"}), Duration::MAX)
                    .await;
                handle.sleep(Duration::MAX).await;
            });
            Ok(())
        }
    }

    #[test]
    fn pending_tasks_do_not_keep_the_driver_from_ending() {
        let mut runtime = Runtime::new(Stuck, 1);
        drive(&mut runtime, &mut Burst::new(3), &mut Flushes::default());
        assert_eq!(runtime.pending_tasks(), 3);
    }

    #[test]
    fn an_input_burst_is_flushed_in_bounded_batches() {
        let mut runtime = Runtime::new(Ticker::default(), 1);
        let mut stdout = Flushes::default();
        let lines = 10 * MAX_BATCH;
        drive(&mut runtime, &mut Burst::new(lines), &mut stdout);
        assert_eq!(runtime.node().events.len(), lines);
        // `init` plus the requests, `MAX_BATCH` lines to a flush.
        assert_eq!(stdout.0, lines / MAX_BATCH + 1);
    }
}

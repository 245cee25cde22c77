//! The real-world driver: feeds stdin lines and the monotonic clock into a
//! [`Runtime`], writes messages to stdout (whole lines, one writer, flushed
//! per batch) and logs to stderr. This is the only place that does I/O.

use crate::ctx::Output;
use crate::{Node, Runtime};
use std::io::{BufRead, BufWriter, Write};
use std::sync::mpsc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

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

    let start = Instant::now();
    let mut runtime = Runtime::new(node, seed);
    let mut stdout = BufWriter::new(std::io::stdout().lock());
    loop {
        runtime.handle_timeouts(start.elapsed());
        if flush(&mut runtime, &mut stdout).is_err() {
            return; // stdout closed: nobody is listening any more.
        }
        let received = match runtime.next_deadline() {
            Some(at) => match lines_rx.recv_timeout(at.saturating_sub(start.elapsed())) {
                Ok(line) => Some(line),
                Err(mpsc::RecvTimeoutError::Timeout) => None,
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            },
            None => match lines_rx.recv() {
                Ok(line) => Some(line),
                Err(_) => break,
            },
        };
        if let Some(line) = received {
            runtime.handle_line(&line, start.elapsed());
            // Drain whatever else already arrived before writing, to batch flushes.
            while let Ok(line) = lines_rx.try_recv() {
                runtime.handle_line(&line, start.elapsed());
            }
        }
    }
    let _ = flush(&mut runtime, &mut stdout);
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

//! Live progress of a run: on a terminal, a status line redrawn in place
//! (indicatif) — elapsed / limit, phase, operations by outcome, messages,
//! the nemesis; elsewhere (CI logs, pipes) a plain line every
//! [`PLAIN_EVERY`], so logs stay short. Messages printed meanwhile go
//! through [`Progress::println`] so they never tear the status line.

use crate::runner::{Phase, Status};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// How often a plain progress line is printed when stdout is not a terminal.
pub const PLAIN_EVERY: Duration = Duration::from_secs(10);
/// How often the terminal line is refreshed.
const REDRAW_EVERY: Duration = Duration::from_millis(100);

pub struct Progress {
    bar: Option<ProgressBar>,
    /// Shown before the status, e.g. `challenge 3d (6/15)`.
    prefix: String,
    /// Print plain lines (no terminal) at all.
    plain: bool,
    last: Instant,
    quiet_lines: bool,
    latest: Option<Status>,
}

impl Progress {
    /// A display for one run; `quiet` drops the run's own messages (not
    /// the progress, when `show` is set).
    pub fn new(prefix: &str, show: bool, quiet: bool) -> Self {
        let terminal = show && std::io::stdout().is_terminal();
        let bar = terminal.then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stdout_with_hz(10));
            let style = ProgressStyle::with_template("{spinner} {prefix}{msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
            bar.set_style(style);
            bar.set_prefix(if prefix.is_empty() {
                String::new()
            } else {
                format!("{prefix}: ")
            });
            bar
        });
        Self {
            bar,
            prefix: prefix.to_string(),
            plain: show && !terminal,
            last: Instant::now(),
            quiet_lines: quiet,
            latest: None,
        }
    }

    /// Shows where the run stands (throttled; cheap to call often).
    pub fn update(&mut self, status: &Status) {
        self.latest = Some(status.clone());
        let now = Instant::now();
        if let Some(bar) = &self.bar {
            if now.duration_since(self.last) >= REDRAW_EVERY {
                self.last = now;
                bar.set_message(describe(status));
                bar.tick();
            }
        } else if self.plain && now.duration_since(self.last) >= PLAIN_EVERY {
            self.last = now;
            let prefix = if self.prefix.is_empty() {
                String::new()
            } else {
                format!("{}: ", self.prefix)
            };
            println!("{prefix}{}", describe(status));
        }
    }

    /// Says the run is being checked (the checkers can take a while).
    pub fn checking(&mut self) {
        if let (Some(bar), Some(latest)) = (&self.bar, &self.latest) {
            let done = Status {
                phase: Phase::Done,
                ..latest.clone()
            };
            bar.set_message(describe(&done));
            bar.tick();
        }
    }

    /// Prints a line of the run's own (unless quiet) above the status line.
    pub fn println(&self, line: &str) {
        if self.quiet_lines {
            return;
        }
        match &self.bar {
            Some(bar) => bar.println(line),
            None => println!("{line}"),
        }
    }

    /// Removes the status line.
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

/// One line: `12.3 / 20 s · main · ops 1203 ok, 0 fail, 3 info · 4521 msgs · partitioned`.
pub fn describe(s: &Status) -> String {
    let phase = match s.phase {
        Phase::Init => "init",
        Phase::Setup => "setup",
        Phase::Main => "main",
        Phase::Drain => "draining",
        Phase::Recovery => "recovery",
        Phase::Final => "final reads",
        Phase::Done => "checking",
    };
    let nemesis = match s.partitioned {
        None => String::new(),
        Some(true) => " · network partitioned".into(),
        Some(false) => " · network healed".into(),
    };
    format!(
        "{:.1} / {} s · {phase} · ops {} ok, {} fail, {} info · {} msgs{nemesis}",
        s.elapsed_s, s.limit_s, s.ok, s.fail, s.info, s.messages
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_line_says_everything() {
        let s = Status {
            elapsed_s: 12.34,
            limit_s: 20,
            phase: Phase::Main,
            ok: 1203,
            fail: 1,
            info: 3,
            messages: 4521,
            partitioned: Some(true),
        };
        assert_eq!(
            describe(&s),
            "12.3 / 20 s · main · ops 1203 ok, 1 fail, 3 info · 4521 msgs · network partitioned"
        );
        let done = Status {
            phase: Phase::Done,
            partitioned: None,
            ..s
        };
        assert!(describe(&done).contains("· checking ·"));
        assert!(!describe(&done).contains("network"));
    }
}

//! Which faults were in effect when, read back from the nemesis's `:info`
//! operations in a history: a [`Span`] per node paused, killed or with its
//! clock moved, and one per partition. The Lamport diagram draws the
//! per-node spans on the lanes; the findings name the spans overlapping
//! their evidence's time window ([`Faults::during`]).

use crate::report::lamport::filter::seconds;
use glomers_check::history::{History, OpType, Process};
use serde_json::Value;

/// What kind of fault a span is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Partition,
    Pause,
    Kill,
    Clock,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Partition => "partition",
            Kind::Pause => "pause",
            Kind::Kill => "kill",
            Kind::Clock => "clock",
        }
    }
}

/// One fault in effect from `from` until `until` (ns since the start; None:
/// never ended in the history).
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    pub kind: Kind,
    /// The node it struck; None for a partition (the whole network).
    pub node: Option<String>,
    pub from: u64,
    pub until: Option<u64>,
    /// For a clock: the bump in ms (`-512 ms`) or the rate (`×1.37`).
    pub detail: String,
}

impl Span {
    /// Whether it was in effect at some time in `[from, until]`.
    pub fn overlaps(&self, from: u64, until: u64) -> bool {
        self.from <= until && self.until.is_none_or(|u| u >= from)
    }

    /// The span in words: `n2 killed at 4.213 s, started at 6.020 s`.
    pub fn describe(&self) -> String {
        let node = self.node.as_deref().unwrap_or("the network");
        let from = seconds(self.from);
        let until = self.until.map(seconds);
        match (self.kind, until) {
            (Kind::Kill, Some(u)) => format!("{node} killed at {from} s, started at {u} s"),
            (Kind::Kill, None) => format!("{node} killed at {from} s, never started again"),
            (Kind::Pause, Some(u)) => format!("{node} paused {from}\u{2013}{u} s"),
            (Kind::Pause, None) => format!("{node} paused from {from} s, never resumed"),
            (Kind::Partition, Some(u)) => format!("the network partitioned {from}\u{2013}{u} s"),
            (Kind::Partition, None) => {
                format!("the network partitioned from {from} s, never healed")
            }
            (Kind::Clock, u) => {
                let changed = if let Some(rate) = self.detail.strip_prefix('\u{d7}') {
                    format!("ran at {rate}\u{d7} speed from {from} s")
                } else {
                    format!("moved by {} at {from} s", self.detail)
                };
                let reset = u.map_or(", never reset".to_string(), |u| format!(", reset at {u} s"));
                format!("{node}'s clock {changed}{reset}")
            }
        }
    }
}

/// Every fault of a run, in the order they began.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    pub spans: Vec<Span>,
}

impl Faults {
    /// From the nemesis's completed operations: (time, f, completion value).
    pub fn from_ops<'a>(ops: impl IntoIterator<Item = (u64, &'a str, &'a Value)>) -> Self {
        let mut spans: Vec<Span> = Vec::new();
        // Ends every open span of `kind` (resume, start and reset are "all").
        let end = |spans: &mut Vec<Span>, kind: Kind, t: u64| {
            for s in spans
                .iter_mut()
                .filter(|s| s.kind == kind && s.until.is_none())
            {
                s.until = Some(t);
            }
        };
        for (time, f, value) in ops {
            let nodes = value.as_object().into_iter().flatten();
            let open = |kind: Kind, node: &str, detail: String| Span {
                kind,
                node: Some(node.to_string()),
                from: time,
                until: None,
                detail,
            };
            match f {
                "start-partition" => spans.push(Span {
                    kind: Kind::Partition,
                    node: None,
                    from: time,
                    until: None,
                    detail: String::new(),
                }),
                "stop-partition" => end(&mut spans, Kind::Partition, time),
                // `{"n1": "paused", "n2": "not running"}`: only the first.
                "pause" => spans.extend(
                    nodes
                        .filter(|(_, what)| *what == "paused")
                        .map(|(n, _)| open(Kind::Pause, n, String::new())),
                ),
                "resume" => end(&mut spans, Kind::Pause, time),
                "kill" => {
                    for (n, _) in nodes.filter(|(_, what)| *what == "killed") {
                        // A stopped process dies too: its pause ends here.
                        for s in spans.iter_mut().filter(|s| {
                            s.kind == Kind::Pause
                                && s.until.is_none()
                                && s.node.as_deref() == Some(n.as_str())
                        }) {
                            s.until = Some(time);
                        }
                        spans.push(open(Kind::Kill, n, String::new()));
                    }
                }
                "start" => end(&mut spans, Kind::Kill, time),
                "bump-clock" | "skew-clock" => {
                    for (n, v) in nodes {
                        let Some(x) = v.as_f64() else { continue };
                        // A new change replaces the node's previous one.
                        for s in spans.iter_mut().filter(|s| {
                            s.kind == Kind::Clock
                                && s.until.is_none()
                                && s.node.as_deref() == Some(n.as_str())
                        }) {
                            s.until = Some(time);
                        }
                        let detail = if f == "bump-clock" {
                            format!("{x:+} ms")
                        } else {
                            format!("\u{d7}{x}")
                        };
                        spans.push(open(Kind::Clock, n, detail));
                    }
                }
                "reset-clock" => end(&mut spans, Kind::Clock, time),
                _ => {}
            }
        }
        Self { spans }
    }

    /// From a history in memory (a run being written).
    pub fn of_history(history: &History) -> Self {
        Self::from_ops(
            history
                .ops()
                .iter()
                .filter(|op| op.process == Process::Nemesis && op.typ == OpType::Info)
                .map(|op| (op.time, op.f.as_str(), &op.value)),
        )
    }

    /// From a history's operations as JSON (a stored run).
    pub fn of_json(history: impl IntoIterator<Item = Value>) -> Self {
        let done: Vec<Value> = history
            .into_iter()
            .filter(|op| op["process"] == "nemesis" && op["type"] == "info")
            .collect();
        Self::from_ops(done.iter().map(|op| {
            (
                op["time"].as_u64().unwrap_or(0),
                op["f"].as_str().unwrap_or(""),
                &op["value"],
            )
        }))
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The faults in effect at some time in `[from, until]`.
    pub fn overlapping(&self, from: u64, until: u64) -> impl Iterator<Item = &Span> {
        self.spans.iter().filter(move |s| s.overlaps(from, until))
    }

    /// A sentence naming the faults in effect at some time in `[from,
    /// until]`, at most `shown` of them; None when the run had no faults.
    pub fn during(&self, from: u64, until: u64, what: &str, shown: usize) -> Option<String> {
        if self.is_empty() {
            return None;
        }
        let window = if until == u64::MAX {
            format!("from {} s on", seconds(from))
        } else {
            format!("{}\u{2013}{} s", seconds(from), seconds(until))
        };
        let hit: Vec<&Span> = self.overlapping(from, until).collect();
        if hit.is_empty() {
            return Some(format!("No fault was in effect during {what} ({window})."));
        }
        let mut named: Vec<String> = hit.iter().take(shown).map(|s| s.describe()).collect();
        if hit.len() > shown {
            named.push(format!("and {} more", hit.len() - shown));
        }
        Some(format!(
            "Faults in effect during {what} ({window}): {}.",
            named.join("; ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const S: u64 = 1_000_000_000;

    fn faults() -> Faults {
        let ops = [
            (S, "pause", json!({"n1": "paused", "n2": "not running"})),
            (2 * S, "kill", json!({"n2": "killed", "n3": "killed"})),
            (3 * S, "resume", json!({"n1": "resumed"})),
            (4 * S, "bump-clock", json!({"n0": -512})),
            (5 * S, "start", json!({"n2": "started", "n3": "started"})),
            (6 * S, "reset-clock", json!("reset")),
            (7 * S, "skew-clock", json!({"n1": 1.37})),
            (7 * S, "start-partition", json!(["isolated", {}])),
        ];
        Faults::from_ops(ops.iter().map(|(t, f, v)| (*t, *f, v)))
    }

    #[test]
    fn spans_per_node_from_the_nemesis_ops() {
        let f = faults();
        let shown: Vec<String> = f.spans.iter().map(Span::describe).collect();
        assert_eq!(
            shown,
            [
                "n1 paused 1.000\u{2013}3.000 s",
                "n2 killed at 2.000 s, started at 5.000 s",
                "n3 killed at 2.000 s, started at 5.000 s",
                "n0's clock moved by -512 ms at 4.000 s, reset at 6.000 s",
                "n1's clock ran at 1.37\u{d7} speed from 7.000 s, never reset",
                "the network partitioned from 7.000 s, never healed",
            ]
        );
    }

    #[test]
    fn during_names_only_the_overlapping_faults() {
        let f = faults();
        let s = f
            .during(5 * S + 1, 6 * S + 500_000_000, "these reads", 5)
            .expect("faults");
        assert_eq!(
            s,
            "Faults in effect during these reads (5.000\u{2013}6.500 s): n0's clock moved by \
             -512 ms at 4.000 s, reset at 6.000 s."
        );
        let s = f.during(0, S / 2, "the write", 5).expect("faults");
        assert!(s.starts_with("No fault was in effect"), "{s}");
        let s = f.during(0, u64::MAX, "the run", 2).expect("faults");
        assert!(s.ends_with("; and 4 more."), "{s}");
        assert_eq!(Faults::default().during(0, S, "x", 5), None);
    }
}

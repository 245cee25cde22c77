//! When the nemesis cut whom off, read back from the history's
//! `start-partition` / `stop-partition` operations (and which nodes it
//! killed, from the fault spans of [`crate::report::faults`]), so a message
//! that was never delivered can be said to have been dropped by a partition
//! or a kill.

use super::Run;
use crate::net::journal::NetMessage;
use crate::report::faults::{Faults, Kind};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// One partition: from, until (None: never healed), and for each node the
/// nodes whose messages it drops (Maelstrom's grudge).
#[derive(Debug, Clone, PartialEq)]
struct Cut {
    from: u64,
    until: Option<u64>,
    grudge: BTreeMap<String, BTreeSet<String>>,
}

/// A node the kill nemesis took down: from, until (None: never restarted).
#[derive(Debug, Clone, PartialEq)]
struct Down {
    node: String,
    from: u64,
    until: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Partitions {
    cuts: Vec<Cut>,
    downs: Vec<Down>,
    /// How long after its send a message may still be dropped: the run's
    /// latency, twice over, plus a little.
    in_flight: u64,
}

impl Partitions {
    pub fn of(run: &Run) -> Self {
        let mut cuts: Vec<Cut> = Vec::new();
        for op in run.history() {
            if op["process"] != "nemesis" || op["type"] == "invoke" {
                continue;
            }
            let time = op["time"].as_u64().unwrap_or(0);
            match op["f"].as_str() {
                Some("start-partition") => {
                    let grudge = op["value"]
                        .get(1)
                        .and_then(Value::as_object)
                        .map(|m| {
                            m.iter()
                                .map(|(node, from)| {
                                    let from = from
                                        .as_array()
                                        .into_iter()
                                        .flatten()
                                        .filter_map(|n| n.as_str().map(str::to_string))
                                        .collect();
                                    (node.clone(), from)
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    cuts.push(Cut {
                        from: time,
                        until: None,
                        grudge,
                    });
                }
                Some("stop-partition") => {
                    if let Some(last) = cuts.last_mut() {
                        last.until.get_or_insert(time);
                    }
                }
                _ => {}
            }
        }
        let downs = Faults::of_json(run.history())
            .spans
            .into_iter()
            .filter(|s| s.kind == Kind::Kill)
            .filter_map(|s| {
                Some(Down {
                    node: s.node?,
                    from: s.from,
                    until: s.until,
                })
            })
            .collect();
        let latency_ms = run.test["latency"].as_u64().unwrap_or(0);
        Self {
            cuts,
            downs,
            in_flight: (2 * latency_ms + 10) * 1_000_000,
        }
    }

    /// When `node` was first killed at or after `t`, if it was.
    pub fn killed_after(&self, node: &str, t: u64) -> Option<u64> {
        self.downs
            .iter()
            .filter(|d| d.node == node && d.from >= t)
            .map(|d| d.from)
            .min()
    }

    /// Why a message sent at `sent` never arrived, if a partition explains
    /// it: `partitioned from n0 (cut at 4.213 s)`.
    pub fn why_lost(&self, m: &NetMessage, sent: u64) -> Option<String> {
        let killed = self.downs.iter().find(|d| {
            d.node == m.dest && d.until.is_none_or(|u| sent < u) && d.from <= sent + self.in_flight
        });
        if let Some(d) = killed {
            let at = crate::report::lamport::filter::seconds(d.from);
            let again = match d.until {
                Some(t) => format!(
                    ", started again at {} s",
                    crate::report::lamport::filter::seconds(t)
                ),
                None => String::new(),
            };
            return Some(format!("dropped: {} was killed at {at} s{again}", m.dest));
        }
        self.cuts
            .iter()
            .filter(|c| c.until.is_none_or(|u| sent < u) && c.from <= sent + self.in_flight)
            .find(|c| {
                c.grudge
                    .get(&m.dest)
                    .is_some_and(|from| from.contains(&m.src))
            })
            .map(|c| {
                let when = if c.from <= sent {
                    "cut when it was sent".to_string()
                } else {
                    format!(
                        "cut at {} s, before it arrived",
                        crate::report::lamport::filter::seconds(c.from)
                    )
                };
                format!("dropped: {} was partitioned from {}, {when}", m.dest, m.src)
            })
    }
}

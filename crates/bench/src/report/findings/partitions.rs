//! When the nemesis cut whom off, read back from the history's
//! `start-partition` / `stop-partition` operations, so a message that was
//! never delivered can be said to have been dropped by a partition.

use super::Run;
use crate::net::journal::NetMessage;
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

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Partitions {
    cuts: Vec<Cut>,
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
        let latency_ms = run.test["latency"].as_u64().unwrap_or(0);
        Self {
            cuts,
            in_flight: (2 * latency_ms + 10) * 1_000_000,
        }
    }

    /// Why a message sent at `sent` never arrived, if a partition explains
    /// it: `partitioned from n0 (cut at 4.213 s)`.
    pub fn why_lost(&self, m: &NetMessage, sent: u64) -> Option<String> {
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

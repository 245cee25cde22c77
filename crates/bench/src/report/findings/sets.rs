//! Broadcast and g-set (the set-full checker): which values were lost, and
//! for each, traced through the message journal, who it came from, which
//! nodes received it and when, and which never did.

use super::partitions::Partitions;
use super::{and_more, Finding, Run, SHOWN};
use crate::net::journal::{is_client_id, EventKind};
use crate::report::lamport::filter::{body_contains, seconds};
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};

pub fn explain(run: &Run, result: &Value) -> Vec<Finding> {
    let lost: Vec<Value> = result["lost"].as_array().cloned().unwrap_or_default();
    if lost.is_empty() {
        if result["stable-count"].as_u64() == Some(0) {
            return vec![Finding {
                checker: "workload".into(),
                sentence: "No value was ever seen by a read, so nothing could be checked \
                           (unknown): did any read return the values broadcast?"
                    .into(),
                evidence: vec![format!(
                    "{} values attempted, {} never read",
                    result["attempt-count"], result["never-read-count"]
                )],
                ..Finding::default()
            }];
        }
        return Vec::new();
    }
    let shown: Vec<Value> = lost.iter().take(SHOWN).cloned().collect();
    let traces = trace(run, &shown);
    let nodes = run.nodes();
    let faults = Partitions::of(run);
    let mut evidence: Vec<String> = shown
        .iter()
        .zip(&traces)
        .map(|(v, t)| t.describe(v, &nodes, &faults))
        .collect();
    and_more(&mut evidence, lost.len());
    let list: Vec<String> = lost.iter().take(20).map(Value::to_string).collect();
    vec![Finding {
        checker: "workload".into(),
        sentence: format!(
            "{} of {} values were lost: each was acknowledged to its client (or seen by a \
             read) and then missing from every read that began later{}: {}{}.",
            lost.len(),
            result["attempt-count"],
            if result["stale-count"].as_u64().unwrap_or(0) > 0 {
                format!(
                    " ({} more reached every node only late)",
                    result["stale-count"]
                )
            } else {
                String::new()
            },
            list.join(", "),
            if lost.len() > list.len() { ", …" } else { "" }
        ),
        evidence,
        values: shown,
        pictures: Vec::new(),
    }]
}

/// What the journal says of one value.
#[derive(Debug, Default)]
struct Trace {
    /// The client request that introduced it: (client, node, time).
    origin: Option<(String, String, u64)>,
    /// The first time each node received a message carrying it.
    reached: BTreeMap<String, u64>,
    /// Messages carrying it that were sent to a node and never delivered,
    /// by destination: how many, and why (a partition), if known.
    undelivered: BTreeMap<String, (usize, Option<String>)>,
}

impl Trace {
    fn describe(&self, value: &Value, nodes: &[String], faults: &Partitions) -> String {
        let mut s = format!("{value}: ");
        match &self.origin {
            Some((client, node, t)) => {
                s += &format!("sent by {client} to {node} at {} s", seconds(*t));
            }
            None => s += "no client request carried it",
        }
        let mut reached: Vec<(&String, &u64)> = self.reached.iter().collect();
        reached.sort_by_key(|(node, t)| (**t, (*node).clone()));
        if !reached.is_empty() {
            let list: Vec<String> = reached
                .iter()
                .map(|(n, t)| format!("{n} at {} s", seconds(**t)))
                .collect();
            s += &format!("; received by {}", list.join(", "));
        }
        // A node killed after it received the value forgot it, unless it
        // kept it somewhere a restart does not erase.
        let forgot: Vec<String> = reached
            .iter()
            .filter_map(|(n, t)| {
                faults
                    .killed_after(n, **t)
                    .map(|k| format!("{n} at {} s", seconds(k)))
            })
            .collect();
        if !forgot.is_empty() {
            s += &format!(
                "; then killed, and restarted with empty memory: {}",
                forgot.join(", ")
            );
        }
        let never: Vec<&str> = nodes
            .iter()
            .filter(|n| !self.reached.contains_key(*n))
            .map(String::as_str)
            .collect();
        if never.is_empty() {
            s += "; every node received it (so a node lost it, or never put it in its reads)";
        } else {
            s += &format!("; never received by {}", never.join(", "));
            let dropped: usize = self.undelivered.values().map(|(c, _)| c).sum();
            if dropped > 0 {
                let to: Vec<String> = self
                    .undelivered
                    .iter()
                    .map(|(n, (c, why))| match why {
                        Some(why) => format!("{c} to {n}, {why}"),
                        None => format!("{c} to {n}"),
                    })
                    .collect();
                s += &format!(
                    " ({dropped} message(s) carrying it were never delivered: {})",
                    to.join(", ")
                );
            } else {
                s += " (no message carrying it was ever sent to them)";
            }
        }
        s
    }
}

/// One pass over the journal for all `values`.
fn trace(run: &Run, values: &[Value]) -> Vec<Trace> {
    let mut traces: Vec<Trace> = values.iter().map(|_| Trace::default()).collect();
    // Message ids carrying value i, sent to a node and not yet received.
    let mut pending: Vec<HashSet<u64>> = vec![HashSet::new(); values.len()];
    let nodes: HashSet<String> = run.nodes().into_iter().collect();
    let mut sent: BTreeMap<u64, (std::rc::Rc<crate::net::journal::NetMessage>, u64)> =
        BTreeMap::new();
    for event in run.journal() {
        let m = &event.message;
        if !nodes.contains(&m.dest) {
            continue;
        }
        let body = m.body_map();
        if matches!(
            body.get("type").and_then(Value::as_str),
            Some("init" | "topology")
        ) {
            continue;
        }
        for (i, v) in values.iter().enumerate() {
            if !body_contains(&body, v) {
                continue;
            }
            let t = &mut traces[i];
            match event.kind {
                EventKind::Send => {
                    if is_client_id(&m.src) && t.origin.is_none() {
                        t.origin = Some((m.src.clone(), m.dest.clone(), event.time));
                    }
                    pending[i].insert(m.id);
                    sent.insert(m.id, (m.clone(), event.time));
                }
                EventKind::Recv => {
                    pending[i].remove(&m.id);
                    t.reached.entry(m.dest.clone()).or_insert(event.time);
                }
            }
        }
    }
    let partitions = Partitions::of(run);
    for (i, ids) in pending.iter().enumerate() {
        for id in ids {
            if let Some((m, at)) = sent.get(id) {
                let entry = traces[i].undelivered.entry(m.dest.clone()).or_default();
                entry.0 += 1;
                if entry.1.is_none() {
                    entry.1 = partitions.why_lost(m, *at);
                }
            }
        }
    }
    traces
}

//! Deterministic simulation (`glomers test --sim`): the nodes run
//! in-process on virtual time, driven through the same [`Runner`] as real
//! processes. One seed fixes every choice — latencies, partitions, the
//! generator, seq-kv's staleness, the nodes' own randomness — and the event
//! order is fixed (nodes by index, then the bench), so a seed replays a run
//! byte for byte.
//!
//! Any node written with `glomers-node` runs here unchanged: it is a
//! [`Runtime`] fed lines and the virtual clock. The `glomers` command registers the
//! nodes the CLI knows by name, and [`run_sim`] to simulate your own.

mod faults;
pub mod shrink;
pub mod sweep;

use crate::net::journal::NetMessage;
use crate::opts::TestOptions;
use crate::run::{Outcome, Session};
use glomers_node::{Node, Output, Runtime};
use std::fs;
use std::time::Duration;

/// A node the simulation can drive: what [`Runtime`] offers, object-safe.
pub trait SimNode {
    fn handle_line(&mut self, line: &str, now: Duration);
    fn handle_timeouts(&mut self, now: Duration);
    fn next_deadline(&mut self) -> Option<Duration>;
    fn take_output(&mut self) -> Vec<Output>;
}

impl<N: Node> SimNode for Runtime<N> {
    fn handle_line(&mut self, line: &str, now: Duration) {
        Runtime::handle_line(self, line, now)
    }
    fn handle_timeouts(&mut self, now: Duration) {
        Runtime::handle_timeouts(self, now)
    }
    fn next_deadline(&mut self) -> Option<Duration> {
        Runtime::next_deadline(self)
    }
    fn take_output(&mut self) -> Vec<Output> {
        self.drain_output().collect()
    }
}

/// Makes the node for index `i` with its own seed.
pub type NodeFactory<'a> = &'a (dyn Fn(usize, u64) -> Box<dyn SimNode> + Sync);

/// Wraps a node value as a simulated node.
pub fn boxed<N: Node>(node: N, seed: u64) -> Box<dyn SimNode> {
    Box::new(Runtime::new(node, seed))
}

/// A simulated node's seed, derived from the run's seed and its index.
fn node_seed(seed: u64, index: usize) -> u64 {
    crate::rng::Rng::new(seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)).next_u64()
}

/// Runs one test with in-process nodes on virtual time.
pub fn run_sim(opts: &TestOptions, make: NodeFactory) -> Result<Outcome, String> {
    let mut session = Session::prepare(opts, "simulation")?;
    let mut nodes = faults::Nodes::new(opts.nodes.len(), opts.seed, make);
    let mut logs: Vec<Vec<String>> = vec![Vec::new(); nodes.len()];
    let mut now = 0u64;
    let mut instant = ClockWatch::default();
    session.runner.start(now);
    let failure = loop {
        // Deliver until quiet at this instant: node output can reach clients,
        // whose next requests reach nodes at once.
        loop {
            for control in session.runner.take_node_controls() {
                if let Some(i) = nodes.apply(control, now) {
                    forward(&mut session, &mut nodes, &mut logs[i], i, now);
                }
            }
            let deliveries = session.runner.take_node_deliveries();
            if deliveries.is_empty() {
                break;
            }
            for (i, msg) in deliveries {
                instant.count(now, &msg);
                if nodes.deliver(i, msg.to_line(), now) {
                    forward(&mut session, &mut nodes, &mut logs[i], i, now);
                }
            }
            if let Some(why) = instant.frozen(now) {
                session.runner.abort_with(why);
                break;
            }
        }
        session.pump_log();
        if session.runner.is_done() {
            break None;
        }
        let next = match (session.runner.next_wakeup(), nodes.next_deadline()) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => match a.or(b) {
                Some(t) => t,
                None => break Some("simulation stalled: nothing left to happen".to_string()),
            },
        };
        now = now.max(next);
        for (i, log) in logs.iter_mut().enumerate() {
            if nodes.fire_due(i, now) {
                instant.reset_if_moved(now);
                instant.passes += 1;
                forward(&mut session, &mut nodes, log, i, now);
            }
        }
        if let Some(why) = instant.frozen(now) {
            session.runner.abort_with(why);
            continue;
        }
        session.runner.tick(now);
    };
    for (i, log) in logs.iter().enumerate() {
        let path = session
            .dir
            .join("node-logs")
            .join(format!("{}.log", opts.nodes[i]));
        let mut text = log.join("\n");
        text.push('\n');
        fs::write(&path, text).map_err(|e| format!("writing {}: {e}", path.display()))?;
    }
    session.finish(failure)
}

/// How much happened at one instant of virtual time. Virtual time only moves
/// when nothing is left to do now, so nodes that answer each other forever
/// with zero latency (or re-arm a zero-delay timer forever) would hold the
/// clock still: past [`ClockWatch::LIMIT`] events the run ends with an error
/// naming who was talking.
#[derive(Default)]
struct ClockWatch {
    at: u64,
    deliveries: u64,
    /// Timer passes at this instant.
    passes: u64,
    /// Once past the limit: (src → dest, type) of a sample of the chatter.
    sample: std::collections::BTreeMap<(String, String, String), u64>,
}

impl ClockWatch {
    /// Events (deliveries and timer passes) one instant may hold; a real
    /// run at zero latency stays orders of magnitude below.
    const LIMIT: u64 = 200_000;
    const SAMPLE: u64 = 1_000;

    fn reset_if_moved(&mut self, now: u64) {
        if now != self.at {
            *self = Self {
                at: now,
                ..Self::default()
            };
        }
    }

    fn count(&mut self, now: u64, msg: &NetMessage) {
        self.reset_if_moved(now);
        self.deliveries += 1;
        if self.deliveries + self.passes > Self::LIMIT {
            let key = (msg.src.clone(), msg.dest.clone(), msg.kind().to_string());
            *self.sample.entry(key).or_default() += 1;
        }
    }

    /// The error that ends the run, once the instant has held too much.
    fn frozen(&mut self, now: u64) -> Option<String> {
        self.reset_if_moved(now);
        let events = self.deliveries + self.passes;
        if events <= Self::LIMIT + Self::SAMPLE {
            return None;
        }
        let mut talk: Vec<_> = self.sample.iter().collect();
        talk.sort_by(|a, b| b.1.cmp(a.1));
        let who: Vec<String> = talk
            .iter()
            .take(6)
            .map(|((src, dest, kind), n)| format!("{src} → {dest} {kind:?} ×{n}"))
            .collect();
        Some(format!(
            "the simulation froze at {:.3} s: {events} events without virtual time moving ({} deliveries, {} timer passes). Nodes that answer each other at once forever (zero latency), or re-arm zero-delay timers, never let time advance. Last {} messages: {}",
            now as f64 / 1e9,
            self.deliveries,
            self.passes,
            Self::SAMPLE,
            if who.is_empty() { "none (timers only)".to_string() } else { who.join(", ") }
        ))
    }
}

/// Hands a node's output to the bench: lines onto the network, logs aside.
fn forward(
    session: &mut Session,
    nodes: &mut faults::Nodes,
    log: &mut Vec<String>,
    i: usize,
    now: u64,
) {
    for out in nodes.take_output(i) {
        match out {
            Output::Line(line) => session.runner.on_node_line(i, &line, now),
            Output::Log(text) => log.push(text),
        }
    }
}

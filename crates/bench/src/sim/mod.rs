//! Deterministic simulation (`glomers test --sim`): the nodes run
//! in-process on virtual time, driven through the same [`Runner`] as real
//! processes. One seed fixes every choice — latencies, partitions, the
//! generator, seq-kv's staleness, the nodes' own randomness — and the event
//! order is fixed (nodes by index, then the bench), so a seed replays a run
//! byte for byte.
//!
//! Any node written with `glomers-node` runs here unchanged: it is a
//! [`Runtime`] fed lines and the virtual clock. See [`registry`] for the
//! nodes the CLI knows by name, and [`run_sim`] to simulate your own.

pub mod registry;
pub mod shrink;
pub mod sweep;

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
    let mut nodes: Vec<Box<dyn SimNode>> = (0..opts.nodes.len())
        .map(|i| make(i, node_seed(opts.seed, i)))
        .collect();
    let mut logs: Vec<Vec<String>> = vec![Vec::new(); nodes.len()];
    let mut now = 0u64;
    session.runner.start(now);
    let failure = loop {
        // Deliver until quiet at this instant: node output can reach clients,
        // whose next requests reach nodes at once.
        loop {
            let deliveries = session.runner.take_node_deliveries();
            if deliveries.is_empty() {
                break;
            }
            for (i, msg) in deliveries {
                nodes[i].handle_line(&msg.to_line(), Duration::from_nanos(now));
                forward(&mut session, &mut *nodes[i], &mut logs[i], i, now);
            }
        }
        session.pump_log();
        if session.runner.is_done() {
            break None;
        }
        let node_next = nodes
            .iter_mut()
            .filter_map(|n| n.next_deadline())
            .map(|d| d.as_nanos() as u64)
            .min();
        let next = match (session.runner.next_wakeup(), node_next) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => match a.or(b) {
                Some(t) => t,
                None => break Some("simulation stalled: nothing left to happen".to_string()),
            },
        };
        now = now.max(next);
        for (i, node) in nodes.iter_mut().enumerate() {
            if node
                .next_deadline()
                .is_some_and(|d| d.as_nanos() as u64 <= now)
            {
                node.handle_timeouts(Duration::from_nanos(now));
                forward(&mut session, &mut **node, &mut logs[i], i, now);
            }
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

/// Hands a node's output to the bench: lines onto the network, logs aside.
fn forward(
    session: &mut Session,
    node: &mut dyn SimNode,
    log: &mut Vec<String>,
    i: usize,
    now: u64,
) {
    for out in node.take_output() {
        match out {
            Output::Line(line) => session.runner.on_node_line(i, &line, now),
            Output::Log(text) => log.push(text),
        }
    }
}

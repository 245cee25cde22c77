//! The nemesis's schedule, as Jepsen's combined nemesis runs it: each fault
//! enabled by `--nemesis` is a package that alternates a start and a stop
//! operation; every gap (uniform in `[0, 2·interval)`) one package, drawn at
//! random when there are several, takes its next step. Each step is recorded
//! in the history as Jepsen records it, an `:info` op of the nemesis process:
//!
//! - partition: `start-partition` (a random spec from `net::partition`) /
//!   `stop-partition`, exactly as Maelstrom does;
//! - pause: `pause` of some nodes / `resume` (SIGSTOP / SIGCONT);
//! - kill: `kill` of some nodes / `start` (a new process or node, fresh `init`);
//! - clock (simulation only): `bump-clock` (offsets in ms) or `skew-clock`
//!   (rates) for some nodes / `reset-clock`.
//!
//! Pause, kill and clock reach the node drivers as [`NodeControl`]s; the
//! runner itself drops messages to killed nodes and re-inits them when they
//! start again. The run's end heals every fault, as Jepsen's final generator.

use super::clients::Owner;
use super::{Runner, SEC};
use crate::net::partition::{grudge_value, PartitionSpec};
use glomers_check::history::{Completion, OpType, Process};
use serde_json::{json, Map, Value};

/// What a driver must do to a node for the nemesis.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeControl {
    /// Stop it: it reads nothing and its timers do not fire.
    Pause(usize),
    /// Let it run on, handling what arrived meanwhile.
    Resume(usize),
    /// End its process; it is gone until [`NodeControl::Start`].
    Kill(usize),
    /// Start it anew (empty memory); the runner then sends it `init`.
    Start(usize),
    /// From now on it sees `offset_ns + rate·t` for the bench's time `t`.
    Clock {
        node: usize,
        offset_ns: i64,
        rate: f64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fault {
    Partition,
    Pause,
    Kill,
    Clock,
}

#[derive(Debug)]
pub(super) struct Nemesis {
    pub(super) next_at: u64,
    /// The enabled faults, each with whether it is in effect now.
    pub(super) packages: Vec<(Fault, bool)>,
}

impl Nemesis {
    pub(super) fn new(opts: &crate::opts::TestOptions, next_at: u64) -> Option<Self> {
        let f = opts.nemesis_faults;
        let packages: Vec<(Fault, bool)> = [
            (Fault::Partition, opts.nemesis_partition),
            (Fault::Pause, f.pause),
            (Fault::Kill, f.kill),
            (Fault::Clock, f.clock),
        ]
        .into_iter()
        .filter(|(_, on)| *on)
        .map(|(fault, _)| (fault, false))
        .collect();
        (!packages.is_empty()).then_some(Self { next_at, packages })
    }

    /// Whether the network is partitioned now (`None`: no partition nemesis).
    pub(super) fn partitioned(&self) -> Option<bool> {
        self.packages
            .iter()
            .find(|(f, _)| *f == Fault::Partition)
            .map(|(_, on)| *on)
    }
}

impl Runner {
    pub(super) fn run_nemesis(&mut self, now: u64) {
        let Some(n) = &self.nemesis else { return };
        if n.next_at > now {
            return;
        }
        // One package alone draws nothing here, so partition-only runs keep
        // the random sequence (and the histories) they always had.
        let count = n.packages.len();
        let pick = if count == 1 {
            0
        } else {
            self.rng.below(count as u64) as usize
        };
        let (fault, active) = n.packages[pick];
        if active {
            self.stop_fault(now, fault);
        } else {
            self.start_fault(now, fault);
        }
        let gap = self.rng.unit() * 2.0 * self.opts.nemesis_interval_s * SEC as f64;
        if let Some(n) = &mut self.nemesis {
            n.packages[pick].1 = !active;
            n.next_at = now + gap as u64;
        }
    }

    /// Ends every fault in effect (Jepsen's final generator); a partition is
    /// always healed, as Maelstrom records `stop-partition` even when none
    /// is in effect.
    pub(super) fn heal_all(&mut self, now: u64) {
        self.heal(now, true);
    }

    /// At the end of a workload without a final phase: Maelstrom leaves a
    /// partition as it is there, but a node still paused, killed or on a
    /// skewed clock is brought back, so no run ends with a node stopped.
    pub(super) fn heal_nodes(&mut self, now: u64) {
        self.heal(now, false);
    }

    fn heal(&mut self, now: u64, partition: bool) {
        let Some(n) = &self.nemesis else { return };
        let packages = n.packages.clone();
        for (fault, active) in packages {
            let is_partition = fault == Fault::Partition;
            let stop = if partition {
                active || is_partition
            } else {
                active && !is_partition
            };
            if stop {
                self.stop_fault(now, fault);
            }
        }
        if let Some(n) = &mut self.nemesis {
            for p in &mut n.packages {
                if partition || p.0 != Fault::Partition {
                    p.1 = false;
                }
            }
        }
    }

    fn start_fault(&mut self, now: u64, fault: Fault) {
        match fault {
            Fault::Partition => {
                let spec = PartitionSpec::ALL[self.rng.below(4) as usize];
                let grudge = spec.grudge(&self.opts.nodes, &mut self.rng);
                self.net.partition(&grudge);
                self.nemesis_op(
                    now,
                    "start-partition",
                    json!(spec.name()),
                    grudge_value(&grudge),
                );
            }
            Fault::Pause => {
                let targets = self.targets();
                // A killed node has no process to stop.
                let (running, down): (Vec<usize>, Vec<usize>) =
                    targets.iter().partition(|&&i| !self.nodes[i].down);
                let mut done = self.each(&running, "paused", NodeControl::Pause);
                for &i in &down {
                    done[self.nodes[i].name.as_str()] = json!("not running");
                }
                for &i in &running {
                    self.nodes[i].paused = true;
                }
                self.nemesis_op(now, "pause", self.names(&targets), done);
            }
            Fault::Kill => {
                let targets = self.targets();
                let done = self.each(&targets, "killed", NodeControl::Kill);
                for &i in &targets {
                    self.nodes[i].down = true;
                    self.nodes[i].paused = false; // a stopped process dies too
                    self.net.set_down(&self.nodes[i].name, true);
                }
                self.nemesis_op(now, "kill", self.names(&targets), done);
            }
            Fault::Clock => {
                let targets = self.targets();
                let skew = self.rng.below(2) == 1;
                let mut value = Map::new();
                for &i in &targets {
                    let (offset_ns, rate) = if skew {
                        (0, 0.5 + 1.5 * self.rng.unit())
                    } else {
                        // Jepsen bumps by ±2^2..2^18 ms; keep within a run.
                        let ms = 1i64 << (2 + self.rng.below(13));
                        let sign = if self.rng.below(2) == 1 { 1 } else { -1 };
                        (sign * ms * 1_000_000, 1.0)
                    };
                    let shown = if skew {
                        json!((rate * 1000.0).round() / 1000.0)
                    } else {
                        json!(offset_ns / 1_000_000)
                    };
                    value.insert(self.nodes[i].name.clone(), shown);
                    self.controls.push(NodeControl::Clock {
                        node: i,
                        offset_ns,
                        rate,
                    });
                }
                let f = if skew { "skew-clock" } else { "bump-clock" };
                let value = Value::Object(value);
                self.nemesis_op(now, f, value.clone(), value);
            }
        }
    }

    fn stop_fault(&mut self, now: u64, fault: Fault) {
        match fault {
            Fault::Partition => {
                self.nemesis_op(now, "stop-partition", json!(null), json!("network-healed"));
                self.net.heal();
            }
            Fault::Pause => {
                let paused: Vec<usize> = (0..self.nodes.len())
                    .filter(|&i| self.nodes[i].paused)
                    .collect();
                let done = self.each(&paused, "resumed", NodeControl::Resume);
                for &i in &paused {
                    self.nodes[i].paused = false;
                }
                self.nemesis_op(now, "resume", json!("all"), done);
            }
            Fault::Kill => {
                let down: Vec<usize> = (0..self.nodes.len())
                    .filter(|&i| self.nodes[i].down)
                    .collect();
                let done = self.each(&down, "started", NodeControl::Start);
                self.nemesis_op(now, "start", json!("all"), done);
                // Its init is answered or not: a warning, never the end of
                // the run (its clients' requests time out meanwhile).
                for i in down {
                    self.nodes[i].down = false;
                    self.net.set_down(&self.nodes[i].name, false);
                    self.send_init(now, i, Owner::Restart(i));
                }
            }
            Fault::Clock => {
                for node in 0..self.nodes.len() {
                    self.controls.push(NodeControl::Clock {
                        node,
                        offset_ns: 0,
                        rate: 1.0,
                    });
                }
                self.nemesis_op(now, "reset-clock", json!(null), json!("reset"));
            }
        }
    }

    /// Jepsen's node targets for process faults: one node, a minority, a
    /// majority or all of them, drawn at random.
    fn targets(&mut self) -> Vec<usize> {
        let n = self.nodes.len();
        let count = match self.rng.below(4) {
            0 => 1,
            1 => (n / 2).max(1),
            2 => n / 2 + 1,
            _ => n,
        }
        .min(n);
        let mut all: Vec<usize> = (0..n).collect();
        self.rng.shuffle(&mut all);
        let mut chosen = all[..count].to_vec();
        chosen.sort_unstable();
        chosen
    }

    fn names(&self, nodes: &[usize]) -> Value {
        json!(nodes
            .iter()
            .map(|&i| self.nodes[i].name.clone())
            .collect::<Vec<_>>())
    }

    /// Queues `control` for each node; the completion value `{node: what}`.
    fn each(
        &mut self,
        nodes: &[usize],
        what: &str,
        control: impl Fn(usize) -> NodeControl,
    ) -> Value {
        let mut done = Map::new();
        for &i in nodes {
            self.controls.push(control(i));
            done.insert(self.nodes[i].name.clone(), json!(what));
        }
        Value::Object(done)
    }

    /// The drivers' pending node controls, in order.
    pub fn take_node_controls(&mut self) -> Vec<NodeControl> {
        std::mem::take(&mut self.controls)
    }

    pub(super) fn nemesis_op(&mut self, now: u64, f: &str, value: Value, done: Value) {
        self.thread_dispatched();
        let i = self.history.invoke(now, Process::Nemesis, f, value, false);
        self.history.complete(
            now,
            i,
            Completion {
                typ: OpType::Info,
                value: done.clone(),
                error: None,
                exception: None,
            },
        );
        self.log.push(format!("nemesis {f}: {done}"));
    }
}

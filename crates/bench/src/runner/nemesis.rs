//! The partition nemesis's schedule: alternating `start-partition` (a random
//! spec from `net::partition`) and `stop-partition`, spaced by uniform gaps
//! in `[0, 2·interval)`, each recorded in the history as Maelstrom does.

use super::{Runner, SEC};
use crate::net::partition::{grudge_value, PartitionSpec};
use glomers_check::history::{Completion, OpType, Process};
use serde_json::{json, Value};

#[derive(Debug)]
pub(super) struct Nemesis {
    pub(super) next_at: u64,
    pub(super) partitioned: bool,
}

impl Runner {
    pub(super) fn run_nemesis(&mut self, now: u64) {
        let Some(n) = &self.nemesis else { return };
        if n.next_at > now {
            return;
        }
        let partitioned = n.partitioned;
        if partitioned {
            self.nemesis_op(now, "stop-partition", json!(null), json!("network-healed"));
            self.net.heal();
        } else {
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
        let gap = self.rng.unit() * 2.0 * self.opts.nemesis_interval_s * SEC as f64;
        if let Some(n) = &mut self.nemesis {
            n.partitioned = !partitioned;
            n.next_at = now + gap as u64;
        }
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

//! A realistic, valid kafka history for `glomers bench` (the kafka
//! checker's figures), and a test that the checker finds it valid.

use glomers_bench::rng::Rng;
use glomers_check::history::{Completion, History, Op, OpType, Process};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};

/// A realistic, valid kafka history for `glomers bench`: `ops` main-phase
/// invocations at 1000 per second (so 60 000 ops is a 60 s test) on 4
/// threads against a correct log, drawn like Maelstrom's generator (Elle's
/// list-append keys: `key_count` active keys, the last slot hottest, 16
/// messages per key before it retires; an assign for 1 op in 64, with the
/// keys that have unseen messages 1 time in 3; a crash every 0–15 s;
/// occasional indeterminate sends and polls), then the final phase: each
/// thread crashes, assigns every key from the beginning and polls it all.
pub fn synthetic_history(ops: usize, key_count: usize, seed: u64) -> History {
    let mut s = Synth::new(key_count.clamp(1, 60), seed);
    s.main_phase(ops);
    s.final_phase();
    s.h
}

const SYNTH_THREADS: usize = 4;
const MS: u64 = 1_000_000;

enum SynthOp {
    Send { key: u64, msg: u64 },
    Poll,
    Assign { keys: Vec<u64>, seek: bool },
    Crash,
}

struct SynthPending {
    invoke: usize,
    is_final: bool,
    done_at: u64,
    op: SynthOp,
}

struct SynthThread {
    process: u64,
    /// Assigned keys and the next offset to read, in assign order.
    offsets: Vec<(u64, usize)>,
    busy: Option<SynthPending>,
}

struct Synth {
    rng: Rng,
    h: History,
    now: u64,
    /// Per key, the messages and when each was appended.
    logs: HashMap<u64, Vec<(u64, u64)>>,
    next_msg: HashMap<u64, u64>,
    active: Vec<u64>,
    /// Highest offsets acknowledged by ok sends and read by ok polls.
    max_sent: BTreeMap<u64, i64>,
    max_polled: BTreeMap<u64, i64>,
    threads: Vec<SynthThread>,
    next_crash: u64,
}

impl Synth {
    fn new(key_count: usize, seed: u64) -> Self {
        Synth {
            rng: Rng::new(seed),
            h: History::default(),
            now: 0,
            logs: HashMap::new(),
            next_msg: HashMap::new(),
            active: (0..key_count as u64).collect(),
            max_sent: BTreeMap::new(),
            max_polled: BTreeMap::new(),
            threads: (0..SYNTH_THREADS as u64)
                .map(|process| SynthThread {
                    process,
                    offsets: Vec::new(),
                    busy: None,
                })
                .collect(),
            next_crash: 0,
        }
    }

    /// Elle's key choice: slot `i` of the active keys with weight 2^i.
    fn draw_slot(&mut self) -> usize {
        let n = self.active.len() as u32;
        let u = self.rng.below((1u64 << n) - 1) + 1;
        (63 - u.leading_zeros()) as usize
    }

    fn workload_op(&mut self) -> SynthOp {
        if self.rng.below(64) == 0 {
            let slot = self.draw_slot();
            let mut keys = vec![self.active[slot]];
            if self.rng.below(3) == 0 {
                for (&k, &sent) in &self.max_sent {
                    if self.max_polled.get(&k).copied().unwrap_or(-1) < sent && !keys.contains(&k) {
                        keys.push(k);
                    }
                }
            }
            return SynthOp::Assign { keys, seek: false };
        }
        loop {
            let slot = self.draw_slot();
            let key = self.active[slot];
            if self.rng.below(2) == 0 {
                return SynthOp::Poll;
            }
            let msg = self.next_msg.get(&key).copied().unwrap_or(1);
            if msg > 16 {
                let fresh = self.active.iter().max().copied().unwrap_or(0) + 1;
                self.active[slot] = fresh;
                continue;
            }
            self.next_msg.insert(key, msg + 1);
            return SynthOp::Send { key, msg };
        }
    }

    fn invoke(&mut self, thread: usize, op: SynthOp, latency: u64, is_final: bool) {
        let process = Process::Client(self.threads[thread].process);
        let (f, value, extra) = match &op {
            SynthOp::Send { key, msg } => ("send", json!([["send", key.to_string(), msg]]), None),
            SynthOp::Poll => (
                "poll",
                json!([["poll"]]),
                is_final.then(|| ("poll-ms", json!(1000))),
            ),
            SynthOp::Assign { keys, seek } => (
                "assign",
                json!(keys.iter().map(u64::to_string).collect::<Vec<_>>()),
                seek.then(|| ("seek-to-beginning?", json!(true))),
            ),
            SynthOp::Crash => ("crash", Value::Null, None),
        };
        let mut extras = Map::new();
        if let Some((k, v)) = extra {
            extras.insert(k.to_string(), v);
        }
        let invoke = self.h.push(Op {
            index: 0,
            time: self.now,
            typ: OpType::Invoke,
            process,
            f: f.to_string(),
            value,
            error: None,
            exception: None,
            is_final,
            extra: extras,
        });
        self.threads[thread].busy = Some(SynthPending {
            invoke,
            is_final,
            done_at: self.now + latency,
            op,
        });
    }

    /// Completes the thread's pending op at its due time, applying it to
    /// the log there (so the history is linearizable).
    fn complete(&mut self, thread: usize) {
        let Some(p) = self.threads[thread].busy.take() else {
            return;
        };
        self.now = self.now.max(p.done_at);
        let indeterminate = !p.is_final && self.rng.below(500) == 0;
        let crashed = matches!(p.op, SynthOp::Crash);
        let (typ, value) = match p.op {
            SynthOp::Crash => (OpType::Info, Value::Null),
            SynthOp::Send { key, msg } => {
                let now = self.now;
                let log = self.logs.entry(key).or_default();
                if indeterminate {
                    if self.rng.below(2) == 0 {
                        log.push((msg, now));
                    }
                    (OpType::Info, Value::Null)
                } else {
                    let offset = log.len() as i64;
                    log.push((msg, now));
                    let m = self.max_sent.entry(key).or_insert(offset);
                    *m = (*m).max(offset);
                    (
                        OpType::Ok,
                        json!([["send", key.to_string(), [offset, msg]]]),
                    )
                }
            }
            SynthOp::Poll if indeterminate => (OpType::Info, Value::Null),
            SynthOp::Poll => {
                // The replica polled lags the log by up to 10 ms (none in
                // the final phase).
                let stale = if p.is_final {
                    0
                } else {
                    self.rng.below(10 * MS)
                };
                let visible = self.now.saturating_sub(stale);
                let mut read = Map::new();
                let offsets = std::mem::take(&mut self.threads[thread].offsets);
                let mut next = Vec::with_capacity(offsets.len());
                for (key, from) in offsets {
                    let log = self.logs.get(&key).map(Vec::as_slice).unwrap_or(&[]);
                    let end = log.partition_point(|&(_, at)| at <= visible);
                    if end > from {
                        let pairs: Vec<Value> = (from..end).map(|o| json!([o, log[o].0])).collect();
                        read.insert(key.to_string(), Value::Array(pairs));
                        let m = self.max_polled.entry(key).or_insert(-1);
                        *m = (*m).max(end as i64 - 1);
                    }
                    next.push((key, end.max(from)));
                }
                self.threads[thread].offsets = next;
                (OpType::Ok, json!([["poll", read]]))
            }
            SynthOp::Assign { keys, seek } => {
                let t = &mut self.threads[thread];
                let old = std::mem::take(&mut t.offsets);
                for k in keys {
                    if t.offsets.iter().any(|(x, _)| *x == k) {
                        continue;
                    }
                    let kept = old.iter().find(|(x, _)| *x == k).map(|&(_, o)| o);
                    let from = if seek { 0 } else { kept.unwrap_or(0) };
                    t.offsets.push((k, from));
                }
                (OpType::Ok, Value::Null)
            }
        };
        // Timeouts carry an error; a crash completes without one.
        let error = (typ == OpType::Info && !crashed).then(|| json!("net-timeout"));
        let value = if typ == OpType::Ok && value.is_null() {
            self.h.ops()[p.invoke].value.clone()
        } else {
            value
        };
        self.h.complete(
            self.now,
            p.invoke,
            Completion {
                typ,
                value,
                error,
                exception: None,
            },
        );
        if typ == OpType::Info {
            // Jepsen replaces a crashed client's process.
            let t = &mut self.threads[thread];
            t.process += SYNTH_THREADS as u64;
            t.offsets.clear();
        }
    }

    /// The thread whose pending op is due first.
    fn earliest(&self) -> Option<(usize, u64)> {
        self.threads
            .iter()
            .enumerate()
            .filter_map(|(i, t)| t.busy.as_ref().map(|p| (i, p.done_at)))
            .min_by_key(|&(_, at)| at)
    }

    fn main_phase(&mut self, ops: usize) {
        let mut next_thread = 0;
        for i in 0..ops {
            let tick = i as u64 * MS;
            while let Some((t, _)) = self.earliest().filter(|&(_, at)| at <= tick) {
                self.complete(t);
            }
            self.now = self.now.max(tick);
            let thread = loop {
                let free = (0..SYNTH_THREADS)
                    .map(|j| (next_thread + j) % SYNTH_THREADS)
                    .find(|&j| self.threads[j].busy.is_none());
                match (free, self.earliest()) {
                    (Some(j), _) => break j,
                    (None, Some((t, _))) => self.complete(t),
                    (None, None) => break 0,
                }
            };
            next_thread = (thread + 1) % SYNTH_THREADS;
            let (op, latency) = if self.now >= self.next_crash {
                self.next_crash = self.now + self.rng.below(15_000) * MS;
                (SynthOp::Crash, 1_000)
            } else {
                let latency = 100_000 + self.rng.below(2_900_000);
                (self.workload_op(), latency)
            };
            self.invoke(thread, op, latency, false);
        }
        while let Some((t, _)) = self.earliest() {
            self.complete(t);
        }
    }

    fn final_phase(&mut self) {
        let targets: BTreeMap<u64, i64> = self
            .max_sent
            .iter()
            .map(|(&k, &o)| (k, o.max(0)))
            .chain(self.max_polled.iter().map(|(&k, &o)| (k, o)))
            .fold(BTreeMap::new(), |mut m, (k, o)| {
                let e = m.entry(k).or_insert(o);
                *e = (*e).max(o);
                m
            });
        if targets.is_empty() {
            return;
        }
        self.now += 10_000 * MS;
        let keys: Vec<u64> = targets.keys().copied().collect();
        for thread in 0..SYNTH_THREADS {
            self.invoke(thread, SynthOp::Crash, 1_000, true);
            self.complete(thread);
            self.invoke(
                thread,
                SynthOp::Assign {
                    keys: keys.clone(),
                    seek: true,
                },
                200_000,
                true,
            );
            self.complete(thread);
            for _ in 0..3 {
                let process = self.threads[thread].process;
                self.now += self.rng.below(400) * MS;
                self.invoke(thread, SynthOp::Poll, 20 * MS, true);
                self.complete(thread);
                // Done once this thread (still the same process) has read
                // every key up to its target.
                let t = &self.threads[thread];
                if t.process == process
                    && t.offsets
                        .iter()
                        .all(|(k, next)| targets.get(k).is_none_or(|&o| (*next as i64) > o))
                {
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use glomers_check::common::anomaly_types as types;
    use glomers_check::kafka::check;

    #[test]
    fn synthetic_histories_are_valid() {
        let h = synthetic_history(4000, 10, 7);
        assert!(h.ops().len() >= 8000);
        let r = check(&h);
        assert_eq!(
            r["valid?"],
            true,
            "{}",
            serde_json::to_string_pretty(&r).unwrap()
        );
        assert_eq!(types(&r), Vec::<&str>::new());
        assert!(r["worst-realtime-lag"]["lag"].as_f64().unwrap() > 0.0);
        assert_eq!(check(&synthetic_history(4000, 10, 7)), r, "deterministic");
    }
}

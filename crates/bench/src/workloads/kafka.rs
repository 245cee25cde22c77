//! The `kafka` workload as Maelstrom 0.2.4 runs it (Jepsen 0.3.7's
//! `jepsen.tests.kafka` generator, Maelstrom's client): `send` and `poll`
//! over Elle's key stream, `assign` now and then, client crashes on their
//! own schedule, and a final phase in which every worker starts afresh from
//! offset 0 and polls until it has caught up. The checker lives in
//! `glomers_check::kafka`.
//!
//! Maelstrom's client quirks are kept on purpose, because they shape what a
//! node sees: committed offsets are fetched on `assign` but never used (a
//! lookup bug in Maelstrom), and a poll that returned anything commits the
//! highest offsets it read before it completes.

use super::keys::{KeyStream, MicroOp, DEFAULT_KEY_COUNT};
use super::{body, OpSpec, Outcome, RpcSpec, Step, Workload};
use crate::client::{self, ErrorPolicy, FieldType, Schema};
use crate::opts::TestOptions;
use crate::rng::Rng;
use glomers_check::history::{Completion, OpType};
use glomers_check::Model;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};

const SEC: u64 = 1_000_000_000;
/// Odds that an operation is replaced by an `assign` (Jepsen's `sub-p`).
const ASSIGN_ODDS: u64 = 64;
/// How long the final phase may issue operations.
const FINAL_PHASE_LIMIT: u64 = 10 * SEC;
/// Final polls are spaced uniformly in [0, 0.4 s) (`stagger 1/5`).
const FINAL_POLL_SPACING: f64 = 0.4;

const SEND_OK: Schema = Schema {
    kind: "send_ok",
    fields: &[("offset", FieldType::Int)],
};
const POLL_OK: Schema = Schema {
    kind: "poll_ok",
    fields: &[("msgs", FieldType::Map)],
};
const COMMIT_OK: Schema = Schema {
    kind: "commit_offsets_ok",
    fields: &[],
};
const LIST_COMMITTED_OK: Schema = Schema {
    kind: "list_committed_offsets_ok",
    fields: &[("offsets", FieldType::Map)],
};

/// Per-key maxima of offsets (key as its decimal string, offset −1 for a
/// key polled empty), as Jepsen's trackers keep them.
type Offsets = BTreeMap<u64, i64>;

/// One worker's client: the next offset to poll per assigned key, and the
/// poll whose commit is in flight.
#[derive(Debug, Default)]
struct ClientState {
    offsets: BTreeMap<String, i64>,
    polled: Option<Value>,
}

pub struct Kafka {
    concurrency: usize,
    keys: KeyStream,
    /// The micro-op an `assign` did not consume: it comes out next.
    pending: Option<MicroOp>,
    /// When the crash stream's next crash is due.
    crash_due: u64,
    /// Highest offset any ok send or poll showed, per key.
    max_offsets: Offsets,
    /// Jepsen's `PollUnseen`: keys whose sent offsets no poll has reached.
    unseen_sent: Offsets,
    unseen_polled: Offsets,
    clients: HashMap<u64, ClientState>,
    /// Per worker in the final phase: keys and offsets still to reach.
    final_targets: Vec<Offsets>,
}

impl Kafka {
    pub fn new(opts: &TestOptions) -> Self {
        Self {
            concurrency: opts.concurrency.max(1),
            keys: KeyStream::new(
                opts.key_count.unwrap_or(DEFAULT_KEY_COUNT),
                opts.max_writes_per_key,
            ),
            pending: None,
            crash_due: 0,
            max_offsets: Offsets::new(),
            unseen_sent: Offsets::new(),
            unseen_polled: Offsets::new(),
            clients: HashMap::new(),
            final_targets: Vec::new(),
        }
    }

    /// Jepsen's `InterleaveSubscribes` and `PollUnseen`: an `assign` of the
    /// key the next operation will use, sometimes joined by every key whose
    /// sends no poll has caught up with (noted in the op's `unseen` field).
    fn assign(&mut self, rng: &mut Rng, key: u64) -> OpSpec {
        let mut keys = vec![key];
        let mut op = None;
        if rng.below(3) == 0 && !self.unseen_sent.is_empty() {
            keys.extend(self.unseen_sent.keys().filter(|k| **k != key));
            let unseen: Map<String, Value> = self
                .unseen_sent
                .iter()
                .map(|(k, sent)| {
                    let polled = self.unseen_polled.get(k).copied().unwrap_or(-1);
                    (k.to_string(), json!({"polled": polled, "sent": sent}))
                })
                .collect();
            op = Some(Value::Object(unseen));
        }
        let value = json!(keys.iter().map(u64::to_string).collect::<Vec<_>>());
        let spec = OpSpec::new("assign", value);
        match op {
            Some(unseen) => spec.with("unseen", unseen),
            None => spec,
        }
    }

    /// A completed ok send or poll: the trackers learn its offsets.
    fn observe(&mut self, sent: &Offsets, polled: &Offsets) {
        merge_max(&mut self.max_offsets, sent);
        merge_max(&mut self.max_offsets, polled);
        merge_max(&mut self.unseen_sent, sent);
        merge_max(&mut self.unseen_polled, polled);
        // Keep only keys some poll has not caught up with (Jepsen drops a
        // polled-only key at once).
        let keys: Vec<u64> = self
            .unseen_sent
            .keys()
            .chain(self.unseen_polled.keys())
            .copied()
            .collect();
        for k in keys {
            let polled = self.unseen_polled.get(&k).copied().unwrap_or(-1);
            let sent = self.unseen_sent.get(&k).copied().unwrap_or(-1);
            if polled >= sent {
                self.unseen_sent.remove(&k);
                self.unseen_polled.remove(&k);
            }
        }
    }

    fn worker_of(&self, process: u64) -> usize {
        (process % self.concurrency as u64) as usize
    }

    /// A poll came back: advance the client's offsets, then commit what it
    /// read, or complete if it read nothing.
    fn polled(&mut self, process: u64, reply: &Map<String, Value>) -> Step {
        let msgs = reply.get("msgs").cloned().unwrap_or(Value::Null);
        let Some(read) = read_msgs(&msgs) else {
            self.clients.remove(&process); // an indeterminate op retires the client
            return Step::Complete(client::malformed_completion(
                ErrorPolicy::ByCode,
                format!("msgs must map keys to [[offset, msg], ...]: {msgs}"),
            ));
        };
        let client = self.clients.entry(process).or_default();
        let mut commits = Map::new();
        for (key, highest) in &read {
            let next = highest.map_or(0, |o| o + 1);
            let slot = client.offsets.entry(key.clone()).or_insert(next);
            *slot = (*slot).max(next);
            if let Some(o) = highest {
                commits.insert(key.clone(), json!(o.max(&0)));
            }
        }
        let value = json!([["poll", msgs]]);
        if commits.is_empty() {
            return Step::Complete(self.poll_ok(process, value));
        }
        client.polled = Some(value);
        Step::Rpc(
            body("commit_offsets", [("offsets", Value::Object(commits))]),
            self.rpc("commit_offsets"),
        )
    }

    /// A poll completes ok with `value`: the trackers and, in the final
    /// phase, this worker's targets learn what it read.
    fn poll_ok(&mut self, process: u64, value: Value) -> Completion {
        let polled = poll_max_offsets(&value);
        self.observe(&Offsets::new(), &polled);
        let w = self.worker_of(process);
        if let Some(targets) = self.final_targets.get_mut(w) {
            targets.retain(|k, target| polled.get(k).is_none_or(|o| *target > *o));
        }
        client::ok(value)
    }
}

impl Workload for Kafka {
    fn model(&self) -> Model {
        Model::Kafka
    }

    fn has_final_phase(&self) -> bool {
        true
    }

    /// Jepsen's kafka generator (Elle's key stream under `PollUnseen`,
    /// `InterleaveSubscribes`, offset tracking and the crash stream's `any`)
    /// costs the interpreter ~0.15 ms per op beyond echo's: real Maelstrom's
    /// mean gap between invocations at rate 1000 was 1.24–1.34 ms over four
    /// runs on an otherwise idle machine (echo: 1.117 ms). Runs under a
    /// concurrent compile showed 1.40–1.43 ms: measure with the cores free.
    fn generator_cost_ns(&self) -> u64 {
        150_000
    }

    fn next_op(&mut self, rng: &mut Rng, _worker: usize, _process: u64, now: u64) -> OpSpec {
        // Crashes come from their own staggered stream, merged by Jepsen's
        // `any`: once one is due it ties with the main stream's op.
        if now >= self.crash_due && rng.below(2) == 0 {
            let gap = 60.0 / self.concurrency as f64 * SEC as f64;
            self.crash_due = now.saturating_add((rng.unit() * gap) as u64);
            return OpSpec::new("crash", Value::Null);
        }
        let micro = match self.pending {
            Some(m) => m,
            None => *self.pending.insert(self.keys.next(rng)),
        };
        if rng.below(ASSIGN_ODDS) == 0 {
            return self.assign(rng, micro.key());
        }
        self.pending = None;
        match micro {
            MicroOp::Read(_) => OpSpec::new("poll", json!([["poll"]])),
            MicroOp::Write(k, v) => OpSpec::new("send", json!([["send", k.to_string(), v]])),
        }
    }

    fn final_ops(&mut self, _worker: usize) -> Vec<OpSpec> {
        if self.final_targets.is_empty() {
            // Every worker aims at the same snapshot, taken once.
            self.final_targets = vec![self.max_offsets.clone(); self.concurrency];
        }
        if self.max_offsets.is_empty() {
            return Vec::new();
        }
        let keys: Vec<String> = self.max_offsets.keys().map(u64::to_string).collect();
        vec![
            OpSpec::new("crash", Value::Null),
            OpSpec::new("assign", json!(keys)).with("seek-to-beginning?", json!(true)),
        ]
    }

    fn more_final_ops(&mut self, rng: &mut Rng, worker: usize) -> Option<(OpSpec, u64)> {
        if self.final_targets.get(worker).is_none_or(Offsets::is_empty) {
            return None;
        }
        let gap = (rng.unit() * FINAL_POLL_SPACING * SEC as f64) as u64;
        let poll = OpSpec::new("poll", json!([["poll"]])).with("poll-ms", json!(1000));
        Some((poll, gap))
    }

    fn final_phase_limit(&self) -> Option<u64> {
        Some(FINAL_PHASE_LIMIT)
    }

    fn begin(&mut self, process: u64, op: &OpSpec) -> Step {
        let client = self.clients.entry(process).or_default();
        match op.f {
            "crash" => {
                self.clients.remove(&process);
                Step::Complete(Completion {
                    typ: OpType::Info,
                    value: Value::Null,
                    error: None,
                    exception: None,
                })
            }
            "assign" => {
                let keys: Vec<String> = string_list(&op.value);
                if op.extra.get("seek-to-beginning?") == Some(&json!(true)) {
                    client.offsets = keys.into_iter().map(|k| (k, 0)).collect();
                    return Step::Complete(client::ok(op.value.clone()));
                }
                Step::Rpc(
                    body("list_committed_offsets", [("keys", op.value.clone())]),
                    self.rpc("list_committed_offsets"),
                )
            }
            "send" => {
                let (key, msg) = send_request(&op.value);
                Step::Rpc(body("send", [("key", key), ("msg", msg)]), self.rpc("send"))
            }
            _ => {
                let offsets: Map<String, Value> = client
                    .offsets
                    .iter()
                    .map(|(k, o)| (k.clone(), json!(o)))
                    .collect();
                Step::Rpc(
                    body("poll", [("offsets", Value::Object(offsets))]),
                    self.rpc("poll"),
                )
            }
        }
    }

    fn on_reply(&mut self, process: u64, op: &OpSpec, outcome: Outcome) -> Step {
        let reply = match outcome {
            Ok(reply) => reply,
            Err(failed) => {
                if failed.typ == OpType::Info {
                    self.clients.remove(&process); // the client is replaced
                } else if let Some(client) = self.clients.get_mut(&process) {
                    client.polled = None; // a failed commit fails its poll
                }
                return Step::Complete(failed);
            }
        };
        match op.f {
            "assign" => {
                // Maelstrom looks committed offsets up in the wrong map, so
                // they are never used: kept keys keep their offset, new ones
                // start at 0.
                let client = self.clients.entry(process).or_default();
                let old = std::mem::take(&mut client.offsets);
                client.offsets = string_list(&op.value)
                    .into_iter()
                    .map(|k| {
                        let o = old.get(&k).copied().unwrap_or(0);
                        (k, o)
                    })
                    .collect();
                Step::Complete(client::ok(op.value.clone()))
            }
            "send" => {
                let (key, msg) = send_request(&op.value);
                let offset = reply.get("offset").cloned().unwrap_or(Value::Null);
                if let (Some(k), Some(o)) =
                    (key.as_str().and_then(|k| k.parse().ok()), offset.as_i64())
                {
                    self.observe(&Offsets::from([(k, o.max(0))]), &Offsets::new());
                }
                Step::Complete(client::ok(json!([["send", key, [offset, msg]]])))
            }
            "poll" => match self.clients.get_mut(&process).and_then(|c| c.polled.take()) {
                // The commit after the poll succeeded.
                Some(value) => Step::Complete(self.poll_ok(process, value)),
                None => self.polled(process, reply),
            },
            _ => Step::Complete(client::ok(op.value.clone())),
        }
    }

    fn rpc(&self, f: &str) -> RpcSpec {
        match f {
            "send" => RpcSpec {
                response: SEND_OK,
                errors: ErrorPolicy::ByCode,
            },
            "commit_offsets" => RpcSpec {
                response: COMMIT_OK,
                errors: ErrorPolicy::ByCode,
            },
            // Assign is idempotent: its failures are definite.
            "list_committed_offsets" | "assign" => RpcSpec {
                response: LIST_COMMITTED_OK,
                errors: ErrorPolicy::Idempotent,
            },
            _ => RpcSpec {
                response: POLL_OK,
                errors: ErrorPolicy::ByCode,
            },
        }
    }
}

/// `[["send", key, msg]]` → (key, msg).
fn send_request(value: &Value) -> (Value, Value) {
    let mop = &value[0];
    (mop[1].clone(), mop[2].clone())
}

fn string_list(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|keys| {
            keys.iter()
                .filter_map(|k| k.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// A poll reply's `msgs`: per key, the highest offset returned (`None` for
/// an empty list). `None` if it is not `{key: [[offset, msg], ...]}`.
fn read_msgs(msgs: &Value) -> Option<Vec<(String, Option<i64>)>> {
    let Some(map) = msgs.as_object() else {
        return msgs.is_null().then(Vec::new);
    };
    let mut out = Vec::with_capacity(map.len());
    for (key, pairs) in map {
        let mut highest: Option<i64> = None;
        for pair in pairs.as_array()? {
            let pair = pair.as_array().filter(|p| p.len() == 2)?;
            let offset = pair[0].as_i64()?;
            highest = Some(highest.map_or(offset, |h| h.max(offset)));
        }
        out.push((key.clone(), highest));
    }
    Some(out)
}

/// The highest offset per (numeric) key in an ok poll's value, −1 for a
/// key returned empty.
fn poll_max_offsets(value: &Value) -> Offsets {
    let mut out = Offsets::new();
    for (key, highest) in read_msgs(&value[0][1]).unwrap_or_default() {
        {
            if let Ok(k) = key.parse::<u64>() {
                let o = highest.unwrap_or(-1);
                let slot = out.entry(k).or_insert(o);
                *slot = (*slot).max(o);
            }
        }
    }
    out
}

fn merge_max(into: &mut Offsets, from: &Offsets) {
    for (k, o) in from {
        let slot = into.entry(*k).or_insert(*o);
        *slot = (*slot).max(*o);
    }
}

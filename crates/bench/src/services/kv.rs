//! The key-value services, reproducing Maelstrom's exact semantics:
//! - `lin-kv`: one map, requests applied atomically in arrival order;
//! - `seq-kv`: the last 32 states; each requester reads a random state
//!   between the one it last touched and the newest (stale but never going
//!   backwards); a request that would change that past state is re-run on
//!   the newest one instead;
//! - `lww-kv`: two replicas that, through a quirk of Maelstrom's code, never
//!   merge: each request lands on one at random.
//!
//! Keys and values are JSON values compared structurally (`1` ≠ `1.0`).

use super::{error, ok, Service, ServiceReply};
use crate::rng::Rng;
use serde_json::{Map, Value};
use std::collections::{HashMap, VecDeque};

/// One state of a store: key (canonical JSON text) → (key, value).
pub type State = HashMap<String, (Value, Value)>;

/// A parsed request.
enum Op<'a> {
    Read(&'a Value),
    Write(&'a Value, &'a Value),
    Cas {
        key: &'a Value,
        from: &'a Value,
        to: &'a Value,
        create: bool,
    },
}

const NULL: Value = Value::Null;

fn parse(body: &Map<String, Value>) -> Option<Op<'_>> {
    let key = body.get("key").unwrap_or(&NULL);
    let field = |k: &str| body.get(k).unwrap_or(&NULL);
    match body.get("type").and_then(Value::as_str)? {
        "read" => Some(Op::Read(key)),
        "write" => Some(Op::Write(key, field("value"))),
        "cas" => Some(Op::Cas {
            key,
            from: field("from"),
            to: field("to"),
            // Truthy in Clojure: anything but false and null.
            create: !matches!(
                field("create_if_not_exists"),
                Value::Null | Value::Bool(false)
            ),
        }),
        _ => None,
    }
}

/// Values as Maelstrom prints them in error texts (EDN-like: strings quoted).
fn show(v: &Value) -> String {
    match v {
        Value::Null => "nil".into(),
        other => other.to_string(),
    }
}

/// Applies `op` to `state`, returning the reply; `allow_create` is false for lww-kv.
fn apply(state: &mut State, op: &Op, allow_create: bool, quote_from: bool) -> Map<String, Value> {
    match *op {
        Op::Read(key) => match state.get(&key.to_string()) {
            Some((_, v)) => {
                let mut r = ok("read_ok");
                r.insert("value".into(), v.clone());
                r
            }
            None => error(20, "key does not exist".into()),
        },
        Op::Write(key, value) => {
            state.insert(key.to_string(), (key.clone(), value.clone()));
            ok("write_ok")
        }
        Op::Cas {
            key,
            from,
            to,
            create,
        } => match state.get(&key.to_string()) {
            Some((_, current)) if current == from => {
                state.insert(key.to_string(), (key.clone(), to.clone()));
                ok("cas_ok")
            }
            Some((_, current)) => {
                let from_text = if quote_from {
                    show(from)
                } else {
                    from.as_str().map_or_else(|| show(from), str::to_string)
                };
                error(
                    22,
                    format!("current value {} is not {from_text}", show(current)),
                )
            }
            None if create && allow_create => {
                state.insert(key.to_string(), (key.clone(), to.clone()));
                ok("cas_ok")
            }
            None => error(20, "key does not exist".into()),
        },
    }
}

/// `lin-kv`: linearizable.
#[derive(Debug, Default)]
pub struct LinKv {
    state: State,
}

impl Service for LinKv {
    fn name(&self) -> &'static str {
        "lin-kv"
    }

    fn handle(&mut self, _src: &str, body: &Map<String, Value>, _rng: &mut Rng) -> ServiceReply {
        let op = parse(body)?;
        Some(apply(&mut self.state, &op, true, true))
    }
}

/// How many past states seq-kv keeps.
const SEQ_HISTORY: usize = 32;

/// `seq-kv`: sequentially consistent, with Maelstrom's exact staleness.
#[derive(Debug)]
pub struct SeqKv {
    /// The most recent states, oldest first; the last is the newest.
    states: VecDeque<State>,
    /// Logical index of the newest state.
    last_index: u64,
    /// Requester → index of the state it last interacted with.
    clients: HashMap<String, u64>,
}

impl Default for SeqKv {
    fn default() -> Self {
        Self {
            states: VecDeque::from([State::new()]),
            last_index: 0,
            clients: HashMap::new(),
        }
    }
}

impl SeqKv {
    /// The state at logical `index`, fetched as Maelstrom does: by offset
    /// from the newest, modulo the number of retained states.
    fn state_at(&self, index: u64) -> &State {
        let len = self.states.len() as u64;
        let back = (self.last_index - index) % len;
        &self.states[(len - 1 - back) as usize]
    }
}

impl Service for SeqKv {
    fn name(&self) -> &'static str {
        "seq-kv"
    }

    fn handle(&mut self, src: &str, body: &Map<String, Value>, rng: &mut Rng) -> ServiceReply {
        let op = parse(body)?;
        let seen = self
            .clients
            .get(src)
            .copied()
            .unwrap_or(0)
            .min(self.last_index);
        let index = seen + rng.below(self.last_index - seen + 1);
        let past = self.state_at(index);
        let mut changed = past.clone();
        let reply = apply(&mut changed, &op, true, true);
        if &changed == past {
            self.clients.insert(src.to_string(), index);
            return Some(reply);
        }
        // It would change history: run it against the newest state instead.
        let mut newest = self.states.back().cloned().unwrap_or_default();
        let reply = apply(&mut newest, &op, true, true);
        if self.states.len() == SEQ_HISTORY {
            self.states.pop_front();
        }
        self.states.push_back(newest);
        self.last_index += 1;
        self.clients.insert(src.to_string(), self.last_index);
        Some(reply)
    }
}

/// `lww-kv`: two replicas that never exchange data; each request is served
/// by one of them at random. (Maelstrom also stamps writes with per-replica
/// clocks for a merge whose result it discards; nothing observable remains.)
#[derive(Debug, Default)]
pub struct LwwKv {
    replicas: [State; 2],
}

impl Service for LwwKv {
    fn name(&self) -> &'static str {
        "lww-kv"
    }

    fn handle(&mut self, _src: &str, body: &Map<String, Value>, rng: &mut Rng) -> ServiceReply {
        let op = parse(body)?;
        let r = rng.below(2) as usize;
        Some(apply(&mut self.replicas[r], &op, false, false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn req(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    fn call(s: &mut dyn Service, src: &str, v: Value, rng: &mut Rng) -> Value {
        Value::Object(s.handle(src, &req(v), rng).unwrap_or_default())
    }

    #[test]
    fn lin_kv_semantics_and_error_codes() {
        let (mut kv, rng) = (LinKv::default(), &mut Rng::new(1));
        assert_eq!(
            call(&mut kv, "n0", json!({"type":"read","key":"k"}), rng),
            json!({"type":"error","code":20,"text":"key does not exist"})
        );
        assert_eq!(
            call(
                &mut kv,
                "n0",
                json!({"type":"cas","key":"k","from":1,"to":2}),
                rng
            )["code"],
            20
        );
        assert_eq!(
            call(
                &mut kv,
                "n0",
                json!({"type":"cas","key":"k","from":1,"to":2,"create_if_not_exists":0}),
                rng
            ),
            json!({"type":"cas_ok"}),
            "0 is truthy for Clojure"
        );
        assert_eq!(
            call(
                &mut kv,
                "n1",
                json!({"type":"cas","key":"k","from":1,"to":3}),
                rng
            ),
            json!({"type":"error","code":22,"text":"current value 2 is not 1"})
        );
        assert_eq!(
            call(
                &mut kv,
                "n1",
                json!({"type":"cas","key":"k","from":2.0,"to":3}),
                rng
            )["code"],
            22,
            "2.0 is not 2"
        );
        assert_eq!(
            call(
                &mut kv,
                "n1",
                json!({"type":"write","key":"k","value":"a"}),
                rng
            ),
            json!({"type":"write_ok"})
        );
        assert_eq!(
            call(
                &mut kv,
                "n1",
                json!({"type":"cas","key":"k","from":"b","to":"c"}),
                rng
            )["text"],
            "current value \"a\" is not \"b\""
        );
        assert_eq!(
            call(&mut kv, "n2", json!({"type":"read","key":"k"}), rng)["value"],
            "a"
        );
        assert!(
            kv.handle("n0", &req(json!({"type":"frob"})), rng).is_none(),
            "unknown type: no reply"
        );
    }

    #[test]
    fn lin_kv_cas_race_has_exactly_one_winner() {
        let (mut kv, rng) = (LinKv::default(), &mut Rng::new(2));
        call(
            &mut kv,
            "n0",
            json!({"type":"write","key":"x","value":0}),
            rng,
        );
        let wins = (0..5)
            .filter(|i| {
                call(
                    &mut kv,
                    &format!("n{i}"),
                    json!({"type":"cas","key":"x","from":0,"to":i+1}),
                    rng,
                )["type"]
                    == "cas_ok"
            })
            .count();
        assert_eq!(wins, 1);
    }

    #[test]
    fn seq_kv_reads_can_be_stale_but_never_go_backwards() {
        let mut kv = SeqKv::default();
        let rng = &mut Rng::new(3);
        for v in 0..20 {
            call(
                &mut kv,
                "writer",
                json!({"type":"write","key":"k","value":v}),
                rng,
            );
        }
        // A fresh reader starts at state 0: it may see anything, including nothing.
        let mut stale = 0;
        let mut last_seen = -1;
        for _ in 0..200 {
            let r = call(&mut kv, "reader", json!({"type":"read","key":"k"}), rng);
            let v = r["value"].as_i64().unwrap_or(-1);
            assert!(v >= last_seen, "went backwards: {v} after {last_seen}");
            last_seen = v;
            stale += i64::from(v < 19);
        }
        assert!(
            stale > 0,
            "a reader behind the newest state sees stale values first"
        );
        assert_eq!(last_seen, 19, "repeated reads converge");
        // A state-changing op moves the client to the newest state.
        let mut kv = SeqKv::default();
        for v in 0..10 {
            call(
                &mut kv,
                "writer",
                json!({"type":"write","key":"k","value":v}),
                rng,
            );
        }
        call(
            &mut kv,
            "reader",
            json!({"type":"write","key":"scratch","value":1}),
            rng,
        );
        assert_eq!(
            call(&mut kv, "reader", json!({"type":"read","key":"k"}), rng)["value"],
            9
        );
        // A writer always sees its own writes.
        assert_eq!(
            call(&mut kv, "writer", json!({"type":"read","key":"k"}), rng)["value"],
            9
        );
    }

    #[test]
    fn seq_kv_cas_that_would_succeed_on_a_stale_state_runs_on_the_newest() {
        let rng = &mut Rng::new(4);
        let mut failures = 0;
        for _ in 0..50 {
            let mut kv = SeqKv::default();
            call(
                &mut kv,
                "a",
                json!({"type":"write","key":"k","value":1}),
                rng,
            );
            call(
                &mut kv,
                "a",
                json!({"type":"write","key":"k","value":2}),
                rng,
            );
            // b has seen nothing: its cas from 1 may be judged against a past
            // state, but since it would change it, it re-runs on the newest (2).
            let r = call(
                &mut kv,
                "b",
                json!({"type":"cas","key":"k","from":1,"to":5}),
                rng,
            );
            assert_ne!(r["type"], "cas_ok", "{r}");
            failures += 1;
        }
        assert_eq!(failures, 50);
    }

    #[test]
    fn lww_kv_has_two_unmerged_replicas_and_never_creates() {
        let (mut kv, rng) = (LwwKv::default(), &mut Rng::new(5));
        assert_eq!(
            call(
                &mut kv,
                "n0",
                json!({"type":"cas","key":"k","from":1,"to":2,"create_if_not_exists":true}),
                rng
            )["code"],
            20
        );
        call(
            &mut kv,
            "n0",
            json!({"type":"write","key":"k","value":7}),
            rng,
        );
        let misses = (0..200)
            .filter(|_| {
                call(&mut kv, "n0", json!({"type":"read","key":"k"}), rng)["type"] == "error"
            })
            .count();
        assert!(
            (60..140).contains(&misses),
            "about half the reads hit the other replica: {misses}"
        );
    }

    #[test]
    fn lin_tso_counts_up() {
        let (mut tso, rng) = (super::super::tso::LinTso::default(), &mut Rng::new(6));
        for i in 0..3 {
            assert_eq!(
                call(&mut tso, "n0", json!({"type":"ts"}), rng),
                json!({"type":"ts_ok","ts":i})
            );
        }
    }
}

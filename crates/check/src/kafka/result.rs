//! The kafka result map as Jepsen's checker writes it: each error list
//! truncated as `condense-error` does, then rendered with its ops.

use super::*;

impl<'h> Analysis<'h> {
    pub(super) fn render_internal(&self, x: &Internal, skip: bool) -> Value {
        let mut m = Map::new();
        m.insert("key".into(), json!(self.key_name(x.key)));
        m.insert(
            "values".into(),
            Value::Array(vec![
                self.msg_json(x.values.0),
                self.msg(x.values.1).clone(),
            ]),
        );
        m.insert("delta".into(), json!(x.delta));
        if skip {
            m.insert("skipped".into(), self.skipped(x.key, x.span));
        }
        m.insert("op".into(), self.op_json(x.op));
        Value::Object(m)
    }

    pub(super) fn render_external(&self, x: &External, skip: bool) -> Value {
        let mut m = Map::new();
        m.insert("key".into(), json!(self.key_name(x.key)));
        if skip {
            m.insert("delta".into(), json!(x.delta));
            m.insert("skipped".into(), self.skipped(x.key, x.span));
        } else {
            m.insert(
                "values".into(),
                json!([self.msg_json(x.values.0), self.msg_json(x.values.1)]),
            );
            m.insert("delta".into(), json!(x.delta));
        }
        m.insert(
            "ops".into(),
            Value::Array(vec![self.op_json(x.ops.0), self.op_json(x.ops.1)]),
        );
        Value::Object(m)
    }

    /// `(map by-index (range (inc i1) i2))`.
    pub(super) fn skipped(&self, key: u32, (i1, i2): (u32, u32)) -> Value {
        Value::Array(
            (i1 + 1..i2)
                .map(|i| self.msg_json(self.by_index(key, i)))
                .collect(),
        )
    }

    pub(super) fn result(&self, e: Errors, worst: Value, causes: Vec<Value>) -> Value {
        let mut errors: BTreeMap<&str, Value> = BTreeMap::new();
        let delta_internal: fn(&Internal) -> i64 = |x| x.delta;
        let delta_external: fn(&External) -> i64 = |x| x.delta;
        if !e.duplicate.is_empty() {
            errors.insert(
                "duplicate",
                condense(e.duplicate, Some(|d| d.2 as i64), Keep::First(32), |d| {
                    json!({"key": self.key_name(d.0), "value": self.msg(d.1),
                           "count": d.2, "offsets": d.3})
                }),
            );
        }
        if !e.int_poll_skip.is_empty() {
            errors.insert(
                "int-poll-skip",
                condense(e.int_poll_skip, Some(delta_internal), Keep::Last(8), |x| {
                    self.render_internal(&x, true)
                }),
            );
        }
        if !e.int_nonmonotonic_poll.is_empty() {
            errors.insert(
                "int-nonmonotonic-poll",
                condense(
                    e.int_nonmonotonic_poll,
                    Some(delta_internal),
                    Keep::First(8),
                    |x| self.render_internal(&x, false),
                ),
            );
        }
        if !e.int_nonmonotonic_send.is_empty() {
            errors.insert(
                "int-nonmonotonic-send",
                condense(
                    e.int_nonmonotonic_send,
                    Some(delta_internal),
                    Keep::First(8),
                    |x| self.render_internal(&x, false),
                ),
            );
        }
        if !e.int_send_skip.is_empty() {
            errors.insert(
                "int-send-skip",
                condense(e.int_send_skip, Some(delta_internal), Keep::Last(8), |x| {
                    self.render_internal(&x, true)
                }),
            );
        }
        if !e.inconsistent.is_empty() {
            errors.insert(
                "inconsistent-offsets",
                condense(
                    e.inconsistent,
                    Some(|x| x.3.len() as i64),
                    Keep::First(32),
                    |x| {
                        let values: Vec<Value> =
                            x.3.iter().map(|&kv| self.msg(kv).clone()).collect();
                        json!({"key": self.key_name(x.0), "offset": x.1, "index": x.2,
                               "values": values})
                    },
                ),
            );
        }
        for (name, list) in [
            ("precommitted-read", e.precommitted),
            ("G1a", e.g1a),
            ("lost-write", e.lost_write),
            ("strong-PL-2-cycle-exists", e.cycle_exists),
        ] {
            if !list.is_empty() {
                errors.insert(name, condense(list, None, Keep::All, |v| v));
            }
        }
        if !e.nonmonotonic_poll.is_empty() {
            errors.insert(
                "nonmonotonic-poll",
                condense(
                    e.nonmonotonic_poll,
                    Some(delta_external),
                    Keep::First(8),
                    |x| self.render_external(&x, false),
                ),
            );
        }
        if !e.nonmonotonic_send.is_empty() {
            errors.insert(
                "nonmonotonic-send",
                condense(
                    e.nonmonotonic_send,
                    Some(delta_external),
                    Keep::First(8),
                    |x| self.render_external(&x, false),
                ),
            );
        }
        if !e.poll_skip.is_empty() {
            errors.insert(
                "poll-skip",
                condense(e.poll_skip, Some(delta_external), Keep::Last(8), |x| {
                    self.render_external(&x, true)
                }),
            );
        }
        if let Some(unseen) = e.unseen {
            errors.insert("unseen", unseen);
        }
        // Cycles, grouped by the type their explanation gives them.
        let mut by_type: BTreeMap<&str, Vec<Vec<u32>>> = BTreeMap::new();
        for c in e.cycles {
            by_type.entry(self.cycle_type(&c)).or_default().push(c);
        }
        for (t, list) in by_type {
            errors.insert(
                t,
                condense(list, Some(|c| c.len() as i64), Keep::First(8), |c| {
                    self.explain_cycle(&c)
                }),
            );
        }
        if e.empty_graph {
            errors.insert("empty-transaction-graph", json!({"count": 1, "errs": true}));
        }
        let types: Vec<&str> = errors.keys().copied().collect();
        let bad: Vec<&str> = types
            .iter()
            .copied()
            .filter(|t| !ALLOWED.contains(t))
            .collect();
        let mut out = Map::new();
        out.insert("valid?".into(), json!(bad.is_empty()));
        out.insert("worst-realtime-lag".into(), worst);
        out.insert("bad-error-types".into(), json!(bad));
        out.insert("error-types".into(), json!(types));
        out.insert("info-txn-causes".into(), Value::Array(causes));
        for (k, v) in errors {
            out.insert(k.to_string(), v);
        }
        Value::Object(out)
    }
}

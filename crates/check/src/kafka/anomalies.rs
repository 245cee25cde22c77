//! Every analysis of the kafka checker, each into small error records:
//! inconsistent offsets and duplicates, lost writes, aborted reads (G1a)
//! and precommitted reads, skips and non-monotonic steps within an op and
//! along each process, unseen messages, dependency cycles, and the worst
//! real-time lag.

use super::*;

impl<'h> Analysis<'h> {
    pub(super) fn inconsistent_and_duplicates(&self, e: &mut Errors) {
        let mut count: FxMap<u32, usize> = FxMap::default();
        for key in self.keys_by_name() {
            let slots = self.key_slots(key);
            for (index, s) in slots.iter().enumerate() {
                let members = self.slot_members(s);
                if members.len() > 1 {
                    e.inconsistent
                        .push((key, s.offset, index as u32, members.to_vec()));
                }
            }
            // Duplicates: a message in more than one slot.
            count.clear();
            let mut dups: Vec<u32> = Vec::new();
            for s in slots {
                for &kv in self.slot_members(s) {
                    if self.first_idx[kv as usize] != self.last_idx[kv as usize] {
                        let c = count.entry(kv).or_insert(0);
                        if *c == 0 {
                            dups.push(kv);
                        }
                        *c += 1;
                    }
                }
            }
            for kv in dups {
                let offsets: Vec<i64> = slots
                    .iter()
                    .filter(|s| self.slot_members(s).contains(&kv))
                    .map(|s| s.offset)
                    .collect();
                e.duplicate.push((key, kv, offsets.len(), offsets));
            }
        }
    }

    pub(super) fn lost_writes(&self, e: &mut Errors) -> Result<(), Thrown> {
        for key in self.keys_by_name() {
            if !self.key_ok_read[key as usize] {
                continue;
            }
            let slots = self.key_slots(key);
            let members = || {
                slots
                    .iter()
                    .flat_map(|s| self.slot_members(s).iter().copied())
            };
            let bound = members()
                .filter(|&kv| self.ok_read[kv as usize])
                .map(|kv| self.first_idx[kv as usize] as i64)
                .max()
                .unwrap_or(-1);
            if bound < 0 {
                return Err(format!(
                    "key {:?} was polled by ok polls, but never with a message at a known \
                     (non-negative integer) offset, e.g. only as empty lists. Jepsen's lost-write \
                     analysis (jepsen.tests.kafka/lost-write-cases) then evaluates \
                     (nth last-index->values -1), which throws IndexOutOfBoundsException: \
                     Maelstrom's kafka checker throws here too, and its result is :valid? :unknown",
                    self.key_name(key)
                ));
            }
            let bound = bound as u32;
            let mut must_read: Vec<u32> = members()
                .filter(|&kv| self.last_idx[kv as usize] <= bound)
                .collect();
            must_read.sort_by(|&a, &b| {
                self.last_idx[a as usize]
                    .cmp(&self.last_idx[b as usize])
                    .then_with(|| self.cmp_kv(a, b))
            });
            must_read.dedup();
            let max_read = must_read
                .iter()
                .copied()
                .filter(|&kv| self.last_idx[kv as usize] == bound)
                .min_by(|&a, &b| self.cmp_kv(a, b))
                .map_or(NONE, |kv| self.first_reader[kv as usize]);
            // Shared by the key's lost messages: serialize it once.
            let mut max_read_json: Option<Value> = None;
            for kv in must_read {
                if self.ok_read[kv as usize] {
                    continue;
                }
                let w = self.writer[kv as usize];
                if w == NONE {
                    return Err(format!(
                        "message {} of key {:?} is in the log (from a poll) but no send wrote it; \
                         Jepsen's lost-write analysis throws :no-writer-of here, so Maelstrom's \
                         kafka checker throws too and its result is :valid? :unknown",
                        self.msg(kv),
                        self.key_name(key)
                    ));
                }
                if !self.must_have_committed(w as usize) {
                    continue;
                }
                e.lost_write.push(obj([
                    ("key", json!(self.key_name(key))),
                    ("value", self.msg(kv).clone()),
                    ("index", json!(self.first_idx[kv as usize])),
                    ("max-read-index", json!(bound)),
                    ("writer", self.op_json(w)),
                    (
                        "max-read",
                        max_read_json
                            .get_or_insert_with(|| self.op_json(max_read))
                            .clone(),
                    ),
                ]));
            }
        }
        Ok(())
    }

    pub(super) fn g1a_and_precommitted(&self, e: &mut Errors) {
        for pos in 0..self.ops.len() {
            let info = self.info[pos];
            if info.typ == OpType::Ok && matches!(info.f, F::Poll | F::Txn) {
                for r in self.op_reads(pos) {
                    for p in self.read_pairs(r) {
                        if self.failed[p.kv as usize] {
                            e.g1a.push(obj([
                                ("key", json!(self.key_name(r.key))),
                                ("value", self.msg(p.kv).clone()),
                                ("writer", self.op_json(self.writer[p.kv as usize])),
                                ("reader", self.op_json(pos as u32)),
                            ]));
                        }
                    }
                }
            }
            // An op that reads what it writes (only a txn does both).
            if info.f == F::Txn {
                for (key, kvs) in self.writes_by_key(pos) {
                    let read = self
                        .op_reads(pos)
                        .iter()
                        .filter(|r| r.key == key)
                        .flat_map(|r| self.read_pairs(r))
                        .map(|p| p.kv)
                        .filter(|kv| kvs.contains(kv))
                        .min_by(|&a, &b| self.cmp_kv(a, b));
                    if let Some(kv) = read {
                        e.precommitted.push(obj([
                            ("op", self.op_json(pos as u32)),
                            ("key", json!(self.key_name(key))),
                            ("value", self.msg(kv).clone()),
                        ]));
                        break;
                    }
                }
            }
        }
    }

    /// Consecutive messages within one op, by their dense indices.
    pub(super) fn internal_step(
        &self,
        key: u32,
        prev: Option<u32>,
        kv: u32,
        op: u32,
        skips: &mut Vec<Internal>,
        nonmonotonic: &mut Vec<Internal>,
    ) {
        let (i1, i2) = (self.index_of(prev), self.index_of(Some(kv)));
        let (delta, span) = match (i1, i2) {
            (Some(a), Some(b)) => (b as i64 - a as i64, (a, b)),
            _ => (1, (0, 0)),
        };
        let err = Internal {
            key,
            values: (prev, kv),
            delta,
            span,
            op,
        };
        if delta > 1 {
            skips.push(err);
        } else if delta < 1 {
            nonmonotonic.push(err);
        }
    }

    pub(super) fn internal(&self, e: &mut Errors) {
        for pos in 0..self.ops.len() {
            for r in self.op_reads(pos) {
                let mut prev = None;
                for p in self.read_pairs(r) {
                    self.internal_step(
                        r.key,
                        prev,
                        p.kv,
                        pos as u32,
                        &mut e.int_poll_skip,
                        &mut e.int_nonmonotonic_poll,
                    );
                    prev = Some(p.kv);
                }
            }
            let info = self.info[pos];
            if info.typ != OpType::Invoke && info.writes.1 - info.writes.0 > 1 {
                for (key, kvs) in self.writes_by_key(pos) {
                    for w in kvs.windows(2) {
                        self.internal_step(
                            key,
                            Some(w[0]),
                            w[1],
                            pos as u32,
                            &mut e.int_send_skip,
                            &mut e.int_nonmonotonic_send,
                        );
                    }
                }
            }
        }
    }

    /// Keys an `assign`'s value names (`select-keys` keeps only these).
    pub(super) fn assigned_keys(&self, pos: usize) -> Vec<u32> {
        let names = self.ops[pos]
            .value
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        names
            .iter()
            .filter_map(|v| match v {
                Value::String(s) => self.key_ids.get(s.as_str()).copied(),
                other => self.key_ids.get(other.to_string().as_str()).copied(),
            })
            .collect()
    }

    /// `poll-skip+nonmonotonic-cases` and `nonmonotonic-send-cases`: each
    /// process's polls (sends) must continue where its last one on that key
    /// left off, until an assign drops the key.
    pub(super) fn per_process(&self, e: &mut Errors) {
        // process → key → (last op, its last message on that key)
        let mut last_reads: FxMap<u64, FxMap<u32, (u32, Option<u32>)>> = FxMap::default();
        let mut last_sends: FxMap<u64, FxMap<u32, (u32, Option<u32>)>> = FxMap::default();
        for pos in 0..self.ops.len() {
            let info = self.info[pos];
            let Some(process) = info.process else {
                continue;
            };
            match info.f {
                F::Assign => {
                    let done = matches!(info.typ, OpType::Ok | OpType::Info);
                    if done {
                        let keep: FxSet<u32> = self.assigned_keys(pos).into_iter().collect();
                        for map in [&mut last_reads, &mut last_sends] {
                            if let Some(m) = map.get_mut(&process) {
                                m.retain(|k, _| keep.contains(k));
                            }
                        }
                    }
                }
                F::Poll | F::Txn | F::Send => {
                    if info.f != F::Send {
                        let lr = last_reads.entry(process).or_default();
                        for r in self.op_reads(pos) {
                            let pairs = self.read_pairs(r);
                            let Some(&(last_op, v)) = lr.get(&r.key) else {
                                continue;
                            };
                            let v2 = pairs.first().map(|p| p.kv);
                            let (i, i2) = (self.index_of(v), self.index_of(v2));
                            let (delta, span) = match (i, i2) {
                                (Some(a), Some(b)) => (b as i64 - a as i64, (a, b)),
                                _ => (1, (0, 0)),
                            };
                            let err = External {
                                process,
                                key: r.key,
                                values: (v, v2),
                                delta,
                                span,
                                ops: (last_op, pos as u32),
                            };
                            if delta > 1 {
                                e.poll_skip.push(err);
                            } else if delta < 1 {
                                e.nonmonotonic_poll.push(err);
                            }
                        }
                        if info.typ == OpType::Ok {
                            for r in self.op_reads(pos) {
                                let last = self.read_pairs(r).last().map(|p| p.kv);
                                lr.insert(r.key, (pos as u32, last));
                            }
                        }
                    }
                    if info.f != F::Poll && matches!(info.typ, OpType::Ok | OpType::Info) {
                        let ls = last_sends.entry(process).or_default();
                        for (key, kvs) in self.writes_by_key(pos) {
                            if let Some(&(last_op, v)) = ls.get(&key) {
                                let v2 = kvs.first().copied();
                                if let (Some(i), Some(i2)) = (self.index_of(v), self.index_of(v2)) {
                                    let delta = i2 as i64 - i as i64;
                                    if delta < 1 {
                                        e.nonmonotonic_send.push(External {
                                            process,
                                            key,
                                            values: (v, v2),
                                            delta,
                                            span: (0, 0),
                                            ops: (last_op, pos as u32),
                                        });
                                    }
                                }
                            }
                            ls.insert(key, (pos as u32, kvs.last().copied()));
                        }
                    }
                }
                F::Other => {}
            }
        }
        // Jepsen walks processes in hash order; we walk them by number.
        for list in [
            &mut e.poll_skip,
            &mut e.nonmonotonic_poll,
            &mut e.nonmonotonic_send,
        ] {
            list.sort_by_key(|x| x.process);
        }
    }

    /// `unseen`: the last entry of Jepsen's series, over `ok` polls/sends.
    pub(super) fn unseen(&self, e: &mut Errors) {
        let oks: Vec<usize> = (0..self.ops.len())
            .filter(|&p| self.info[p].typ == OpType::Ok && self.info[p].f.is_mop())
            .collect();
        let Some(&last) = oks.last() else { return };
        // A key first seen through the last op's reads (and not written by
        // it) is, for that one step, "unseen" with the messages just polled.
        let mut seen = vec![false; self.keys.len()];
        for &pos in &oks[..oks.len() - 1] {
            for w in self.op_writes(pos) {
                seen[w.key as usize] = true;
            }
            for r in self.op_reads(pos) {
                seen[r.key as usize] = true;
            }
        }
        let mut unseen: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
        let last_writes = self.op_writes(last);
        let mut quirk = vec![false; self.keys.len()];
        for r in self.op_reads(last) {
            if !seen[r.key as usize] && !last_writes.iter().any(|w| w.key == r.key) {
                quirk[r.key as usize] = true;
                let list = unseen.entry(self.key_name(r.key)).or_default();
                for p in self.read_pairs(r) {
                    list.push(p.kv);
                }
            }
        }
        for kv in 0..self.kv_key.len() {
            if self.ok_sent[kv] && !self.ok_read[kv] && !quirk[self.kv_key[kv] as usize] {
                unseen
                    .entry(self.key_name(self.kv_key[kv]))
                    .or_default()
                    .push(kv as u32);
            }
        }
        let mut counts = Map::new();
        let mut messages = Map::new();
        for (k, mut kvs) in unseen {
            kvs.sort_by(|&a, &b| self.cmp_kv(a, b));
            kvs.dedup();
            if kvs.is_empty() {
                continue;
            }
            counts.insert(k.to_string(), json!(kvs.len()));
            let shown: Vec<Value> = kvs
                .iter()
                .take(32)
                .map(|&kv| self.msg(kv).clone())
                .collect();
            messages.insert(k.to_string(), Value::Array(shown));
        }
        if !counts.is_empty() {
            e.unseen = Some(obj([
                ("time", json!(self.ops[last].time)),
                ("unseen", Value::Object(counts)),
                ("messages", Value::Object(messages)),
            ]));
        }
    }

    /// Elle's cycle search over write-read and real-time dependencies
    /// (`cycles!`): ww and rw edges are never built for Maelstrom.
    pub(super) fn cycles(&self, e: &mut Errors) -> Result<(), Thrown> {
        if self.ops.is_empty() {
            return Ok(()); // `(when (:type (first history)))`
        }
        let mut vertex = vec![NONE; self.ops.len()];
        let mut vertex_op: Vec<u32> = Vec::new();
        for (pos, info) in self.info.iter().enumerate() {
            if info.typ != OpType::Invoke && info.f.is_mop() {
                vertex[pos] = vertex_op.len() as u32;
                vertex_op.push(pos as u32);
            }
        }
        let mut g = DepGraph::new(vertex_op.len());
        for (v, &pos) in vertex_op.iter().enumerate() {
            for r in self.op_reads(pos as usize) {
                for p in self.read_pairs(r) {
                    let w = self.writer[p.kv as usize];
                    if w == NONE {
                        return Err(format!(
                            "op {} polled message {} of key {:?}, which no send wrote; Elle's \
                             write-read graph (jepsen.tests.kafka/wr-graph) throws \
                             :no-writer-of-value here, so Maelstrom's kafka checker throws too \
                             and its result is :valid? :unknown",
                            self.ops[pos as usize].index,
                            self.msg(p.kv),
                            self.key_name(r.key)
                        ));
                    }
                    if w != pos {
                        g.add(vertex[w as usize] as usize, v, Dep::Wr);
                    }
                }
            }
        }
        let events = (0..self.ops.len()).filter_map(|pos| {
            let info = self.info[pos];
            if !info.f.is_mop() {
                return None;
            }
            match info.typ {
                OpType::Invoke if info.partner != NONE => Some(RealtimeEvent::Invoke {
                    completion: vertex[info.partner as usize] as usize,
                    ok: self.info[info.partner as usize].typ == OpType::Ok,
                }),
                OpType::Ok => Some(RealtimeEvent::Ok(vertex[pos] as usize)),
                _ => None,
            }
        });
        g.add_realtime(events);
        // Elle's test is `(= 0 (b/size graph))`, a count of vertices; its
        // graphs gain vertices only through links, so: no edge at all.
        if !g.has_edges() {
            e.empty_graph = true;
            return Ok(());
        }
        let shape = CycleShape::g1c(&[Dep::Realtime]);
        for component in g.cycles_components(Deps::of(&[Dep::Wr, Dep::Realtime])) {
            let mut scc: Vec<usize> = component
                .iter()
                .map(|&v| self.ops[vertex_op[v] as usize].index)
                .collect();
            scc.sort_unstable();
            e.cycle_exists.push(json!({
                "type": "strong-PL-2-cycle-exists",
                "not": "strong-read-committed",
                "subgraph": ["union", "ww", "wwp", "wr", "wrp", "realtime"],
                "scc-size": scc.len(),
                "scc": scc,
            }));
            let steps = if component.len() <= FULL_SEARCH_LIMIT {
                g.shortest_cycle(&component, shape)
            } else {
                g.shortest_cycle_through(component[0], &component, shape)
            };
            if let Some(steps) = steps {
                e.cycles
                    .push(steps.iter().map(|s| vertex_op[s.from]).collect());
            }
        }
        Ok(())
    }

    /// Elle's explanation of a cycle: each step is explained as a write-read
    /// dependency if the second op polled something the first sent (Elle's
    /// combined explainer asks the kafka graph first), else in real time.
    /// The step from `a` to `b`: what `b` polled that `a` sent, if anything.
    pub(super) fn wr_step(&self, a: u32, b: u32) -> Option<(u32, u32)> {
        self.op_reads(b as usize).iter().find_map(|r| {
            self.read_pairs(r)
                .iter()
                .find(|p| self.writer[p.kv as usize] == a)
                .map(|p| (r.key, p.kv))
        })
    }

    /// Elle names a cycle by its explained steps; with only wr and realtime
    /// dependencies (each acyclic alone) it always has both.
    pub(super) fn cycle_type(&self, ops: &[u32]) -> &'static str {
        let n = ops.len();
        let realtime = (0..n).any(|i| self.wr_step(ops[i], ops[(i + 1) % n]).is_none());
        if realtime {
            "G1c-realtime"
        } else {
            "G1c"
        }
    }

    pub(super) fn explain_cycle(&self, ops: &[u32]) -> Value {
        let n = ops.len();
        let mut step_values = Vec::with_capacity(n);
        let mut lines = Vec::with_capacity(n);
        for i in 0..n {
            let (a, b) = (ops[i], ops[(i + 1) % n]);
            let (an, bn) = (format!("T{}", i + 1), format!("T{}", (i + 1) % n + 1));
            let (value, text) = match self.wr_step(a, b) {
                Some((key, kv)) => (
                    json!({"type": "wr", "key": self.key_name(key), "value": self.msg(kv),
                               "a-mop-index": mop_index(self.ops[a as usize], "send", self.key_name(key), self.msg(kv)),
                               "b-mop-index": mop_index(self.ops[b as usize], "poll", self.key_name(key), self.msg(kv))}),
                    format!(
                        "{an} sent {} to {:?} which was polled by {bn}",
                        self.msg(kv),
                        self.key_name(key)
                    ),
                ),
                None => {
                    let (a_op, b_inv) = (self.ops[a as usize], self.info[b as usize].partner);
                    let inv = (b_inv != NONE).then(|| self.ops[b_inv as usize]);
                    let when = match inv {
                        Some(inv) if inv.time > a_op.time => {
                            format!(" {:.3} seconds", (inv.time - a_op.time) as f64 / 1e9)
                        }
                        _ => " just".to_string(),
                    };
                    (
                        obj([
                            ("type", json!("realtime")),
                            ("a'", self.op_json(a)),
                            ("b", self.op_json(b_inv)),
                        ]),
                        format!(
                            "{an} completed at index {},{when} before the invocation of {bn}, at index {}",
                            a_op.index,
                            inv.map_or(0, |o| o.index)
                        ),
                    )
                }
            };
            step_values.push(value);
            lines.push(format!("{an} < {bn}, because {text}"));
        }
        let binding: Vec<String> = ops
            .iter()
            .enumerate()
            .map(|(i, &pos)| {
                let op = self.ops[pos as usize];
                let process = match op.process {
                    Process::Client(p) => p.to_string(),
                    Process::Nemesis => "nemesis".into(),
                };
                let what = serde_json::to_value(op.typ).unwrap_or(Value::Null);
                format!(
                    "  T{} = op {} ({} {} by process {process})",
                    i + 1,
                    op.index,
                    what.as_str().unwrap_or(""),
                    op.f
                )
            })
            .collect();
        let mut then = String::new();
        for (i, line) in lines.iter().enumerate() {
            if i + 1 == lines.len() {
                then.push_str(&format!("  - However, {line}: a contradiction!"));
            } else {
                then.push_str(&format!("  - {line}.\n"));
            }
        }
        let mut cycle: Vec<Value> = ops.iter().map(|&p| self.op_json(p)).collect();
        cycle.push(self.op_json(ops[0]));
        obj([
            ("type", json!(self.cycle_type(ops))),
            ("cycle", Value::Array(cycle)),
            ("steps", Value::Array(step_values)),
            (
                "explanation",
                json!(format!("Let:\n{}\n\nThen:\n{then}", binding.join("\n"))),
            ),
        ])
    }

    /// `realtime-lag` → `worst-realtime-lag`, in seconds.
    pub(super) fn worst_realtime_lag(&self) -> Value {
        // expired[k]: breakpoints (max offset, time) of the step function
        // "time at which offset i of k was known to exist" (Jepsen's vector,
        // without allocating one slot per offset).
        let mut expired: Vec<Vec<(i64, u64)>> = vec![Vec::new(); self.keys.len()];
        let mut known = Vec::new();
        for pos in 0..self.ops.len() {
            if !self.info[pos].f.is_mop() {
                continue;
            }
            self.max_offsets(pos, &mut known);
            for &(k, o) in &known {
                let e = &mut expired[k as usize];
                if o > e.last().map_or(-1, |x| x.0) {
                    e.push((o, self.ops[pos].time));
                }
            }
        }
        let expired_at = |k: u32, i: i64| -> Option<u64> {
            let e = &expired[k as usize];
            let at = e.partition_point(|x| x.0 < i);
            e.get(at).map(|x| x.1)
        };
        #[derive(Default)]
        struct Offsets {
            order: Vec<(u32, i64)>,
            at: FxMap<u32, u32>,
        }
        let mut processes: FxMap<u64, Offsets> = FxMap::default();
        let mut worst: Option<(u64, u64, u32, u64)> = None;
        for pos in 0..self.ops.len() {
            let info = self.info[pos];
            let Some(process) = info.process else {
                continue;
            };
            if info.typ != OpType::Ok {
                continue;
            }
            match info.f {
                F::Assign if self.ops[pos].f == "assign" => {
                    let old = processes.remove(&process).unwrap_or_default();
                    let mut new = Offsets::default();
                    for k in self.assigned_keys(pos) {
                        if new.at.contains_key(&k) {
                            continue;
                        }
                        let o = old.at.get(&k).map_or(-1, |&i| old.order[i as usize].1);
                        new.at.insert(k, new.order.len() as u32);
                        new.order.push((k, o));
                    }
                    processes.insert(process, new);
                }
                F::Assign => {
                    processes.insert(process, Offsets::default());
                }
                F::Poll | F::Txn => {
                    let t0 = match info.partner {
                        NONE => continue,
                        inv => self.ops[inv as usize].time,
                    };
                    let offs = processes.entry(process).or_default();
                    self.max_offsets(pos, &mut known);
                    for &(k, o) in &known {
                        match offs.at.get(&k) {
                            Some(&i) => {
                                let slot = &mut offs.order[i as usize].1;
                                *slot = (*slot).max(o);
                            }
                            None => {
                                offs.at.insert(k, offs.order.len() as u32);
                                offs.order.push((k, o));
                            }
                        }
                    }
                    for &(k, o) in &offs.order {
                        let lag = o
                            .checked_add(1)
                            .and_then(|i| expired_at(k, i))
                            .map_or(0, |t| t0.saturating_sub(t));
                        if worst.is_none_or(|w| lag > w.3) {
                            worst = Some((t0, process, k, lag));
                        }
                    }
                }
                _ => {}
            }
        }
        match worst {
            Some((t, p, k, lag)) => json!({
                "time": t as f64 / 1e9,
                "process": p,
                "key": self.key_name(k),
                "lag": lag as f64 / 1e9,
            }),
            None => json!({"time": 0.0, "lag": 0.0}),
        }
    }

    /// `info-txn-causes`: distinct errors of indeterminate polls and sends.
    pub(super) fn info_txn_causes(history: &History) -> Vec<Value> {
        let mut seen: HashSet<String> = HashSet::new();
        let mut out = Vec::new();
        for op in history.ops() {
            if op.typ == OpType::Info && F::of(&op.f).is_mop() {
                let e = op.error.clone().unwrap_or(Value::Null);
                if seen.insert(e.to_string()) {
                    out.push(e);
                }
            }
        }
        out
    }
}

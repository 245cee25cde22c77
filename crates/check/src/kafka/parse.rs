//! Reading a kafka history: ops, sends and polls interned to dense ids,
//! the per-(key, message) facts every analysis needs, and the version
//! order of each key inferred from the offsets sends and polls reported.

use super::*;

impl<'h> Analysis<'h> {
    pub(super) fn key_id(&mut self, name: Cow<'h, str>) -> u32 {
        if let Some(&id) = self.key_ids.get(name.as_ref()) {
            return id;
        }
        let id = self.keys.len() as u32;
        self.keys.push(name.clone());
        self.key_ids.insert(name, id);
        self.logs.push(KeyLog::default());
        self.key_ok_read.push(false);
        id
    }

    /// A key as Jepsen holds it: the string, or another value's JSON text.
    pub(super) fn key_of(&mut self, v: &'h Value) -> u32 {
        match v {
            Value::String(s) => self.key_id(Cow::Borrowed(s.as_str())),
            other => self.key_id(Cow::Owned(other.to_string())),
        }
    }

    pub(super) fn msg_id(&mut self, v: &'h Value) -> u32 {
        if let Some(i) = v.as_i64() {
            if let Some(&id) = self.int_msgs.get(&i) {
                return id;
            }
            let id = self.msgs.len() as u32;
            self.msgs.push(v);
            self.int_msgs.insert(i, id);
            return id;
        }
        let text = v.to_string();
        if let Some(&id) = self.other_msgs.get(&text) {
            return id;
        }
        let id = self.msgs.len() as u32;
        self.msgs.push(v);
        self.other_msgs.insert(text, id);
        id
    }

    pub(super) fn kv_id(&mut self, key: u32, msg: &'h Value) -> u32 {
        let msg = self.msg_id(msg);
        let packed = (key as u64) << 32 | msg as u64;
        if let Some(&id) = self.kv_ids.get(&packed) {
            return id;
        }
        let id = self.kv_key.len() as u32;
        self.kv_key.push(key);
        self.kv_msg.push(msg);
        self.kv_ids.insert(packed, id);
        id
    }

    pub(super) fn parse(history: &'h History) -> Self {
        let ops: Vec<&Op> = history
            .ops()
            .iter()
            .filter(|o| o.is_workload_op())
            .collect();
        let mut a = Analysis {
            info: Vec::with_capacity(ops.len()),
            ops,
            writes: Vec::new(),
            read_keys: Vec::new(),
            pairs: Vec::new(),
            keys: Vec::new(),
            key_ids: FxMap::default(),
            msgs: Vec::new(),
            int_msgs: FxMap::default(),
            other_msgs: FxMap::default(),
            kv_ids: FxMap::default(),
            kv_key: Vec::new(),
            kv_msg: Vec::new(),
            ok_read: Vec::new(),
            ok_sent: Vec::new(),
            failed: Vec::new(),
            writer: Vec::new(),
            first_reader: Vec::new(),
            by_value: Vec::new(),
            first_idx: Vec::new(),
            last_idx: Vec::new(),
            key_ok_read: Vec::new(),
            logs: Vec::new(),
            slots: Vec::new(),
            members: Vec::new(),
            picks: Vec::new(),
        };
        // Pair invocations and completions by process, as jepsen.history does.
        let mut open: FxMap<u64, u32> = FxMap::default();
        let ops = std::mem::take(&mut a.ops);
        for (pos, op) in ops.iter().enumerate() {
            let f = F::of(&op.f);
            let process = match op.process {
                Process::Client(p) => Some(p),
                Process::Nemesis => None,
            };
            let mut partner = NONE;
            if let Some(p) = process {
                if op.typ == OpType::Invoke {
                    open.insert(p, pos as u32);
                } else if let Some(inv) = open.remove(&p) {
                    partner = inv;
                    a.info[inv as usize].partner = pos as u32;
                }
            }
            let w0 = a.writes.len() as u32;
            if matches!(f, F::Send | F::Txn) {
                a.parse_writes(&op.value);
            }
            let r0 = a.read_keys.len() as u32;
            if matches!(f, F::Poll | F::Txn) {
                a.parse_reads(&op.value);
            }
            if f == F::Assign {
                // The lag tracks assigned keys even if nothing touches them.
                for k in op.value.as_array().map(Vec::as_slice).unwrap_or(&[]) {
                    a.key_of(k);
                }
            }
            a.info.push(OpInfo {
                f,
                typ: op.typ,
                process,
                partner,
                writes: (w0, a.writes.len() as u32),
                reads: (r0, a.read_keys.len() as u32),
            });
        }
        a.ops = ops;
        a
    }

    /// `op-writes`: every `[send k v]` micro-op.
    pub(super) fn parse_writes(&mut self, value: &'h Value) {
        let Some(mops) = value.as_array() else { return };
        for mop in mops {
            let Some(mop) = mop.as_array() else { continue };
            if mop.first().and_then(Value::as_str) != Some("send") {
                continue;
            }
            let key = self.key_of(mop.get(1).unwrap_or(&NULL));
            let v = mop.get(2).unwrap_or(&NULL);
            let (offset, msg) = match v.as_array() {
                Some(pair) => (
                    pair.first().and_then(Value::as_i64),
                    pair.get(1).unwrap_or(&NULL),
                ),
                None => (None, v),
            };
            let kv = self.kv_id(key, msg);
            self.writes.push(Write { key, kv, offset });
        }
    }

    /// `op-reads`: every `[poll {k [[offset msg] …]}]` micro-op, merged per
    /// key in order of first appearance. A key with an empty list is read.
    pub(super) fn parse_reads(&mut self, value: &'h Value) {
        let Some(mops) = value.as_array() else { return };
        let polls: Vec<&Map<String, Value>> = mops
            .iter()
            .filter_map(Value::as_array)
            .filter(|m| m.len() >= 2 && m[0].as_str() == Some("poll"))
            .filter_map(|m| m[1].as_object())
            .collect();
        let single = polls.len() == 1;
        let first_key = self.read_keys.len();
        for poll in polls {
            for (k, pairs) in poll {
                let key = self.key_id(Cow::Borrowed(k.as_str()));
                let start = self.pairs.len() as u32;
                for pair in pairs.as_array().map(Vec::as_slice).unwrap_or(&[]) {
                    let Some(pair) = pair.as_array() else {
                        continue;
                    };
                    let offset = pair.first().and_then(Value::as_i64);
                    let kv = self.kv_id(key, pair.get(1).unwrap_or(&NULL));
                    self.pairs.push(Pair { kv, offset });
                }
                let end = self.pairs.len() as u32;
                self.read_keys.push(ReadKey { key, start, end });
            }
        }
        if !single {
            self.merge_read_keys(first_key);
        }
    }

    /// Merges repeated keys among `read_keys[from..]` (several poll
    /// micro-ops in one op), keeping first-appearance order.
    pub(super) fn merge_read_keys(&mut self, from: usize) {
        let entries: Vec<ReadKey> = self.read_keys.drain(from..).collect();
        let mut order: Vec<u32> = Vec::new();
        let mut by_key: FxMap<u32, Vec<Pair>> = FxMap::default();
        for e in &entries {
            let list = by_key.entry(e.key).or_insert_with(|| {
                order.push(e.key);
                Vec::new()
            });
            list.extend_from_slice(&self.pairs[e.start as usize..e.end as usize]);
        }
        for key in order {
            let start = self.pairs.len() as u32;
            if let Some(list) = by_key.remove(&key) {
                self.pairs.extend(list);
            }
            let end = self.pairs.len() as u32;
            self.read_keys.push(ReadKey { key, start, end });
        }
    }

    pub(super) fn op_writes(&self, pos: usize) -> &[Write] {
        let (a, b) = self.info[pos].writes;
        &self.writes[a as usize..b as usize]
    }

    pub(super) fn op_reads(&self, pos: usize) -> &[ReadKey] {
        let (a, b) = self.info[pos].reads;
        &self.read_keys[a as usize..b as usize]
    }

    pub(super) fn read_pairs(&self, r: &ReadKey) -> &[Pair] {
        &self.pairs[r.start as usize..r.end as usize]
    }

    /// `op-writes` grouped by key, keys in order of first appearance.
    pub(super) fn writes_by_key(&self, pos: usize) -> Vec<(u32, Vec<u32>)> {
        let mut out: Vec<(u32, Vec<u32>)> = Vec::new();
        for w in self.op_writes(pos) {
            match out.iter_mut().find(|(k, _)| *k == w.key) {
                Some((_, kvs)) => kvs.push(w.kv),
                None => out.push((w.key, vec![w.kv])),
            }
        }
        out
    }

    /// `must-have-committed?`: ok, or info with a message some ok poll read.
    pub(super) fn must_have_committed(&self, pos: usize) -> bool {
        match self.info[pos].typ {
            OpType::Ok => true,
            OpType::Info => self
                .op_writes(pos)
                .iter()
                .any(|w| self.ok_read[w.kv as usize]),
            _ => false,
        }
    }

    /// `op->max-offsets` of an `ok`/`info` op: per key, the highest offset
    /// it polled (-1 for an empty list) or sent (at least 0).
    pub(super) fn max_offsets(&self, pos: usize, out: &mut Vec<(u32, i64)>) {
        out.clear();
        let info = self.info[pos];
        if !matches!(info.typ, OpType::Ok | OpType::Info) {
            return;
        }
        for r in self.op_reads(pos) {
            let max = self
                .read_pairs(r)
                .iter()
                .filter_map(|p| p.offset)
                .fold(-1, i64::max);
            out.push((r.key, max));
        }
        for w in self.op_writes(pos) {
            let Some(o) = w.offset else { continue };
            match out.iter_mut().find(|(k, _)| *k == w.key) {
                Some((_, m)) => *m = (*m).max(o.max(0)),
                None => out.push((w.key, o.max(0))),
            }
        }
    }

    /// Per-(key, msg) facts: who wrote and read each, by type.
    pub(super) fn index(&mut self) {
        let n = self.kv_key.len();
        self.ok_read = vec![false; n];
        self.ok_sent = vec![false; n];
        self.failed = vec![false; n];
        self.writer = vec![NONE; n];
        self.first_reader = vec![NONE; n];
        for pos in 0..self.ops.len() {
            let info = self.info[pos];
            if info.typ == OpType::Invoke {
                continue;
            }
            let (w0, w1) = info.writes;
            for w in &self.writes[w0 as usize..w1 as usize] {
                let kv = w.kv as usize;
                self.writer[kv] = pos as u32;
                match info.typ {
                    OpType::Fail => self.failed[kv] = true,
                    OpType::Ok => self.ok_sent[kv] = true,
                    _ => {}
                }
            }
            let (r0, r1) = info.reads;
            for r in &self.read_keys[r0 as usize..r1 as usize] {
                if info.typ == OpType::Ok {
                    self.key_ok_read[r.key as usize] = true;
                }
                for p in &self.pairs[r.start as usize..r.end as usize] {
                    let kv = p.kv as usize;
                    if self.first_reader[kv] == NONE {
                        self.first_reader[kv] = pos as u32;
                    }
                    if info.typ == OpType::Ok {
                        self.ok_read[kv] = true;
                    }
                }
            }
        }
    }

    /// `version-orders`: each key's log (offset → messages) from every poll
    /// and from the sends that must have committed; negative offsets are
    /// dropped, holes skipped by the dense index.
    pub(super) fn version_orders(&mut self) {
        let n = self.kv_key.len();
        // Most (key, msg) pairs sit at one offset: keep that one per pair and
        // list only the others, instead of sorting every occurrence.
        let mut primary = vec![i64::MIN; n];
        let mut others: Vec<(u32, i64)> = Vec::new();
        let mut note = |kv: u32, offset: Option<i64>| {
            let Some(o) = offset.filter(|o| *o >= 0) else {
                return;
            };
            let slot = &mut primary[kv as usize];
            if *slot == i64::MIN {
                *slot = o;
            } else if *slot != o {
                others.push((kv, o));
            }
        };
        for pos in 0..self.ops.len() {
            let info = self.info[pos];
            if !info.f.is_mop() {
                continue;
            }
            if self.must_have_committed(pos) {
                for w in self.op_writes(pos) {
                    note(w.kv, w.offset);
                }
            }
            for r in self.op_reads(pos) {
                for p in self.read_pairs(r) {
                    note(p.kv, p.offset);
                }
            }
        }
        let mut entries: Vec<(u32, i64, u32)> = primary
            .iter()
            .enumerate()
            .filter(|(_, o)| **o != i64::MIN)
            .map(|(kv, o)| (self.kv_key[kv], *o, kv as u32))
            .chain(
                others
                    .iter()
                    .map(|&(kv, o)| (self.kv_key[kv as usize], o, kv)),
            )
            .collect();
        entries.sort_unstable();
        entries.dedup();

        self.by_value = vec![NONE; n];
        self.first_idx = vec![NONE; n];
        self.last_idx = vec![NONE; n];
        let mut i = 0;
        while i < entries.len() {
            let key = entries[i].0;
            let slot0 = self.slots.len() as u32;
            let mut index = 0u32;
            while i < entries.len() && entries[i].0 == key {
                let offset = entries[i].1;
                let start = self.members.len() as u32;
                while i < entries.len() && entries[i].0 == key && entries[i].1 == offset {
                    self.members.push(entries[i].2);
                    i += 1;
                }
                let end = self.members.len() as u32;
                let slot = &mut self.members[start as usize..end as usize];
                if slot.len() > 1 {
                    let (msgs, kv_msg) = (&self.msgs, &self.kv_msg);
                    slot.sort_by(|x, y| {
                        cmp_values(
                            msgs[kv_msg[*x as usize] as usize],
                            msgs[kv_msg[*y as usize] as usize],
                        )
                    });
                }
                // `first` of the set: we pick the least message.
                let pick = self.members[start as usize];
                self.by_value[pick as usize] = index;
                for &kv in &self.members[start as usize..end as usize] {
                    let kv = kv as usize;
                    if self.first_idx[kv] == NONE {
                        self.first_idx[kv] = index;
                    }
                    self.last_idx[kv] = index;
                }
                self.slots.push(Slot { offset, start, end });
                self.picks.push(pick);
                index += 1;
            }
            self.logs[key as usize].slots = (slot0, self.slots.len() as u32);
        }
    }

    pub(super) fn key_slots(&self, key: u32) -> &[Slot] {
        let (a, b) = self.logs[key as usize].slots;
        &self.slots[a as usize..b as usize]
    }

    pub(super) fn slot_members(&self, s: &Slot) -> &[u32] {
        &self.members[s.start as usize..s.end as usize]
    }

    /// `by-index`: the message chosen at dense index `i` of `key`.
    pub(super) fn by_index(&self, key: u32, i: u32) -> Option<u32> {
        let (a, b) = self.logs[key as usize].slots;
        let s = a + i;
        (s < b).then(|| self.picks[s as usize])
    }

    pub(super) fn index_of(&self, kv: Option<u32>) -> Option<u32> {
        kv.map(|kv| self.by_value[kv as usize])
            .filter(|&i| i != NONE)
    }

    pub(super) fn msg(&self, kv: u32) -> &'h Value {
        self.msgs[self.kv_msg[kv as usize] as usize]
    }

    pub(super) fn msg_json(&self, kv: Option<u32>) -> Value {
        kv.map_or(Value::Null, |kv| self.msg(kv).clone())
    }

    pub(super) fn key_name(&self, key: u32) -> &str {
        &self.keys[key as usize]
    }

    pub(super) fn cmp_kv(&self, a: u32, b: u32) -> Ordering {
        cmp_values(self.msg(a), self.msg(b))
    }

    pub(super) fn op_json(&self, pos: u32) -> Value {
        if pos == NONE {
            return Value::Null;
        }
        serde_json::to_value(self.ops[pos as usize]).unwrap_or(Value::Null)
    }

    /// Keys sorted by name, for deterministic reports.
    pub(super) fn keys_by_name(&self) -> Vec<u32> {
        let mut keys: Vec<u32> = (0..self.keys.len() as u32).collect();
        keys.sort_by(|a, b| self.keys[*a as usize].cmp(&self.keys[*b as usize]));
        keys
    }
}

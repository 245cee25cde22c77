//! What a key's search outcome says: Knossos's result map (the op that
//! cannot be linearized, the configurations, the final paths) and the same
//! in a sentence.

use super::*;

impl Outcome {
    pub(super) fn to_value(&self, history: &History, k: &KeyOps, key: &Value) -> Value {
        let base = |valid: Value| {
            json!({"valid?": valid, "analyzer": "wgl", "op-count": k.ops.len(),
                   "null-reads": k.null_reads})
        };
        match self {
            Outcome::Valid { states } => {
                let mut v = base(json!(true));
                v["states"] = json!(states);
                v
            }
            Outcome::Unknown(cause, furthest) => {
                let mut v = base(json!("unknown"));
                v["cause"] = json!(cause);
                // Not a verdict: where the search was backtracking from.
                if let Some(op) = furthest {
                    v["op"] = render_op(history.ops(), k, *op);
                }
                v
            }
            Outcome::Invalid(f) => {
                let mut v = base(json!(false));
                let ops = history.ops();
                let render = |i: usize| render_op(ops, k, i);
                let window = window(k, f.op);
                let pending: Vec<Value> = window
                    .iter()
                    .filter(|&&i| i != f.op)
                    .map(|&i| render(i))
                    .collect();
                let last_op = f.last_op.map(render).unwrap_or(Value::Null);
                v["op"] = render(f.op);
                v["previous-ok"] = previous_ok(k, f.op).map_or(Value::Null, render);
                v["last-op"] = last_op.clone();
                v["configs"] = f
                    .states
                    .iter()
                    .map(|&s| {
                        json!({"model": {"value": k.value(s)}, "last-op": last_op,
                               "pending": pending})
                    })
                    .collect();
                v["final-paths"] = final_paths(k, f, &window, render);
                v["window"] = window.iter().map(|&i| render(i)).collect();
                v["explanation"] = json!(explain(history, k, key, f, window.len() - 1));
                v["states"] = json!(f.explored);
                v
            }
        }
    }
}

/// The failing op and the ops whose intervals overlap it (the ones that
/// could be ordered either side of it), in invocation order.
pub(super) fn window(k: &KeyOps, op: usize) -> Vec<usize> {
    let end = |o: &KOp| if o.ok { o.complete } else { None };
    let f = &k.ops[op];
    let f_end = end(f).unwrap_or(usize::MAX);
    let mut w: Vec<usize> = (0..k.ops.len())
        .filter(|&i| {
            let o = &k.ops[i];
            i == op || (o.invoke < f_end && end(o).is_none_or(|e| e > f.invoke))
        })
        .collect();
    w.sort_by_key(|&i| k.ops[i].invoke);
    w
}

/// The last ok completion in the history before the failing op's (what
/// Knossos calls `previous-ok`).
pub(super) fn previous_ok(k: &KeyOps, op: usize) -> Option<usize> {
    let end = k.ops[op].complete?;
    (0..k.ops.len())
        .filter(|&i| k.ops[i].ok && k.ops[i].complete.is_some_and(|c| c < end))
        .max_by_key(|&i| k.ops[i].complete)
}

/// The op as Knossos renders it: the completion (or the invocation if it
/// never completed) with the key taken out of its value.
pub(super) fn render_op(ops: &[Op], k: &KeyOps, i: usize) -> Value {
    let o = &k.ops[i];
    let shown = o.complete.or(Some(o.invoke)).and_then(|x| ops.get(x));
    let Some(op) = shown else {
        return Value::Null;
    };
    let value = match o.kind {
        Kind::Read(v) => k.value(v).clone(),
        Kind::Write(v) => k.value(v).clone(),
        Kind::Cas(a, b) => json!([k.value(a), k.value(b)]),
    };
    let process = match op.process {
        Process::Client(p) => json!(p),
        Process::Nemesis => json!("nemesis"),
    };
    json!({"process": process, "type": op.typ, "f": op.f, "value": value,
           "index": op.index, "time": op.time})
}

pub(super) fn model_after(k: &KeyOps, state: u32, kind: Kind) -> Result<u32, String> {
    step(state, kind).map_err(|()| match kind {
        Kind::Read(v) => format!("can't read {} from register {}", k.value(v), k.value(state)),
        Kind::Cas(a, b) => format!(
            "can't CAS {} from {} to {}",
            k.value(state),
            k.value(a),
            k.value(b)
        ),
        Kind::Write(_) => String::new(),
    })
}

/// Knossos-like final paths: from each state the search reached, the
/// failing op directly, or after one concurrent op, ending inconsistent.
pub(super) fn final_paths(
    k: &KeyOps,
    f: &Failure,
    window: &[usize],
    render: impl Fn(usize) -> Value,
) -> Value {
    let model = |r: Result<u32, String>| match r {
        Ok(s) => json!({"value": k.value(s)}),
        Err(msg) => json!({"inconsistent": msg}),
    };
    let kind = k.ops[f.op].kind;
    let mut paths = Vec::new();
    for &s in &f.states {
        if let Err(e) = model_after(k, s, kind) {
            paths.push(json!([{"op": render(f.op), "model": model(Err(e))}]));
        }
        for &p in window.iter().filter(|&&p| p != f.op) {
            if let Ok(s2) = step(s, k.ops[p].kind) {
                if let Err(e) = model_after(k, s2, kind) {
                    paths.push(json!([{"op": render(p), "model": model(Ok(s2))},
                                      {"op": render(f.op), "model": model(Err(e))}]));
                }
            }
        }
    }
    paths.truncate(MAX_CONFIGS);
    Value::Array(paths)
}

pub(super) fn describe(k: &KeyOps, kind: Kind) -> String {
    match kind {
        Kind::Read(v) => format!("read {}", k.value(v)),
        Kind::Write(v) => format!("write {}", k.value(v)),
        Kind::Cas(a, b) => format!("cas {} → {}", k.value(a), k.value(b)),
    }
}

/// Values of the register listed in an explanation, at most.
const SHOWN_STATES: usize = 10;

pub(super) fn explain(
    history: &History,
    k: &KeyOps,
    key: &Value,
    f: &Failure,
    concurrent: usize,
) -> String {
    let o = &k.ops[f.op];
    // Histories without times (Knossos's) place ops by index instead.
    let timed = history.ops().iter().any(|op| op.time > 0);
    let at = |i: Option<usize>| match i.and_then(|i| history.ops().get(i)) {
        None => "?".to_string(),
        Some(op) if timed => format!("{:.3} ms", op.time as f64 / 1e6),
        Some(op) => format!("index {}", op.index),
    };
    let process = history
        .ops()
        .get(o.invoke)
        .map_or("?".to_string(), |op| match op.process {
            Process::Client(p) => p.to_string(),
            Process::Nemesis => "nemesis".into(),
        });
    let mut values: Vec<&Value> = f.states.iter().map(|&s| k.value(s)).collect();
    values.sort_by(|a, b| crate::exact::cmp_values(a, b));
    values.dedup();
    let mut states: Vec<String> = values
        .iter()
        .take(SHOWN_STATES)
        .map(|v| v.to_string())
        .collect();
    if values.len() > SHOWN_STATES {
        states.push(format!("and {} more", values.len() - SHOWN_STATES));
    }
    let needed = match o.kind {
        Kind::Read(v) | Kind::Cas(v, _) => k.value(v).to_string(),
        Kind::Write(_) => "anything".into(),
    };
    format!(
        "On key {}, the ok {} by process {} (invoked at {}, completed at {}) cannot be \
         linearized: after every order of the operations that completed before it was invoked \
         ({} memoised configurations explored), the register held {} when it could take effect, \
         and no order of the {} operation(s) concurrent with it makes it hold {}.",
        key_name(key),
        describe(k, o.kind),
        process,
        at(Some(o.invoke)),
        at(o.complete),
        f.explored,
        match states.len() {
            0 => "no reachable value".to_string(),
            1 => states[0].clone(),
            _ => format!("one of {}", states.join(", ")),
        },
        concurrent,
        needed
    )
}

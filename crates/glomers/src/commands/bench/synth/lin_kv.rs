//! A realistic, valid lin-kv history for `glomers bench` (the
//! linearizability checker's figures), and tests that the checker finds it
//! valid and a corrupted copy invalid.

use glomers_bench::rng::Rng;
use glomers_check::history::{History, OpType, Process};
use serde_json::json;
use std::collections::HashMap;

/// A realistic, valid lin-kv history: `nodes` nodes, 4n worker threads in
/// groups of 2n per key (n readers, n writers doing write 1/3 and cas 2/3
/// with values 0–4), `rate` ops/s for `seconds`, ops taking 1–10 ms and
/// taking effect at a random instant within; about 1% of writes and cas
/// time out as info (half of those still take effect, possibly later).
pub fn synthetic_history(nodes: usize, rate: f64, seconds: u64, seed: u64) -> History {
    const MS: u64 = 1_000_000;
    let mut rng = Rng::new(seed);
    let n = nodes.max(1);
    let threads = 4 * n;
    let concurrency = threads as u64;
    let horizon = seconds * 1_000 * MS;
    // Per thread: process, busy until.
    let mut process: Vec<u64> = (0..concurrency).collect();
    let mut free_at = vec![0u64; threads];
    struct Planned {
        process: u64,
        key: u64,
        kind: u8, // 0 read, 1 write, 2 cas
        a: i64,
        b: i64,
        call: u64,
        ret: u64,
        effect: Option<u64>,
        info: bool,
    }
    let mut planned = Vec::new();
    let mut now = 0u64;
    let mean_gap = 1e9 / rate.max(1e-9);
    while now < horizon {
        let free: Vec<usize> = (0..threads).filter(|&t| free_at[t] <= now).collect();
        if free.is_empty() {
            now = free_at.iter().copied().min().unwrap_or(now);
            continue;
        }
        let t = free[rng.below(free.len() as u64) as usize];
        let key = (t / (2 * n)) as u64;
        let reader = t % (2 * n) < n;
        let kind = if reader {
            0
        } else if rng.below(3) == 0 {
            1
        } else {
            2
        };
        let dur = MS + rng.below(9 * MS);
        let call = now;
        let ret = call + dur;
        let effect = call + rng.below(dur);
        let info = kind != 0 && rng.below(100) == 0;
        let effect = if info {
            // Unknown outcome: maybe never, maybe well after the timeout.
            (rng.below(2) == 0).then(|| effect + rng.below(50 * MS))
        } else {
            Some(effect)
        };
        planned.push(Planned {
            process: process[t],
            key,
            kind,
            a: rng.range_inclusive(0, 4),
            b: rng.range_inclusive(0, 4),
            call,
            ret,
            effect,
            info,
        });
        free_at[t] = ret;
        if info {
            process[t] += concurrency;
        }
        now += (rng.unit() * 2.0 * mean_gap) as u64;
    }
    // Apply the effects in order to a real register per key.
    let mut by_effect: Vec<usize> = (0..planned.len())
        .filter(|&i| planned[i].effect.is_some())
        .collect();
    by_effect.sort_by_key(|&i| planned[i].effect);
    let mut regs: HashMap<u64, Option<i64>> = HashMap::new();
    // Per op: completion type and read value.
    let mut outcome: Vec<(OpType, Option<i64>)> = planned
        .iter()
        .map(|p| (if p.info { OpType::Info } else { OpType::Fail }, None))
        .collect();
    for i in by_effect {
        let p = &planned[i];
        let reg = regs.entry(p.key).or_insert(None);
        let ok = match p.kind {
            0 => {
                outcome[i].1 = *reg;
                reg.is_some() // reading a missing key is error 20
            }
            1 => {
                *reg = Some(p.a);
                true
            }
            _ => {
                let hit = *reg == Some(p.a);
                if hit {
                    *reg = Some(p.b);
                }
                hit
            }
        };
        if !p.info {
            outcome[i].0 = if ok { OpType::Ok } else { OpType::Fail };
        }
    }
    let mut events: Vec<(u64, bool, usize)> = Vec::with_capacity(planned.len() * 2);
    for (i, p) in planned.iter().enumerate() {
        events.push((p.call, false, i));
        events.push((p.ret, true, i));
    }
    // At equal times a completion goes first, as the thread frees up first.
    events.sort_by_key(|&(t, done, i)| (t, !done, i));
    let mut h = History::default();
    let mut invoke_index = vec![0usize; planned.len()];
    for (t, done, i) in events {
        let p = &planned[i];
        let f = ["read", "write", "cas"][p.kind as usize];
        let invoked = match p.kind {
            0 => json!([p.key, null]),
            1 => json!([p.key, p.a]),
            _ => json!([p.key, [p.a, p.b]]),
        };
        if !done {
            invoke_index[i] = h.invoke(t, Process::Client(p.process), f, invoked, false);
        } else {
            let (typ, read) = outcome[i];
            let value = if p.kind == 0 && typ == OpType::Ok {
                json!([p.key, read])
            } else {
                invoked
            };
            h.complete(
                t,
                invoke_index[i],
                glomers_check::history::Completion {
                    typ,
                    value,
                    error: None,
                    exception: None,
                },
            );
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use glomers_check::history::Op;
    use glomers_check::linearizable::{check, Limits};
    use serde_json::{Map, Value};
    use OpType::{Info, Ok as Done};

    fn valid(h: &History) -> Value {
        check(h, Limits::default())
    }

    #[test]
    fn synthetic_history_is_valid() {
        let h = synthetic_history(5, 1000.0, 5, 3);
        assert!(h.ops().len() > 8000, "{}", h.ops().len());
        let infos = h.ops().iter().filter(|o| o.typ == Info).count();
        assert!(infos > 0);
        let res = valid(&h);
        assert_eq!(res["valid?"], true, "{}", res["failures"]);
        assert_eq!(res["results"].as_object().map(Map::len), Some(2));
        let reads = h
            .ops()
            .iter()
            .filter(|o| o.f == "read" && o.typ == Done)
            .count();
        assert!(reads > 100);
    }

    #[test]
    fn corrupted_synthetic_history_is_invalid() {
        // Change one ok read's value to one that was never written.
        let h = synthetic_history(5, 1000.0, 2, 4);
        let mut rows: Vec<Op> = h.ops().to_vec();
        let Some(i) = rows.iter().rposition(|o| o.f == "read" && o.typ == Done) else {
            panic!("no read");
        };
        rows[i].value[1] = json!(9);
        let mut bad = History::default();
        for o in rows {
            bad.push(o);
        }
        let res = valid(&bad);
        assert_eq!(res["valid?"], false);
        assert_eq!(res["failures"].as_array().map(Vec::len), Some(1));
    }
}

//! The cost of async node code: one RPC relay written both ways — each
//! client request makes one RPC to a peer and is answered with its reply —
//! driven in-process through `glomers_node::Runtime`, the way the stdio
//! driver and the simulation drive it (lines in, lines out). Measures
//! requests per second for each style and the memory each in-flight RPC
//! holds.

use glomers_node::{Ctx, Error, Node, Output, Payload, Request, RpcError, Runtime};
use serde_json::json;
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(1);

/// Callbacks: the reply callback answers the client.
struct CallbackRelay;

impl Node for CallbackRelay {
    type Msg = Payload;
    fn handle(&mut self, ctx: &mut Ctx<Self>, req: Request<Payload>) -> Result<(), Error> {
        let (to, _) = req.into_parts();
        ctx.rpc(
            "n2",
            json!({"type": "get"}),
            TIMEOUT,
            move |_, ctx, reply| {
                let value = reply?.body.payload["value"].clone();
                ctx.reply(&to, json!({"type": "relay_ok", "value": value}));
                Ok::<(), RpcError>(())
            },
        );
        Ok(())
    }
}

/// Async: a task per request, answered through `respond`.
struct AsyncRelay;

impl Node for AsyncRelay {
    type Msg = Payload;
    fn handle(&mut self, ctx: &mut Ctx<Self>, req: Request<Payload>) -> Result<(), Error> {
        let call = ctx.handle().rpc("n2", json!({"type": "get"}), TIMEOUT);
        ctx.respond(&req, async move {
            let value = call.await?.body.payload["value"].clone();
            Ok::<_, RpcError>(json!({"type": "relay_ok", "value": value}))
        });
        Ok(())
    }
}

/// A runtime past `init`, as `n1`.
fn started<N: Node>(node: N) -> Runtime<N> {
    let mut rt = Runtime::new(node, 1);
    rt.handle_line(
        r#"{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1","n2"]}}"#,
        Duration::ZERO,
    );
    rt.drain_output().for_each(drop);
    rt
}

/// Relays `requests` requests, `window` in flight at a time; returns the
/// wall time and how many answers came back.
fn relay<N: Node>(node: N, requests: u64, window: u64) -> (Duration, u64) {
    let mut rt = started(node);
    let mut answered = 0;
    let start = Instant::now();
    let mut sent = 0;
    while sent < requests {
        let batch = window.min(requests - sent);
        for i in 0..batch {
            let id = sent + i + 2;
            let line =
                format!(r#"{{"src":"c1","dest":"n1","body":{{"type":"relay","msg_id":{id}}}}}"#);
            rt.handle_line(&line, Duration::ZERO);
        }
        // The runtime numbers its RPCs 1, 2, … in the order it sends them.
        for i in 0..batch {
            let rpc = sent + i + 1;
            let line = format!(
                r#"{{"src":"n2","dest":"n1","body":{{"type":"get_ok","in_reply_to":{rpc},"value":{rpc}}}}}"#
            );
            rt.handle_line(&line, Duration::ZERO);
        }
        answered += rt
            .drain_output()
            .filter(|o| matches!(o, Output::Line(l) if l.contains("relay_ok")))
            .count() as u64;
        sent += batch;
    }
    (start.elapsed(), answered)
}

/// Heap bytes this thread holds (counted by the allocator; exact, unlike
/// RSS, which hides memory the allocator reuses).
fn heap_in_use() -> Option<u64> {
    crate::alloc::held_by_this_thread().map(|b| b.max(0) as u64)
}

/// Heap bytes held per RPC in flight: what `count` requests waiting for
/// their replies hold, divided by `count` (the runtime's own tables included).
fn bytes_in_flight<N: Node>(node: N, count: u64) -> Option<f64> {
    let mut rt = started(node);
    let before = heap_in_use()?;
    for id in 0..count {
        let line = format!(r#"{{"src":"c1","dest":"n1","body":{{"type":"relay","msg_id":{id}}}}}"#);
        rt.handle_line(&line, Duration::ZERO);
        rt.drain_output().for_each(drop);
    }
    let after = heap_in_use()?;
    Some(after.saturating_sub(before) as f64 / count as f64)
}

/// What [`measure`] found.
pub struct RelayFigures {
    pub callback_rate: f64,
    pub async_rate: f64,
    /// The median over the pairs of runs of async rate / callback rate.
    pub ratio: f64,
    pub callback_bytes: Option<f64>,
    pub async_bytes: Option<f64>,
}

/// Seven pairs of runs, callbacks then async, each pair back to back so
/// both see the same machine state; the ratio is the median of the pairs'
/// (single runs vary by ±20 % on a shared machine), the rates the best.
pub fn measure(requests: u64) -> Result<RelayFigures, String> {
    let (mut callback, mut asynchronous) = (Duration::MAX, Duration::MAX);
    let mut ratios = Vec::new();
    for _ in 0..7 {
        let (t, n) = relay(CallbackRelay, requests, 100);
        let (u, m) = relay(AsyncRelay, requests, 100);
        if n != requests || m != requests {
            return Err(format!(
                "relay answered {n} (callbacks) and {m} (async) of {requests} requests"
            ));
        }
        callback = callback.min(t);
        asynchronous = asynchronous.min(u);
        ratios.push(t.as_secs_f64() / u.as_secs_f64());
    }
    ratios.sort_by(f64::total_cmp);
    let rate = |t: Duration| requests as f64 / t.as_secs_f64();
    Ok(RelayFigures {
        callback_rate: rate(callback),
        async_rate: rate(asynchronous),
        ratio: ratios[ratios.len() / 2],
        callback_bytes: bytes_in_flight(CallbackRelay, 200_000),
        async_bytes: bytes_in_flight(AsyncRelay, 200_000),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_relays_answer_every_request() {
        assert_eq!(relay(CallbackRelay, 250, 100).1, 250);
        assert_eq!(relay(AsyncRelay, 250, 100).1, 250);
    }
}

//! In-process tests of async node code: tasks spawned on the runtime's own
//! executor, awaiting RPCs, KV calls, sleeps, timeouts and each other. Each
//! guarantee `crates/node/src/lib.rs` documents for callbacks is checked
//! here for async code, plus cancellation on drop and misuse.

use glomers_node::{join, join_all, quorum, race, select, Ctx, Either, Error, ErrorCode, Handle};
use glomers_node::{IfMissing, JoinHandle, Kv, KvError, Node, Output, Payload, Request, Runtime};
use glomers_node::{Origin, RpcError};
use serde_json::{json, Value};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::Duration;

type Action = Box<dyn FnOnce(&mut Probe, &mut Ctx<Probe>, Request<Payload>)>;

/// On each `go`, runs the next queued closure with the request; records
/// what tasks report in `events`.
#[derive(Default)]
struct Probe {
    events: Vec<String>,
    actions: Rc<RefCell<VecDeque<Action>>>,
}

impl Node for Probe {
    type Msg = Payload;
    fn handle(&mut self, ctx: &mut Ctx<Self>, req: Request<Payload>) -> Result<(), Error> {
        let next = self.actions.borrow_mut().pop_front();
        if let Some(action) = next {
            action(self, ctx, req);
        }
        Ok(())
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

struct Harness {
    rt: Runtime<Probe>,
    actions: Rc<RefCell<VecDeque<Action>>>,
}

#[derive(Debug, Default)]
struct Out {
    lines: Vec<Value>,
    logs: Vec<String>,
}

impl Out {
    /// (dest, type, msg_id, in_reply_to) of each line.
    fn summary(&self) -> Vec<String> {
        self.lines
            .iter()
            .map(|l| {
                format!(
                    "{} {} {} {}",
                    l["dest"].as_str().unwrap_or("?"),
                    l["body"]["type"].as_str().unwrap_or("?"),
                    l["body"]["msg_id"],
                    l["body"]["in_reply_to"]
                )
            })
            .collect()
    }
}

impl Harness {
    fn started() -> Self {
        let actions: Rc<RefCell<VecDeque<Action>>> = Rc::default();
        let node = Probe {
            actions: actions.clone(),
            ..Probe::default()
        };
        let mut h = Self {
            rt: Runtime::new(node, 7),
            actions,
        };
        let out = h.msg(
            0,
            "c0",
            json!({"type": "init", "msg_id": 1, "node_id": "n1", "node_ids": ["n1", "n2", "n3"]}),
        );
        assert_eq!(out.lines[0]["body"]["type"], "init_ok");
        h
    }

    fn collect(&mut self) -> Out {
        let mut out = Out::default();
        for output in self.rt.drain_output() {
            match output {
                Output::Line(line) => out
                    .lines
                    .push(serde_json::from_str(&line).expect("output is JSON")),
                Output::Log(text) => out.logs.push(text),
            }
        }
        out
    }

    fn msg(&mut self, now_ms: u64, src: &str, body: Value) -> Out {
        let line = json!({"src": src, "dest": "n1", "body": body}).to_string();
        self.rt.handle_line(&line, ms(now_ms));
        self.collect()
    }

    /// Runs `f` as the handler of a `go` request (msg_id 5) from `c9`.
    fn go(
        &mut self,
        now_ms: u64,
        f: impl FnOnce(&mut Probe, &mut Ctx<Probe>, Request<Payload>) + 'static,
    ) -> Out {
        self.actions.borrow_mut().push_back(Box::new(f));
        self.msg(now_ms, "c9", json!({"type": "go", "msg_id": 5}))
    }

    /// Spawns `task(handle)` from a handler.
    fn spawn<F: std::future::Future<Output = ()> + 'static>(
        &mut self,
        now_ms: u64,
        task: impl FnOnce(Handle<Probe>) -> F + 'static,
    ) -> Out {
        self.go(now_ms, move |_, ctx, _| {
            let h = ctx.handle();
            ctx.spawn(task(h));
        })
    }

    fn reply(&mut self, now_ms: u64, from: &str, to_msg: &Value, body: Value) -> Out {
        let mut body = body;
        body["in_reply_to"] = to_msg.clone();
        self.msg(now_ms, from, body)
    }

    fn tick(&mut self, now_ms: u64) -> Out {
        self.rt.handle_timeouts(ms(now_ms));
        self.collect()
    }

    fn events(&self) -> Vec<String> {
        self.rt.node().events.clone()
    }
}

fn record(h: &Handle<Probe>, event: impl Into<String>) {
    let event = event.into();
    h.with(|node, _| node.events.push(event));
}

#[test]
fn an_awaited_rpc_resolves_with_its_reply_and_code_after_it_runs_on() {
    let mut h = Harness::started();
    let out = h.spawn(1, |h| async move {
        record(&h, "before");
        let reply = h.rpc("n2", json!({"type": "ping"}), ms(100)).await;
        let kind = reply.map(|r| r.body.kind().to_string());
        record(&h, format!("got {kind:?} at {:?}", h.now()));
    });
    // Sent in the same event that spawned it.
    assert_eq!(out.summary(), ["n2 ping 1 null"]);
    assert_eq!(h.events(), ["before"]);
    let out = h.reply(30, "n2", &json!(1), json!({"type": "pong"}));
    assert!(out.lines.is_empty());
    assert_eq!(h.events(), ["before", "got Ok(\"pong\") at 30ms"]);
    assert_eq!(h.rt.pending_tasks(), 0);
    assert_eq!(h.rt.ctx().outstanding_rpcs(), 0);
}

#[test]
fn an_rpc_times_out_in_a_pass_and_its_late_reply_is_logged_and_dropped() {
    let mut h = Harness::started();
    h.spawn(0, |h| async move {
        let result = h.rpc("n2", json!({"type": "ping"}), ms(100)).await;
        record(&h, format!("{result:?} at {:?}", h.now()));
    });
    assert!(h.tick(99).lines.is_empty());
    assert!(h.events().is_empty());
    h.tick(100);
    assert_eq!(h.events(), ["Err(Timeout) at 100ms"]);
    let out = h.reply(150, "n2", &json!(1), json!({"type": "pong"}));
    assert!(out.lines.is_empty(), "a late reply is no request");
    assert!(out.logs.iter().any(|l| l.contains("late reply")), "{out:?}");
}

#[test]
fn dropping_a_pending_rpc_cancels_it_and_its_reply_is_dropped() {
    let mut h = Harness::started();
    h.spawn(0, |h| async move {
        let slow = h.rpc("n2", json!({"type": "slow"}), ms(1_000));
        let result = h.timeout(ms(50), slow).await;
        record(&h, format!("{result:?}"));
    });
    assert_eq!(h.rt.ctx().outstanding_rpcs(), 1);
    h.tick(50);
    assert_eq!(h.events(), ["Err(Elapsed)"]);
    assert_eq!(h.rt.ctx().outstanding_rpcs(), 0, "the RPC was cancelled");
    assert_eq!(h.rt.next_deadline(), None, "its timeout went with it");
    let out = h.reply(60, "n2", &json!(1), json!({"type": "slow_ok"}));
    assert!(out.lines.is_empty());
    assert!(
        out.logs.iter().any(|l| l.contains("no RPC waits")),
        "{out:?}"
    );
}

#[test]
fn sleeps_fire_in_a_later_pass_and_huge_ones_never() {
    let mut h = Harness::started();
    h.spawn(10, |h| async move {
        h.sleep(Duration::ZERO).await;
        record(&h, format!("zero at {:?}", h.now()));
        h.sleep(ms(20)).await;
        record(&h, format!("twenty at {:?}", h.now()));
        h.sleep(Duration::MAX).await;
        record(&h, "never");
    });
    // A zero sleep still waits for the next timeout pass.
    assert!(h.events().is_empty());
    h.tick(10);
    assert_eq!(h.events(), ["zero at 10ms"]);
    h.tick(29);
    h.tick(30);
    assert_eq!(h.events(), ["zero at 10ms", "twenty at 30ms"]);
    assert_eq!(h.rt.next_deadline(), Some(Duration::MAX));
    h.tick(u64::MAX);
    assert_eq!(h.events().len(), 2);
    assert_eq!(h.rt.pending_tasks(), 1);
}

#[test]
fn an_interval_keeps_its_grid_and_skips_missed_ticks() {
    let mut h = Harness::started();
    h.spawn(0, |h| async move {
        let mut every = h.interval(ms(100));
        for _ in 0..3 {
            every.tick().await;
            record(&h, format!("{:?}", h.now()));
        }
    });
    h.tick(100);
    h.tick(350); // late: 200 and 300 missed, one tick now
    h.tick(399);
    h.tick(400);
    assert_eq!(h.events(), ["100ms", "350ms", "400ms"]);
}

#[test]
fn a_spawned_task_runs_after_its_handler_and_before_the_next_event() {
    let mut h = Harness::started();
    let out = h.go(0, |node, ctx, req| {
        let handle = ctx.handle();
        ctx.spawn(async move {
            record(&handle, "task");
            handle.send("n3", json!({"type": "from_task"}));
        });
        node.events.push("handler".into());
        ctx.reply(&req, json!({"type": "go_ok"}));
    });
    assert_eq!(h.events(), ["handler", "task"]);
    assert_eq!(out.summary(), ["c9 go_ok null 5", "n3 from_task null null"]);
}

#[test]
fn join_all_sends_in_order_and_waits_for_every_reply() {
    let mut h = Harness::started();
    let out = h.spawn(0, |h| async move {
        let calls = ["n2", "n3"].map(|n| h.rpc(n, json!({"type": "read"}), ms(500)));
        let got = join_all(calls).await;
        let srcs: Vec<String> = got
            .into_iter()
            .map(|r| r.map_or_else(|e| e.to_string(), |r| r.src))
            .collect();
        record(&h, srcs.join(","));
    });
    assert_eq!(out.summary(), ["n2 read 1 null", "n3 read 2 null"]);
    h.reply(5, "n3", &json!(2), json!({"type": "read_ok"}));
    assert!(h.events().is_empty());
    h.reply(6, "n2", &json!(1), json!({"type": "read_ok"}));
    assert_eq!(h.events(), ["n2,n3"], "outputs in the order given");
}

#[test]
fn a_quorum_resolves_at_k_successes_and_cancels_the_rest() {
    let mut h = Harness::started();
    h.spawn(0, |h| async move {
        let peers = ["n2", "n3", "n4"];
        let calls = peers.map(|n| {
            let h = h.clone();
            async move {
                let reply = h.rpc(n, json!({"type": "read"}), ms(500)).await?;
                Ok::<_, RpcError>(reply.src)
            }
        });
        let got = quorum(2, calls).await;
        record(&h, format!("{got:?}"));
    });
    h.reply(5, "n3", &json!(2), json!({"type": "error", "code": 11}));
    h.reply(6, "n4", &json!(3), json!({"type": "read_ok"}));
    assert!(h.events().is_empty(), "one success, one failure: not yet");
    h.reply(7, "n2", &json!(1), json!({"type": "read_ok"}));
    assert_eq!(h.events(), [r#"Ok(["n4", "n2"])"#]);
    assert_eq!(h.rt.ctx().outstanding_rpcs(), 0);

    // Too many failures: it says so as soon as k is out of reach.
    h.spawn(10, |h| async move {
        let calls = ["n2", "n3"].map(|n| h.rpc(n, json!({"type": "read"}), ms(100)));
        match quorum(2, calls).await {
            Ok(_) => record(&h, "ok"),
            Err(failed) => record(&h, failed.to_string()),
        }
    });
    h.reply(11, "n2", &json!(4), json!({"type": "error", "code": 11}));
    assert_eq!(
        h.events()[1],
        "quorum not reached: 0 of 2 needed succeeded (first error: error 11 (temporarily-unavailable): )"
    );
    assert_eq!(h.rt.ctx().outstanding_rpcs(), 0, "n3's call was cancelled");
}

#[test]
fn race_and_select_take_the_first_and_drop_the_other() {
    let mut h = Harness::started();
    h.spawn(0, |h| async move {
        let calls = ["n2", "n3"].map(|n| h.rpc(n, json!({"type": "read"}), ms(500)));
        let (i, _) = race(calls).await;
        record(&h, format!("race {i}"));
        match select(h.sleep(ms(10)), h.rpc("n2", json!({"type": "x"}), ms(500))).await {
            Either::Left(()) => record(&h, "sleep first"),
            Either::Right(_) => record(&h, "reply first"),
        }
    });
    h.reply(5, "n3", &json!(2), json!({"type": "read_ok"}));
    assert_eq!(h.events(), ["race 1"]);
    assert_eq!(h.rt.ctx().outstanding_rpcs(), 1, "only the select's rpc");
    h.tick(15);
    assert_eq!(h.events(), ["race 1", "sleep first"]);
    assert_eq!(h.rt.ctx().outstanding_rpcs(), 0);
}

#[test]
fn respond_answers_with_the_value_or_the_error_raised_by_question_mark() {
    let mut h = Harness::started();
    let out = h.go(0, |_, ctx, req| {
        let kv = Kv::lin().on(&ctx.handle());
        ctx.respond(&req, async move {
            let value: i64 = kv.read("x").await?;
            Ok::<_, KvError>(json!({"type": "read_ok", "value": value}))
        });
    });
    assert_eq!(out.summary(), ["lin-kv read 1 null"]);
    assert_eq!(out.lines[0]["body"]["key"], "x");
    let out = h.reply(3, "lin-kv", &json!(1), json!({"type": "error", "code": 20}));
    assert_eq!(out.summary(), ["c9 error null 5"]);
    assert_eq!(out.lines[0]["body"]["code"], 20);

    let out = h.go(4, |_, ctx, req| {
        let kv = Kv::lin().on(&ctx.handle());
        ctx.respond(&req, async move {
            let value: i64 = kv.read("x").await?;
            Ok::<_, KvError>(json!({"type": "read_ok", "value": value}))
        });
    });
    let id = out.lines[0]["body"]["msg_id"].clone();
    let out = h.reply(5, "lin-kv", &id, json!({"type": "read_ok", "value": 42}));
    assert_eq!(
        out.lines[0]["body"],
        json!({"type": "read_ok", "value": 42, "in_reply_to": 5})
    );
}

#[test]
fn kv_client_sends_what_the_callback_client_sends() {
    let mut h = Harness::started();
    let out = h.spawn(0, |h| async move {
        let kv = Kv::seq().with_timeout(ms(300)).on(&h);
        let results = join(
            join_all([
                kv.cas("k", 1, 2, IfMissing::Create),
                kv.cas("k", 1, 2, IfMissing::Fail),
            ]),
            kv.write("k", 3),
        )
        .await;
        record(&h, format!("{results:?}"));
        let missing = kv.read_or("gone", 7).await;
        record(&h, format!("{missing:?}"));
    });
    let bodies: Vec<&Value> = out.lines.iter().map(|l| &l["body"]).collect();
    assert_eq!(
        bodies,
        [
            &json!({"type": "cas", "key": "k", "from": 1, "to": 2, "create_if_not_exists": true, "msg_id": 1}),
            &json!({"type": "cas", "key": "k", "from": 1, "to": 2, "msg_id": 2}),
            &json!({"type": "write", "key": "k", "value": 3, "msg_id": 3}),
        ]
    );
    h.reply(1, "seq-kv", &json!(1), json!({"type": "cas_ok"}));
    h.reply(
        1,
        "seq-kv",
        &json!(2),
        json!({"type": "error", "code": 22, "text": "was 5"}),
    );
    h.tick(300); // the write times out
    assert_eq!(
        h.events(),
        [r#"([Ok(()), Err(PreconditionFailed("was 5"))], Err(Timeout))"#]
    );
    h.reply(
        301,
        "seq-kv",
        &json!(4),
        json!({"type": "error", "code": 20}),
    );
    assert_eq!(h.events()[1], "Ok(7)");
}

#[test]
fn an_aborted_task_is_dropped_with_what_it_awaited() {
    let mut h = Harness::started();
    let join: Rc<RefCell<Option<JoinHandle<()>>>> = Rc::default();
    let keep = join.clone();
    h.go(0, move |_, ctx, _| {
        let handle = ctx.handle();
        let task = ctx.spawn(async move {
            let _ = handle.rpc("n2", json!({"type": "x"}), Duration::MAX).await;
            record(&handle, "never");
        });
        *keep.borrow_mut() = Some(task);
    });
    assert_eq!(h.rt.ctx().outstanding_rpcs(), 1);
    let task = join.borrow_mut().take().expect("spawned");
    let joined = join.clone();
    h.spawn(1, move |h| async move {
        task.abort();
        let output = task.await;
        record(&h, format!("joined {output:?}"));
        drop(joined);
    });
    assert_eq!(h.events(), ["joined None"]);
    assert_eq!(h.rt.ctx().outstanding_rpcs(), 0);
    assert_eq!(h.rt.pending_tasks(), 0);
}

#[test]
fn a_join_handle_gives_the_output() {
    let mut h = Harness::started();
    h.spawn(0, |h| async move {
        let inner = h.clone();
        let child = h.spawn(async move {
            inner.sleep(ms(5)).await;
            40 + 2
        });
        let got = child.await;
        record(&h, format!("{got:?}"));
    });
    h.tick(5);
    assert_eq!(h.events(), ["Some(42)"]);
}

#[test]
fn callbacks_and_tasks_mix_and_callbacks_may_use_question_mark() {
    let mut h = Harness::started();
    let out = h.go(0, |_, ctx, req| {
        let to = req.reply_to();
        ctx.rpc("n2", json!({"type": "a"}), ms(100), move |_, ctx, reply| {
            let reply = reply?;
            let handle = ctx.handle();
            ctx.spawn(async move {
                let second = handle.rpc("n3", json!({"type": "b"}), ms(100)).await;
                let payload =
                    json!({"type": "go_ok", "via": [reply.src, second.map(|r| r.src).ok()]});
                handle.reply(&to, payload);
            });
            Ok::<(), RpcError>(())
        });
    });
    assert_eq!(out.summary(), ["n2 a 1 null"]);
    assert_eq!(
        h.reply(1, "n2", &json!(1), json!({"type": "a_ok"}))
            .summary(),
        ["n3 b 2 null"]
    );
    let out = h.reply(2, "n3", &json!(2), json!({"type": "b_ok"}));
    assert_eq!(out.lines[0]["body"]["via"], json!(["n2", "n3"]));
    assert_eq!(out.lines[0]["body"]["in_reply_to"], 5);

    // An error returned with `?` from a callback is logged.
    h.go(3, |_, ctx, _| {
        ctx.rpc("n2", json!({"type": "a"}), ms(10), |_, _, reply| {
            reply?;
            Ok::<(), RpcError>(())
        });
    });
    let out = h.tick(13);
    assert_eq!(out.logs, ["callback failed: rpc timed out"]);
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    match payload.downcast_ref::<&str>() {
        Some(text) => text.to_string(),
        None => payload
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default(),
    }
}

#[test]
fn a_panicking_task_ends_the_runtime_with_its_message() {
    let mut h = Harness::started();
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        h.spawn(0, |h| async move {
            h.sleep(ms(1)).await;
            panic!("task blew up");
        });
        h.tick(1);
    }));
    let payload = caught.expect_err("the panic reaches the driver");
    assert_eq!(panic_text(payload.as_ref()), "task blew up");
}

#[test]
fn nested_with_is_refused_with_a_clear_message() {
    let mut h = Harness::started();
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        h.spawn(0, |h| async move {
            let inner = h.clone();
            h.with(move |_, _| inner.id());
        });
    }));
    let payload = caught.expect_err("nested with panics");
    let message = panic_text(payload.as_ref());
    assert!(message.contains("already borrowed"), "{message}");
}

#[test]
fn a_seed_replays_async_runs_exactly() {
    let run = |seed| {
        let mut rt = Runtime::new(Probe::default(), seed);
        let init = r#"{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1","n2"]}}"#;
        rt.handle_line(init, ms(0));
        rt.drain_output().for_each(drop);
        let handle = rt.ctx().handle();
        rt.node()
            .actions
            .borrow_mut()
            .push_back(Box::new(move |_, ctx, _| {
                ctx.spawn(async move {
                    for _ in 0..3 {
                        let delay = ms(handle.random_u64() % 50);
                        handle.sleep(delay).await;
                        handle.send(
                            "n2",
                            json!({"type": "tick", "at": handle.now().as_millis() as u64}),
                        );
                    }
                });
            }));
        rt.handle_line(r#"{"src":"c1","dest":"n1","body":{"type":"go"}}"#, ms(1));
        let mut lines = Vec::new();
        while let Some(at) = rt.next_deadline() {
            rt.handle_timeouts(at);
            lines.extend(rt.drain_output().filter_map(|o| match o {
                Output::Line(l) => Some(l),
                Output::Log(_) => None,
            }));
        }
        lines
    };
    assert_eq!(run(3).len(), 3);
    assert_eq!(run(3), run(3));
    assert_ne!(run(3), run(4));
}

#[test]
fn error_conversions_keep_maelstrom_definiteness() {
    let timeout: Error = RpcError::Timeout.into();
    assert_eq!(timeout.code, ErrorCode::Timeout);
    assert!(!timeout.code.is_definite());
    let kv: Error = KvError::PreconditionFailed("was 3".into()).into();
    assert_eq!(
        (kv.code, kv.text.as_str()),
        (ErrorCode::PreconditionFailed, "was 3")
    );
    let malformed: Error = KvError::Malformed("?".into()).into();
    assert_eq!(malformed.code, ErrorCode::Crash);
    let elapsed: Error = glomers_node::Elapsed.into();
    assert!(!elapsed.code.is_definite());
}

//! In-process tests of the `glomers-node` runtime: a small test node is driven
//! through [`Runtime`] with hand-written input lines and simulated time, and
//! every output line is parsed as JSON and checked against Maelstrom's rules.

use glomers_node::{Ctx, Error, ErrorCode, Kv, KvError, Node, Output, Payload, Reply, Request};
use glomers_node::{IfMissing, RpcError, Runtime, TimerId};
use serde::Deserialize;
use serde_json::{json, Value};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::Duration;

// ---------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------

type Action = Box<dyn FnOnce(&mut Probe, &mut Ctx<Probe>)>;

/// The test node. It answers a few typed requests and, on `go`, runs the next
/// closure the test queued, which lets a test use the whole `Ctx` API at a
/// chosen simulated instant. Callbacks record what happened in `events`.
#[derive(Default)]
struct Probe {
    inits: u32,
    events: Vec<String>,
    timer: Option<TimerId>,
    ticks: u32,
    actions: Rc<RefCell<VecDeque<Action>>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Mode {
    Fast,
    Slow,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Msg {
    Echo {
        echo: Value,
    },
    Add {
        delta: i64,
    },
    SetMode {
        mode: Mode,
    },
    Fail {
        code: i64,
        #[serde(default)]
        text: String,
    },
    /// Fire-and-forget: recorded, never answered.
    Note {
        #[serde(default)]
        text: String,
    },
    Go,
}

impl Node for Probe {
    type Msg = Msg;

    fn on_init(&mut self, ctx: &mut Ctx<Self>) {
        self.inits += 1;
        self.events
            .push(format!("on_init {} {:?}", ctx.id(), ctx.node_ids()));
    }

    fn handle(&mut self, ctx: &mut Ctx<Self>, req: Request<Msg>) -> Result<(), Error> {
        match req.body {
            Msg::Echo { ref echo } => {
                let echo = echo.clone();
                ctx.reply(&req, json!({"type": "echo_ok", "echo": echo}));
            }
            Msg::Add { delta } => {
                self.events.push(format!("add {delta}"));
                ctx.reply(&req, json!({"type": "add_ok"}));
            }
            Msg::SetMode { ref mode } => {
                self.events.push(format!("mode {mode:?}"));
                ctx.reply(&req, json!({"type": "set_mode_ok"}));
            }
            Msg::Fail { code, ref text } => {
                return Err(Error::new(ErrorCode::from_code(code), text.clone()));
            }
            Msg::Note { ref text } => self.events.push(format!("note {text}")),
            Msg::Go => {
                let action = self.actions.borrow_mut().pop_front();
                let action = action.expect("a `go` with no queued action");
                action(self, ctx);
            }
        }
        Ok(())
    }
}

/// Everything one step produced: parsed message lines and log lines.
#[derive(Debug, Default)]
struct Out {
    lines: Vec<Value>,
    logs: Vec<String>,
}

impl Out {
    fn only_line(&self) -> &Value {
        assert_eq!(self.lines.len(), 1, "expected exactly one line: {self:?}");
        &self.lines[0]
    }
}

/// Checks one output line against Maelstrom's envelope rules and parses it.
fn check_line(line: &str) -> Value {
    assert!(
        !line.contains('\n') && !line.contains('\r'),
        "multi-line output: {line:?}"
    );
    let value: Value = serde_json::from_str(line).expect("output line is JSON");
    let obj = value.as_object().expect("output line is an object");
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["body", "dest", "src"], "top-level keys of {line}");
    assert!(obj["src"].is_string(), "src not a string: {line}");
    assert!(obj["dest"].is_string(), "dest not a string: {line}");
    let body = obj["body"].as_object().expect("body is an object");
    for key in ["msg_id", "in_reply_to"] {
        if let Some(v) = body.get(key) {
            assert!(v.is_u64(), "{key} must be an unsigned integer: {line}");
        }
    }
    assert!(
        body.get("type").is_some_and(Value::is_string),
        "body.type must be a string: {line}"
    );
    // Compact: re-serialising the parsed value gives the same length (key
    // order may differ, whitespace may not).
    let compact = serde_json::to_string(&value).expect("serialises");
    assert_eq!(compact.len(), line.len(), "not compact: {line}");
    serde_json::from_str::<NoDuplicateKeys>(line).expect("no duplicate keys");
    value
}

/// Deserialises any JSON, failing on an object with a repeated key (which a
/// `Value` would silently collapse).
struct NoDuplicateKeys;

impl<'de> Deserialize<'de> for NoDuplicateKeys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NoDuplicateKeysVisitor)
    }
}

struct NoDuplicateKeysVisitor;

impl<'de> serde::de::Visitor<'de> for NoDuplicateKeysVisitor {
    type Value = NoDuplicateKeys;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<NoDuplicateKeys, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_i64<E>(self, _: i64) -> Result<NoDuplicateKeys, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_u64<E>(self, _: u64) -> Result<NoDuplicateKeys, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_f64<E>(self, _: f64) -> Result<NoDuplicateKeys, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_str<E>(self, _: &str) -> Result<NoDuplicateKeys, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_unit<E>(self) -> Result<NoDuplicateKeys, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> Result<NoDuplicateKeys, A::Error> {
        while seq.next_element::<NoDuplicateKeys>()?.is_some() {}
        Ok(NoDuplicateKeys)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> Result<NoDuplicateKeys, A::Error> {
        let mut seen = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            map.next_value::<NoDuplicateKeys>()?;
            if !seen.insert(key.clone()) {
                return Err(serde::de::Error::custom(format!("duplicate key {key:?}")));
            }
        }
        Ok(NoDuplicateKeys)
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A [`Runtime`] around a [`Probe`], plus the queue feeding `go`.
struct Harness {
    rt: Runtime<Probe>,
    actions: Rc<RefCell<VecDeque<Action>>>,
}

impl Harness {
    /// A runtime that has not seen `init` yet.
    fn fresh() -> Self {
        let actions: Rc<RefCell<VecDeque<Action>>> = Rc::default();
        let node = Probe {
            actions: Rc::clone(&actions),
            ..Probe::default()
        };
        Self {
            rt: Runtime::new(node, 7),
            actions,
        }
    }

    /// A runtime initialised as `n1` of `n1..n3` at time 0.
    fn started() -> Self {
        let mut h = Self::fresh();
        let out = h.msg(
            0,
            "c0",
            json!({"type": "init", "msg_id": 1, "node_id": "n1", "node_ids": ["n1", "n2", "n3"]}),
        );
        assert_eq!(out.only_line()["body"]["type"], "init_ok");
        h
    }

    fn node(&self) -> std::cell::Ref<'_, Probe> {
        self.rt.node()
    }

    fn collect(&mut self) -> Out {
        let mut out = Out::default();
        for output in self.rt.drain_output() {
            match output {
                Output::Line(line) => out.lines.push(check_line(&line)),
                Output::Log(text) => out.logs.push(text),
            }
        }
        out
    }

    /// Feeds one raw line at `now_ms`.
    fn raw(&mut self, now_ms: u64, line: &str) -> Out {
        self.rt.handle_line(line, ms(now_ms));
        self.collect()
    }

    /// Feeds a message from `src` to `n1` with `body`, as Maelstrom writes it.
    fn msg(&mut self, now_ms: u64, src: &str, body: Value) -> Out {
        let line = json!({"id": 99, "src": src, "dest": "n1", "body": body}).to_string();
        self.raw(now_ms, &line)
    }

    /// Runs `f` inside the node at `now_ms`.
    fn run(&mut self, now_ms: u64, f: impl FnOnce(&mut Probe, &mut Ctx<Probe>) + 'static) -> Out {
        self.actions.borrow_mut().push_back(Box::new(f));
        self.msg(now_ms, "c9", json!({"type": "go"}))
    }

    /// Fires whatever is due at `now_ms`.
    fn tick(&mut self, now_ms: u64) -> Out {
        self.rt.handle_timeouts(ms(now_ms));
        self.collect()
    }

    fn next_deadline(&mut self) -> Option<Duration> {
        self.rt.next_deadline()
    }

    fn outstanding(&self) -> usize {
        self.rt.ctx().outstanding_rpcs()
    }
}

fn describe(result: &Result<Reply, RpcError>) -> String {
    match result {
        Ok(reply) => format!("ok {} from {}", reply.body.kind(), reply.src),
        Err(e) => format!("err {e:?}"),
    }
}

// ---------------------------------------------------------------------------
// init
// ---------------------------------------------------------------------------

#[test]
fn init_is_answered_with_init_ok_and_on_init_runs_once() {
    let mut h = Harness::fresh();
    let out = h.raw(
        0,
        r#"{"id":0,"src":"c0","dest":"n1","body":{"type":"init","msg_id":7,"node_id":"n1","node_ids":["n1","n2","n3"]}}"#,
    );
    assert_eq!(
        out.lines,
        vec![json!({"src": "n1", "dest": "c0", "body": {"type": "init_ok", "in_reply_to": 7}})]
    );
    assert_eq!(h.node().inits, 1);
    assert_eq!(h.node().events, vec![r#"on_init n1 ["n1", "n2", "n3"]"#]);
    let ctx = h.rt.ctx();
    assert_eq!(ctx.id(), "n1");
    assert_eq!(ctx.node_ids(), ["n1", "n2", "n3"]);
    assert_eq!(ctx.peers().collect::<Vec<_>>(), ["n2", "n3"]);
}

#[test]
fn request_before_init_gets_temporarily_unavailable() {
    let mut h = Harness::fresh();
    let out = h.msg(0, "c1", json!({"type": "echo", "msg_id": 3, "echo": "hi"}));
    let line = out.only_line();
    assert_eq!(line["dest"], "c1");
    // Before init the node does not know its id yet; it must still use an id
    // Maelstrom knows (the one the request was addressed to), never "".
    assert_eq!(line["src"], "n1");
    assert_eq!(line["body"]["type"], "error");
    assert_eq!(line["body"]["code"], 11);
    assert_eq!(line["body"]["in_reply_to"], 3);
    assert_eq!(h.node().inits, 0);

    // Without a msg_id, or as a reply, there is nothing to answer.
    assert!(h
        .msg(1, "c1", json!({"type": "echo", "echo": "hi"}))
        .lines
        .is_empty());
    assert!(h
        .msg(
            2,
            "n2",
            json!({"type": "echo_ok", "in_reply_to": 4, "msg_id": 9})
        )
        .lines
        .is_empty());
    assert!(h
        .msg(3, "n2", json!({"type": "error", "code": 11, "msg_id": 9}))
        .lines
        .is_empty());

    // After init the same request is served.
    let out = h.msg(
        4,
        "c0",
        json!({"type": "init", "msg_id": 1, "node_id": "n1", "node_ids": ["n1"]}),
    );
    assert_eq!(out.only_line()["body"]["type"], "init_ok");
    let out = h.msg(5, "c1", json!({"type": "echo", "msg_id": 4, "echo": "hi"}));
    assert_eq!(
        out.only_line()["body"],
        json!({"type": "echo_ok", "echo": "hi", "in_reply_to": 4})
    );
}

#[test]
fn second_init_is_answered_but_changes_nothing() {
    let mut h = Harness::started();
    let out = h.msg(
        10,
        "c5",
        json!({"type": "init", "msg_id": 12, "node_id": "n9", "node_ids": ["n9"]}),
    );
    assert_eq!(
        out.lines,
        vec![json!({"src": "n1", "dest": "c5", "body": {"type": "init_ok", "in_reply_to": 12}})]
    );
    assert_eq!(h.node().inits, 1);
    assert_eq!(h.rt.ctx().id(), "n1");
    assert_eq!(h.rt.ctx().node_ids(), ["n1", "n2", "n3"]);
}

#[test]
fn malformed_init_is_refused_and_leaves_the_node_uninitialised() {
    let mut h = Harness::fresh();
    let out = h.msg(
        0,
        "c0",
        json!({"type": "init", "msg_id": 1, "node_id": "n1"}),
    );
    let line = out.only_line();
    assert_eq!(line["src"], "n1");
    assert_eq!(line["body"]["code"], 12);
    assert_eq!(line["body"]["in_reply_to"], 1);
    assert_eq!(h.node().inits, 0);
    let out = h.msg(1, "c1", json!({"type": "echo", "msg_id": 2, "echo": 1}));
    assert_eq!(out.only_line()["body"]["code"], 11);
}

#[test]
fn init_without_msg_id_initialises_silently() {
    let mut h = Harness::fresh();
    let out = h.msg(
        0,
        "c0",
        json!({"type": "init", "node_id": "n1", "node_ids": ["n1"]}),
    );
    assert!(out.lines.is_empty(), "{:?}", out.lines);
    assert_eq!(h.node().inits, 1);
    let out = h.msg(1, "c1", json!({"type": "echo", "msg_id": 2, "echo": 0}));
    assert_eq!(out.only_line()["body"]["type"], "echo_ok");
}

#[test]
fn malformed_init_shaped_reply_is_not_answered() {
    let mut h = Harness::started();
    let out = h.msg(
        1,
        "n2",
        json!({"type": "init", "msg_id": 5, "in_reply_to": 50}),
    );
    assert!(out.lines.is_empty(), "{:?}", out.lines);
    let out = h.msg(1, "c2", json!({"type": "init", "msg_id": 6}));
    assert_eq!(out.only_line()["body"]["code"], 12);
}

// ---------------------------------------------------------------------------
// dispatch
// ---------------------------------------------------------------------------

#[test]
fn echo_is_dispatched_to_the_typed_handler() {
    let mut h = Harness::started();
    let payload = json!({"nested": [1, 2.5, null, {"k": "v"}], "s": "é\n\"x\""});
    let out = h.msg(
        5,
        "c3",
        json!({"type": "echo", "msg_id": 4, "echo": payload, "unknown_field": true}),
    );
    assert_eq!(
        out.lines,
        vec![
            json!({"src": "n1", "dest": "c3", "body": {"type": "echo_ok", "in_reply_to": 4, "echo": payload}})
        ]
    );
    assert!(out.logs.is_empty(), "{:?}", out.logs);
}

#[test]
fn unknown_type_gets_not_supported() {
    let mut h = Harness::started();
    for (i, body) in [
        json!({"type": "frobnicate", "msg_id": 11}),
        json!({"msg_id": 12, "echo": "no type"}),
        json!({"type": 5, "msg_id": 13}),
    ]
    .into_iter()
    .enumerate()
    {
        let out = h.msg(1, "c2", body);
        let line = out.only_line();
        assert_eq!(line["dest"], "c2");
        assert_eq!(line["body"]["type"], "error");
        assert_eq!(line["body"]["code"], 10, "{line}");
        assert_eq!(line["body"]["in_reply_to"], 11 + i as u64);
        assert!(line["body"].get("msg_id").is_none());
    }
}

#[test]
fn known_type_with_bad_fields_gets_malformed_request() {
    let mut h = Harness::started();
    for (i, body) in [
        json!({"type": "add", "msg_id": 21, "delta": "three"}),
        json!({"type": "add", "msg_id": 22}),
        json!({"type": "add", "msg_id": 23, "delta": 1.5}),
        // A bad value for an enum-typed field is still a malformed request of
        // a supported type, not an unsupported one.
        json!({"type": "set_mode", "msg_id": 24, "mode": "turbo"}),
        json!({"type": "set_mode", "msg_id": 25, "mode": "frobnicate"}),
    ]
    .into_iter()
    .enumerate()
    {
        let out = h.msg(1, "c2", body.clone());
        let line = out.only_line();
        assert_eq!(line["body"]["code"], 12, "{body} -> {line}");
        assert_eq!(line["body"]["in_reply_to"], 21 + i as u64);
    }
    assert!(h.node().events.iter().all(|e| !e.starts_with("add")));
    // The good version of the same requests works.
    let out = h.msg(
        2,
        "c2",
        json!({"type": "set_mode", "msg_id": 30, "mode": "slow"}),
    );
    assert_eq!(out.only_line()["body"]["type"], "set_mode_ok");
    let out = h.msg(2, "c2", json!({"type": "add", "msg_id": 31, "delta": -3}));
    assert_eq!(out.only_line()["body"]["type"], "add_ok");
    assert!(h.node().events.iter().any(|e| e == "mode Slow"));
    assert!(h.node().events.iter().any(|e| e == "add -3"));
}

#[test]
fn stray_replies_and_errors_are_never_answered() {
    let mut h = Harness::started();
    for body in [
        json!({"type": "echo_ok", "in_reply_to": 5, "msg_id": 3, "echo": 1}),
        json!({"type": "error", "in_reply_to": 6, "code": 13, "msg_id": 4}),
        json!({"type": "error", "code": 13, "msg_id": 4}),
        json!({"type": "error", "msg_id": 4}),
        json!({"type": "whatever_ok", "in_reply_to": 77, "msg_id": 8}),
        json!({"type": "add", "in_reply_to": 77, "msg_id": 8, "delta": "bad"}),
    ] {
        let out = h.msg(1, "n2", body.clone());
        assert!(out.lines.is_empty(), "{body} was answered: {:?}", out.lines);
        assert!(!out.logs.is_empty(), "{body} dropped silently");
    }
}

#[test]
fn handler_error_becomes_an_error_reply() {
    let mut h = Harness::started();
    let out = h.msg(
        1,
        "c4",
        json!({"type": "fail", "msg_id": 8, "code": 22, "text": "nope"}),
    );
    assert_eq!(
        out.lines,
        vec![
            json!({"src": "n1", "dest": "c4", "body": {"type": "error", "code": 22, "text": "nope", "in_reply_to": 8}})
        ]
    );
    // Application codes pass through; an empty text is omitted.
    let out = h.msg(2, "c4", json!({"type": "fail", "msg_id": 9, "code": 1234}));
    assert_eq!(
        out.only_line()["body"],
        json!({"type": "error", "code": 1234, "in_reply_to": 9})
    );
    // No msg_id: nobody to answer.
    let out = h.msg(3, "c4", json!({"type": "fail", "code": 13}));
    assert!(out.lines.is_empty());
    assert!(!out.logs.is_empty());
}

#[test]
fn handler_error_on_a_reply_is_not_answered() {
    // A message which is itself a reply (it has `in_reply_to` but no RPC
    // waits for it) must not be answered, even if its type is a request the
    // handler would refuse: the peer would answer our error with an error,
    // and so on.
    let mut h = Harness::started();
    let out = h.msg(
        1,
        "n2",
        json!({"type": "fail", "msg_id": 8, "in_reply_to": 40, "code": 13}),
    );
    assert!(out.lines.is_empty(), "{:?}", out.lines);
}

#[test]
fn untyped_node_never_answers_stray_replies_or_errors() {
    /// A node receiving every message untyped, refusing all it does not know.
    struct Raw(Vec<String>);
    impl Node for Raw {
        type Msg = Payload;
        fn handle(&mut self, ctx: &mut Ctx<Self>, req: Request<Payload>) -> Result<(), Error> {
            let kind = req.body.get("type").and_then(Value::as_str).unwrap_or("");
            self.0.push(kind.to_string());
            if kind == "ping" {
                ctx.reply(&req, json!({"type": "pong"}));
                Ok(())
            } else {
                Err(Error::not_supported(kind))
            }
        }
    }
    let mut rt = Runtime::new(Raw(Vec::new()), 1);
    rt.handle_line(
        r#"{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1","n2"]}}"#,
        ms(0),
    );
    let lines = |rt: &mut Runtime<Raw>| -> Vec<Value> {
        rt.drain_output()
            .filter_map(|o| match o {
                Output::Line(l) => Some(check_line(&l)),
                Output::Log(_) => None,
            })
            .collect()
    };
    assert_eq!(lines(&mut rt).len(), 1);
    for body in [
        json!({"type": "pong", "msg_id": 3, "in_reply_to": 99}),
        json!({"type": "error", "code": 10, "msg_id": 4}),
        json!({"type": "error", "code": 10, "msg_id": 5, "in_reply_to": 2}),
    ] {
        let line = json!({"src": "n2", "dest": "n1", "body": body}).to_string();
        rt.handle_line(&line, ms(1));
        assert_eq!(lines(&mut rt), Vec::<Value>::new(), "{body} was answered");
    }
    rt.handle_line(
        r#"{"src":"n2","dest":"n1","body":{"type":"ping","msg_id":6}}"#,
        ms(2),
    );
    assert_eq!(
        lines(&mut rt)[0]["body"],
        json!({"type": "pong", "in_reply_to": 6})
    );
    rt.handle_line(
        r#"{"src":"n2","dest":"n1","body":{"type":"zap","msg_id":7}}"#,
        ms(2),
    );
    assert_eq!(lines(&mut rt)[0]["body"]["code"], 10);
    // Replies no RPC waits for never reach the handler; a bare `error` (no
    // `in_reply_to`) does, though it is never answered.
    assert_eq!(rt.node().0, ["error", "ping", "zap"]);
}

#[test]
fn fire_and_forget_message_is_handled_without_reply() {
    let mut h = Harness::started();
    let out = h.msg(1, "n2", json!({"type": "note", "text": "hello"}));
    assert!(out.lines.is_empty() && out.logs.is_empty(), "{out:?}");
    assert_eq!(
        h.node().events.last().map(String::as_str),
        Some("note hello")
    );
}

#[test]
fn malformed_lines_are_logged_and_the_node_keeps_serving() {
    let mut h = Harness::started();
    for bad in [
        "{not json",
        "[1,2,3]",
        "42",
        r#"{"src":"c1","dest":"n1","body":[1]}"#,
        r#"{"src":"c1","dest":"n1","body":"echo"}"#,
        r#"{"dest":"n1","body":{"type":"echo","msg_id":1,"echo":1}}"#,
        r#"{"src":1,"dest":"n1","body":{"type":"echo","msg_id":1,"echo":1}}"#,
        r#"{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":-1,"echo":1}}"#,
        r#"{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":"1","echo":1}}"#,
        r#"{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":1.0,"echo":1}}"#,
    ] {
        let out = h.raw(1, bad);
        assert!(out.lines.is_empty(), "{bad} produced {:?}", out.lines);
        assert_eq!(out.logs.len(), 1, "{bad}");
        assert!(
            out.logs[0].contains(bad),
            "log {:?} lacks the line",
            out.logs[0]
        );
    }
    // Blank lines are not worth a log line.
    let out = h.raw(1, "   ");
    assert!(out.lines.is_empty() && out.logs.is_empty());
    let out = h.msg(
        2,
        "c1",
        json!({"type": "echo", "msg_id": 1, "echo": "still here"}),
    );
    assert_eq!(out.only_line()["body"]["echo"], "still here");
}

#[test]
fn null_body_is_treated_as_empty_and_refused_as_unsupported_silently() {
    let mut h = Harness::started();
    // `body: null` is `{}`: no type and no msg_id, so nothing to answer.
    let out = h.raw(1, r#"{"src":"c1","dest":"n1","body":null}"#);
    assert!(out.lines.is_empty());
}

// ---------------------------------------------------------------------------
// output format
// ---------------------------------------------------------------------------

#[test]
fn outputs_are_compact_and_omit_absent_correlation_fields() {
    let mut h = Harness::started();
    let out = h.run(1, |_, ctx| {
        ctx.send("n2", json!({"type": "gossip", "value": null}));
        ctx.rpc("n3", json!({"type": "ask"}), ms(100), |_, _, _| {});
        ctx.rpc("n2", json!({"type": "ask"}), ms(100), |_, _, _| {});
        ctx.send(
            "c7",
            json!({"type": "hello", "nested": {"a": [1, {"b": null}]}}),
        );
    });
    let bodies: Vec<&Value> = out.lines.iter().map(|l| &l["body"]).collect();
    assert_eq!(
        bodies,
        [
            &json!({"type": "gossip", "value": null}),
            &json!({"type": "ask", "msg_id": 1}),
            &json!({"type": "ask", "msg_id": 2}),
            &json!({"type": "hello", "nested": {"a": [1, {"b": null}]}}),
        ]
    );
    let dests: Vec<&Value> = out.lines.iter().map(|l| &l["dest"]).collect();
    assert_eq!(dests, ["n2", "n3", "n2", "c7"]);
    assert!(out.lines.iter().all(|l| l["src"] == "n1"));
}

#[test]
fn rpc_msg_ids_are_unique_and_increasing() {
    let mut h = Harness::started();
    let mut ids = Vec::new();
    for round in 0..5u64 {
        let t = round * 1_000;
        let out = h.run(t, |_, ctx| {
            for dest in ["n2", "n3", "seq-kv"] {
                ctx.rpc(dest, json!({"type": "ask"}), ms(10), |_, _, _| {});
            }
            ctx.send("n2", json!({"type": "fyi"}));
        });
        ids.extend(
            out.lines
                .iter()
                .filter_map(|l| l["body"]["msg_id"].as_u64()),
        );
        // Some RPCs are answered, some time out: ids are never reused.
        h.msg(
            t + 1,
            "n2",
            json!({"type": "ask_ok", "in_reply_to": ids[ids.len() - 3]}),
        );
        h.tick(t + 100);
    }
    assert_eq!(ids.len(), 15);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    assert_eq!(h.outstanding(), 0);
}

#[test]
fn reserved_fields_in_a_payload_cannot_corrupt_the_envelope() {
    // The runtime owns msg_id / in_reply_to. A payload that carries its own
    // (e.g. a forwarded raw body) must not produce duplicate keys or nulls.
    let mut h = Harness::started();
    let out = h.run(1, |_, ctx| {
        ctx.send(
            "n2",
            json!({"type": "fwd", "msg_id": null, "in_reply_to": 3}),
        );
        ctx.rpc(
            "n2",
            json!({"type": "fwd", "msg_id": 77}),
            ms(10),
            |node, _, r| {
                node.events.push(describe(&r));
            },
        );
    });
    assert_eq!(out.lines[0]["body"], json!({"type": "fwd"}));
    assert_eq!(out.lines[1]["body"], json!({"type": "fwd", "msg_id": 1}));
    h.msg(2, "n2", json!({"type": "fwd_ok", "in_reply_to": 1}));
    assert_eq!(
        h.node().events.last().map(String::as_str),
        Some("ok fwd_ok from n2")
    );
}

// ---------------------------------------------------------------------------
// RPC
// ---------------------------------------------------------------------------

#[test]
fn rpc_reply_is_routed_to_its_callback_by_in_reply_to() {
    let mut h = Harness::started();
    let out = h.run(10, |_, ctx| {
        for (dest, tag) in [("n2", "a"), ("n3", "b")] {
            ctx.rpc(
                dest,
                json!({"type": "ask", "tag": tag}),
                ms(500),
                move |node, ctx, r| {
                    let detail = match &r {
                        Ok(reply) => format!("x={}", reply.body.payload["x"]),
                        Err(_) => String::new(),
                    };
                    node.events.push(format!(
                        "{tag}: {} {detail} at {:?}",
                        describe(&r),
                        ctx.now()
                    ));
                },
            );
        }
    });
    assert_eq!(out.lines.len(), 2);
    assert_eq!(
        out.lines[0]["body"],
        json!({"type": "ask", "tag": "a", "msg_id": 1})
    );
    assert_eq!(
        out.lines[1]["body"],
        json!({"type": "ask", "tag": "b", "msg_id": 2})
    );
    assert_eq!(h.outstanding(), 2);

    // Replies arrive out of order.
    let out = h.msg(
        20,
        "n3",
        json!({"type": "ask_ok", "in_reply_to": 2, "x": 5}),
    );
    assert!(out.lines.is_empty());
    let out = h.msg(
        30,
        "n2",
        json!({"type": "ask_ok", "in_reply_to": 1, "x": 6, "msg_id": 40}),
    );
    assert!(out.lines.is_empty());
    assert_eq!(
        h.node().events[1..],
        [
            "b: ok ask_ok from n3 x=5 at 20ms",
            "a: ok ask_ok from n2 x=6 at 30ms"
        ]
    );
    assert_eq!(h.outstanding(), 0);
    assert_eq!(h.next_deadline(), None);
    // Nothing fires later.
    h.tick(10_000);
    assert_eq!(h.node().events.len(), 3);
}

#[test]
fn rpc_reply_can_be_decoded_and_the_callback_can_answer_the_client() {
    // The forwarding pattern: a client request is answered from an RPC callback.
    let mut h = Harness::started();
    h.run(0, |_, ctx| {
        let client = Request {
            src: "c8".to_string(),
            msg_id: Some(17),
            body: (),
        };
        ctx.rpc(
            "n2",
            json!({"type": "lookup"}),
            ms(100),
            move |_, ctx, r| {
                #[derive(Deserialize)]
                struct LookupOk {
                    value: u32,
                }
                match r.and_then(|reply| reply.decode::<LookupOk>()) {
                    Ok(ok) => ctx.reply(&client, json!({"type": "read_ok", "value": ok.value})),
                    Err(e) => ctx.reply_error(&client, Error::crash(e.to_string())),
                }
            },
        );
    });
    let out = h.msg(
        5,
        "n2",
        json!({"type": "lookup_ok", "in_reply_to": 1, "value": 9}),
    );
    assert_eq!(
        out.lines,
        vec![
            json!({"src": "n1", "dest": "c8", "body": {"type": "read_ok", "value": 9, "in_reply_to": 17}})
        ]
    );
}

#[test]
fn reply_decode_failure_is_malformed() {
    let mut h = Harness::started();
    h.run(0, |_, ctx| {
        ctx.rpc("n2", json!({"type": "lookup"}), ms(100), |node, _, r| {
            #[derive(Debug, Deserialize)]
            struct LookupOk {
                #[allow(dead_code)]
                value: u32,
            }
            let decoded = r.and_then(|reply| reply.decode::<LookupOk>());
            node.events.push(format!("{decoded:?}"));
        });
    });
    h.msg(
        5,
        "n2",
        json!({"type": "lookup_ok", "in_reply_to": 1, "value": "nine"}),
    );
    assert!(
        h.node().events[1].starts_with("Err(Malformed("),
        "{:?}",
        h.node().events
    );
}

#[test]
fn rpc_timeout_fires_exactly_once_at_the_deadline() {
    let mut h = Harness::started();
    h.run(100, |_, ctx| {
        ctx.rpc("n2", json!({"type": "ask"}), ms(500), |node, ctx, r| {
            node.events
                .push(format!("{} at {:?}", describe(&r), ctx.now()));
        });
    });
    assert_eq!(h.next_deadline(), Some(ms(600)));
    assert!(h.tick(599).lines.is_empty());
    assert_eq!(h.node().events.len(), 1);
    let out = h.tick(600);
    assert!(out.lines.is_empty());
    assert_eq!(h.node().events[1..], ["err Timeout at 600ms"]);
    assert_eq!(h.outstanding(), 0);
    assert_eq!(h.next_deadline(), None);

    h.tick(601);
    h.tick(5_000);
    // The late reply is dropped: no second callback, no error answer.
    let out = h.msg(700, "n2", json!({"type": "ask_ok", "in_reply_to": 1}));
    assert!(out.lines.is_empty());
    assert_eq!(h.node().events.len(), 2);
    assert_eq!(h.outstanding(), 0);
}

#[test]
fn late_rpc_timeout_times_its_retry_from_the_current_time() {
    let mut h = Harness::started();
    h.run(0, |_, ctx| {
        ctx.rpc("n2", json!({"type": "ask"}), ms(300), |node, ctx, r| {
            node.events
                .push(format!("{} at {:?}", describe(&r), ctx.now()));
            // A retry sent from here gets its full timeout from now on.
            ctx.rpc("n2", json!({"type": "ask"}), ms(300), |node, ctx, r| {
                node.events
                    .push(format!("retry {} at {:?}", describe(&r), ctx.now()));
            });
        });
    });
    // The driver only gets round to timeouts at 1 s: the callback sees the
    // real time, and the retry it sends does not time out in the same pass.
    let out = h.tick(1_000);
    assert_eq!(out.only_line()["body"]["type"], "ask");
    assert_eq!(h.node().events[1..], ["err Timeout at 1s"]);
    assert_eq!(h.outstanding(), 1);
    assert_eq!(h.next_deadline(), Some(ms(1_300)));
    h.tick(1_299);
    assert_eq!(h.outstanding(), 1);
    h.tick(1_300);
    assert_eq!(
        h.node().events[1..],
        ["err Timeout at 1s", "retry err Timeout at 1.3s"]
    );
    assert_eq!(h.outstanding(), 0);
}

#[test]
fn late_timer_times_what_it_starts_from_the_current_time() {
    let mut h = Harness::started();
    h.run(0, |_, ctx| {
        ctx.after(ms(100), |node, ctx| {
            node.events.push(format!("timer at {:?}", ctx.now()));
            ctx.rpc("n2", json!({"type": "ask"}), ms(50), |node, ctx, r| {
                node.events
                    .push(format!("{} at {:?}", describe(&r), ctx.now()));
            });
            ctx.after(ms(50), |node, ctx| {
                node.events.push(format!("next at {:?}", ctx.now()));
            });
        });
    });
    // Due at 100 ms, fired at 500 ms: the RPC it sends must get its 50 ms.
    h.tick(500);
    assert_eq!(h.node().events[1..], ["timer at 500ms"]);
    assert_eq!(h.outstanding(), 1);
    assert_eq!(h.next_deadline(), Some(ms(550)));
    let out = h.msg(520, "n2", json!({"type": "ask_ok", "in_reply_to": 1}));
    assert!(out.lines.is_empty(), "{:?}", out.lines);
    h.tick(550);
    assert_eq!(
        h.node().events[1..],
        [
            "timer at 500ms",
            "ok ask_ok from n2 at 520ms",
            "next at 550ms"
        ]
    );
}

#[test]
fn late_reply_to_a_timed_out_rpc_is_dropped_with_a_log_line() {
    let mut h = Harness::started();
    h.run(0, |_, ctx| {
        ctx.rpc("n2", json!({"type": "note"}), ms(100), |node, _, r| {
            node.events.push(describe(&r));
        });
    });
    h.tick(100);
    assert_eq!(h.node().events[1..], ["err Timeout"]);
    // The reply comes late, and its type happens to be one `handle` knows.
    let out = h.msg(
        150,
        "n2",
        json!({"type": "note", "text": "late", "in_reply_to": 1, "msg_id": 7}),
    );
    assert!(out.lines.is_empty(), "{:?}", out.lines);
    assert_eq!(h.node().events[1..], ["err Timeout"], "reached handle");
    assert_eq!(out.logs.len(), 1, "{:?}", out.logs);
    assert!(
        out.logs[0].contains("late reply") && out.logs[0].contains("n2"),
        "{:?}",
        out.logs
    );
    // Same for a reply to an RPC that was cancelled, or never sent.
    h.run(200, |_, ctx| {
        let id = ctx.rpc("n3", json!({"type": "note"}), ms(100), |node, _, r| {
            node.events.push(describe(&r));
        });
        ctx.cancel_rpc(id);
    });
    for in_reply_to in [2, 99] {
        let out = h.msg(
            210,
            "n3",
            json!({"type": "note", "text": "stray", "in_reply_to": in_reply_to}),
        );
        assert!(out.lines.is_empty() && out.logs.len() == 1, "{out:?}");
    }
    assert_eq!(h.node().events[1..], ["err Timeout"]);
}

#[test]
fn reply_at_the_deadline_wins_if_it_is_handled_first() {
    let mut h = Harness::started();
    h.run(0, |_, ctx| {
        ctx.rpc("n2", json!({"type": "ask"}), ms(200), |node, _, r| {
            node.events.push(describe(&r));
        });
    });
    h.msg(200, "n2", json!({"type": "ask_ok", "in_reply_to": 1}));
    h.tick(200);
    h.tick(1_000);
    assert_eq!(h.node().events[1..], ["ok ask_ok from n2"]);
}

#[test]
fn cancelled_rpc_never_runs_its_callback_and_leaks_nothing() {
    let mut h = Harness::started();
    h.run(0, |node, ctx| {
        let id = ctx.rpc("n2", json!({"type": "ask"}), ms(100), |node, _, r| {
            node.events
                .push(format!("cancelled rpc ran: {}", describe(&r)));
        });
        ctx.rpc("n3", json!({"type": "ask"}), ms(300), |node, _, r| {
            node.events.push(format!("kept {}", describe(&r)));
        });
        assert_eq!(ctx.outstanding_rpcs(), 2);
        assert!(ctx.cancel_rpc(id));
        assert!(!ctx.cancel_rpc(id));
        assert_eq!(ctx.outstanding_rpcs(), 1);
        node.events.push("cancelled".into());
    });
    // The cancelled RPC's deadline is no longer reported.
    assert_eq!(h.next_deadline(), Some(ms(300)));
    let out = h.msg(50, "n2", json!({"type": "ask_ok", "in_reply_to": 1}));
    assert!(out.lines.is_empty(), "{:?}", out.lines);
    h.tick(100);
    h.tick(300);
    assert_eq!(h.node().events[1..], ["cancelled", "kept err Timeout"]);
    assert_eq!(h.outstanding(), 0);
    assert_eq!(h.next_deadline(), None);
}

#[test]
fn error_reply_becomes_remote_error() {
    let mut h = Harness::started();
    h.run(0, |_, ctx| {
        for _ in 0..4 {
            ctx.rpc("n2", json!({"type": "ask"}), ms(100), |node, _, r| {
                node.events.push(format!("{r:?}"));
            });
        }
    });
    h.msg(
        1,
        "n2",
        json!({"type": "error", "in_reply_to": 1, "code": 22, "text": "from 1 is 2", "extra": [1]}),
    );
    h.msg(
        2,
        "n2",
        json!({"type": "error", "in_reply_to": 2, "code": 1005}),
    );
    h.msg(3, "n2", json!({"type": "error", "in_reply_to": 3}));
    h.msg(
        4,
        "n2",
        json!({"type": "error", "in_reply_to": 4, "code": 11, "msg_id": 9}),
    );
    let events = &h.node().events[1..];
    assert_eq!(
        events[0],
        format!(
            "{:?}",
            Err::<Reply, _>(RpcError::Remote(Error::new(
                ErrorCode::PreconditionFailed,
                "from 1 is 2"
            )))
        )
    );
    assert_eq!(
        events[1],
        format!(
            "{:?}",
            Err::<Reply, _>(RpcError::Remote(Error::new(ErrorCode::Other(1005), "")))
        )
    );
    assert!(events[2].starts_with("Err(Malformed("), "{}", events[2]);
    assert_eq!(
        events[3],
        format!(
            "{:?}",
            Err::<Reply, _>(RpcError::Remote(Error::new(
                ErrorCode::TemporarilyUnavailable,
                ""
            )))
        )
    );
    assert_eq!(h.outstanding(), 0);
}

// ---------------------------------------------------------------------------
// timers
// ---------------------------------------------------------------------------

#[test]
fn after_fires_once_at_its_time() {
    let mut h = Harness::started();
    h.run(50, |_, ctx| {
        ctx.after(ms(250), |node, ctx| {
            node.events.push(format!("after at {:?}", ctx.now()));
            ctx.send("n2", json!({"type": "tick"}));
        });
    });
    assert_eq!(h.next_deadline(), Some(ms(300)));
    assert!(h.tick(299).lines.is_empty());
    assert_eq!(h.node().events.len(), 1);
    let out = h.tick(300);
    assert_eq!(out.only_line()["body"], json!({"type": "tick"}));
    assert_eq!(out.only_line()["src"], "n1");
    h.tick(301);
    h.tick(10_000);
    assert_eq!(h.node().events[1..], ["after at 300ms"]);
    assert_eq!(h.next_deadline(), None);
}

#[test]
fn zero_delay_after_fires_on_the_next_timeout_pass() {
    let mut h = Harness::started();
    h.run(40, |_, ctx| {
        ctx.after(Duration::ZERO, |node, _| node.events.push("now".into()));
    });
    assert_eq!(h.next_deadline(), Some(ms(40)));
    h.tick(40);
    assert_eq!(h.node().events[1..], ["now"]);
}

#[test]
fn zero_delay_timer_rearmed_from_its_callback_fires_once_per_pass() {
    /// Re-arms itself with no delay; the cap only keeps a broken runtime
    /// from spinning forever inside the test.
    fn again(node: &mut Probe, ctx: &mut Ctx<Probe>) {
        node.ticks += 1;
        if node.ticks < 1_000 {
            ctx.after(Duration::ZERO, again);
        }
    }
    let mut h = Harness::started();
    h.run(10, |_, ctx| {
        ctx.after(Duration::ZERO, again);
    });
    h.tick(10);
    assert_eq!(h.node().ticks, 1, "a pass must end");
    assert_eq!(h.next_deadline(), Some(ms(10)));
    h.tick(10);
    assert_eq!(h.node().ticks, 2);
    h.tick(11);
    assert_eq!(h.node().ticks, 3);
}

#[test]
fn zero_timeout_rpc_sent_during_a_pass_times_out_in_the_next_pass() {
    let mut h = Harness::started();
    h.run(0, |_, ctx| {
        ctx.after(ms(5), |_, ctx| {
            ctx.rpc(
                "n2",
                json!({"type": "ask"}),
                Duration::ZERO,
                |node, ctx, r| {
                    node.events
                        .push(format!("{} at {:?}", describe(&r), ctx.now()));
                },
            );
        });
    });
    let out = h.tick(5);
    assert_eq!(out.only_line()["body"]["type"], "ask");
    assert_eq!(h.outstanding(), 1);
    assert_eq!(h.next_deadline(), Some(ms(5)));
    h.tick(5);
    assert_eq!(h.node().events[1..], ["err Timeout at 5ms"]);
}

#[test]
fn huge_delays_and_timeouts_mean_never() {
    let mut h = Harness::started();
    h.run(100, |node, ctx| {
        ctx.after(Duration::MAX, |node, _| node.events.push("after".into()));
        node.timer = Some(ctx.every(Duration::MAX, |node, _| node.ticks += 1));
        ctx.rpc("n2", json!({"type": "ask"}), Duration::MAX, |node, _, r| {
            node.events.push(describe(&r));
        });
        let kv = Kv::seq().with_timeout(Duration::MAX);
        kv.read(ctx, "k", |node, _, r: Result<i64, KvError>| {
            kv_event(node, r)
        });
    });
    assert_eq!(h.next_deadline(), Some(Duration::MAX));
    h.tick(u64::MAX);
    assert_eq!(h.node().events.len(), 1, "{:?}", h.node().events);
    assert_eq!(h.node().ticks, 0);
    assert_eq!(h.outstanding(), 2);
    // The RPC still completes normally.
    h.msg(200, "n2", json!({"type": "ask_ok", "in_reply_to": 1}));
    assert_eq!(h.node().events[1..], ["ok ask_ok from n2"]);
    assert_eq!(h.outstanding(), 1);
}

#[test]
fn every_fires_at_each_period() {
    let mut h = Harness::started();
    h.run(0, |node, ctx| {
        node.timer = Some(ctx.every(ms(100), |node, ctx| {
            node.ticks += 1;
            node.events.push(format!("{:?}", ctx.now()));
        }));
    });
    // Step through one second in 10 ms increments.
    for t in (0..=1_000).step_by(10) {
        h.tick(t);
    }
    assert_eq!(h.node().ticks, 10);
    let expected: Vec<String> = (1..=10).map(|i| format!("{:?}", ms(i * 100))).collect();
    assert_eq!(h.node().events[1..], expected);
    assert_eq!(h.next_deadline(), Some(ms(1_100)));

    // A jump of one second fires one tick, at the current time: the missed
    // ones are skipped, not bunched, and the schedule does not drift.
    h.tick(2_050);
    assert_eq!(h.node().ticks, 11);
    assert_eq!(h.node().events.last().map(String::as_str), Some("2.05s"));
    assert_eq!(h.next_deadline(), Some(ms(2_100)));
    // Ticking the same instant twice fires nothing more.
    h.tick(2_050);
    assert_eq!(h.node().ticks, 11);
    h.tick(2_100);
    assert_eq!(h.node().ticks, 12);
    assert_eq!(h.next_deadline(), Some(ms(2_200)));
}

#[test]
fn periodic_timer_can_cancel_itself() {
    let mut h = Harness::started();
    h.run(0, |node, ctx| {
        node.timer = Some(ctx.every(ms(50), |node, ctx| {
            node.ticks += 1;
            if node.ticks == 3 {
                let id = node.timer.expect("timer id stored");
                let cancelled = ctx.cancel_timer(id);
                node.events.push(format!("self-cancel {cancelled}"));
            }
        }));
    });
    for t in (0..=1_000).step_by(25) {
        h.tick(t);
    }
    assert_eq!(h.node().ticks, 3);
    assert_eq!(h.node().events[1..], ["self-cancel true"]);
    assert_eq!(h.next_deadline(), None);
    h.run(1_001, |node, ctx| {
        let id = node.timer.expect("timer id stored");
        node.events
            .push(format!("cancel again {}", ctx.cancel_timer(id)));
    });
    assert_eq!(
        h.node().events.last().map(String::as_str),
        Some("cancel again false")
    );
}

#[test]
fn cancel_timer_stops_timers() {
    let mut h = Harness::started();
    h.run(0, |node, ctx| {
        node.timer = Some(ctx.every(ms(100), |node, _| node.ticks += 1));
        let once = ctx.after(ms(150), |node, _| node.events.push("once ran".into()));
        assert!(ctx.cancel_timer(once));
        assert!(!ctx.cancel_timer(once));
    });
    for t in (0..=350).step_by(50) {
        h.tick(t);
    }
    assert_eq!(h.node().ticks, 3);
    h.run(360, |node, ctx| {
        let id = node.timer.expect("timer id stored");
        assert!(ctx.cancel_timer(id));
    });
    assert_eq!(h.next_deadline(), None);
    h.tick(10_000);
    assert_eq!(h.node().ticks, 3);
    assert!(!h.node().events.iter().any(|e| e == "once ran"));
}

#[test]
fn next_deadline_reports_the_earliest_live_deadline() {
    let mut h = Harness::started();
    assert_eq!(h.next_deadline(), None);
    h.run(0, |node, ctx| {
        ctx.after(ms(300), |node, _| node.events.push("after".into()));
        node.timer = Some(ctx.every(ms(200), |node, _| node.ticks += 1));
        ctx.rpc("n2", json!({"type": "ask"}), ms(250), |node, _, r| {
            node.events.push(describe(&r));
        });
    });
    assert_eq!(h.next_deadline(), Some(ms(200)));
    h.tick(200);
    assert_eq!(h.node().ticks, 1);
    assert_eq!(h.next_deadline(), Some(ms(250)));
    h.msg(220, "n2", json!({"type": "ask_ok", "in_reply_to": 1}));
    assert_eq!(h.next_deadline(), Some(ms(300)));
    h.tick(300);
    assert_eq!(h.next_deadline(), Some(ms(400)));
    h.run(310, |node, ctx| {
        let id = node.timer.expect("timer id stored");
        ctx.cancel_timer(id);
    });
    assert_eq!(h.next_deadline(), None);
    assert_eq!(h.node().events[1..], ["ok ask_ok from n2", "after"]);
}

/// Arms at 0: timer `a` at 30 ms, an RPC timing out at 20 ms, and timer `b`
/// at 10 ms which arms `c` 5 ms after it fires.
fn armed_timers_and_rpc() -> Harness {
    let mut h = Harness::started();
    h.run(0, |_, ctx| {
        ctx.after(ms(30), |node, ctx| {
            node.events.push(format!("a {:?}", ctx.now()))
        });
        ctx.rpc("n2", json!({"type": "ask"}), ms(20), |node, ctx, _| {
            node.events.push(format!("rpc {:?}", ctx.now()));
        });
        ctx.after(ms(10), |node, ctx| {
            node.events.push(format!("b {:?}", ctx.now()));
            ctx.after(ms(5), |node, ctx| {
                node.events.push(format!("c {:?}", ctx.now()))
            });
        });
    });
    h
}

#[test]
fn timers_and_rpcs_interleave_in_deadline_order() {
    let mut h = armed_timers_and_rpc();
    // On time, each fires at its deadline.
    h.tick(10);
    h.tick(15);
    h.tick(20);
    h.tick(30);
    assert_eq!(
        h.node().events[1..],
        ["b 10ms", "c 15ms", "rpc 20ms", "a 30ms"]
    );
}

#[test]
fn a_late_pass_fires_what_was_due_in_deadline_order_at_the_current_time() {
    let mut h = armed_timers_and_rpc();
    // `c` is armed during the pass at 100 ms, so it is due at 105 ms.
    h.tick(100);
    assert_eq!(h.node().events[1..], ["b 100ms", "rpc 100ms", "a 100ms"]);
    assert_eq!(h.next_deadline(), Some(ms(105)));
    h.tick(105);
    assert_eq!(h.node().events.last().map(String::as_str), Some("c 105ms"));
}

// ---------------------------------------------------------------------------
// KV client
// ---------------------------------------------------------------------------

fn kv_event<T: std::fmt::Debug>(node: &mut Probe, r: Result<T, KvError>) {
    node.events.push(format!("{r:?}"));
}

#[test]
fn kv_read_decodes_the_value() {
    let mut h = Harness::started();
    let out = h.run(0, |_, ctx| {
        Kv::seq().read(ctx, "counter", |node, _, r: Result<i64, KvError>| {
            kv_event(node, r)
        });
        Kv::lin().read(ctx, 7, |node, _, r: Result<Vec<u32>, KvError>| {
            kv_event(node, r)
        });
        Kv::lww().read(ctx, "k", |node, _, r: Result<i64, KvError>| {
            kv_event(node, r)
        });
    });
    let sent: Vec<(&Value, &Value)> = out.lines.iter().map(|l| (&l["dest"], &l["body"])).collect();
    assert_eq!(
        sent,
        [
            (
                &json!("seq-kv"),
                &json!({"type": "read", "key": "counter", "msg_id": 1})
            ),
            (
                &json!("lin-kv"),
                &json!({"type": "read", "key": 7, "msg_id": 2})
            ),
            (
                &json!("lww-kv"),
                &json!({"type": "read", "key": "k", "msg_id": 3})
            ),
        ]
    );
    h.msg(
        1,
        "seq-kv",
        json!({"type": "read_ok", "value": 42, "in_reply_to": 1}),
    );
    h.msg(
        2,
        "lin-kv",
        json!({"type": "read_ok", "value": [1, 2], "in_reply_to": 2}),
    );
    // A value of the wrong type is a malformed reply, not a panic.
    h.msg(
        3,
        "lww-kv",
        json!({"type": "read_ok", "value": "x", "in_reply_to": 3}),
    );
    let events = &h.node().events[1..];
    assert_eq!(events[..2], ["Ok(42)", "Ok([1, 2])"]);
    assert!(events[2].starts_with("Err(Malformed("), "{}", events[2]);
    assert_eq!(h.outstanding(), 0);
}

#[test]
fn kv_errors_map_to_typed_variants() {
    let mut h = Harness::started();
    let kv = Kv::seq();
    h.run(0, move |_, ctx| {
        kv.read(ctx, "a", |node, _, r: Result<i64, KvError>| {
            kv_event(node, r)
        });
        kv.cas(ctx, "a", 1, 2, IfMissing::Fail, |node, _, r| {
            kv_event(node, r)
        });
        kv.write(ctx, "a", 3, |node, _, r| kv_event(node, r));
        kv.read(ctx, "a", |node, _, r: Result<i64, KvError>| {
            kv_event(node, r)
        });
    });
    h.msg(
        1,
        "seq-kv",
        json!({"type": "error", "in_reply_to": 1, "code": 20, "text": "key does not exist"}),
    );
    h.msg(
        1,
        "seq-kv",
        json!({"type": "error", "in_reply_to": 2, "code": 22, "text": "current value 5 is not 1"}),
    );
    h.msg(
        1,
        "seq-kv",
        json!({"type": "error", "in_reply_to": 3, "code": 11, "text": "busy"}),
    );
    // A reply of the wrong kind.
    h.msg(1, "seq-kv", json!({"type": "write_ok", "in_reply_to": 4}));
    let events = &h.node().events[1..];
    assert_eq!(
        events[0],
        format!("{:?}", Err::<i64, _>(KvError::KeyDoesNotExist))
    );
    assert_eq!(
        events[1],
        format!(
            "{:?}",
            Err::<(), _>(KvError::PreconditionFailed(
                "current value 5 is not 1".into()
            ))
        )
    );
    assert_eq!(
        events[2],
        format!(
            "{:?}",
            Err::<(), _>(KvError::Other(Error::new(
                ErrorCode::TemporarilyUnavailable,
                "busy"
            )))
        )
    );
    assert!(events[3].starts_with("Err(Malformed("), "{}", events[3]);
}

#[test]
fn kv_write_and_cas_acknowledge() {
    let mut h = Harness::started();
    let out = h.run(0, |_, ctx| {
        Kv::lin().write(ctx, "k", json!({"v": [1]}), |node, _, r| kv_event(node, r));
        Kv::lin().cas(ctx, "k", 1, 2, IfMissing::Create, |node, _, r| {
            kv_event(node, r)
        });
        Kv::lin().cas(ctx, "k", 2, 3, IfMissing::Fail, |node, _, r| {
            kv_event(node, r)
        });
    });
    let bodies: Vec<&Value> = out.lines.iter().map(|l| &l["body"]).collect();
    assert_eq!(
        bodies,
        [
            &json!({"type": "write", "key": "k", "value": {"v": [1]}, "msg_id": 1}),
            &json!({"type": "cas", "key": "k", "from": 1, "to": 2, "create_if_not_exists": true, "msg_id": 2}),
            &json!({"type": "cas", "key": "k", "from": 2, "to": 3, "msg_id": 3}),
        ]
    );
    h.msg(1, "lin-kv", json!({"type": "write_ok", "in_reply_to": 1}));
    h.msg(1, "lin-kv", json!({"type": "cas_ok", "in_reply_to": 2}));
    h.msg(1, "lin-kv", json!({"type": "cas_ok", "in_reply_to": 3}));
    assert_eq!(h.node().events[1..], ["Ok(())", "Ok(())", "Ok(())"]);
}

#[test]
fn kv_timeout_uses_the_configured_timeout() {
    let mut h = Harness::started();
    h.run(0, |_, ctx| {
        Kv::seq()
            .with_timeout(ms(300))
            .read(ctx, "a", |node, ctx, r: Result<i64, KvError>| {
                node.events.push(format!("{r:?} at {:?}", ctx.now()));
            });
        // The default is one second.
        Kv::seq().write(ctx, "a", 1, |node, ctx, r| {
            node.events.push(format!("{r:?} at {:?}", ctx.now()));
        });
    });
    assert_eq!(Kv::seq().service(), "seq-kv");
    assert_eq!(h.next_deadline(), Some(ms(300)));
    h.tick(299);
    assert_eq!(h.node().events.len(), 1);
    h.tick(300);
    h.tick(1_000);
    assert_eq!(
        h.node().events[1..],
        ["Err(Timeout) at 300ms", "Err(Timeout) at 1s"]
    );
    // Late answers from the service are dropped quietly.
    let out = h.msg(
        1_500,
        "seq-kv",
        json!({"type": "read_ok", "in_reply_to": 1, "value": 1}),
    );
    assert!(out.lines.is_empty());
    assert_eq!(h.node().events.len(), 3);
    assert_eq!(h.outstanding(), 0);
}

// ---------------------------------------------------------------------------
// misc
// ---------------------------------------------------------------------------

#[test]
fn random_numbers_are_reproducible_per_seed() {
    let draw = |seed: u64| {
        let mut rt = Runtime::new(Probe::default(), seed);
        rt.handle_line(
            r#"{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1"]}}"#,
            ms(0),
        );
        let actions = Rc::clone(&rt.node().actions);
        actions
            .borrow_mut()
            .push_back(Box::new(|node: &mut Probe, ctx: &mut Ctx<Probe>| {
                for _ in 0..4 {
                    let n = ctx.random_u64();
                    node.events.push(n.to_string());
                }
            }));
        rt.handle_line(r#"{"src":"c1","dest":"n1","body":{"type":"go"}}"#, ms(1));
        let events = rt.node().events[1..].to_vec();
        events
    };
    assert_eq!(draw(3), draw(3));
    assert_ne!(draw(3), draw(4));
    let values = draw(3);
    let mut unique = values.clone();
    unique.dedup();
    assert_eq!(unique.len(), values.len());
}

#[test]
fn from_client_recognises_client_ids() {
    let req = |src: &str| Request {
        src: src.to_string(),
        msg_id: None,
        body: (),
    };
    assert!(req("c12").from_client());
    assert!(!req("n0").from_client());
    assert!(!req("seq-kv").from_client());
}

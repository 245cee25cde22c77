//! Property tests: arbitrary strings, arbitrary JSON values and envelopes
//! wrapping arbitrary bodies are fed to an initialised [`Runtime`]. It must
//! never panic, every output line must stay a valid Maelstrom message, and
//! exactly the messages that expect an answer get one.

use glomers_node::protocol::parse_line;
use glomers_node::{Ctx, Error, ErrorCode, Node, Output, Request, Runtime};
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use serde::Deserialize;
use serde_json::{json, Map, Number, Value};
use std::time::Duration;

/// A node that answers every request it understands, fails on `fail`, and
/// keeps a few RPCs and a timer in flight whose callbacks only record.
#[derive(Default)]
struct Prop {
    callbacks: u32,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Msg {
    Echo {
        echo: Value,
    },
    Add {
        // Only its type matters: a non-integer delta is a malformed `add`.
        #[allow(dead_code)]
        delta: i64,
    },
    Fail {
        code: i64,
    },
}

impl Node for Prop {
    type Msg = Msg;

    fn on_init(&mut self, ctx: &mut Ctx<Self>) {
        for timeout in [50, 500, 5_000] {
            ctx.rpc(
                "n2",
                json!({"type": "ask"}),
                Duration::from_millis(timeout),
                |node, _, _| node.callbacks += 1,
            );
        }
        ctx.every(Duration::from_millis(30), |node, _| node.callbacks += 1);
    }

    fn handle(&mut self, ctx: &mut Ctx<Self>, req: Request<Msg>) -> Result<(), Error> {
        match &req.body {
            // A well-behaved node answers only requests that carry a msg_id.
            Msg::Echo { echo } if req.msg_id.is_some() => {
                let echo = echo.clone();
                ctx.reply(&req, json!({"type": "echo_ok", "echo": echo}));
            }
            Msg::Add { .. } if req.msg_id.is_some() => ctx.reply(&req, json!({"type": "add_ok"})),
            Msg::Echo { .. } | Msg::Add { .. } => {}
            Msg::Fail { code } => return Err(Error::new(ErrorCode::from_code(*code), "asked to")),
        }
        Ok(())
    }
}

#[derive(Debug, Clone)]
enum Input {
    /// Any text at all.
    Raw(String),
    /// Any JSON value, serialised.
    Json(Value),
    /// An envelope-shaped object around a (mostly) arbitrary body.
    Envelope(Value),
    /// Time passes; timers and timeouts fire.
    Tick(u64),
}

fn arb_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number)),
        (0u64..6).prop_map(Value::from),
    ]
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        arb_number(),
        any::<String>().prop_map(Value::String),
        "[a-z_]{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            btree_map(prop_oneof!["[a-z_]{0,8}", any::<String>()], inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A value for a reserved or well-known body field: usually well-typed,
/// sometimes anything.
fn field(typed: impl Strategy<Value = Value> + 'static) -> BoxedStrategy<Option<Value>> {
    prop_oneof![
        3 => typed.prop_map(Some),
        1 => arb_json().prop_map(Some),
        2 => Just(None),
    ]
    .boxed()
}

fn arb_body() -> impl Strategy<Value = Value> {
    let kind = prop_oneof![
        4 => prop::sample::select(vec![
            "echo", "add", "fail", "init", "error", "echo_ok", "ask_ok", "", "frobnicate",
        ])
        .prop_map(Value::from),
        1 => arb_json(),
    ];
    (
        btree_map("[a-z_]{1,8}", arb_json(), 0..4),
        field(kind),
        field((0u64..6).prop_map(Value::from)),
        field((0u64..6).prop_map(Value::from)),
        field(arb_json()),
        field(arb_number()),
        field(arb_number()),
        field(prop::sample::select(vec!["n1", "n2", ""]).prop_map(Value::from)),
        field(vec("[a-z0-9]{0,3}".prop_map(Value::from), 0..3).prop_map(Value::Array)),
    )
        .prop_map(
            |(extra, kind, msg_id, in_reply_to, echo, delta, code, node_id, node_ids)| {
                let mut body: Map<String, Value> = extra.into_iter().collect();
                for (key, value) in [
                    ("type", kind),
                    ("msg_id", msg_id),
                    ("in_reply_to", in_reply_to),
                    ("echo", echo),
                    ("delta", delta),
                    ("code", code),
                    ("node_id", node_id),
                    ("node_ids", node_ids),
                ] {
                    if let Some(value) = value {
                        body.insert(key.to_string(), value);
                    }
                }
                Value::Object(body)
            },
        )
}

fn arb_envelope() -> impl Strategy<Value = Value> {
    let id = prop_oneof![
        4 => prop::sample::select(vec!["c1", "c2", "n2", "n3", "seq-kv", "n1"]).prop_map(Value::from),
        1 => any::<String>().prop_map(Value::String),
        1 => arb_json(),
    ];
    (
        id.clone(),
        id,
        prop_oneof![8 => arb_body(), 1 => arb_json()],
        field(arb_number()),
    )
        .prop_map(|(src, dest, body, net_id)| {
            let mut env = Map::new();
            env.insert("src".into(), src);
            env.insert("dest".into(), dest);
            env.insert("body".into(), body);
            if let Some(id) = net_id {
                env.insert("id".into(), id);
            }
            Value::Object(env)
        })
}

fn arb_input() -> impl Strategy<Value = Input> {
    prop_oneof![
        1 => any::<String>().prop_map(Input::Raw),
        1 => "[{}\\[\\]\":,a-z0-9 ]{0,40}".prop_map(Input::Raw),
        // A valid line cut short.
        1 => (arb_envelope(), any::<prop::sample::Index>()).prop_map(|(env, cut)| {
            let line = env.to_string();
            let chars: Vec<char> = line.chars().collect();
            Input::Raw(chars[..cut.index(chars.len() + 1)].iter().collect())
        }),
        1 => arb_json().prop_map(Input::Json),
        10 => arb_envelope().prop_map(Input::Envelope),
        1 => (0u64..200).prop_map(Input::Tick),
    ]
}

/// Checks the shape of one output line and returns it parsed.
fn check_line(line: &str) -> Result<Value, TestCaseError> {
    prop_assert!(!line.contains('\n'), "multi-line output {:?}", line);
    let value: Value = serde_json::from_str(line)
        .map_err(|e| TestCaseError::fail(format!("output {line:?} is not JSON: {e}")))?;
    let obj = value
        .as_object()
        .ok_or_else(|| TestCaseError::fail(format!("output {line} is not an object")))?;
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    prop_assert_eq!(keys, ["body", "dest", "src"]);
    prop_assert!(
        obj["src"].is_string() && obj["dest"].is_string(),
        "{}",
        line
    );
    let body = obj["body"]
        .as_object()
        .ok_or_else(|| TestCaseError::fail(format!("body of {line} is not an object")))?;
    prop_assert!(body.get("type").is_some_and(Value::is_string), "{}", line);
    for key in ["msg_id", "in_reply_to"] {
        if let Some(v) = body.get(key) {
            prop_assert!(v.is_u64(), "{} is not a u64 in {}", key, line);
        }
    }
    Ok(value)
}

/// Whether an initialised [`Prop`] must answer `env` (with exactly one line
/// to its sender, `in_reply_to` its `msg_id`). A reply to a waiting RPC goes
/// to the callback. `init` is answered by the runtime (`init_ok`, or an error
/// when malformed). Any other reply (`in_reply_to` set) no RPC waits for is
/// dropped. Other messages reach the node when they decode, and the node
/// answers those with a `msg_id`. Everything else, and a failing handler,
/// gets an error reply, but only for a request: never for an `error`, and
/// never without a `msg_id`.
fn expects_answer(env: &glomers_node::Envelope, routed_to_rpc: bool) -> bool {
    let body = &env.body;
    let has_msg_id = body.msg_id.is_some();
    let is_reply = body.in_reply_to.is_some() || body.kind() == "error";
    if routed_to_rpc {
        return false;
    }
    if body.kind() == "init" {
        let valid = body.decode::<glomers_node::protocol::Init>().is_ok();
        return has_msg_id && (valid || body.in_reply_to.is_none());
    }
    if body.in_reply_to.is_some() {
        return false;
    }
    match body.decode::<Msg>() {
        Ok(Msg::Echo { .. } | Msg::Add { .. }) => has_msg_id,
        Ok(Msg::Fail { .. }) | Err(_) => has_msg_id && !is_reply,
    }
}

fn started() -> Result<Runtime<Prop>, TestCaseError> {
    let mut rt = Runtime::new(Prop::default(), 1);
    rt.handle_line(
        r#"{"id":0,"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1","n2","n3"]}}"#,
        Duration::ZERO,
    );
    let lines: Vec<Output> = rt.drain_output().collect();
    prop_assert_eq!(lines.len(), 4, "init_ok and three RPCs: {:?}", lines);
    for output in lines {
        if let Output::Line(line) = output {
            check_line(&line)?;
        }
    }
    Ok(rt)
}

fn drain(rt: &mut Runtime<Prop>) -> Result<(Vec<Value>, Vec<String>), TestCaseError> {
    let mut lines = Vec::new();
    let mut logs = Vec::new();
    for output in rt.drain_output().collect::<Vec<_>>() {
        match output {
            Output::Line(line) => lines.push(check_line(&line)?),
            Output::Log(text) => logs.push(text),
        }
    }
    Ok((lines, logs))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_input_never_breaks_the_output(inputs in vec(arb_input(), 1..24)) {
        let mut rt = started()?;
        let mut now = 0u64;
        for input in inputs {
            now += 1;
            let line = match input {
                Input::Tick(dt) => {
                    now += dt;
                    rt.handle_timeouts(Duration::from_millis(now));
                    let (lines, _) = drain(&mut rt)?;
                    prop_assert!(lines.is_empty(), "timers only record: {:?}", lines);
                    continue;
                }
                Input::Raw(line) => line,
                Input::Json(value) | Input::Envelope(value) => value.to_string(),
            };
            let waiting = rt.ctx().outstanding_rpcs();
            rt.handle_line(&line, Duration::from_millis(now));
            let routed_to_rpc = rt.ctx().outstanding_rpcs() < waiting;
            let (lines, logs) = drain(&mut rt)?;
            for out in &lines {
                prop_assert_eq!(&out["src"], "n1", "after init every line is from n1");
            }
            if line.trim().is_empty() {
                prop_assert!(lines.is_empty() && logs.is_empty());
                continue;
            }
            match parse_line(&line) {
                Err(_) => {
                    prop_assert!(lines.is_empty(), "unparseable {:?} answered", line);
                    prop_assert!(
                        logs.iter().any(|l| l.contains(line.as_str())),
                        "unparseable {:?} not logged: {:?}", line, logs
                    );
                }
                Ok(env) => {
                    if expects_answer(&env, routed_to_rpc) {
                        prop_assert_eq!(lines.len(), 1, "{} got {:?}", line, lines);
                        prop_assert_eq!(&lines[0]["dest"], env.src.as_str());
                        prop_assert_eq!(
                            lines[0]["body"]["in_reply_to"].as_u64(),
                            env.body.msg_id
                        );
                    } else {
                        prop_assert!(lines.is_empty(), "{} expects no answer, got {:?}", line, lines);
                    }
                }
            }
        }
        // Every RPC is settled eventually, once.
        rt.handle_timeouts(Duration::from_millis(now + 10_000));
        drain(&mut rt)?;
        prop_assert_eq!(rt.ctx().outstanding_rpcs(), 0);
        prop_assert!(rt.node().callbacks >= 3);
    }

    #[test]
    fn arbitrary_input_before_init_never_breaks_the_output(inputs in vec(arb_input(), 1..12)) {
        let mut rt = Runtime::new(Prop::default(), 2);
        for (t, input) in inputs.into_iter().enumerate() {
            let now = Duration::from_millis(t as u64);
            match input {
                Input::Tick(_) => rt.handle_timeouts(now),
                Input::Raw(line) => rt.handle_line(&line, now),
                Input::Json(value) | Input::Envelope(value) => rt.handle_line(&value.to_string(), now),
            }
            drain(&mut rt)?;
        }
    }
}

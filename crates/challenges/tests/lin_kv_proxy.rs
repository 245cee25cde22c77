//! The `lin-kv-proxy` baseline driven by hand: each request goes to the
//! `lin-kv` service and its answer, error codes included, comes back to the
//! client; a service that never answers gets the indefinite error 0 before
//! the client's own 1 s timeout.

mod common;

use common::{init, lines, MS};
use glomers_challenges::lin_kv_proxy::LinKvProxy;
use glomers_node::Runtime;
use serde_json::{json, Value};

/// Sends a client request; returns the request the proxy made of it.
fn ask(rt: &mut Runtime<LinKvProxy>, body: Value) -> Value {
    let line = json!({"src": "c1", "dest": "n0", "body": body});
    rt.handle_line(&line.to_string(), MS);
    let out = lines(rt);
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0]["dest"], "lin-kv");
    out[0].clone()
}

/// Answers the proxy's service request with `body`; returns what the
/// client got.
fn answer(rt: &mut Runtime<LinKvProxy>, request: &Value, mut body: Value) -> Value {
    body["in_reply_to"] = request["body"]["msg_id"].clone();
    let line = json!({"src": "lin-kv", "dest": "n0", "body": body});
    rt.handle_line(&line.to_string(), MS * 2);
    let out = lines(rt);
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0]["dest"], "c1");
    out[0]["body"].clone()
}

#[test]
fn requests_and_answers_are_relayed() {
    let mut rt = Runtime::new(LinKvProxy::default(), 1);
    init(&mut rt, "n0", &["n0".to_string()]);
    let req = ask(
        &mut rt,
        json!({"type": "cas", "msg_id": 5, "key": 1, "from": 2, "to": 3}),
    );
    assert_eq!(req["body"]["type"], "cas");
    assert_eq!(
        (req["body"]["from"].clone(), req["body"]["to"].clone()),
        (json!(2), json!(3))
    );
    let got = answer(
        &mut rt,
        &req,
        json!({"type": "error", "code": 22, "text": "no"}),
    );
    assert_eq!(
        (got["in_reply_to"].clone(), got["code"].clone()),
        (json!(5), json!(22))
    );

    let req = ask(&mut rt, json!({"type": "read", "msg_id": 6, "key": 1}));
    let got = answer(&mut rt, &req, json!({"type": "read_ok", "value": 4}));
    assert_eq!(
        (got["type"].clone(), got["value"].clone()),
        (json!("read_ok"), json!(4))
    );
    let req = ask(&mut rt, json!({"type": "read", "msg_id": 7, "key": 9}));
    let got = answer(&mut rt, &req, json!({"type": "error", "code": 20}));
    assert_eq!(got["code"], 20);

    let req = ask(
        &mut rt,
        json!({"type": "write", "msg_id": 8, "key": 1, "value": 0}),
    );
    assert_eq!(
        answer(&mut rt, &req, json!({"type": "write_ok"}))["type"],
        "write_ok"
    );
}

#[test]
fn a_silent_service_gets_an_indefinite_error_in_time() {
    let mut rt = Runtime::new(LinKvProxy::default(), 1);
    init(&mut rt, "n0", &["n0".to_string()]);
    ask(
        &mut rt,
        json!({"type": "write", "msg_id": 5, "key": 1, "value": 0}),
    );
    rt.handle_timeouts(MS * 700);
    assert!(lines(&mut rt).is_empty());
    rt.handle_timeouts(MS * 702);
    let out = lines(&mut rt);
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0]["body"]["code"], 0);
}

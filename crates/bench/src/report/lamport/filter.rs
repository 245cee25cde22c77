//! Which messages a focused diagram shows (`glomers explain`, the run
//! page's "why was 42 lost?"): those that carried a value and the replies
//! to them, those to or from a node, of a type, or within a time window.
//! Every given criterion must hold. A message is kept whole: once chosen,
//! its send and its receive are both drawn, even when one of them falls
//! outside the window.

use crate::net::journal::{EventKind, JournalEvent, NetMessage};
use glomers_check::exact::cmp_values;
use serde_json::Value;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

/// The criteria; the default keeps every message.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    /// A JSON value (numbers compared exactly) found anywhere in a body.
    pub value: Option<Value>,
    /// A participant, as sender or receiver.
    pub node: Option<String>,
    /// A body `type`; `read` also matches `read_ok`.
    pub kind: Option<String>,
    /// Only events in `[from, to]`, nanoseconds since the test started.
    pub from: Option<u64>,
    pub to: Option<u64>,
}

impl Filter {
    /// Parses a value as the user typed it: JSON if it is JSON, else a string.
    pub fn parse_value(text: &str) -> Value {
        serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
    }

    /// The criteria as a user gives them (`glomers explain`'s flags, the
    /// run page's form): times in seconds; a bad time is an error.
    pub fn from_parts(
        value: Option<&str>,
        node: Option<&str>,
        kind: Option<&str>,
        from_s: Option<f64>,
        to_s: Option<f64>,
    ) -> Result<Self, String> {
        for (name, t) in [("from", from_s), ("to", to_s)] {
            if t.is_some_and(|t| !t.is_finite() || t < 0.0) {
                return Err(format!("--{name} must be a number of seconds ≥ 0"));
            }
        }
        if let (Some(from), Some(to)) = (from_s, to_s) {
            if from > to {
                return Err(format!("--from {from} is after --to {to}"));
            }
        }
        fn nonempty(s: Option<&str>) -> Option<&str> {
            s.map(str::trim).filter(|s| !s.is_empty())
        }
        Ok(Self {
            value: nonempty(value).map(Self::parse_value),
            node: nonempty(node).map(str::to_string),
            kind: nonempty(kind).map(str::to_string),
            from: from_s.map(|s| (s * 1e9) as u64),
            to: to_s.map(|s| (s * 1e9) as u64),
        })
    }

    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// A short description for titles and file names, e.g. `value 42, node n3`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(v) = &self.value {
            parts.push(format!("value {v}"));
        }
        if let Some(n) = &self.node {
            parts.push(format!("node {n}"));
        }
        if let Some(k) = &self.kind {
            parts.push(format!("type {k}"));
        }
        match (self.from, self.to) {
            (None, None) => {}
            (from, to) => parts.push(format!(
                "{} s to {} s",
                from.map_or("start".into(), seconds),
                to.map_or("end".into(), seconds)
            )),
        }
        if parts.is_empty() {
            "all messages".into()
        } else {
            parts.join(", ")
        }
    }

    /// The chosen events, in journal order. Reads the whole journal, keeping
    /// only chosen events and sends still in flight.
    pub fn select(&self, events: impl IntoIterator<Item = JournalEvent>) -> Vec<JournalEvent> {
        let mut chosen: HashSet<u64> = HashSet::new();
        // Sends not yet received, in case their receive is chosen later.
        let mut in_flight: HashMap<u64, (usize, JournalEvent)> = HashMap::new();
        // Messages that carried the value, by (sender, msg_id): their replies count too.
        let mut carriers: HashSet<(String, String, String)> = HashSet::new();
        let mut out: Vec<(usize, JournalEvent)> = Vec::new();
        for (seq, event) in events.into_iter().enumerate() {
            let id = event.message.id;
            let is_recv = event.kind == EventKind::Recv;
            if chosen.contains(&id) {
                out.push((seq, event));
                continue;
            }
            let matches = self.matches_message(&event.message, &mut carriers);
            let in_window = self.from.is_none_or(|f| event.time >= f)
                && self.to.is_none_or(|t| event.time <= t);
            match event.kind {
                EventKind::Send if matches && in_window => {
                    chosen.insert(id);
                    out.push((seq, event));
                }
                EventKind::Send if matches => {
                    in_flight.insert(id, (seq, event));
                }
                EventKind::Recv if matches && in_window => {
                    chosen.insert(id);
                    if let Some(send) = in_flight.remove(&id) {
                        out.push(send);
                    }
                    out.push((seq, event));
                }
                _ => {}
            }
            if is_recv {
                in_flight.remove(&id);
            }
        }
        out.sort_by_key(|(seq, _)| *seq);
        out.into_iter().map(|(_, e)| e).collect()
    }

    /// Whether a message meets the value, node and type criteria; records
    /// the carriers of the value so their replies match too.
    fn matches_message(
        &self,
        m: &NetMessage,
        carriers: &mut HashSet<(String, String, String)>,
    ) -> bool {
        if let Some(node) = &self.node {
            if m.src != *node && m.dest != *node {
                return false;
            }
        }
        let body = m.body_map();
        if let Some(kind) = &self.kind {
            let t = body.get("type").and_then(Value::as_str).unwrap_or("");
            if t != kind && t.strip_suffix("_ok") != Some(kind.as_str()) {
                return false;
            }
        }
        let Some(value) = &self.value else {
            return true;
        };
        let key = |node: &str, peer: &str, id: Option<&Value>| {
            id.map(|id| (node.to_string(), peer.to_string(), id.to_string()))
        };
        let is_reply =
            key(&m.dest, &m.src, body.get("in_reply_to")).is_some_and(|k| carriers.contains(&k));
        let carries = body_contains(&body, value);
        if carries {
            if let Some(k) = key(&m.src, &m.dest, body.get("msg_id")) {
                carriers.insert(k);
            }
        }
        carries || is_reply
    }
}

/// Whether a message body carries `needle` in its payload (the protocol's
/// own fields, `type`, `msg_id` and `in_reply_to`, do not count).
pub fn body_contains(body: &serde_json::Map<String, Value>, needle: &Value) -> bool {
    body.iter()
        .filter(|(k, _)| !matches!(k.as_str(), "type" | "msg_id" | "in_reply_to"))
        .any(|(_, v)| contains(v, needle))
}

/// Whether `needle` occurs in `hay`: equal to it, or inside an array or an
/// object (as a value, or as a key when the needle is a string or number).
pub fn contains(hay: &Value, needle: &Value) -> bool {
    let equal = |v: &Value| match (v, needle) {
        (Value::Number(_), Value::Number(_)) => cmp_values(v, needle) == Ordering::Equal,
        _ => v == needle,
    };
    match hay {
        Value::Array(items) => items.iter().any(|v| contains(v, needle)),
        Value::Object(map) => map.iter().any(|(k, v)| {
            let key_matches = match needle {
                Value::String(s) => k == s,
                Value::Number(n) => *k == n.to_string(),
                _ => false,
            };
            key_matches || contains(v, needle)
        }),
        v => equal(v),
    }
}

/// Nanoseconds as seconds with milliseconds, e.g. `4.213`.
pub fn seconds(ns: u64) -> String {
    format!("{:.3}", ns as f64 / 1e9)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::journal::raw_body;
    use serde_json::json;
    use std::rc::Rc;

    fn event(
        time: u64,
        kind: EventKind,
        id: u64,
        src: &str,
        dest: &str,
        body: Value,
    ) -> JournalEvent {
        let body = body.as_object().cloned().unwrap_or_default();
        JournalEvent {
            time,
            kind,
            message: Rc::new(NetMessage {
                id,
                src: src.into(),
                dest: dest.into(),
                body: raw_body(&body),
            }),
        }
    }

    /// A broadcast of 42 from c1 to n0, gossip to n1 (acknowledged) and to
    /// n2 (dropped), and unrelated traffic.
    fn journal() -> Vec<JournalEvent> {
        use EventKind::*;
        vec![
            event(
                1,
                Send,
                0,
                "c1",
                "n0",
                json!({"type": "broadcast", "message": 42, "msg_id": 1}),
            ),
            event(
                2,
                Recv,
                0,
                "c1",
                "n0",
                json!({"type": "broadcast", "message": 42, "msg_id": 1}),
            ),
            event(
                3,
                Send,
                1,
                "n0",
                "c1",
                json!({"type": "broadcast_ok", "in_reply_to": 1}),
            ),
            event(
                3,
                Send,
                2,
                "n0",
                "n1",
                json!({"type": "gossip", "values": [7, 42.0], "msg_id": 5}),
            ),
            event(
                4,
                Send,
                3,
                "n0",
                "n2",
                json!({"type": "gossip", "values": [42], "msg_id": 6}),
            ),
            event(
                4,
                Recv,
                1,
                "n0",
                "c1",
                json!({"type": "broadcast_ok", "in_reply_to": 1}),
            ),
            event(
                5,
                Send,
                4,
                "n1",
                "n2",
                json!({"type": "gossip", "values": [7], "msg_id": 1}),
            ),
            event(
                6,
                Recv,
                2,
                "n0",
                "n1",
                json!({"type": "gossip", "values": [7, 42.0], "msg_id": 5}),
            ),
            event(
                7,
                Send,
                5,
                "n1",
                "n0",
                json!({"type": "gossip_ok", "in_reply_to": 5}),
            ),
            event(
                8,
                Recv,
                5,
                "n1",
                "n0",
                json!({"type": "gossip_ok", "in_reply_to": 5}),
            ),
            // Same msg_id as the broadcast, but from another sender: not a reply.
            event(
                9,
                Send,
                6,
                "n2",
                "c1",
                json!({"type": "read_ok", "in_reply_to": 1}),
            ),
            // A msg_id of 42 carries nothing.
            event(
                9,
                Send,
                7,
                "c1",
                "n2",
                json!({"type": "read", "msg_id": 42}),
            ),
        ]
    }

    fn ids(events: &[JournalEvent]) -> Vec<(u64, EventKind)> {
        events.iter().map(|e| (e.message.id, e.kind)).collect()
    }

    #[test]
    fn a_value_selects_its_carriers_and_their_replies() {
        let f = Filter {
            value: Some(json!(42)),
            ..Filter::default()
        };
        use EventKind::*;
        assert_eq!(
            ids(&f.select(journal())),
            [
                (0, Send),
                (0, Recv),
                (1, Send),
                (2, Send),
                (3, Send),
                (1, Recv),
                (2, Recv),
                (5, Send),
                (5, Recv)
            ]
        );
    }

    #[test]
    fn node_type_and_window_combine() {
        use EventKind::*;
        let f = Filter {
            node: Some("n2".into()),
            ..Filter::default()
        };
        assert_eq!(
            ids(&f.select(journal())),
            [(3, Send), (4, Send), (6, Send), (7, Send)]
        );
        let f = Filter {
            kind: Some("gossip".into()),
            from: Some(6),
            to: Some(7),
            ..Filter::default()
        };
        // gossip 2 is received at 6 (its send at 3 comes along), gossip_ok 5 sent at 7.
        assert_eq!(
            ids(&f.select(journal())),
            [(2, Send), (2, Recv), (5, Send), (5, Recv)]
        );
    }

    #[test]
    fn values_match_exactly_and_nested() {
        assert!(contains(&json!({"a": [1, {"b": 2.0}]}), &json!(2)));
        assert!(!contains(&json!([12, 421]), &json!(42)));
        assert!(contains(&json!({"42": true}), &json!(42)));
        assert!(contains(&json!(["x"]), &Filter::parse_value("x")));
        let big = Filter::parse_value("123456789012345678901234567890");
        let hay: Value = serde_json::from_str("[123456789012345678901234567891]").unwrap();
        assert!(!contains(&hay, &big));
        let hay: Value = serde_json::from_str("[123456789012345678901234567890.0]").unwrap();
        assert!(contains(&hay, &big));
        assert_eq!(Filter::default().describe(), "all messages");
    }
}

//! The message journal: every `send` and every successful `recv` on the
//! simulated network, in order, as Maelstrom's net-journal records them. It
//! feeds the network statistics and the Lamport diagram.

use serde::Serialize;
use serde_json::{Map, Value};
use std::rc::Rc;

/// A message as routed by the network, with its network-wide `id`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetMessage {
    pub id: u64,
    pub src: String,
    pub dest: String,
    pub body: Map<String, Value>,
}

impl NetMessage {
    /// The body's `type`, or `""`.
    pub fn kind(&self) -> &str {
        self.body.get("type").and_then(Value::as_str).unwrap_or("")
    }

    /// True when a client (id starting with `c`) is the sender or receiver.
    pub fn involves_client(&self) -> bool {
        is_client_id(&self.src) || is_client_id(&self.dest)
    }

    /// The line written to a node's stdin: compact JSON with `id` first.
    pub fn to_line(&self) -> String {
        // Serializing a struct of strings and a JSON map cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Maelstrom's rule: a network id names a client iff it starts with `c`
/// (the node runtime's `Request::from_client` applies the same rule).
pub fn is_client_id(id: &str) -> bool {
    id.starts_with('c')
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    Send,
    Recv,
}

/// One journal entry; `time` is nanoseconds since the test started.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JournalEvent {
    pub time: u64,
    #[serde(rename = "type")]
    pub kind: EventKind,
    pub message: Rc<NetMessage>,
}

/// Counts for one subset of the journal (`network.md` §5).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Counts {
    #[serde(rename = "send-count")]
    pub send_count: u64,
    #[serde(rename = "recv-count")]
    pub recv_count: u64,
    #[serde(rename = "msg-count")]
    pub msg_count: u64,
}

impl Counts {
    fn add(&mut self, kind: EventKind) {
        match kind {
            EventKind::Send => {
                self.send_count += 1;
                // Every message has exactly one send event, so distinct message
                // ids in a subset equal its sends.
                self.msg_count += 1;
            }
            EventKind::Recv => self.recv_count += 1,
        }
    }
}

/// The append-only journal.
#[derive(Debug, Default)]
pub struct Journal {
    events: Vec<JournalEvent>,
    all: Counts,
    clients: Counts,
    servers: Counts,
}

impl Journal {
    pub fn record(&mut self, time: u64, kind: EventKind, message: Rc<NetMessage>) {
        self.all.add(kind);
        if message.involves_client() {
            self.clients.add(kind);
        } else {
            self.servers.add(kind);
        }
        self.events.push(JournalEvent {
            time,
            kind,
            message,
        });
    }

    pub fn events(&self) -> &[JournalEvent] {
        &self.events
    }

    /// `:net` as in results.edn; `op_count` is the number of client invocations.
    pub fn stats(&self, op_count: u64) -> Value {
        let per_op = |c: &Counts| (op_count > 0).then(|| c.msg_count as f64 / op_count as f64);
        let with_per_op = |c: &Counts| {
            let mut v = serde_json::to_value(c).unwrap_or_default();
            if let (Some(x), Value::Object(m)) = (per_op(c), &mut v) {
                m.insert("msgs-per-op".into(), Value::from(x));
            }
            v
        };
        serde_json::json!({
            "all": with_per_op(&self.all),
            "clients": self.clients,
            "servers": with_per_op(&self.servers),
            "valid?": true,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(id: u64, src: &str, dest: &str) -> Rc<NetMessage> {
        Rc::new(NetMessage {
            id,
            src: src.into(),
            dest: dest.into(),
            body: Map::new(),
        })
    }

    #[test]
    fn stats_split_clients_and_servers() {
        let mut j = Journal::default();
        j.record(0, EventKind::Send, msg(0, "c1", "n0"));
        j.record(1, EventKind::Recv, msg(0, "c1", "n0"));
        j.record(2, EventKind::Send, msg(1, "n0", "n1"));
        j.record(3, EventKind::Send, msg(2, "n0", "seq-kv"));
        j.record(4, EventKind::Recv, msg(2, "n0", "seq-kv"));
        let s = j.stats(2);
        assert_eq!(s["all"]["msg-count"], 3);
        assert_eq!(s["clients"]["recv-count"], 1);
        assert_eq!(s["servers"]["send-count"], 2);
        assert_eq!(s["servers"]["recv-count"], 1);
        assert_eq!(s["servers"]["msgs-per-op"], 1.0);
        assert!(s["clients"].get("msgs-per-op").is_none());
        assert!(j.stats(0)["servers"].get("msgs-per-op").is_none());
    }
}

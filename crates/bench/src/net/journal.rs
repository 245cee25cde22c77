//! The message journal: every `send` and every successful `recv` on the
//! simulated network, in order, as Maelstrom's net-journal records them.
//! Like Maelstrom's, it is written to disk as it happens
//! (`net-journal.jsonl`) and only counts stay in memory, so a run's memory
//! does not grow with the messages it routes. It feeds the network
//! statistics, and the Lamport diagram reads it back from disk.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::rc::{Rc, Weak};

/// A message as routed by the network, with its network-wide `id`. The
/// body stays the JSON text its sender wrote (it is only parsed where the
/// bench itself must read it: clients, services, reports), so numbers,
/// however long, reach the destination exactly and a large message costs
/// its size once.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NetMessage {
    pub id: u64,
    pub src: String,
    pub dest: String,
    pub body: Box<RawValue>,
}

impl PartialEq for NetMessage {
    fn eq(&self, other: &Self) -> bool {
        (self.id, &self.src, &self.dest, self.body.get())
            == (other.id, &other.src, &other.dest, other.body.get())
    }
}

impl NetMessage {
    /// The body parsed as a JSON object (empty if it is not one).
    pub fn body_map(&self) -> Map<String, Value> {
        serde_json::from_str(self.body.get()).unwrap_or_default()
    }

    /// The body's `type`, or `""`.
    pub fn kind(&self) -> String {
        #[derive(Deserialize)]
        struct Typed {
            #[serde(rename = "type")]
            kind: Option<Value>,
        }
        serde_json::from_str::<Typed>(self.body.get())
            .ok()
            .and_then(|t| t.kind)
            .and_then(|k| k.as_str().map(str::to_string))
            .unwrap_or_default()
    }

    /// True when a client (id starting with `c`) is the sender or receiver.
    pub fn involves_client(&self) -> bool {
        is_client_id(&self.src) || is_client_id(&self.dest)
    }

    /// The line written to a node's stdin: compact JSON with `id` first.
    pub fn to_line(&self) -> String {
        // Sized up front: a large body is copied once, never regrown.
        let mut line =
            Vec::with_capacity(self.body.get().len() + 2 * (self.src.len() + self.dest.len()) + 64);
        // Serializing strings and already-valid JSON text cannot fail, and
        // serde_json writes UTF-8.
        if serde_json::to_writer(&mut line, self).is_err() {
            return String::new();
        }
        String::from_utf8(line).unwrap_or_default()
    }
}

/// A body built by the bench (a client's request, a service's reply) as
/// message text.
pub fn raw_body(body: &Map<String, Value>) -> Box<RawValue> {
    // A map of JSON values always serializes.
    serde_json::value::to_raw_value(body).unwrap_or_default()
}

/// Maelstrom's rule: a network id names a client iff it starts with `c`
/// (the node runtime's `Request::from_client` applies the same rule).
pub fn is_client_id(id: &str) -> bool {
    id.starts_with('c')
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    Send,
    Recv,
}

/// One journal entry; `time` is nanoseconds since the test started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

/// The append-only journal: counts in memory, events on their way to disk.
#[derive(Default)]
pub struct Journal {
    sink: Option<Box<dyn Write>>,
    /// The first write error, if any (the journal file is then incomplete).
    error: Option<String>,
    all: Counts,
    clients: Counts,
    servers: Counts,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("all", &self.all)
            .field("error", &self.error)
            .finish()
    }
}

impl Journal {
    /// Writes every later event, one JSON line each, to `sink`.
    pub fn write_to(&mut self, sink: Box<dyn Write>) {
        self.sink = Some(sink);
    }

    pub fn record(&mut self, time: u64, kind: EventKind, message: Rc<NetMessage>) {
        self.all.add(kind);
        if message.involves_client() {
            self.clients.add(kind);
        } else {
            self.servers.add(kind);
        }
        if let Some(sink) = &mut self.sink {
            let event = JournalEvent {
                time,
                kind,
                message,
            };
            let written = serde_json::to_writer(&mut *sink, &event)
                .map_err(|e| e.to_string())
                .and_then(|_| sink.write_all(b"\n").map_err(|e| e.to_string()));
            if let Err(e) = written {
                self.error.get_or_insert(e);
                self.sink = None;
            }
        }
    }

    /// Flushes what was written; the first error, if any, says why the
    /// journal file is incomplete.
    pub fn flush(&mut self) -> Result<(), String> {
        if let Some(sink) = &mut self.sink {
            if let Err(e) = sink.flush() {
                self.error.get_or_insert(e.to_string());
            }
        }
        match &self.error {
            Some(e) => Err(format!("the message journal is incomplete: {e}")),
            None => Ok(()),
        }
    }

    /// Messages sent so far, clients' included.
    pub fn message_count(&self) -> u64 {
        self.all.msg_count
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

/// Reads a journal file back, event by event (lines that do not parse are
/// skipped). A message's send and receive share one [`NetMessage`] while
/// both are held, so a large message read back costs its size once.
pub fn read_events(reader: impl BufRead) -> impl Iterator<Item = JournalEvent> {
    read_events_capped(reader, usize::MAX)
}

/// Like [`read_events`], but a body longer than `cap` bytes comes back as a
/// summary: its fields, each long one replaced by a string of its first
/// characters and its size. For drawing, where a label shows 48 characters
/// and a 30 MB body must not be held, parsed or escaped whole.
pub fn read_events_capped(reader: impl BufRead, cap: usize) -> impl Iterator<Item = JournalEvent> {
    let mut shared: HashMap<u64, Weak<NetMessage>> = HashMap::new();
    reader
        .lines()
        .map_while(Result::ok)
        .filter_map(move |line| {
            let event: EventRef = serde_json::from_str(&line).ok()?;
            let m = event.message;
            let known = match event.kind {
                EventKind::Send => None,
                EventKind::Recv => shared.remove(&m.id).and_then(|w| w.upgrade()),
            };
            let message = known.unwrap_or_else(|| {
                Rc::new(NetMessage {
                    id: m.id,
                    src: m.src,
                    dest: m.dest,
                    body: summarize(m.body, cap),
                })
            });
            if event.kind == EventKind::Send {
                shared.insert(message.id, Rc::downgrade(&message));
            }
            Some(JournalEvent {
                time: event.time,
                kind: event.kind,
                message,
            })
        })
}

/// A journal line, its body borrowed from the line (not copied).
#[derive(Deserialize)]
struct EventRef<'a> {
    time: u64,
    #[serde(rename = "type")]
    kind: EventKind,
    #[serde(borrow)]
    message: MessageRef<'a>,
}

#[derive(Deserialize)]
struct MessageRef<'a> {
    id: u64,
    src: String,
    dest: String,
    #[serde(borrow)]
    body: &'a RawValue,
}

/// Characters kept of each long field of a summarized body.
const SUMMARY_FIELD_CHARS: usize = 200;

/// `body` itself if it is at most `cap` bytes, else its summary.
fn summarize(body: &RawValue, cap: usize) -> Box<RawValue> {
    let text = body.get();
    if text.len() <= cap {
        return body.to_owned();
    }
    let fields: std::collections::BTreeMap<String, &RawValue> =
        serde_json::from_str(text).unwrap_or_default();
    let mut summary = Map::new();
    for (key, value) in fields {
        let v = value.get();
        let shown = if v.len() <= SUMMARY_FIELD_CHARS {
            serde_json::from_str(v).unwrap_or(Value::Null)
        } else {
            let head: String = v.chars().take(SUMMARY_FIELD_CHARS).collect();
            Value::String(format!("{head}\u{2026} ({} bytes)", v.len()))
        };
        summary.insert(key, shown);
    }
    if summary.is_empty() {
        let head: String = text.chars().take(SUMMARY_FIELD_CHARS).collect();
        summary.insert(
            "body".into(),
            Value::String(format!("{head}\u{2026} ({} bytes)", text.len())),
        );
    }
    raw_body(&summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(id: u64, src: &str, dest: &str) -> Rc<NetMessage> {
        Rc::new(NetMessage {
            id,
            src: src.into(),
            dest: dest.into(),
            body: raw_body(&Map::new()),
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

    /// A shared buffer the journal can own as its sink.
    #[derive(Clone, Default)]
    struct Shared(Rc<std::cell::RefCell<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.borrow_mut().write(buf)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn events_stream_to_the_sink_and_read_back_equal() {
        let buf = Shared::default();
        let mut j = Journal::default();
        j.write_to(Box::new(buf.clone()));
        let big: Box<RawValue> =
            RawValue::from_string(r#"{"type":"x","n":123456789012345678901234567890}"#.into())
                .expect("valid");
        let m = Rc::new(NetMessage {
            id: 7,
            src: "n0".into(),
            dest: "n1".into(),
            body: big,
        });
        j.record(5, EventKind::Send, m.clone());
        j.record(9, EventKind::Recv, m.clone());
        j.flush().expect("no error");
        let text = buf.0.borrow().clone();
        let back: Vec<JournalEvent> = read_events(&text[..]).collect();
        assert_eq!(back.len(), 2);
        assert_eq!((back[1].time, back[1].kind), (9, EventKind::Recv));
        assert_eq!(*back[0].message, *m);
        assert_eq!(back[0].message.kind(), "x");
        assert_eq!(j.stats(1)["servers"]["msg-count"], 1);
    }

    #[test]
    fn a_message_read_back_is_shared_and_a_large_body_summarized() {
        let values: Vec<u32> = (0..2000).collect();
        let body = raw_body(&Map::from_iter([
            ("type".to_string(), Value::from("big")),
            ("values".to_string(), serde_json::json!(values)),
        ]));
        let len = body.get().len();
        let m = NetMessage {
            id: 3,
            src: "n0".into(),
            dest: "n1".into(),
            body,
        };
        let event =
            |kind: &str| format!(r#"{{"time":1,"type":"{kind}","message":{}}}"#, m.to_line());
        let text = format!("{}\n{}\n", event("send"), event("recv"));
        let full: Vec<JournalEvent> = read_events(text.as_bytes()).collect();
        assert!(Rc::ptr_eq(&full[0].message, &full[1].message));
        assert_eq!(full[0].message.body.get().len(), len);
        let capped: Vec<JournalEvent> = read_events_capped(text.as_bytes(), 1000).collect();
        let summary = capped[1].message.body_map();
        assert_eq!(summary["type"], "big");
        let shown = summary["values"].as_str().unwrap_or("");
        assert!(shown.starts_with("[0,1,2,3,"), "{shown}");
        assert!(shown.ends_with(&format!("({} bytes)", len - 24)), "{shown}");
        assert_eq!(capped[1].message.kind(), "big");
    }
}

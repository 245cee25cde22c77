//! Maelstrom's built-in services, which every run starts: `lin-kv`,
//! `seq-kv`, `lww-kv` (key-value stores with different consistency) and
//! `lin-tso` (a timestamp oracle). They are ordinary participants of the
//! simulated network: requests and replies both pay the configured latency,
//! and they are never partitioned. Each handles one request at a time.

pub mod kv;
pub mod tso;

use crate::rng::Rng;
use serde_json::{json, Map, Value};

/// A service's answer to one request: the reply body (without `in_reply_to`),
/// or nothing — Maelstrom's services do not answer unknown request types.
pub type ServiceReply = Option<Map<String, Value>>;

pub trait Service {
    fn name(&self) -> &'static str;
    /// Handles a request from `src`.
    fn handle(&mut self, src: &str, body: &Map<String, Value>, rng: &mut Rng) -> ServiceReply;
}

/// The names of every service, as [`all`] starts them.
pub const NAMES: [&str; 4] = ["lin-kv", "seq-kv", "lww-kv", "lin-tso"];

/// Every service, in the order Maelstrom starts them.
pub fn all() -> Vec<Box<dyn Service>> {
    vec![
        Box::new(kv::LinKv::default()),
        Box::new(kv::SeqKv::default()),
        Box::new(kv::LwwKv::default()),
        Box::new(tso::LinTso::default()),
    ]
}

/// The envelope body of a reply: the result plus `in_reply_to` (the
/// request's `msg_id`, or null if it had none). Services never set `msg_id`.
pub fn reply_body(
    mut result: Map<String, Value>,
    request: &Map<String, Value>,
) -> Map<String, Value> {
    result.insert(
        "in_reply_to".into(),
        request.get("msg_id").cloned().unwrap_or(Value::Null),
    );
    result
}

pub(crate) fn ok(kind: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("type".into(), json!(kind));
    m
}

pub(crate) fn error(code: i64, text: String) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("type".into(), json!("error"));
    m.insert("code".into(), json!(code));
    m.insert("text".into(), json!(text));
    m
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_match_the_services() {
        let names: Vec<&str> = super::all().iter().map(|s| s.name()).collect();
        assert_eq!(names, super::NAMES);
    }
}

//! `lin-tso`: a linearizable timestamp oracle handing out 0, 1, 2, … to
//! `ts` requests from anyone.

use super::{ok, Service, ServiceReply};
use crate::rng::Rng;
use serde_json::{json, Map, Value};

#[derive(Debug, Default)]
pub struct LinTso {
    next: u64,
}

impl Service for LinTso {
    fn name(&self) -> &'static str {
        "lin-tso"
    }

    fn handle(&mut self, _src: &str, body: &Map<String, Value>, _rng: &mut Rng) -> ServiceReply {
        if body.get("type").and_then(Value::as_str) != Some("ts") {
            return None;
        }
        let mut reply = ok("ts_ok");
        reply.insert("ts".into(), json!(self.next));
        self.next += 1;
        Some(reply)
    }
}

//! Maelstrom's wire format: the envelope every line carries, the reserved body
//! fields (`type`, `msg_id`, `in_reply_to`) and the `init` handshake bodies.
//!
//! Bodies are generic over their payload `P`: a typed enum tagged by `type`
//! (see [`crate::workloads`]) or the untyped escape hatch [`Payload`], a raw JSON
//! object that still contains `type`.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// An untyped body payload: every body field except `msg_id` / `in_reply_to`.
pub type Payload = Map<String, Value>;

/// One line on the wire: `{"src": .., "dest": .., "body": {..}}`.
///
/// Maelstrom adds an integer `id` to messages it delivers; nodes ignore it, so
/// it is not modelled here (unknown top-level keys are skipped when parsing).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<P = Payload> {
    pub src: String,
    pub dest: String,
    pub body: Body<P>,
}

/// A message body: the reserved correlation fields plus the payload, flattened
/// so that the payload's `type` tag and fields sit beside `msg_id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Body<P = Payload> {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msg_id: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_reply_to: Option<u64>,
    #[serde(flatten)]
    pub payload: P,
}

impl Body<Payload> {
    /// The body's `type`, or `""` when it has none (or it is not a string).
    pub fn kind(&self) -> &str {
        self.payload
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// Decodes the payload (which still holds `type`) into a typed value.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(&Value::Object(self.payload.clone()))
    }
}

/// Builds an untyped payload from any serializable value; the value must
/// serialize to a JSON object (typed payload enums always do).
pub fn to_payload<T: Serialize>(value: &T) -> Result<Payload, serde_json::Error> {
    match serde_json::to_value(value)? {
        Value::Object(map) => Ok(map),
        other => Err(serde::ser::Error::custom(format!(
            "a message payload must be a JSON object, got {other}"
        ))),
    }
}

/// The `init` request Maelstrom sends once to every node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "init")]
pub struct Init {
    pub node_id: String,
    pub node_ids: Vec<String>,
}

/// The reply to `init`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "init_ok")]
pub struct InitOk {}

/// Parses one line of input into an untyped envelope. The body must be a JSON
/// object; `"body": null` is accepted as `{}` as Maelstrom does.
pub fn parse_line(line: &str) -> Result<Envelope, serde_json::Error> {
    let mut raw: Value = serde_json::from_str(line)?;
    if let Some(body @ Value::Null) = raw.get_mut("body") {
        *body = Value::Object(Map::new());
    }
    Envelope::deserialize(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_maelstrom_line_and_ignores_id() {
        let env = parse_line(
            r#"{"id":17,"src":"c3","dest":"n1","body":{"type":"echo","msg_id":4,"echo":"hi"}}"#,
        )
        .expect("valid line");
        assert_eq!(env.src, "c3");
        assert_eq!(env.body.msg_id, Some(4));
        assert_eq!(env.body.kind(), "echo");
        assert_eq!(env.body.payload["echo"], "hi");
    }

    #[test]
    fn serializes_without_null_fields() {
        let env = Envelope {
            src: "n1".into(),
            dest: "c1".into(),
            body: Body {
                msg_id: None,
                in_reply_to: Some(3),
                payload: to_payload(&InitOk {}).expect("object"),
            },
        };
        let line = serde_json::to_string(&env).expect("serializes");
        assert_eq!(
            line,
            r#"{"src":"n1","dest":"c1","body":{"in_reply_to":3,"type":"init_ok"}}"#
        );
    }

    #[test]
    fn null_body_becomes_empty_object() {
        let env = parse_line(r#"{"src":"a","dest":"b","body":null}"#).expect("parses");
        assert!(env.body.payload.is_empty());
    }

    #[test]
    fn non_object_body_is_rejected() {
        assert!(parse_line(r#"{"src":"a","dest":"b","body":[1]}"#).is_err());
        assert!(parse_line(r#"{"src":"a","dest":"b","body":{"msg_id":"x"}}"#).is_err());
    }
}

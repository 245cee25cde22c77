//! What Maelstrom accepts on a node's stdout: a JSON object with string
//! `src` and `dest`, an object (or null) `body`, an optional integer `id`,
//! and nothing else. Anything else makes Maelstrom stop reading that node.

use serde_json::value::RawValue;
use serde_json::Value;
use std::collections::BTreeMap;

/// Validates a node's output line against Maelstrom's closed envelope schema:
/// a JSON object with string `src` and `dest`, an object (or null) `body`,
/// an optional integer `id`, and nothing else. The body is kept as the text
/// the node wrote (`null` becomes `{}`).
pub fn parse_envelope(line: &str) -> Result<(String, String, Box<RawValue>), String> {
    let mut top: BTreeMap<String, Box<RawValue>> =
        serde_json::from_str(line).map_err(|e| match serde_json::from_str::<Value>(line) {
            Ok(_) => "not a JSON object".to_string(),
            Err(_) => format!("not well-formed JSON ({e})"),
        })?;
    for key in top.keys() {
        if !matches!(key.as_str(), "src" | "dest" | "body" | "id") {
            return Err(format!(
                "malformed network message: unexpected top-level key {key:?}"
            ));
        }
    }
    if let Some(id) = top.get("id") {
        let id: Value = serde_json::from_str(id.get()).unwrap_or(Value::Null);
        if !(id.is_u64() || id.is_i64()) {
            return Err(format!(
                "malformed network message: id must be an integer, got {id}"
            ));
        }
    }
    let field = |k: &str| match top.get(k) {
        Some(raw) => serde_json::from_str::<String>(raw.get()).map_err(|_| {
            format!(
                "malformed network message: {k} must be a string, got {}",
                raw.get()
            )
        }),
        None => Err(format!("malformed network message: missing {k}")),
    };
    let src = field("src")?;
    let dest = field("dest")?;
    // Moved out, not copied: a body can be megabytes.
    let body = match top.remove("body") {
        Some(raw) if raw.get().trim_start().starts_with('{') => raw,
        Some(raw) if raw.get().trim() == "null" => {
            RawValue::from_string("{}".into()).map_err(|e| e.to_string())?
        }
        Some(raw) => {
            return Err(format!(
                "malformed network message: body must be an object, got {}",
                raw.get()
            ))
        }
        None => return Err("malformed network message: missing body".into()),
    };
    Ok((src, dest, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_schema_is_closed() {
        assert!(parse_envelope(r#"{"src":"n0","dest":"c1","body":{"type":"x"}}"#).is_ok());
        assert!(parse_envelope(r#"{"id":3,"src":"n0","dest":"c1","body":null}"#).is_ok());
        for bad in [
            "hello",
            "",
            "[1]",
            r#"{"src":"n0","dest":"c1"}"#,
            r#"{"src":"n0","dest":"c1","body":{},"extra":1}"#,
            r#"{"src":"n0","dest":"c1","body":{},"id":null}"#,
            r#"{"src":1,"dest":"c1","body":{}}"#,
            r#"{"src":"n0","dest":"c1","body":"x"}"#,
        ] {
            assert!(parse_envelope(bad).is_err(), "{bad}");
        }
    }
}

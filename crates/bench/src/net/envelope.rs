//! What Maelstrom accepts on a node's stdout: a JSON object with string
//! `src` and `dest`, an object (or null) `body`, an optional integer `id`,
//! and nothing else. Anything else makes Maelstrom stop reading that node.

use serde_json::{Map, Value};

/// Validates a node's output line against Maelstrom's closed envelope schema:
/// a JSON object with string `src` and `dest`, an object (or null) `body`,
/// an optional integer `id`, and nothing else.
pub fn parse_envelope(line: &str) -> Result<(String, String, Map<String, Value>), String> {
    let value: Value =
        serde_json::from_str(line).map_err(|e| format!("not well-formed JSON ({e})"))?;
    let Value::Object(mut top) = value else {
        return Err("not a JSON object".into());
    };
    for key in top.keys() {
        if !matches!(key.as_str(), "src" | "dest" | "body" | "id") {
            return Err(format!(
                "malformed network message: unexpected top-level key {key:?}"
            ));
        }
    }
    if let Some(id) = top.get("id") {
        if !(id.is_u64() || id.is_i64()) {
            return Err(format!(
                "malformed network message: id must be an integer, got {id}"
            ));
        }
    }
    let field = |top: &mut Map<String, Value>, k: &str| match top.remove(k) {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(format!(
            "malformed network message: {k} must be a string, got {other}"
        )),
        None => Err(format!("malformed network message: missing {k}")),
    };
    let src = field(&mut top, "src")?;
    let dest = field(&mut top, "dest")?;
    let body = match top.remove("body") {
        Some(Value::Object(b)) => b,
        Some(Value::Null) => Map::new(),
        Some(other) => {
            return Err(format!(
                "malformed network message: body must be an object, got {other}"
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

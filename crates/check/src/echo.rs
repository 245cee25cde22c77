//! The `echo` checker: every `ok` or `fail` reply must carry back exactly
//! the text that was sent; indeterminate ones are ignored.

use crate::history::{History, OpType};
use serde_json::{json, Value};

/// Each reply that did not echo its request, as Maelstrom words it.
pub fn check(history: &History) -> Value {
    let errors: Vec<Value> = history
        .pairs()
        .into_iter()
        .filter_map(|(invoke, done)| {
            let done = done.filter(|d| matches!(d.typ, OpType::Ok | OpType::Fail))?;
            let echoed = done.value.get("echo");
            (echoed != Some(&invoke.value)).then(|| {
                json!([
                    "Expected a message with :echo",
                    invoke.value,
                    "But received",
                    done.value
                ])
            })
        })
        .collect();
    json!({"valid?": errors.is_empty(), "errors": errors})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::build::history;

    #[test]
    fn altered_or_failed_echo_is_an_error_and_info_is_ignored() {
        let good = history(&[
            (0, OpType::Invoke, "echo", json!("Please echo 1"), 0),
            (
                0,
                OpType::Ok,
                "echo",
                json!({"type":"echo_ok","echo":"Please echo 1","in_reply_to":1}),
                1,
            ),
            (0, OpType::Invoke, "echo", json!("Please echo 2"), 2),
            (0, OpType::Info, "echo", Value::Null, 3),
        ]);
        assert_eq!(check(&good)["valid?"], true);
        let bad = history(&[
            (0, OpType::Invoke, "echo", json!("Please echo 1"), 0),
            (
                0,
                OpType::Ok,
                "echo",
                json!({"type":"echo_ok","echo":"Please echo 7"}),
                1,
            ),
            (1, OpType::Invoke, "echo", json!("Please echo 2"), 0),
            (1, OpType::Fail, "echo", Value::Null, 1),
        ]);
        let result = check(&bad);
        assert_eq!(result["valid?"], false);
        assert_eq!(result["errors"].as_array().map(Vec::len), Some(2));
    }
}

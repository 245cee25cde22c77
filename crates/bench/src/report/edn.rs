//! `results.edn`: the results map printed as EDN, as Maelstrom writes it, so
//! scripts written for Maelstrom's store read ours too. JSON object keys
//! become keywords (numeric keys such as quantiles become numbers), `null`
//! becomes `nil`, and a `valid?` of `"unknown"` becomes `:unknown`.

use serde_json::Value;

/// Renders `value` as EDN, one top-level entry per line.
pub fn render(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let entries: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{} {}", key(k), item(k, v)))
                .collect();
            format!("{{{}}}\n", entries.join(",\n "))
        }
        other => format!("{}\n", item("", other)),
    }
}

fn key(k: &str) -> String {
    if k.parse::<f64>().is_ok() {
        return k.to_string();
    }
    let keyword = !k.is_empty()
        && k.chars()
            .all(|c| c.is_alphanumeric() || "-_?!.*+<>=/".contains(c))
        && !k.starts_with(|c: char| c.is_ascii_digit());
    if keyword {
        format!(":{k}")
    } else {
        Value::from(k).to_string()
    }
}

fn item(parent_key: &str, v: &Value) -> String {
    match v {
        Value::Null => "nil".into(),
        Value::String(s) if parent_key == "valid?" && s == "unknown" => ":unknown".into(),
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(|x| item("", x)).collect();
            format!("[{}]", inner.join(" "))
        }
        Value::Object(map) => {
            let inner: Vec<String> = map
                .iter()
                .map(|(k, x)| format!("{} {}", key(k), item(k, x)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
        // Numbers, booleans and strings print the same in JSON and EDN.
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keywords_numbers_and_nil() {
        let edn = render(&json!({
            "valid?": "unknown",
            "net": {"servers": {"msgs-per-op": 0.5}},
            "workload": {"stable-latencies": {"0.5": 12, "1": 30}, "lost": [1, 2], "errors": null},
            "weird key": "x"
        }));
        assert!(edn.contains(":valid? :unknown"), "{edn}");
        assert!(edn.contains(":net {:servers {:msgs-per-op 0.5}}"), "{edn}");
        assert!(edn.contains(":stable-latencies {0.5 12, 1 30}"), "{edn}");
        assert!(edn.contains(":lost [1 2]"), "{edn}");
        assert!(edn.contains(":errors nil"), "{edn}");
        assert!(edn.contains("\"weird key\" \"x\""), "{edn}");
    }
}

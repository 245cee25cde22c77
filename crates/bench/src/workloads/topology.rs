//! The neighbour maps the broadcast workload offers (`--topology`): grid
//! (default), line, total, and complete b-ary trees, exactly as Maelstrom
//! builds them from the node list.

use serde_json::{Map, Value};

/// `node → neighbours` for `kind` over `nodes` (in test order).
pub fn build(kind: &str, nodes: &[String]) -> Map<String, Value> {
    let n = nodes.len();
    let neighbours: Vec<Vec<usize>> = match kind {
        "line" => (0..n)
            .map(|i| {
                let mut v = Vec::new();
                if i > 0 {
                    v.push(i - 1);
                }
                if i + 1 < n {
                    v.push(i + 1);
                }
                v
            })
            .collect(),
        "total" => (0..n)
            .map(|i| (0..n).filter(|&j| j != i).collect())
            .collect(),
        "tree" | "tree2" => tree(n, 2),
        "tree3" => tree(n, 3),
        "tree4" => tree(n, 4),
        _ => grid(n),
    };
    let mut map = Map::new();
    if kind == "line" && n == 1 {
        return map; // Maelstrom's line topology of one node is an empty map.
    }
    for (i, ns) in neighbours.into_iter().enumerate() {
        map.insert(
            nodes[i].clone(),
            Value::Array(
                ns.into_iter()
                    .map(|j| Value::from(nodes[j].clone()))
                    .collect(),
            ),
        );
    }
    map
}

fn grid(n: usize) -> Vec<Vec<usize>> {
    let side = (1..).find(|s| s * s >= n).unwrap_or(1);
    (0..n)
        .map(|i| {
            let (row, col) = ((i / side) as i64, (i % side) as i64);
            [
                (row + 1, col),
                (row - 1, col),
                (row, col + 1),
                (row, col - 1),
            ]
            .into_iter()
            .filter(|&(r, c)| r >= 0 && c >= 0 && c < side as i64)
            .map(|(r, c)| (r as usize) * side + c as usize)
            .filter(|&j| j < n)
            .collect()
        })
        .collect()
}

fn tree(n: usize, b: usize) -> Vec<Vec<usize>> {
    (0..n)
        .map(|k| {
            let parent = (k > 0).then(|| (k - 1) / b);
            parent
                .into_iter()
                .chain((k * b + 1..=k * b + b).filter(|&c| c < n))
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn nodes(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("n{i}")).collect()
    }

    #[test]
    fn matches_maelstrom_examples() {
        assert_eq!(
            Value::Object(build("grid", &nodes(5))),
            json!({"n0":["n3","n1"],"n1":["n4","n2","n0"],"n2":["n1"],"n3":["n0","n4"],"n4":["n1","n3"]})
        );
        assert_eq!(
            Value::Object(build("tree2", &nodes(5))),
            json!({"n0":["n1","n2"],"n1":["n0","n3","n4"],"n2":["n0"],"n3":["n1"],"n4":["n1"]})
        );
        assert_eq!(Value::Object(build("line", &nodes(1))), json!({}));
        assert_eq!(Value::Object(build("grid", &nodes(1))), json!({"n0": []}));
        assert_eq!(
            Value::Object(build("line", &nodes(3))),
            json!({"n0":["n1"],"n1":["n0","n2"],"n2":["n1"]})
        );
        assert_eq!(build("total", &nodes(4))["n2"], json!(["n0", "n1", "n3"]));
        let g = build("grid", &nodes(25));
        assert_eq!(g["n0"], json!(["n5", "n1"]));
        assert_eq!(g["n12"].as_array().map(Vec::len), Some(4));
        assert_eq!(build("tree3", &nodes(5))["n0"], json!(["n1", "n2", "n3"]));
    }
}

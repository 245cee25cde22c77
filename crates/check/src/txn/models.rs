//! Consistency models and the anomalies they prohibit, ported literally from
//! `elle.consistency-model` (Elle 0.2.2): the anomaly implication graph, the
//! model hierarchy, which anomalies each model proscribes directly, and the
//! algorithms over them — the anomalies a set of models prohibits, the
//! models a set of anomalies rules out (`:not` / `:also-not`), the order in
//! which cycle anomalies are searched (`anomaly-depth-compare`). Also
//! Maelstrom's `--consistency-models` parsing quirk.
//!
//! The graphs are data tables below, kept in Elle's source order with its
//! own (non-canonical) model names; names are canonicalised when a graph is
//! built, as `g/map-vertices canonical-model-name` does.

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

/// `implied-anomalies`: a → b when anomaly a implies anomaly b.
const IMPLIED: &[(&str, &[&str])] = &[
    ("G0", &["G1c", "G0-process"]),
    ("G0-process", &["G1c-process", "G0-realtime"]),
    ("G0-realtime", &["G1c-realtime"]),
    ("G1a", &["G1"]),
    ("G1b", &["G1"]),
    ("G1c", &["G1", "G1c-process"]),
    ("G1c-process", &["G1c-realtime", "G1-process"]),
    ("G1c-realtime", &["G1-realtime"]),
    ("G1", &["G1-process"]),
    ("G1-process", &["G1-realtime"]),
    (
        "G-single-item",
        &["G-single", "G-single-item-process", "G-nonadjacent-item"],
    ),
    (
        "G-single-item-process",
        &[
            "G-single-process",
            "G-single-item-realtime",
            "G-nonadjacent-item-process",
        ],
    ),
    (
        "G-single-item-realtime",
        &["G-single-realtime", "G-nonadjacent-item-realtime"],
    ),
    ("G-single", &["G-nonadjacent", "GSIb", "G-single-process"]),
    (
        "G-single-process",
        &["G-nonadjacent-process", "G-single-realtime"],
    ),
    ("G-single-realtime", &["G-nonadjacent-realtime"]),
    (
        "G-nonadjacent-item",
        &["G-nonadjacent", "G2-item", "G-nonadjacent-item-process"],
    ),
    (
        "G-nonadjacent-item-process",
        &[
            "G-nonadjacent-process",
            "G2-item-process",
            "G-nonadjacent-item-realtime",
        ],
    ),
    (
        "G-nonadjacent-item-realtime",
        &["G2-item-realtime", "G-nonadjacent-realtime"],
    ),
    ("G-nonadjacent", &["G2", "G-nonadjacent-process"]),
    (
        "G-nonadjacent-process",
        &["G2-process", "G-nonadjacent-realtime"],
    ),
    ("G-nonadjacent-realtime", &["G2-realtime"]),
    ("G2", &["G2-process"]),
    ("G2-item", &["G2", "G2-item-process"]),
    ("G2-item-process", &["G2-process", "G2-item-realtime"]),
    ("G2-item-realtime", &["G2-realtime"]),
    ("G2-process", &["G2-realtime"]),
    ("GSIa", &["GSI"]),
    ("GSIb", &["GSI"]),
    ("incompatible-order", &["G1a"]),
    ("future-read", &["G1c"]),
    ("dirty-update", &["G1a"]),
    ("lost-update", &["write-skew", "G2-item"]),
    ("write-skew", &["G2"]),
];

/// `anomaly-severity-graph`: extra ordering used only to sort anomalies.
const SEVERITY: &[(&str, &[&str])] = &[
    ("G0", &["G1c"]),
    ("G0-process", &["G1c-process"]),
    ("G0-realtime", &["G1c-realtime"]),
    ("G1c", &["G-single", "G2-item"]),
    ("G1c-process", &["G-single-process", "G2-item-process"]),
    ("G1c-realtime", &["G-single-realtime", "G2-item-realtime"]),
    ("G2", &["G0-process"]),
    ("G2-process", &["G0-realtime"]),
];

/// `canonical-model-names`: friendly name → canonical name.
const CANONICAL: &[(&str, &str)] = &[
    ("consistent-view", "PL-2+"),
    ("conflict-serializable", "PL-3"),
    ("cursor-stability", "PL-CS"),
    ("forward-consistent-view", "PL-FCV"),
    ("monotonic-snapshot-read", "PL-MSR"),
    ("monotonic-view", "PL-2L"),
    ("read-committed", "PL-2"),
    ("read-uncommitted", "PL-1"),
    ("repeatable-read", "PL-2.99"),
    ("serializable", "PL-3"),
    ("snapshot-isolation", "PL-SI"),
    ("strict-serializable", "PL-SS"),
    ("strong-serializable", "PL-SS"),
    ("update-serializable", "PL-3U"),
    ("strong-session-read-uncommitted", "strong-session-PL-1"),
    ("strong-session-read-committed", "strong-session-PL-2"),
    ("strong-read-uncommitted", "strong-PL-1"),
    ("strong-read-committed", "strong-PL-2"),
];

/// `friendly-model-names` is the inverse of [`CANONICAL`], built with
/// `(into {} (map (juxt val key)))` over a hash map, so where two friendly
/// names share a canonical one, the later in hash order wins: for PL-SS that
/// is `strong-serializable` (Clojure's keyword hashes put
/// `:strict-serializable` in root slot 18 and `:strong-serializable` in
/// slot 23; Elle 0.2.2's own consistency_model_test.clj expects
/// `:strong-serializable`). PL-3 is pinned to `serializable` explicitly.
const FRIENDLY_OVERRIDES: &[(&str, &str)] =
    &[("PL-SS", "strong-serializable"), ("PL-3", "serializable")];

/// `models`: a → b when a history satisfying a also satisfies b.
const MODELS: &[(&str, &[&str])] = &[
    ("causal-cerone", &["read-atomic"]),
    ("consistent-view", &["cursor-stability", "monotonic-view"]),
    ("conflict-serializable", &["view-serializable"]),
    ("cursor-stability", &["read-committed", "PL-2"]),
    ("forward-consistent-view", &["consistent-view"]),
    ("PL-2", &["PL-1"]),
    ("PL-3", &["repeatable-read", "update-serializable"]),
    ("update-serializable", &["forward-consistent-view"]),
    ("monotonic-atomic-view", &["read-committed"]),
    ("monotonic-view", &["PL-2"]),
    ("monotonic-snapshot-read", &["PL-2"]),
    (
        "parallel-snapshot-isolation",
        &["causal-cerone", "update-atomic"],
    ),
    ("prefix", &["causal-cerone"]),
    ("read-atomic", &["monotonic-atomic-view"]),
    ("read-committed", &["read-uncommitted"]),
    (
        "repeatable-read",
        &["cursor-stability", "monotonic-atomic-view"],
    ),
    ("update-atomic", &["read-atomic"]),
    (
        "serializable",
        &["repeatable-read", "snapshot-isolation", "view-serializable"],
    ),
    ("session-serializable", &["1SR"]),
    (
        "snapshot-isolation",
        &[
            "forward-consistent-view",
            "monotonic-atomic-view",
            "monotonic-snapshot-read",
            "parallel-snapshot-isolation",
            "prefix",
        ],
    ),
    (
        "strict-serializable",
        &[
            "PL-3",
            "serializable",
            "linearizable",
            "snapshot-isolation",
            "strong-snapshot-isolation",
            "strong-session-serializable",
        ],
    ),
    ("strong-session-PL-1", &["PL-1"]),
    ("strong-session-PL-2", &["PL-2", "strong-session-PL-1"]),
    ("strong-PL-1", &["strong-session-PL-1"]),
    ("strong-PL-2", &["strong-session-PL-2", "strong-PL-1"]),
    (
        "strong-session-serializable",
        &["serializable", "strong-session-snapshot-isolation"],
    ),
    (
        "strong-session-snapshot-isolation",
        &["snapshot-isolation", "strong-session-PL-2"],
    ),
    ("strong-serializable", &["session-serializable"]),
    (
        "strong-snapshot-isolation",
        &["strong-session-snapshot-isolation", "strong-PL-2"],
    ),
    ("linearizable", &["sequential"]),
    ("sequential", &["causal"]),
    ("causal", &["writes-follow-reads", "PRAM"]),
    (
        "PRAM",
        &["monotonic-reads", "monotonic-writes", "read-your-writes"],
    ),
];

/// `direct-proscribed-anomalies`: model → the anomalies it adds.
const DIRECT: &[(&str, &[&str])] = &[
    ("causal-cerone", &["internal", "G1a"]),
    ("cursor-stability", &["G1", "G-cursor", "lost-update"]),
    ("monotonic-view", &["G1", "G-monotonic"]),
    ("monotonic-snapshot-read", &["G1", "G-MSR"]),
    ("consistent-view", &["G1", "G-single"]),
    ("forward-consistent-view", &["G1", "G-SIb"]),
    ("parallel-snapshot-isolation", &["internal", "G1a"]),
    (
        "PL-3",
        &["G1", "G2", "predicate-read-miss", "PL-3-cycle-exists"],
    ),
    ("PL-2", &["G1", "PL-2-cycle-exists"]),
    (
        "PL-1",
        &[
            "G0",
            "duplicate-elements",
            "cyclic-versions",
            "PL-1-cycle-exists",
        ],
    ),
    ("prefix", &["internal", "G1a"]),
    ("serializable", &["internal"]),
    (
        "snapshot-isolation",
        &[
            "internal",
            "G1",
            "G-SI",
            "G-nonadjacent",
            "PL-SI-cycle-exists",
        ],
    ),
    ("read-atomic", &["internal", "G1a", "future-read"]),
    (
        "repeatable-read",
        &["G1", "G2-item", "PL-2.99-cycle-exists", "lost-update"],
    ),
    ("update-atomic", &["lost-update"]),
    (
        "strict-serializable",
        &["G1", "G1c-realtime", "G2-realtime", "PL-SS-cycle-exists"],
    ),
    (
        "strong-session-PL-1",
        &["strong-session-PL-1-cycle-exists", "G0-process"],
    ),
    (
        "strong-session-PL-2",
        &["strong-session-PL-2-cycle-exists", "G1c-process"],
    ),
    ("strong-PL-1", &["strong-PL-1-cycle-exists", "G0-realtime"]),
    ("strong-PL-2", &["strong-PL-2-cycle-exists", "G1c-realtime"]),
    (
        "strong-session-snapshot-isolation",
        &[
            "internal",
            "G1-process",
            "G-nonadjacent-process",
            "strong-session-snapshot-isolation-cycle-exists",
        ],
    ),
    (
        "strong-snapshot-isolation",
        &[
            "internal",
            "G1-realtime",
            "G-nonadjacent-realtime",
            "strong-snapshot-isolation-cycle-exists",
        ],
    ),
    (
        "strong-session-serializable",
        &[
            "G1-process",
            "G2-process",
            "strong-session-serializable-cycle-exists",
        ],
    ),
    ("update-serializable", &["G1", "G-update"]),
];

/// Elle's canonical name of a model (unknown names are their own).
pub fn canonical(model: &str) -> &str {
    CANONICAL
        .iter()
        .find(|(friendly, _)| *friendly == model)
        .map_or(model, |(_, c)| c)
}

/// Elle's friendly name of a (canonical) model.
pub fn friendly(model: &str) -> &str {
    if let Some((_, f)) = FRIENDLY_OVERRIDES.iter().find(|(c, _)| *c == model) {
        return f;
    }
    CANONICAL
        .iter()
        .find(|(_, c)| *c == model)
        .map_or(model, |(f, _)| f)
}

/// A small directed graph over names.
struct NameGraph {
    names: Vec<&'static str>,
    index: HashMap<&'static str, usize>,
    out: Vec<Vec<usize>>,
    inn: Vec<Vec<usize>>,
}

impl NameGraph {
    fn build(edges: &[(&'static str, &'static str)]) -> Self {
        let mut g = NameGraph {
            names: Vec::new(),
            index: HashMap::new(),
            out: Vec::new(),
            inn: Vec::new(),
        };
        for &(a, b) in edges {
            let (a, b) = (g.vertex(a), g.vertex(b));
            if !g.out[a].contains(&b) {
                g.out[a].push(b);
                g.inn[b].push(a);
            }
        }
        g
    }

    fn vertex(&mut self, name: &'static str) -> usize {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        self.names.push(name);
        self.out.push(Vec::new());
        self.inn.push(Vec::new());
        self.index.insert(name, self.names.len() - 1);
        self.names.len() - 1
    }

    /// `g/bfs`: the starts (known to the graph or not) and every vertex
    /// reachable from them, forwards or backwards.
    fn reach<'a>(
        &self,
        starts: impl IntoIterator<Item = &'a str>,
        forward: bool,
    ) -> BTreeSet<&'a str>
    where
        'static: 'a,
    {
        let mut seen: BTreeSet<&'a str> = BTreeSet::new();
        let mut queue: Vec<usize> = Vec::new();
        for s in starts {
            seen.insert(s);
            if let Some(&i) = self.index.get(s) {
                queue.push(i);
            }
        }
        while let Some(v) = queue.pop() {
            let next = if forward { &self.out[v] } else { &self.inn[v] };
            for &w in next {
                if seen.insert(self.names[w]) {
                    queue.push(w);
                }
            }
        }
        seen
    }

    fn contains(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }
}

struct Tables {
    implied: NameGraph,
    models: NameGraph,
    direct: NameGraph,
    /// `anomaly-depths`.
    depths: HashMap<&'static str, usize>,
}

fn flatten(
    map: &[(&'static str, &'static [&'static str])],
    canon: bool,
) -> Vec<(&'static str, &'static str)> {
    let c = |n: &'static str| if canon { canonical(n) } else { n };
    map.iter()
        .flat_map(|&(a, bs)| bs.iter().map(move |&b| (c(a), c(b))))
        .collect()
}

fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(|| {
        let implied = NameGraph::build(&flatten(IMPLIED, false));
        // Models and the anomalies they proscribe are keyed by canonical
        // names; anomaly names are unaffected by canonicalisation.
        let models = NameGraph::build(&flatten(MODELS, true));
        let direct_edges: Vec<_> = DIRECT
            .iter()
            .flat_map(|&(m, anoms)| anoms.iter().map(move |&a| (canonical(m), a)))
            .collect();
        let direct = NameGraph::build(&direct_edges);
        // topo-depths of implied ∪ severity, then depth 0 for proscribed
        // anomalies not in that graph (merge-with max).
        let mut merged = flatten(IMPLIED, false);
        merged.extend(flatten(SEVERITY, false));
        let g = NameGraph::build(&merged);
        let mut indegree: Vec<usize> = g.inn.iter().map(Vec::len).collect();
        let mut depths = HashMap::new();
        let mut level: Vec<usize> = (0..g.names.len()).filter(|&v| indegree[v] == 0).collect();
        let mut depth = 0;
        while !level.is_empty() {
            let mut next = Vec::new();
            for &v in &level {
                depths.insert(g.names[v], depth);
                for &w in &g.out[v] {
                    indegree[w] -= 1;
                    if indegree[w] == 0 {
                        next.push(w);
                    }
                }
            }
            level = next;
            depth += 1;
        }
        for &(_, anoms) in DIRECT {
            for &a in anoms {
                depths.entry(a).or_insert(0);
            }
        }
        Tables {
            implied,
            models,
            direct,
            depths,
        }
    })
}

/// `all-models`: every model name Elle accepts.
fn is_known_model(model: &str) -> bool {
    tables().models.contains(model) || CANONICAL.iter().any(|(f, c)| *f == model || *c == model)
}

/// `validate-models`: Elle throws `Unknown consistency model` (an
/// IllegalArgumentException) for a name it does not know.
pub fn validate_models(models: &[String]) -> Result<(), String> {
    let unknown: Vec<&String> = models.iter().filter(|m| !is_known_model(m)).collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "Unknown consistency model {unknown:?}: Elle's validate-models throws, so \
             Maelstrom's checker throws and its result is :valid? :unknown"
        ))
    }
}

/// `all-anomalies-implying`: the anomalies and every anomaly implying one.
pub fn all_anomalies_implying<'a>(
    anomalies: impl IntoIterator<Item = &'a str>,
) -> BTreeSet<&'a str> {
    tables().implied.reach(anomalies, false)
}

/// `all-implied-anomalies`: the anomalies and every anomaly they imply.
pub fn all_implied_anomalies<'a>(
    anomalies: impl IntoIterator<Item = &'a str>,
) -> BTreeSet<&'a str> {
    tables().implied.reach(anomalies, true)
}

/// `anomalies-prohibited-by`: every anomaly that must be absent if all the
/// models hold (each model, every weaker model, what each proscribes, and
/// every anomaly implying one of those).
pub fn anomalies_prohibited_by(models: &[String]) -> Result<BTreeSet<String>, String> {
    validate_models(models)?;
    let t = tables();
    let all = t.models.reach(models.iter().map(|m| canonical(m)), true);
    let direct: Vec<&str> = all
        .iter()
        .filter_map(|m| t.direct.index.get(m))
        .flat_map(|&i| t.direct.out[i].iter().map(|&a| t.direct.names[a]))
        .collect();
    Ok(all_anomalies_implying(direct)
        .into_iter()
        .map(str::to_string)
        .collect())
}

/// `all-impossible-models`: the models and every model stronger than one.
pub fn all_impossible_models<'a>(models: impl IntoIterator<Item = &'a str>) -> BTreeSet<&'a str> {
    tables()
        .models
        .reach(models.into_iter().map(canonical), false)
}

/// `anomalies->impossible-models`: the (canonical) models these anomalies
/// rule out.
pub fn impossible_models<'a>(
    anomalies: impl IntoIterator<Item = &'a str>,
) -> BTreeSet<&'static str> {
    let t = tables();
    let direct: Vec<&'static str> = all_implied_anomalies(anomalies)
        .into_iter()
        .filter_map(|a| t.direct.index.get(a))
        .flat_map(|&i| t.direct.inn[i].iter().map(|&m| t.direct.names[m]))
        .collect();
    all_impossible_models(direct)
}

/// `weakest-models`: those not implying another of the set.
fn weakest(ms: &BTreeSet<&'static str>) -> BTreeSet<&'static str> {
    let t = tables();
    ms.iter()
        .copied()
        .filter(|&m| {
            !t.models
                .reach([m], true)
                .into_iter()
                .any(|w| w != m && ms.contains(w))
        })
        .collect()
}

/// `friendly-boundary`: the weakest models these anomalies rule out (`not`)
/// and the other models they rule out (`also-not`), by friendly name.
pub fn friendly_boundary<'a>(
    anomalies: impl IntoIterator<Item = &'a str>,
) -> (BTreeSet<String>, BTreeSet<String>) {
    let impossible = impossible_models(anomalies);
    let not = weakest(&impossible);
    let also: BTreeSet<String> = impossible
        .iter()
        .filter(|m| !not.contains(*m))
        .map(|m| friendly(m).to_string())
        .collect();
    (not.iter().map(|m| friendly(m).to_string()).collect(), also)
}

/// `anomaly-depth-compare`: by depth in the implication and severity
/// graphs (unknown anomalies first, as `nil` sorts first), then by name.
pub fn anomaly_order(a: &str, b: &str) -> std::cmp::Ordering {
    let d = &tables().depths;
    d.get(a).cmp(&d.get(b)).then_with(|| a.cmp(b))
}

/// The option's value split as Maelstrom 0.2.4 splits it
/// (`(str/split s #"\s+,\s+")`, Java's `String.split`): only a comma with
/// whitespace on both sides separates models, surrounding whitespace is
/// kept, trailing empty names are dropped. So `"read-committed,serializable"`
/// is one (unknown) model name and the checker's verdict becomes unknown.
pub fn parse_consistency_models(raw: &str) -> Vec<String> {
    // Java's \s: [ \t\n\x0B\f\r].
    let ws = |c: u8| matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
    let b = raw.as_bytes();
    let mut parts = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < b.len() {
        if !ws(b[i]) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < b.len() && ws(b[j]) {
            j += 1;
        }
        if j + 1 < b.len() && b[j] == b',' && ws(b[j + 1]) {
            let mut k = j + 1;
            while k < b.len() && ws(b[k]) {
                k += 1;
            }
            parts.push(raw[start..i].to_string());
            start = k;
            i = k;
        } else {
            i = j;
        }
    }
    parts.push(raw[start..].to_string());
    // A match-free input is returned whole, even if empty.
    if parts.len() > 1 {
        while parts.len() > 1 && parts.last().is_some_and(String::is_empty) {
            parts.pop();
        }
        if parts.len() == 1 && parts[0].is_empty() {
            parts.clear();
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(xs: &[&str]) -> BTreeSet<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    fn models(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn all_anomalies_in_depth_order_as_elle_lists_them() {
        // elle/test/elle/consistency_model_test.clj, all-anomalies-test.
        let expected = [
            "G-MSR",
            "G-SI",
            "G-SIb",
            "G-cursor",
            "G-monotonic",
            "G-single-item",
            "G-update",
            "G0",
            "G1b",
            "GSIa",
            "PL-1-cycle-exists",
            "PL-2-cycle-exists",
            "PL-2.99-cycle-exists",
            "PL-3-cycle-exists",
            "PL-SI-cycle-exists",
            "PL-SS-cycle-exists",
            "cyclic-versions",
            "dirty-update",
            "duplicate-elements",
            "future-read",
            "incompatible-order",
            "internal",
            "lost-update",
            "predicate-read-miss",
            "strong-PL-1-cycle-exists",
            "strong-PL-2-cycle-exists",
            "strong-session-PL-1-cycle-exists",
            "strong-session-PL-2-cycle-exists",
            "strong-session-serializable-cycle-exists",
            "strong-session-snapshot-isolation-cycle-exists",
            "strong-snapshot-isolation-cycle-exists",
            "G-nonadjacent-item",
            "G-single-item-process",
            "G1a",
            "G1c",
            "write-skew",
            "G-nonadjacent-item-process",
            "G-single",
            "G-single-item-realtime",
            "G1",
            "G2-item",
            "G-nonadjacent",
            "G-nonadjacent-item-realtime",
            "GSIb",
            "G2",
            "GSI",
            "G0-process",
            "G1c-process",
            "G-single-process",
            "G1-process",
            "G2-item-process",
            "G-nonadjacent-process",
            "G2-process",
            "G0-realtime",
            "G1c-realtime",
            "G-single-realtime",
            "G1-realtime",
            "G2-item-realtime",
            "G-nonadjacent-realtime",
            "G2-realtime",
        ];
        let mut all: Vec<&str> = tables().depths.keys().copied().collect();
        all.sort_by(|a, b| anomaly_order(a, b));
        assert_eq!(all, expected);
    }

    #[test]
    fn prohibited_anomalies_per_model() {
        // anomalies-prohibited-by-test.
        assert_eq!(
            anomalies_prohibited_by(&models(&["read-committed"])).unwrap(),
            set(&[
                "dirty-update",
                "G1a",
                "G1b",
                "G1c",
                "G1",
                "G0",
                "PL-1-cycle-exists",
                "PL-2-cycle-exists",
                "cyclic-versions",
                "duplicate-elements",
                "incompatible-order",
                "future-read"
            ])
        );
        assert_eq!(
            anomalies_prohibited_by(&models(&["read-uncommitted"])).unwrap(),
            set(&[
                "G0",
                "duplicate-elements",
                "cyclic-versions",
                "PL-1-cycle-exists"
            ])
        );
        let ser = anomalies_prohibited_by(&models(&["serializable"])).unwrap();
        for a in [
            "G2-item",
            "G-single-item",
            "internal",
            "lost-update",
            "G-nonadjacent-item",
        ] {
            assert!(ser.contains(a), "{a}");
        }
        assert!(!ser.contains("G1c-realtime") && !ser.contains("G2-item-realtime"));
        let si = anomalies_prohibited_by(&models(&["snapshot-isolation"])).unwrap();
        assert!(si.contains("G-single-item") && si.contains("G-nonadjacent-item"));
        assert!(!si.contains("G2-item") && si.contains("lost-update"));
        let strict = anomalies_prohibited_by(&models(&["strict-serializable"])).unwrap();
        for a in [
            "G0-realtime",
            "G2-item-realtime",
            "G-single-item-process",
            "PL-SS-cycle-exists",
        ] {
            assert!(strict.contains(a), "{a}");
        }
        assert!(anomalies_prohibited_by(&models(&["stricct-snappshot-isolation"])).is_err());
        assert!(anomalies_prohibited_by(&models(&["PL-2"])).is_ok());
        assert_eq!(anomalies_prohibited_by(&[]).unwrap(), BTreeSet::new());
    }

    #[test]
    fn boundaries_match_elles_tests() {
        let (not, also) = friendly_boundary(["cyclic-versions"]);
        assert_eq!(not, set(&["read-uncommitted"]));
        assert_eq!(
            also,
            set(&[
                "read-committed",
                "snapshot-isolation",
                "causal-cerone",
                "consistent-view",
                "cursor-stability",
                "forward-consistent-view",
                "monotonic-atomic-view",
                "monotonic-snapshot-read",
                "monotonic-view",
                "parallel-snapshot-isolation",
                "prefix",
                "read-atomic",
                "repeatable-read",
                "update-atomic",
                "serializable",
                "strong-read-committed",
                "strong-read-uncommitted",
                "strong-serializable",
                "strong-session-read-committed",
                "strong-session-read-uncommitted",
                "strong-session-serializable",
                "strong-session-snapshot-isolation",
                "strong-snapshot-isolation",
                "update-serializable"
            ])
        );
        assert_eq!(
            friendly_boundary(["internal"]),
            (
                set(&["read-atomic"]),
                set(&[
                    "causal-cerone",
                    "parallel-snapshot-isolation",
                    "prefix",
                    "update-atomic",
                    "serializable",
                    "snapshot-isolation",
                    "strong-serializable",
                    "strong-session-serializable",
                    "strong-session-snapshot-isolation",
                    "strong-snapshot-isolation"
                ])
            )
        );
        assert_eq!(
            friendly_boundary(["G-single"]),
            (
                set(&["consistent-view"]),
                set(&[
                    "snapshot-isolation",
                    "serializable",
                    "strong-serializable",
                    "strong-session-snapshot-isolation",
                    "strong-snapshot-isolation",
                    "strong-session-serializable",
                    "forward-consistent-view",
                    "update-serializable"
                ])
            )
        );
        assert_eq!(
            friendly_boundary(["G2", "internal"]).0,
            set(&["read-atomic"])
        );
        assert_eq!(
            friendly_boundary(["lost-update"]).0,
            set(&["update-atomic", "cursor-stability"])
        );
        assert_eq!(
            friendly_boundary(["G-single-realtime"]),
            (
                set(&["strong-snapshot-isolation"]),
                set(&["strong-serializable"])
            )
        );
        assert_eq!(friendly_boundary(["G1a"]).0, set(&["read-committed"]));
        assert_eq!(
            friendly_boundary(["G-single-item"]).0,
            set(&["consistent-view", "repeatable-read"])
        );
        assert_eq!(friendly_boundary(["G2-item"]).0, set(&["repeatable-read"]));
        assert_eq!(friendly_boundary(Vec::<&str>::new()), (set(&[]), set(&[])));
        assert_eq!(
            all_impossible_models(["strong-session-serializable"]),
            ["PL-SS", "strong-session-serializable"]
                .into_iter()
                .collect()
        );
    }

    #[test]
    fn maelstrom_splits_models_on_a_comma_between_whitespace_only() {
        assert_eq!(parse_consistency_models("serializable"), ["serializable"]);
        assert_eq!(
            parse_consistency_models("read-committed , serializable"),
            ["read-committed", "serializable"]
        );
        assert_eq!(
            parse_consistency_models("read-committed,serializable"),
            ["read-committed,serializable"]
        );
        assert_eq!(parse_consistency_models("a ,b , c"), ["a ,b", "c"]);
        assert_eq!(parse_consistency_models(" serializable"), [" serializable"]);
        assert_eq!(parse_consistency_models("a \t,\n b , "), ["a", "b"]);
        assert_eq!(parse_consistency_models(" , "), Vec::<String>::new());
        assert_eq!(parse_consistency_models(""), [""]);
        assert!(validate_models(&parse_consistency_models("read-committed,serializable")).is_err());
    }
}

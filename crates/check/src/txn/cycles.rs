//! The cycle search Elle 0.2.2 runs on each strongly connected component of
//! a transaction graph (`elle.txn/cycle-cases-in-scc`): first the
//! "cycle exists" pass over the subgraphs each consistency model must keep
//! acyclic, then the search for each cycle anomaly in Elle's order
//! (`cycle-anomaly-specs`, sorted by `anomaly-depth-compare`), skipping
//! anomalies already implied by one found and those the first pass proved
//! impossible. A cycle's name comes from how each of its steps is
//! explained, as `elle.txn/cycle-explainer` names it.
//!
//! Elle explains the step from a to b with the first of its explainers that
//! knows a reason (list-append: ww, wr, rw, then real time or process;
//! rw-register: wr, ww, rw, then the rest), whatever edge its search took.
//! As in Elle, each anomaly is searched on the raw edges with Elle's own
//! breadth-first search ([`bfs`]), the first start that yields a cycle
//! wins, and the cycle is then named by its explained steps: a typed
//! anomaly (G-single-item, G-nonadjacent-item, G2-item and their variants)
//! whose cycle is explained as another type finds nothing in this
//! component, and an untyped one (G0, G1c…) is reported under the type its
//! explanation gives. Where the search's budget runs out (where Elle would
//! hit its 1 s timeout), the shortest cycle of the explained kinds stands
//! in (for components up to [`FULL_SEARCH`] vertices; beyond that, the
//! shortest through a few likely vertices). Only simple cycles count, as in
//! Elle.

use super::bfs::{self, Outcome, RwMode};
use super::models;
use crate::graph::{CycleShape, Dep, DepGraph, Deps, RwRule, Step};
use std::collections::{BTreeSet, HashSet};

/// Components up to this size get the globally shortest cycle of each kind;
/// larger ones (a broken database can put most of a history in one) are
/// searched through a few vertices only. Elle, for its part, gives up on a
/// component after 1 s (`cycle-search-timeout`).
const FULL_SEARCH: usize = 250;

/// How many start vertices a large component's search tries.
const STARTS: usize = 8;

/// The relationships the cycle-exists subgraphs are built from.
#[derive(Debug, Clone, Copy)]
enum Subgraph {
    /// `[:union …]`: the edges of these kinds.
    Union(Deps),
    /// `[:extension A [:union rw rwp]]`: A ∪ (A;rw), so cycles whose rw
    /// edges each follow an A edge.
    Extension(Deps),
}

/// One of `elle.txn/cycle-exists-specs`.
struct ExistsSpec {
    /// Canonical model name.
    model: &'static str,
    subgraph: Subgraph,
    /// The subgraph as Elle prints it.
    shown: &'static [&'static str],
}

const DATA_W: &[Dep] = &[Dep::Ww];
const DATA_WWR: &[Dep] = &[Dep::Ww, Dep::Wr];

fn deps(base: &[Dep], extra: &[Dep]) -> Deps {
    let mut all = base.to_vec();
    all.extend_from_slice(extra);
    Deps::of(&all)
}

fn exists_specs() -> Vec<ExistsSpec> {
    let rw = [Dep::Ww, Dep::Wr, Dep::Rw];
    vec![
        ExistsSpec {
            model: "PL-1",
            subgraph: Subgraph::Union(deps(DATA_W, &[])),
            shown: &["union", "ww", "wwp"],
        },
        ExistsSpec {
            model: "PL-2",
            subgraph: Subgraph::Union(deps(DATA_WWR, &[])),
            shown: &["union", "ww", "wwp", "wr", "wrp"],
        },
        ExistsSpec {
            model: "PL-SI",
            subgraph: Subgraph::Extension(deps(DATA_WWR, &[])),
            shown: &["extension", "union ww wwp wr wrp", "union rw rwp"],
        },
        ExistsSpec {
            model: "PL-2.99",
            subgraph: Subgraph::Union(deps(&rw, &[])),
            shown: &["union", "ww", "wwp", "wr", "wrp", "rw"],
        },
        ExistsSpec {
            model: "PL-3",
            subgraph: Subgraph::Union(deps(&rw, &[])),
            shown: &["union", "ww", "wwp", "wr", "wrp", "rw", "rwp"],
        },
        ExistsSpec {
            model: "strong-session-PL-1",
            subgraph: Subgraph::Union(deps(DATA_W, &[Dep::Process])),
            shown: &["union", "ww", "wwp", "process"],
        },
        ExistsSpec {
            model: "strong-session-PL-2",
            subgraph: Subgraph::Union(deps(DATA_WWR, &[Dep::Process])),
            shown: &["union", "ww", "wwp", "wr", "wrp", "process"],
        },
        ExistsSpec {
            model: "strong-session-snapshot-isolation",
            subgraph: Subgraph::Extension(deps(DATA_WWR, &[Dep::Process])),
            shown: &["extension", "union ww wwp wr wrp process", "union rw rwp"],
        },
        ExistsSpec {
            model: "strong-session-serializable",
            subgraph: Subgraph::Union(deps(&rw, &[Dep::Process])),
            shown: &["union", "ww", "wwp", "wr", "wrp", "rw", "rwp", "process"],
        },
        ExistsSpec {
            model: "strong-PL-1",
            subgraph: Subgraph::Union(deps(DATA_W, &[Dep::Realtime])),
            shown: &["union", "ww", "wwp", "realtime"],
        },
        ExistsSpec {
            model: "strong-PL-2",
            subgraph: Subgraph::Union(deps(DATA_WWR, &[Dep::Realtime])),
            shown: &["union", "ww", "wwp", "wr", "wrp", "realtime"],
        },
        ExistsSpec {
            model: "strong-snapshot-isolation",
            subgraph: Subgraph::Extension(deps(DATA_WWR, &[Dep::Realtime])),
            shown: &["extension", "union ww wwp wr wrp realtime", "union rw rwp"],
        },
        ExistsSpec {
            model: "PL-SS",
            subgraph: Subgraph::Union(deps(&rw, &[Dep::Realtime])),
            shown: &["union", "ww", "wwp", "wr", "wrp", "rw", "rwp", "realtime"],
        },
    ]
}

/// The cycle anomalies whose search can succeed on these histories, in
/// the order Elle tries them. (`G-single`, `G-nonadjacent` and `G2` need
/// predicate edges, which neither workload has: their explained type can
/// never match, so Elle never reports them.)
fn anomaly_specs() -> &'static [(String, Base, Option<Dep>)] {
    static SPECS: std::sync::OnceLock<Vec<(String, Base, Option<Dep>)>> =
        std::sync::OnceLock::new();
    SPECS.get_or_init(|| {
        let bases = [
            ("G0", Base::G0),
            ("G1c", Base::G1c),
            ("G-single-item", Base::Single),
            ("G-nonadjacent-item", Base::Nonadjacent),
            ("G2-item", Base::G2Item),
        ];
        let mut specs = Vec::new();
        for (name, base) in bases {
            specs.push((name.to_string(), base, None));
            specs.push((format!("{name}-process"), base, Some(Dep::Process)));
            specs.push((format!("{name}-realtime"), base, Some(Dep::Realtime)));
        }
        specs.sort_by(|a, b| models::anomaly_order(&a.0, &b.0));
        specs
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Base {
    G0,
    G1c,
    Single,
    Nonadjacent,
    G2Item,
}

impl Base {
    fn shape(self, extra: &[Dep]) -> CycleShape {
        match self {
            Base::G0 => CycleShape::g0(extra),
            Base::G1c => CycleShape::g1c(extra),
            Base::Single => CycleShape::g_single(extra),
            Base::Nonadjacent => CycleShape::g_nonadjacent(extra),
            Base::G2Item => CycleShape::g2(extra),
        }
    }

    /// The spec Elle's breadth-first search runs for this anomaly, with
    /// its process or real-time variant's edge `extra`
    /// (`cycle-anomaly-specs` through `spec->path`).
    fn elle_spec(self, extra: Option<Dep>) -> bfs::Spec {
        let data = Deps::of(&[Dep::Ww, Dep::Wr]);
        let (legal, want, want_rw, mode) = match self {
            Base::G0 => (Deps::of(&[Dep::Ww]), vec![], 0, RwMode::None),
            Base::G1c => (data, vec![Deps::of(&[Dep::Wr])], 0, RwMode::None),
            Base::Single => (data, vec![], 1, RwMode::Single),
            Base::Nonadjacent => (data, vec![], 2, RwMode::NonadjacentFree),
            Base::G2Item => (
                Deps::of(&[Dep::Ww, Dep::Wr, Dep::Rw]),
                vec![],
                2,
                RwMode::None,
            ),
        };
        let mut spec = bfs::Spec {
            legal,
            want,
            want_rw,
            mode,
            filter: legal,
        };
        if want_rw > 0 {
            spec.filter = spec.filter.with(Dep::Rw);
        }
        spec.filter = spec.want.iter().fold(spec.filter, |f, w| f.union(*w));
        if let Some(x) = extra {
            spec.legal = spec.legal.with(x);
            spec.want.push(Deps::of(&[x]));
            spec.filter = spec.filter.with(x);
        }
        spec
    }

    /// G0 and G1c specs have no `:type`: Elle reports whatever the cycle
    /// found is explained as.
    fn typed(self) -> bool {
        !matches!(self, Base::G0 | Base::G1c)
    }
}

/// What the search of one component found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// `{:type :<model>-cycle-exists, :not …, :subgraph …, :scc …}`: the
    /// model's subgraph has a cycle among `scc` (vertices of the full graph,
    /// sorted; the smallest such component).
    Exists {
        model: &'static str,
        subgraph: &'static [&'static str],
        scc: Vec<usize>,
    },
    /// A cycle, named as Elle's cycle explainer names it; each step's kind is
    /// the one its explanation gives.
    Cycle { name: String, steps: Vec<Step> },
}

impl Found {
    pub fn type_name(&self) -> String {
        match self {
            Found::Exists { model, .. } => format!("{model}-cycle-exists"),
            Found::Cycle { name, .. } => name.clone(),
        }
    }
}

/// Elle's name for a cycle from the kinds of its explained steps, or None
/// if it has no data dependency (which cannot form a cycle).
pub fn classify(steps: &[Step]) -> Option<String> {
    let count = |d: Dep| steps.iter().filter(|s| s.dep == d).count();
    let (rw, wr, ww) = (count(Dep::Rw), count(Dep::Wr), count(Dep::Ww));
    let n = steps.len();
    let adjacent = (0..n).any(|i| steps[i].dep == Dep::Rw && steps[(i + 1) % n].dep == Dep::Rw);
    let base = if rw == 1 {
        "G-single-item"
    } else if rw > 1 {
        if adjacent {
            "G2-item"
        } else {
            "G-nonadjacent-item"
        }
    } else if wr > 0 {
        "G1c"
    } else if ww > 0 {
        "G0"
    } else {
        return None;
    };
    let suffix = if count(Dep::Realtime) > 0 {
        "-realtime"
    } else if count(Dep::Process) > 0 {
        "-process"
    } else {
        ""
    };
    Some(format!("{base}{suffix}"))
}

/// Searches one strongly connected component (vertices of `graph`) the way
/// Elle's `cycle-cases-in-scc` does. `explain` is the order in which Elle's
/// combined explainer tries dependency kinds.
pub fn search_component(graph: &DepGraph, component: &[usize], explain: &[Dep]) -> Vec<Found> {
    let raw = graph.induced(component);
    let mut found = Vec::new();
    // 1. Cycle existence, per model subgraph, skipping models already
    //    ruled out by a weaker one's cycle.
    let mut ruled_out: BTreeSet<&str> = BTreeSet::new();
    let mut exists_models: Vec<&'static str> = Vec::new();
    let specs = exists_specs();
    for spec in &specs {
        if ruled_out.contains(spec.model) {
            continue;
        }
        let sccs = match spec.subgraph {
            Subgraph::Union(kinds) => raw.cycles_components(kinds),
            Subgraph::Extension(a) => extension_components(&raw, a),
        };
        let Some(smallest) = sccs.iter().min_by_key(|c| c.len()) else {
            continue;
        };
        let mut scc: Vec<usize> = smallest.iter().map(|&v| component[v]).collect();
        scc.sort_unstable();
        found.push(Found::Exists {
            model: spec.model,
            subgraph: spec.shown,
            scc,
        });
        exists_models.push(spec.model);
        ruled_out.extend(models::all_impossible_models([spec.model]));
    }
    // Cycle anomalies the models without a cycle prohibit cannot be here.
    let impossible = models::all_impossible_models(exists_models.iter().copied());
    let possible: Vec<String> = specs
        .iter()
        .filter(|s| !impossible.contains(s.model))
        .map(|s| s.model.to_string())
        .collect();
    let cannot: BTreeSet<String> = models::anomalies_prohibited_by(&possible).unwrap_or_default();

    // 2. Specific cycles, on the graph of explained kinds.
    let explained = explained_graph(&raw, explain);
    let present =
        |d: Dep| (0..explained.len()).any(|v| explained.out(v).iter().any(|(_, k)| k.contains(d)));
    let (has_process, has_realtime) = (present(Dep::Process), present(Dep::Realtime));
    let mut redundant: BTreeSet<String> = BTreeSet::new();
    for (name, base, extra) in anomaly_specs() {
        if redundant.contains(name) || cannot.contains(name) {
            continue;
        }
        // A variant needs an edge of its kind (Elle requires one).
        match extra {
            Some(Dep::Process) if !has_process => continue,
            Some(Dep::Realtime) if !has_realtime => continue,
            _ => {}
        }
        // Elle's search on the raw edges; where its budget runs out (Elle
        // would hit its 1 s timeout), the shortest cycle of the explained
        // kinds instead.
        let steps = match bfs::search(&raw, &base.elle_spec(*extra)) {
            Outcome::Found(vertices) => explain_steps(&explained, &vertices),
            Outcome::None => None,
            Outcome::Exhausted => {
                let extra: Vec<Dep> = extra.iter().copied().collect();
                find_cycle(&explained, base.shape(&extra)).map(rotate)
            }
        };
        let Some(steps) = steps else {
            continue;
        };
        let Some(kind) = classify(&steps) else {
            continue;
        };
        // A typed spec whose cycle is explained as another type finds
        // nothing in this component: Elle tries no other start.
        if base.typed() && &kind != name {
            continue;
        }
        let steps = steps
            .into_iter()
            .map(|s| Step {
                from: component[s.from],
                dep: s.dep,
            })
            .collect();
        found.push(Found::Cycle { name: kind, steps });
        redundant.extend(
            models::all_implied_anomalies([name.as_str()])
                .into_iter()
                .map(str::to_string),
        );
    }
    found
}

/// A cycle Elle's search found (its vertices, back to the first), each
/// step named as Elle's explainer names it.
fn explain_steps(explained: &DepGraph, vertices: &[usize]) -> Option<Vec<Step>> {
    vertices
        .windows(2)
        .map(|pair| {
            let dep = explained.deps(pair[0], pair[1]).kinds().next()?;
            Some(Step { from: pair[0], dep })
        })
        .collect()
}

/// Starts the cycle where Elle's search starts one: its first step must be
/// a wanted edge (an rw edge if the anomaly has one, else a wr edge for G1c,
/// else the variant's process or real-time edge).
fn rotate(mut steps: Vec<Step>) -> Vec<Step> {
    let first = [Dep::Rw, Dep::Wr, Dep::Realtime, Dep::Process]
        .iter()
        .find_map(|&d| steps.iter().position(|s| s.dep == d));
    if let Some(i) = first {
        steps.rotate_left(i);
    }
    steps
}

/// Each edge reduced to the one kind Elle's explainer would name.
fn explained_graph(raw: &DepGraph, explain: &[Dep]) -> DepGraph {
    let mut order: Vec<Dep> = explain.to_vec();
    for d in [Dep::Ww, Dep::Wr, Dep::Rw, Dep::Process, Dep::Realtime] {
        if !order.contains(&d) {
            order.push(d);
        }
    }
    let mut g = DepGraph::new(raw.len());
    for v in 0..raw.len() {
        for &(w, kinds) in raw.out(v) {
            if let Some(k) = kinds.first_of(&order) {
                g.add(v, w, k);
            }
        }
    }
    g
}

/// The components of `A ∪ (A;rw)` with a cycle, as sets of vertices of
/// `raw`. Built as a graph over (vertex, whether the last edge was an A
/// edge): A edges lead to state 1 from either state, rw edges from state 1
/// to state 0, so its cycles are exactly the closed walks whose rw edges
/// each follow an A edge. A vertex belongs to the extension's component
/// where a walk can leave it by an A edge (Elle's "linchpin" vertex, only
/// passed through between an A edge and an rw edge, does not).
fn extension_components(raw: &DepGraph, a: Deps) -> Vec<Vec<usize>> {
    let n = raw.len();
    let mut h = DepGraph::new(2 * n);
    let rw = Deps::of(&[Dep::Rw]);
    for v in 0..n {
        for &(w, kinds) in raw.out(v) {
            if kinds.intersects(a) {
                h.add(2 * v, 2 * w + 1, Dep::Ww);
                h.add(2 * v + 1, 2 * w + 1, Dep::Ww);
            }
            if kinds.intersects(rw) {
                h.add(2 * v + 1, 2 * w, Dep::Rw);
            }
        }
    }
    h.cycles_components(Deps::of(&[Dep::Ww, Dep::Rw]))
        .into_iter()
        .map(|comp| {
            let inside: HashSet<usize> = comp.iter().copied().collect();
            let mut vs: Vec<usize> = comp
                .iter()
                .filter(|&&s| {
                    s % 2 == 0
                        || h.out(s)
                            .iter()
                            .any(|&(t, k)| k.contains(Dep::Ww) && inside.contains(&t))
                })
                .map(|&s| s / 2)
                .collect();
            vs.sort_unstable();
            vs.dedup();
            vs
        })
        .filter(|vs| !vs.is_empty())
        .collect()
}

/// The shortest simple cycle of `shape` in `g`, searched within each
/// component of the edges the shape may use.
fn find_cycle(g: &DepGraph, shape: CycleShape) -> Option<Vec<Step>> {
    let mut best: Option<Vec<Step>> = None;
    for comp in g.cycles_components(shape.allowed) {
        let cycle = if comp.len() <= FULL_SEARCH {
            g.shortest_cycle(&comp, shape)
                .and_then(|c| simple(c, shape))
                .or_else(|| {
                    // The shortest closed walk revisits a vertex: look for a
                    // simple one through each vertex instead.
                    comp.iter()
                        .filter_map(|&s| g.shortest_cycle_through(s, &comp, shape))
                        .filter_map(|c| simple(c, shape))
                        .min_by_key(Vec::len)
                })
        } else {
            starts(g, &comp, shape)
                .into_iter()
                .filter_map(|s| g.shortest_cycle_through(s, &comp, shape))
                .filter_map(|c| simple(c, shape))
                .min_by_key(Vec::len)
        };
        if let Some(c) = cycle {
            if best.as_ref().is_none_or(|b| c.len() < b.len()) {
                best = Some(c);
            }
        }
    }
    best
}

/// Likely vertices of a large component: its lowest, and the heads of
/// edges of the rarest kind the shape needs.
fn starts(g: &DepGraph, comp: &[usize], shape: CycleShape) -> Vec<usize> {
    let inside: HashSet<usize> = comp.iter().copied().collect();
    let want = if shape.rw != RwRule::None {
        Dep::Rw
    } else if shape.allowed.contains(Dep::Realtime) {
        Dep::Realtime
    } else if shape.allowed.contains(Dep::Process) {
        Dep::Process
    } else {
        shape.needs.unwrap_or(Dep::Ww)
    };
    let mut out = vec![comp[0]];
    'outer: for &v in comp {
        for &(w, k) in g.out(v) {
            if k.contains(want) && inside.contains(&w) && !out.contains(&w) {
                out.push(w);
                if out.len() >= STARTS {
                    break 'outer;
                }
            }
        }
    }
    out
}

/// Whether a closed walk (kinds as taken) has the shape.
fn fits(steps: &[Step], shape: CycleShape) -> bool {
    if steps.is_empty() || !steps.iter().all(|s| shape.allowed.contains(s.dep)) {
        return false;
    }
    if let Some(need) = shape.needs {
        if !steps.iter().any(|s| s.dep == need) {
            return false;
        }
    }
    let rws = steps.iter().filter(|s| s.dep == Dep::Rw).count();
    let n = steps.len();
    let adjacent = (0..n).any(|i| steps[i].dep == Dep::Rw && steps[(i + 1) % n].dep == Dep::Rw);
    match shape.rw {
        RwRule::None => rws == 0,
        RwRule::ExactlyOne => rws == 1,
        RwRule::Nonadjacent => rws >= 1 && !adjacent,
        RwRule::AtLeastOne => rws >= 1,
    }
}

/// A simple cycle of `shape` within a closed walk: the walk itself if no
/// vertex repeats, else (recursively) one of the two closed walks it splits
/// into at a repeated vertex.
fn simple(steps: Vec<Step>, shape: CycleShape) -> Option<Vec<Step>> {
    let n = steps.len();
    for i in 0..n {
        for j in i + 1..n {
            if steps[i].from == steps[j].from {
                let inner: Vec<Step> = steps[i..j].to_vec();
                let outer: Vec<Step> = steps[j..].iter().chain(&steps[..i]).copied().collect();
                let mut parts: Vec<Vec<Step>> = [inner, outer]
                    .into_iter()
                    .filter_map(|p| simple(p, shape))
                    .collect();
                parts.sort_by_key(Vec::len);
                return parts.into_iter().next();
            }
        }
    }
    fits(&steps, shape).then_some(steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(n: usize, edges: &[(usize, usize, Dep)]) -> DepGraph {
        let mut g = DepGraph::new(n);
        for &(a, b, d) in edges {
            g.add(a, b, d);
        }
        g
    }

    fn names(found: &[Found]) -> Vec<String> {
        found.iter().map(Found::type_name).collect()
    }

    const LA: &[Dep] = &[Dep::Ww, Dep::Wr, Dep::Rw];
    const RW: &[Dep] = &[Dep::Wr, Dep::Ww, Dep::Rw];

    #[test]
    fn the_search_order_is_elles() {
        let order: Vec<&str> = anomaly_specs().iter().map(|s| s.0.as_str()).collect();
        assert_eq!(
            &order[..5],
            [
                "G-single-item",
                "G0",
                "G-nonadjacent-item",
                "G-single-item-process",
                "G1c"
            ]
        );
        assert_eq!(order.last(), Some(&"G2-item-realtime"));
    }

    #[test]
    fn a_typed_anomaly_elle_first_finds_explained_otherwise_is_not_reported() {
        // From vertex 0, Elle's G-single-item search takes 0 -rw-> 1 -wr-> 0,
        // but 0 → 1 is also ww, and list-append explains ww first: the cycle
        // is G1c, so G-single-item is dropped for this component, although
        // 1 -rw-> 2 -wr-> 1 is a clean one (another start Elle never tries).
        let g = graph(
            3,
            &[
                (0, 1, Dep::Rw),
                (0, 1, Dep::Ww),
                (1, 0, Dep::Wr),
                (1, 2, Dep::Rw),
                (2, 1, Dep::Wr),
            ],
        );
        let found = names(&search_component(&g, &[0, 1, 2], LA));
        assert!(found.contains(&"G1c".to_string()), "{found:?}");
        assert!(!found.contains(&"G-single-item".to_string()), "{found:?}");
        // Without the double edge, the first start's cycle is G-single-item.
        let g = graph(3, &[(0, 1, Dep::Rw), (1, 0, Dep::Wr), (1, 2, Dep::Ww)]);
        let found = names(&search_component(&g, &[0, 1, 2], LA));
        assert!(found.contains(&"G-single-item".to_string()), "{found:?}");
    }

    #[test]
    fn a_search_past_its_budget_falls_back_to_the_shortest_cycle() {
        // 0 -rw-> 1, a clique of ww edges among 1..=30, and the only way
        // back to 0 a chain of ten ww edges from 30. Elle's breadth-first
        // search grows every path through the clique (paths are never
        // merged) and runs out of budget before the chain's end; the
        // shortest-cycle search still finds the G-single-item.
        let (clique, n) = (30, 41);
        let mut edges = vec![(0, 1, Dep::Rw), (n - 1, 0, Dep::Ww)];
        for a in 1..=clique {
            for b in 1..=clique {
                if a != b {
                    edges.push((a, b, Dep::Ww));
                }
            }
        }
        for v in clique..n - 1 {
            edges.push((v, v + 1, Dep::Ww));
        }
        let g = graph(n, &edges);
        let spec = Base::Single.elle_spec(None);
        assert_eq!(bfs::search(&g, &spec), Outcome::Exhausted);
        let all: Vec<usize> = (0..n).collect();
        let found = names(&search_component(&g, &all, LA));
        assert!(found.contains(&"G-single-item".to_string()), "{found:?}");
    }

    #[test]
    fn a_write_cycle_is_g0_and_pl1_cycle_exists() {
        let g = graph(2, &[(0, 1, Dep::Ww), (1, 0, Dep::Ww)]);
        let found = search_component(&g, &[0, 1], LA);
        assert_eq!(names(&found), ["PL-1-cycle-exists", "G0"]);
    }

    #[test]
    fn explanations_decide_the_name() {
        // 0 -{ww,wr}-> 1 -ww-> 0: list-append explains ww first (G0),
        // rw-register wr first (G1c, and PL-1's cycle stays unexplained).
        let g = graph(2, &[(0, 1, Dep::Ww), (0, 1, Dep::Wr), (1, 0, Dep::Ww)]);
        assert_eq!(
            names(&search_component(&g, &[0, 1], LA)),
            ["PL-1-cycle-exists", "G0"]
        );
        assert_eq!(
            names(&search_component(&g, &[0, 1], RW)),
            ["PL-1-cycle-exists", "G1c"]
        );
    }

    #[test]
    fn write_skew_read_skew_and_realtime() {
        // Write skew: rw rw.
        let g = graph(2, &[(0, 1, Dep::Rw), (1, 0, Dep::Rw)]);
        assert_eq!(
            names(&search_component(&g, &[0, 1], LA)),
            ["PL-2.99-cycle-exists", "G2-item"]
        );
        // Read skew: rw wr.
        let g = graph(2, &[(0, 1, Dep::Rw), (1, 0, Dep::Wr)]);
        assert_eq!(
            names(&search_component(&g, &[0, 1], LA)),
            [
                "PL-SI-cycle-exists",
                "PL-2.99-cycle-exists",
                "G-single-item"
            ]
        );
        // Stale read: realtime then rw.
        let g = graph(2, &[(0, 1, Dep::Realtime), (1, 0, Dep::Rw)]);
        let found = search_component(&g, &[0, 1], LA);
        assert_eq!(
            names(&found),
            [
                "strong-snapshot-isolation-cycle-exists",
                "G-single-item-realtime"
            ]
        );
        // The linchpin (the vertex between the A edge and the rw edge) is not
        // part of the extension's component.
        assert_eq!(
            found[0],
            Found::Exists {
                model: "strong-snapshot-isolation",
                subgraph: &["extension", "union ww wwp wr wrp realtime", "union rw rwp"],
                scc: vec![0]
            }
        );
    }

    #[test]
    fn nonadjacent_needs_a_simple_cycle() {
        // rw wr rw wr around four vertices: G-nonadjacent-item.
        let g = graph(
            4,
            &[
                (0, 1, Dep::Rw),
                (1, 2, Dep::Wr),
                (2, 3, Dep::Rw),
                (3, 0, Dep::Wr),
            ],
        );
        assert_eq!(
            names(&search_component(&g, &[0, 1, 2, 3], LA)),
            [
                "PL-SI-cycle-exists",
                "PL-2.99-cycle-exists",
                "G-nonadjacent-item"
            ]
        );
        // rw rw wr rw wr: two rw edges adjacent — G2-item, not nonadjacent.
        let g = graph(
            5,
            &[
                (0, 1, Dep::Rw),
                (1, 2, Dep::Rw),
                (2, 3, Dep::Wr),
                (3, 4, Dep::Rw),
                (4, 0, Dep::Wr),
            ],
        );
        assert_eq!(
            names(&search_component(&g, &[0, 1, 2, 3, 4], LA)),
            ["PL-2.99-cycle-exists", "G2-item"]
        );
    }

    #[test]
    fn a_walk_through_a_repeated_vertex_is_not_a_cycle() {
        // s -ww-> v -ww-> s plus v -rw-> x -wr-> y -rw-> v: the only closed
        // walk with nonadjacent rw edges repeats v.
        let steps = vec![
            Step {
                from: 0,
                dep: Dep::Ww,
            },
            Step {
                from: 1,
                dep: Dep::Rw,
            },
            Step {
                from: 2,
                dep: Dep::Wr,
            },
            Step {
                from: 3,
                dep: Dep::Rw,
            },
            Step {
                from: 1,
                dep: Dep::Ww,
            },
        ];
        assert!(fits(&steps, CycleShape::g_nonadjacent(&[])));
        assert_eq!(simple(steps, CycleShape::g_nonadjacent(&[])), None);
        let g = graph(
            4,
            &[
                (0, 1, Dep::Ww),
                (1, 0, Dep::Ww),
                (1, 2, Dep::Rw),
                (2, 3, Dep::Wr),
                (3, 1, Dep::Rw),
            ],
        );
        let found = names(&search_component(&g, &[0, 1, 2, 3], LA));
        assert!(found.contains(&"G0".to_string()), "{found:?}");
        assert!(found.contains(&"G2-item".to_string()), "{found:?}");
        assert!(
            !found.contains(&"G-nonadjacent-item".to_string()),
            "{found:?}"
        );
    }

    #[test]
    fn classification() {
        let s = |deps: &[Dep]| -> Vec<Step> {
            deps.iter()
                .enumerate()
                .map(|(i, &dep)| Step { from: i, dep })
                .collect()
        };
        assert_eq!(classify(&s(&[Dep::Ww, Dep::Ww])).as_deref(), Some("G0"));
        assert_eq!(
            classify(&s(&[Dep::Ww, Dep::Realtime])).as_deref(),
            Some("G0-realtime")
        );
        assert_eq!(
            classify(&s(&[Dep::Wr, Dep::Process])).as_deref(),
            Some("G1c-process")
        );
        assert_eq!(
            classify(&s(&[Dep::Rw, Dep::Wr, Dep::Rw, Dep::Wr])).as_deref(),
            Some("G-nonadjacent-item")
        );
        assert_eq!(
            classify(&s(&[Dep::Rw, Dep::Wr, Dep::Rw])).as_deref(),
            Some("G2-item")
        );
        assert_eq!(classify(&s(&[Dep::Realtime])), None);
    }
}

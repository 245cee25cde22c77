//! Dependency graphs and the cycles in them, as Elle finds them: the one
//! implementation the kafka and the transactional checkers (issues 8, 9)
//! are to share. Vertices are operations (indices); an edge carries the
//! kinds of dependency between two operations (write–write, write–read,
//! read–write, process order, real-time order). A checker builds the graph,
//! asks for the strongly connected components over the edge kinds a
//! consistency model cares about, and then for the shortest cycle in each
//! that has the shape of an anomaly: only `ww` edges (G0); `ww`/`wr` with at
//! least one `wr` (G1c); exactly one `rw` (G-single); `rw` edges never next
//! to each other (G-nonadjacent); any number of `rw` (G2-item).

use std::collections::{HashMap, HashSet, VecDeque};

/// A search state: (vertex, `rw` edges so far clipped to 2, whether the last
/// edge was `rw`, whether the required kind was used).
type SearchState = (usize, u8, bool, bool);

/// How the search reached each state: the state before and the edge's kind.
type Parents = HashMap<SearchState, (SearchState, Dep)>;

/// One kind of dependency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dep {
    /// Write–write: the target overwrote the source's version.
    Ww,
    /// Write–read: the target read what the source wrote.
    Wr,
    /// Read–write (anti-dependency): the target overwrote what the source read.
    Rw,
    /// The same process ran the source before the target.
    Process,
    /// The source completed before the target was invoked.
    Realtime,
}

impl Dep {
    const ALL: [Dep; 5] = [Dep::Ww, Dep::Wr, Dep::Rw, Dep::Process, Dep::Realtime];

    fn bit(self) -> u8 {
        1 << self as u8
    }

    /// Elle's short name, as anomaly reports print it.
    pub fn name(self) -> &'static str {
        match self {
            Dep::Ww => "ww",
            Dep::Wr => "wr",
            Dep::Rw => "rw",
            Dep::Process => "process",
            Dep::Realtime => "realtime",
        }
    }
}

/// A set of dependency kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Deps(u8);

impl Deps {
    pub fn of(kinds: &[Dep]) -> Self {
        Deps(kinds.iter().fold(0, |bits, k| bits | k.bit()))
    }

    pub fn contains(self, kind: Dep) -> bool {
        self.0 & kind.bit() != 0
    }

    pub fn intersects(self, other: Deps) -> bool {
        self.0 & other.0 != 0
    }

    fn iter(self) -> impl Iterator<Item = Dep> {
        Dep::ALL.into_iter().filter(move |k| self.contains(*k))
    }

    /// The kinds in this set, in [`Dep`] order.
    pub fn kinds(self) -> impl Iterator<Item = Dep> {
        self.iter()
    }

    /// The first kind of `order` in this set: which dependency an explainer
    /// that tries kinds in that order names for an edge.
    pub fn first_of(self, order: &[Dep]) -> Option<Dep> {
        order.iter().copied().find(|k| self.contains(*k))
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// This set and `kind`.
    pub fn with(self, kind: Dep) -> Self {
        Deps(self.0 | kind.bit())
    }

    pub fn union(self, other: Deps) -> Self {
        Deps(self.0 | other.0)
    }

    /// As a bit mask, one bit per kind in [`Dep`] order.
    pub fn bits(self) -> u8 {
        self.0
    }
}

/// Which cycles count: the dependency kinds a cycle may use, and how its
/// `rw` edges (and `wr` edges) must be arranged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CycleShape {
    pub allowed: Deps,
    pub rw: RwRule,
    /// At least one edge of this kind (G1c needs a `wr`).
    pub needs: Option<Dep>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RwRule {
    /// No `rw` edge.
    None,
    /// Exactly one `rw` edge (G-single).
    ExactlyOne,
    /// At least one, no two in a row (G-nonadjacent).
    Nonadjacent,
    /// At least one (G2-item).
    AtLeastOne,
}

impl CycleShape {
    /// G0: a cycle of write–write dependencies alone.
    pub fn g0(extra: &[Dep]) -> Self {
        Self::shape(&[Dep::Ww], extra, RwRule::None, None)
    }

    /// G1c: write–write and write–read, at least one write–read.
    pub fn g1c(extra: &[Dep]) -> Self {
        Self::shape(&[Dep::Ww, Dep::Wr], extra, RwRule::None, Some(Dep::Wr))
    }

    /// G-single: exactly one anti-dependency.
    pub fn g_single(extra: &[Dep]) -> Self {
        Self::shape(
            &[Dep::Ww, Dep::Wr, Dep::Rw],
            extra,
            RwRule::ExactlyOne,
            None,
        )
    }

    /// G-nonadjacent: anti-dependencies, never two in a row.
    pub fn g_nonadjacent(extra: &[Dep]) -> Self {
        Self::shape(
            &[Dep::Ww, Dep::Wr, Dep::Rw],
            extra,
            RwRule::Nonadjacent,
            None,
        )
    }

    /// G2-item: any cycle with at least one anti-dependency.
    pub fn g2(extra: &[Dep]) -> Self {
        Self::shape(
            &[Dep::Ww, Dep::Wr, Dep::Rw],
            extra,
            RwRule::AtLeastOne,
            None,
        )
    }

    /// `extra` adds `Process` / `Realtime` for the `-process` and
    /// `-realtime` variants.
    fn shape(base: &[Dep], extra: &[Dep], rw: RwRule, needs: Option<Dep>) -> Self {
        let mut kinds = base.to_vec();
        kinds.extend_from_slice(extra);
        Self {
            allowed: Deps::of(&kinds),
            rw,
            needs,
        }
    }
}

/// One step of a cycle: from `from` along a dependency of kind `dep` to the
/// next step's `from` (the last step leads back to the first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub from: usize,
    pub dep: Dep,
}

/// One event of the sweep [`DepGraph::add_realtime`] makes over a history,
/// in history order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RealtimeEvent {
    /// An operation was invoked: `completion` is the vertex of its
    /// completion (of any type), `ok` whether that completion is `ok`.
    Invoke { completion: usize, ok: bool },
    /// The operation at this vertex completed `ok`.
    Ok(usize),
}

/// A directed graph of operations and their dependencies.
#[derive(Debug, Default, Clone)]
pub struct DepGraph {
    /// Outgoing edges per vertex: (target, kinds). Merged when frozen.
    out: Vec<Vec<(usize, Deps)>>,
}

impl DepGraph {
    pub fn new(vertices: usize) -> Self {
        Self {
            out: vec![Vec::new(); vertices],
        }
    }

    pub fn len(&self) -> usize {
        self.out.len()
    }

    pub fn is_empty(&self) -> bool {
        self.out.is_empty()
    }

    /// Adds a dependency `from → to` of kind `dep` (self-loops are ignored:
    /// an operation does not depend on itself).
    pub fn add(&mut self, from: usize, to: usize, dep: Dep) {
        if from == to || from >= self.out.len() || to >= self.out.len() {
            return;
        }
        let edges = &mut self.out[from];
        match edges.iter_mut().find(|(t, _)| *t == to) {
            Some((_, kinds)) => kinds.0 |= dep.bit(),
            None => edges.push((to, Deps(dep.bit()))),
        }
    }

    /// The kinds of dependency `from → to`.
    pub fn deps(&self, from: usize, to: usize) -> Deps {
        self.out
            .get(from)
            .and_then(|e| e.iter().find(|(t, _)| *t == to))
            .map_or(Deps::default(), |(_, k)| *k)
    }

    /// Adds Elle's real-time order (`elle.core/realtime-graph`): an `ok`
    /// completion precedes every operation invoked after it, but only the
    /// transitive reduction is linked. A sweep keeps the frontier of `ok`
    /// completions not yet implied by a later one; an invocation links the
    /// whole frontier to its completion, and an `ok` completion replaces in
    /// the frontier the operations it was linked from. The frontier stays
    /// about as large as the concurrency, so this is O(n · concurrency).
    /// Failed and indeterminate completions are targets, never sources, as
    /// in Elle. Returns the number of edges linked.
    pub fn add_realtime(&mut self, events: impl IntoIterator<Item = RealtimeEvent>) -> usize {
        let mut frontier: Vec<usize> = Vec::new();
        // The frontier each pending ok operation was linked from.
        let mut linked_from: HashMap<usize, Vec<usize>> = HashMap::new();
        // Marks a snapshot's vertices (stamped with the sweep step) so that
        // removing it from the frontier is linear.
        let mut mark = vec![0usize; self.out.len()];
        let mut links = 0;
        for (step, event) in events.into_iter().enumerate() {
            match event {
                RealtimeEvent::Invoke { completion, ok } => {
                    if completion >= self.out.len() {
                        continue;
                    }
                    for &a in &frontier {
                        if a != completion {
                            self.add(a, completion, Dep::Realtime);
                            links += 1;
                        }
                    }
                    if ok && !frontier.is_empty() {
                        linked_from.insert(completion, frontier.clone());
                    }
                }
                RealtimeEvent::Ok(v) => {
                    if v >= self.out.len() {
                        continue;
                    }
                    if let Some(implied) = linked_from.remove(&v) {
                        for &a in &implied {
                            mark[a] = step + 1;
                        }
                        frontier.retain(|&a| mark[a] != step + 1);
                    }
                    if !frontier.contains(&v) {
                        frontier.push(v);
                    }
                }
            }
        }
        links
    }

    /// Elle's process order (`elle.core/process-graph`): each `ok` operation
    /// follows the previous `ok` operation of the same process. `oks` are
    /// (process, vertex) in history order. Returns the number of edges linked.
    pub fn add_process_order(&mut self, oks: impl IntoIterator<Item = (u64, usize)>) -> usize {
        let mut last: HashMap<u64, usize> = HashMap::new();
        let mut links = 0;
        for (process, v) in oks {
            if let Some(prev) = last.insert(process, v) {
                if prev != v {
                    self.add(prev, v, Dep::Process);
                    links += 1;
                }
            }
        }
        links
    }

    /// The outgoing edges of `v`: (target, kinds).
    pub fn out(&self, v: usize) -> &[(usize, Deps)] {
        self.out.get(v).map_or(&[], Vec::as_slice)
    }

    /// The subgraph induced by `vertices`, renumbered: vertex `i` of the
    /// result is `vertices[i]`. Edges leaving the set are dropped.
    pub fn induced(&self, vertices: &[usize]) -> DepGraph {
        let local: HashMap<usize, usize> =
            vertices.iter().enumerate().map(|(i, &v)| (v, i)).collect();
        let out = vertices
            .iter()
            .map(|&v| {
                self.out(v)
                    .iter()
                    .filter_map(|&(w, kinds)| local.get(&w).map(|&i| (i, kinds)))
                    .collect()
            })
            .collect();
        DepGraph { out }
    }

    /// Whether the graph has any edge.
    pub fn has_edges(&self) -> bool {
        self.out.iter().any(|e| !e.is_empty())
    }

    /// Strongly connected components of two or more vertices (each sorted,
    /// ordered by their lowest vertex), over the
    /// edges with a kind in `allowed` (iterative Tarjan: no recursion, so a
    /// history of 100 000 operations cannot overflow the stack).
    pub fn cycles_components(&self, allowed: Deps) -> Vec<Vec<usize>> {
        const UNSEEN: usize = usize::MAX;
        let n = self.out.len();
        let mut index = vec![UNSEEN; n];
        let mut low = vec![0; n];
        let mut on_stack = vec![false; n];
        let mut stack = Vec::new();
        let mut components = Vec::new();
        let mut next = 0;
        for root in 0..n {
            if index[root] != UNSEEN {
                continue;
            }
            // (vertex, position in its edge list)
            let mut work = vec![(root, 0usize)];
            index[root] = next;
            low[root] = next;
            next += 1;
            stack.push(root);
            on_stack[root] = true;
            while let Some(&mut (v, ref mut pos)) = work.last_mut() {
                let edges = &self.out[v];
                if let Some(&(w, kinds)) = edges.get(*pos) {
                    *pos += 1;
                    if !kinds.intersects(allowed) {
                        continue;
                    }
                    if index[w] == UNSEEN {
                        index[w] = next;
                        low[w] = next;
                        next += 1;
                        stack.push(w);
                        on_stack[w] = true;
                        work.push((w, 0));
                    } else if on_stack[w] {
                        low[v] = low[v].min(index[w]);
                    }
                    continue;
                }
                work.pop();
                if let Some(&(parent, _)) = work.last() {
                    low[parent] = low[parent].min(low[v]);
                }
                if low[v] == index[v] {
                    let mut component = Vec::new();
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        component.push(w);
                        if w == v {
                            break;
                        }
                    }
                    if component.len() > 1 {
                        component.sort_unstable();
                        components.push(component);
                    }
                }
            }
        }
        // By lowest vertex: reports do not depend on the search order.
        components.sort_unstable();
        components
    }

    /// The shortest cycle of `shape` within `component` (one of
    /// [`DepGraph::cycles_components`]), if there is one: a breadth-first
    /// search from each vertex over (vertex, how many `rw` so far, whether
    /// the last edge was `rw`, whether `needs` was met), returning the
    /// first cycle found from the lowest vertex that has one.
    pub fn shortest_cycle(&self, component: &[usize], shape: CycleShape) -> Option<Vec<Step>> {
        let inside: HashSet<usize> = component.iter().copied().collect();
        let mut best: Option<Vec<Step>> = None;
        for &start in component {
            if let Some(cycle) =
                self.cycle_through(start, &inside, shape, best.as_ref().map(Vec::len))
            {
                best = Some(cycle);
                if best.as_ref().is_some_and(|c| c.len() == 2) {
                    break; // nothing is shorter
                }
            }
        }
        best
    }

    /// The shortest cycle of `shape` through `start` within `component`: one
    /// breadth-first search, for components too large to search from every
    /// vertex (Elle, too, returns the first cycle its search finds).
    pub fn shortest_cycle_through(
        &self,
        start: usize,
        component: &[usize],
        shape: CycleShape,
    ) -> Option<Vec<Step>> {
        let inside: HashSet<usize> = component.iter().copied().collect();
        if start >= self.out.len() || !inside.contains(&start) {
            return None;
        }
        self.cycle_through(start, &inside, shape, None)
    }

    /// Breadth-first search for the shortest cycle of `shape` through
    /// `start`, shorter than `limit` steps.
    fn cycle_through(
        &self,
        start: usize,
        inside: &HashSet<usize>,
        shape: CycleShape,
        limit: Option<usize>,
    ) -> Option<Vec<Step>> {
        let first: SearchState = (start, 0, false, shape.needs.is_none());
        let mut parent = Parents::new();
        let mut queue = VecDeque::from([(first, 0usize)]);
        let mut seen: HashSet<SearchState> = [first].into();
        // When the cycle closes: the last edge's kind and the state before it.
        let mut closing: Option<(SearchState, Dep)> = None;
        'search: while let Some((state @ (v, rws, last_rw, met), depth)) = queue.pop_front() {
            if limit.is_some_and(|l| depth + 1 >= l) {
                break;
            }
            for &(w, kinds) in &self.out[v] {
                if !inside.contains(&w) {
                    continue;
                }
                for dep in kinds.iter().filter(|k| shape.allowed.contains(*k)) {
                    let is_rw = dep == Dep::Rw;
                    let rws2 = (rws + u8::from(is_rw)).min(2);
                    let ok_rw = match shape.rw {
                        RwRule::None => !is_rw,
                        RwRule::ExactlyOne => rws2 <= 1,
                        RwRule::Nonadjacent => !(is_rw && last_rw),
                        RwRule::AtLeastOne => true,
                    };
                    if !ok_rw {
                        continue;
                    }
                    let met2 = met || shape.needs == Some(dep);
                    if w == start {
                        let first_rw = self.first_step_is_rw(&parent, state, start);
                        let closes = met2
                            && match shape.rw {
                                RwRule::None => true,
                                RwRule::ExactlyOne => rws2 == 1,
                                // The cycle wraps: last and first edges meet.
                                RwRule::Nonadjacent => rws2 >= 1 && !(is_rw && first_rw),
                                RwRule::AtLeastOne => rws2 >= 1,
                            };
                        if closes {
                            closing = Some((state, dep));
                            break 'search;
                        }
                        continue;
                    }
                    let next: SearchState = (w, rws2, is_rw, met2);
                    if seen.insert(next) {
                        parent.insert(next, (state, dep));
                        queue.push_back((next, depth + 1));
                    }
                }
            }
        }
        let (mut state, last_dep) = closing?;
        let mut steps = vec![Step {
            from: state.0,
            dep: last_dep,
        }];
        while let Some(&(prev, dep)) = parent.get(&state) {
            steps.push(Step { from: prev.0, dep });
            state = prev;
        }
        steps.reverse();
        Some(steps)
    }

    /// Whether the path that reached `state` left `start` along an `rw` edge.
    fn first_step_is_rw(&self, parent: &Parents, mut state: SearchState, start: usize) -> bool {
        let mut first = None;
        while let Some(&(prev, dep)) = parent.get(&state) {
            first = Some(dep);
            state = prev;
        }
        debug_assert_eq!(state.0, start);
        first == Some(Dep::Rw)
    }
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

    fn find(g: &DepGraph, shape: CycleShape) -> Option<Vec<Step>> {
        g.cycles_components(shape.allowed)
            .iter()
            .find_map(|c| g.shortest_cycle(c, shape))
    }

    /// The kinds along a cycle, starting from its lowest vertex.
    fn kinds(cycle: &[Step]) -> Vec<Dep> {
        cycle.iter().map(|s| s.dep).collect()
    }

    #[test]
    fn components_are_found_over_the_allowed_kinds_only() {
        let g = graph(
            5,
            &[
                (0, 1, Dep::Ww),
                (1, 0, Dep::Rw),
                (2, 3, Dep::Wr),
                (3, 4, Dep::Wr),
                (4, 2, Dep::Wr),
            ],
        );
        assert_eq!(
            g.cycles_components(Deps::of(&[Dep::Ww])),
            Vec::<Vec<usize>>::new()
        );
        assert_eq!(
            g.cycles_components(Deps::of(&[Dep::Ww, Dep::Rw])),
            vec![vec![0, 1]]
        );
        assert_eq!(
            g.cycles_components(Deps::of(&[Dep::Ww, Dep::Wr, Dep::Rw])),
            vec![vec![0, 1], vec![2, 3, 4]]
        );
    }

    #[test]
    fn a_long_chain_does_not_overflow_and_has_no_cycle() {
        let n = 200_000;
        let mut g = DepGraph::new(n);
        for i in 0..n - 1 {
            g.add(i, i + 1, Dep::Ww);
        }
        assert!(g.cycles_components(Deps::of(&[Dep::Ww])).is_empty());
        g.add(n - 1, 0, Dep::Ww);
        let comps = g.cycles_components(Deps::of(&[Dep::Ww]));
        assert_eq!(comps.len(), 1);
        assert_eq!(comps[0].len(), n);
    }

    #[test]
    fn g0_is_a_write_cycle_and_g1c_needs_a_read() {
        // T0 ww→ T1 ww→ T0: G0 (and not G1c, which needs a wr).
        let g = graph(2, &[(0, 1, Dep::Ww), (1, 0, Dep::Ww)]);
        assert_eq!(
            find(&g, CycleShape::g0(&[])).map(|c| kinds(&c)),
            Some(vec![Dep::Ww, Dep::Ww])
        );
        assert_eq!(find(&g, CycleShape::g1c(&[])), None);
        // T0 ww→ T1 wr→ T0: G1c, not G0.
        let g = graph(2, &[(0, 1, Dep::Ww), (1, 0, Dep::Wr)]);
        assert_eq!(find(&g, CycleShape::g0(&[])), None);
        let c = find(&g, CycleShape::g1c(&[])).expect("G1c");
        assert_eq!(
            c,
            vec![
                Step {
                    from: 0,
                    dep: Dep::Ww
                },
                Step {
                    from: 1,
                    dep: Dep::Wr
                }
            ]
        );
    }

    #[test]
    fn g_single_has_exactly_one_anti_dependency() {
        // Read skew: T0 rw→ T1 wr→ T0.
        let g = graph(2, &[(0, 1, Dep::Rw), (1, 0, Dep::Wr)]);
        assert!(find(&g, CycleShape::g_single(&[])).is_some());
        assert_eq!(
            find(&g, CycleShape::g1c(&[])),
            None,
            "an rw edge is not G1c"
        );
        // Write skew: T0 rw→ T1 rw→ T0 is G2 but not G-single, and not
        // G-nonadjacent (its two rw edges meet around the cycle).
        let g = graph(2, &[(0, 1, Dep::Rw), (1, 0, Dep::Rw)]);
        assert_eq!(find(&g, CycleShape::g_single(&[])), None);
        assert_eq!(find(&g, CycleShape::g_nonadjacent(&[])), None);
        assert_eq!(
            find(&g, CycleShape::g2(&[])).map(|c| kinds(&c)),
            Some(vec![Dep::Rw, Dep::Rw])
        );
    }

    #[test]
    fn g_nonadjacent_keeps_rw_edges_apart_around_the_cycle() {
        // rw, wr, rw, wr: two anti-dependencies, never adjacent.
        let g = graph(
            4,
            &[
                (0, 1, Dep::Rw),
                (1, 2, Dep::Wr),
                (2, 3, Dep::Rw),
                (3, 0, Dep::Wr),
            ],
        );
        let c = find(&g, CycleShape::g_nonadjacent(&[])).expect("G-nonadjacent");
        assert_eq!(c.len(), 4);
        assert_eq!(find(&g, CycleShape::g_single(&[])), None);
        // rw, rw, wr: the two rw edges are adjacent.
        let g = graph(3, &[(0, 1, Dep::Rw), (1, 2, Dep::Rw), (2, 0, Dep::Wr)]);
        assert_eq!(find(&g, CycleShape::g_nonadjacent(&[])), None);
        assert!(find(&g, CycleShape::g2(&[])).is_some());
    }

    #[test]
    fn process_and_realtime_edges_only_count_in_their_variants() {
        // T0 realtime→ T1 wr→ T0: a stale read only real time can see.
        let g = graph(2, &[(0, 1, Dep::Realtime), (1, 0, Dep::Wr)]);
        assert_eq!(find(&g, CycleShape::g1c(&[])), None);
        assert!(find(&g, CycleShape::g1c(&[Dep::Realtime])).is_some());
        assert_eq!(find(&g, CycleShape::g1c(&[Dep::Process])), None);
    }

    #[test]
    fn realtime_edges_are_the_transitive_reduction_elle_links() {
        // Elle's example (realtime-graph), times left to right:
        //   ==a==       ==c== ==e==
        //         ==b==
        //           ==d===
        // a→b, a→d, b→c, c→e, d→e; not a→c (b covers it), nor a, b → e.
        let (a, b, c, d, e) = (0, 1, 2, 3, 4);
        let inv = |completion| RealtimeEvent::Invoke {
            completion,
            ok: true,
        };
        let mut g = DepGraph::new(5);
        let links = g.add_realtime([
            inv(a),
            RealtimeEvent::Ok(a),
            inv(b),
            inv(d),
            RealtimeEvent::Ok(b),
            inv(c),
            RealtimeEvent::Ok(d),
            RealtimeEvent::Ok(c),
            inv(e),
            RealtimeEvent::Ok(e),
        ]);
        let mut edges: Vec<(usize, usize)> = (0..5)
            .flat_map(|x| (0..5).map(move |y| (x, y)))
            .filter(|&(x, y)| g.deps(x, y).contains(Dep::Realtime))
            .collect();
        edges.sort_unstable();
        assert_eq!(edges, vec![(a, b), (a, d), (b, c), (c, e), (d, e)]);
        assert_eq!(links, 5);
        assert!(g.has_edges());
        // A failed (or indeterminate) op is linked to but never from, and
        // does not cover the ops before it.
        let mut g = DepGraph::new(3);
        g.add_realtime([
            inv(0),
            RealtimeEvent::Ok(0),
            RealtimeEvent::Invoke {
                completion: 1,
                ok: false,
            },
            inv(2),
            RealtimeEvent::Ok(2),
        ]);
        assert!(g.deps(0, 1).contains(Dep::Realtime));
        assert!(g.deps(0, 2).contains(Dep::Realtime));
        assert_eq!(g.deps(1, 2), Deps::default());
        assert!(!DepGraph::new(3).has_edges());
    }

    #[test]
    fn process_order_induced_subgraphs_and_explained_kinds() {
        let mut g = DepGraph::new(5);
        // Process 1 runs 0, 2, 4; process 2 runs 1, 3.
        let links = g.add_process_order([(1, 0), (2, 1), (1, 2), (2, 3), (1, 4)]);
        assert_eq!(links, 3);
        assert!(g.deps(0, 2).contains(Dep::Process));
        assert!(g.deps(2, 4).contains(Dep::Process));
        assert!(g.deps(1, 3).contains(Dep::Process));
        assert_eq!(g.deps(0, 4), Deps::default());
        g.add(4, 0, Dep::Wr);
        g.add(3, 0, Dep::Rw);
        let sub = g.induced(&[4, 0, 2]);
        assert_eq!(sub.len(), 3);
        assert!(sub.deps(0, 1).contains(Dep::Wr));
        assert!(sub.deps(1, 2).contains(Dep::Process));
        assert_eq!(sub.out(2), &[(0, Deps::of(&[Dep::Process]))]);
        let both = Deps::of(&[Dep::Ww, Dep::Wr, Dep::Realtime]);
        assert_eq!(both.first_of(&[Dep::Wr, Dep::Ww]), Some(Dep::Wr));
        assert_eq!(both.first_of(&[Dep::Rw]), None);
        assert_eq!(
            both.kinds().collect::<Vec<_>>(),
            vec![Dep::Ww, Dep::Wr, Dep::Realtime]
        );
        assert!(Deps::default().is_empty());
    }

    #[test]
    fn a_cycle_through_a_given_vertex() {
        let g = graph(
            4,
            &[
                (0, 1, Dep::Wr),
                (1, 2, Dep::Realtime),
                (2, 0, Dep::Wr),
                (2, 3, Dep::Wr),
                (3, 2, Dep::Realtime),
            ],
        );
        let comps = g.cycles_components(Deps::of(&[Dep::Wr, Dep::Realtime]));
        assert_eq!(comps, vec![vec![0, 1, 2, 3]]);
        let shape = CycleShape::g1c(&[Dep::Realtime]);
        let through_0 = g
            .shortest_cycle_through(0, &comps[0], shape)
            .expect("cycle");
        assert_eq!(through_0.len(), 3);
        assert_eq!(through_0[0].from, 0);
        assert_eq!(g.shortest_cycle(&comps[0], shape).map(|c| c.len()), Some(2));
        assert_eq!(g.shortest_cycle_through(0, &[1, 2], shape), None);
    }

    #[test]
    fn the_shortest_cycle_is_found_and_multi_kind_edges_pick_the_right_kind() {
        // A long G0 cycle 0→1→2→3→0 and a short one 1→2→1.
        let g = graph(
            4,
            &[
                (0, 1, Dep::Ww),
                (1, 2, Dep::Ww),
                (2, 3, Dep::Ww),
                (3, 0, Dep::Ww),
                (2, 1, Dep::Ww),
            ],
        );
        let c = find(&g, CycleShape::g0(&[])).expect("G0");
        assert_eq!(c.len(), 2);
        // One edge that is both ww and rw serves as rw for G-single.
        let mut g = graph(2, &[(0, 1, Dep::Ww), (1, 0, Dep::Wr)]);
        g.add(0, 1, Dep::Rw);
        assert_eq!(g.deps(0, 1), Deps::of(&[Dep::Ww, Dep::Rw]));
        let c = find(&g, CycleShape::g_single(&[])).expect("G-single");
        assert_eq!(kinds(&c), vec![Dep::Rw, Dep::Wr]);
    }
}

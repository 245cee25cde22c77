//! Elle's breadth-first cycle search (`elle.bfs/search` and Elle 0.2.2's
//! `BFSPath.java`), path by path, so a component yields the cycle Elle's
//! search would find, and the name Elle would then give it.
//!
//! Elle grows every path from a start vertex one hop per round, each path
//! carrying what its anomaly still owes: relationships it must use
//! (`want`), how many `rw` edges it still needs, and how `rw` edges may
//! follow each other. A path that comes back to a vertex it visited is a
//! loop: valid and back at its start, it is the answer; valid with a tail,
//! the search starts again inside the loop's vertices; otherwise it is
//! dropped. The first start that yields a cycle wins — no later start is
//! tried, even when the caller then rejects the cycle for its type.
//!
//! Two things differ from Elle, both deliberately: starts and neighbours
//! are tried in history order (Elle's come from hash sets, a pseudo-random
//! but fixed order), and instead of Elle's 1 s wall-clock timeout the
//! search has a budget of paths ([`BUDGET`]) after which it says
//! [`Outcome::Exhausted`], so a result never depends on the machine's speed.

use crate::graph::{Dep, DepGraph, Deps};

/// Paths one search may grow (every hop of every path counts), nested
/// searches in trimmed loops included. Elle's paths are not deduplicated,
/// so on a dense component their number grows exponentially with length.
pub const BUDGET: usize = 400_000;

/// How deeply loops may be trimmed and searched again.
const MAX_TRIMS: usize = 8;

/// How a path's `rw` edges may be arranged (`BFSPath$RWMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RwMode {
    /// `rw` only where `legal` allows it.
    None,
    /// Exactly one `rw` edge, beyond `legal`.
    Single,
    /// `rw` edges beyond `legal`, never two in a row: the last edge was not one…
    NonadjacentFree,
    /// …or it was.
    NonadjacentTaken,
}

/// An anomaly's search, as `elle.bfs/spec->path` builds it from an entry
/// of `cycle-anomaly-specs`.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Relationships any step may take (`:rels`).
    pub legal: Deps,
    /// Each must be met by at least one step (`:required-rels`), in order.
    pub want: Vec<Deps>,
    /// `rw` edges still owed: 1 for `:single-rels`, 2 for `:multiple-rels`.
    pub want_rw: u8,
    pub mode: RwMode,
    /// The relationships the searched graph keeps (Elle's filtered graph:
    /// the union of all of the spec's relationship sets).
    pub filter: Deps,
}

/// What a search ended with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The cycle's vertices, from its start back to it.
    Found(Vec<usize>),
    None,
    /// The budget ran out first.
    Exhausted,
}

/// One path of the search: a vertex, the path it extends, and what the
/// anomaly still owes once this vertex is reached.
#[derive(Clone, Copy)]
struct Node {
    vertex: u32,
    parent: u32,
    /// Wanted relationship sets not yet met, as bit masks (0 when met).
    want: [u8; 2],
    want_rw: u8,
    mode: RwMode,
}

const ROOT: u32 = u32::MAX;

struct Search<'g> {
    /// Out-edges per vertex, in vertex order, kinds as bits already cut to
    /// the spec's filter.
    out: &'g [Vec<(u32, u8)>],
    legal: u8,
    /// The `rw` bit. Bits come in Elle's order (ww, wr, rw, process,
    /// realtime), which decides which relationship a step tries first.
    rw: u8,
    nodes: Vec<Node>,
    grown: usize,
}

/// Searches `graph` (one strongly connected component) for a cycle of
/// `spec`, starting from each vertex in turn.
pub fn search(graph: &DepGraph, spec: &Spec) -> Outcome {
    let filter = spec.filter.bits();
    let out: Vec<Vec<(u32, u8)>> = (0..graph.len())
        .map(|v| {
            let mut edges: Vec<(u32, u8)> = graph
                .out(v)
                .iter()
                .map(|&(w, k)| (w as u32, k.bits() & filter))
                .filter(|&(_, k)| k != 0)
                .collect();
            edges.sort_unstable();
            edges
        })
        .collect();
    let mut want = [0u8; 2];
    for (slot, w) in want.iter_mut().zip(&spec.want) {
        *slot = w.bits();
    }
    let root = Node {
        vertex: 0,
        parent: ROOT,
        want,
        want_rw: spec.want_rw,
        mode: spec.mode,
    };
    let mut s = Search {
        out: &out,
        legal: spec.legal.bits(),
        rw: Deps::of(&[Dep::Rw]).bits(),
        nodes: Vec::new(),
        grown: 0,
    };
    for start in 0..graph.len() {
        match s.from(root, start as u32, None, 0) {
            Outcome::None => continue,
            found => return found,
        }
    }
    Outcome::None
}

impl Search<'_> {
    /// `search-from-op`: breadth first from `start`, within `inside` if
    /// given (a trimmed loop's vertices).
    fn from(&mut self, root: Node, start: u32, inside: Option<&[u32]>, depth: usize) -> Outcome {
        let first = self.push(Node {
            vertex: start,
            ..root
        });
        let mut level = vec![first];
        while !level.is_empty() {
            let mut open = Vec::with_capacity(level.len());
            for p in level {
                if !self.is_loop(p) {
                    open.push(p);
                    continue;
                }
                if !self.is_valid(p) {
                    continue;
                }
                if self.nodes[p as usize].vertex == start {
                    return Outcome::Found(self.vertices(p));
                }
                if depth >= MAX_TRIMS {
                    return Outcome::Exhausted;
                }
                match self.trim(root, p, depth) {
                    Outcome::None => continue,
                    other => return other,
                }
            }
            level = Vec::new();
            for p in open {
                let v = self.nodes[p as usize].vertex;
                for &(w, rels) in &self.out[v as usize] {
                    if inside.is_some_and(|set| set.binary_search(&w).is_err()) {
                        continue;
                    }
                    self.step(p, rels, w, &mut level);
                    if self.grown > BUDGET {
                        return Outcome::Exhausted;
                    }
                }
            }
        }
        Outcome::None
    }

    /// `trim-loop`: the loop's part from the first visit of the vertex it
    /// closed on, searched again from each of its vertices.
    fn trim(&mut self, root: Node, p: u32, depth: usize) -> Outcome {
        let ops = self.vertices(p);
        let pin = ops[ops.len() - 1];
        let at = ops.iter().position(|&v| v == pin).unwrap_or(0);
        let trimmed: Vec<u32> = ops[at..].iter().map(|&v| v as u32).collect();
        let mut inside = trimmed.clone();
        inside.sort_unstable();
        inside.dedup();
        for &op in &trimmed {
            match self.from(root, op, Some(&inside), depth + 1) {
                Outcome::None => continue,
                other => return other,
            }
        }
        Outcome::None
    }

    fn push(&mut self, node: Node) -> u32 {
        self.nodes.push(node);
        self.grown += 1;
        (self.nodes.len() - 1) as u32
    }

    /// The path's vertices, first to last.
    fn vertices(&self, mut p: u32) -> Vec<usize> {
        let mut out = Vec::new();
        while p != ROOT {
            let n = self.nodes[p as usize];
            out.push(n.vertex as usize);
            p = n.parent;
        }
        out.reverse();
        out
    }

    /// Whether the path's last vertex was visited before on it.
    fn is_loop(&self, p: u32) -> bool {
        let last = self.nodes[p as usize].vertex;
        let mut q = self.nodes[p as usize].parent;
        while q != ROOT {
            let n = self.nodes[q as usize];
            if n.vertex == last {
                return true;
            }
            q = n.parent;
        }
        false
    }

    fn is_valid(&self, p: u32) -> bool {
        let n = self.nodes[p as usize];
        n.want == [0, 0] && n.want_rw == 0 && n.mode != RwMode::NonadjacentTaken
    }

    /// `BFSPath.step`: the paths that extend `p` over an edge with these
    /// relationships to `w`. Rw relationships first (when owed or allowed
    /// beyond `legal`), then wanted ones, then the first legal one only.
    fn step(&mut self, p: u32, rels: u8, w: u32, into: &mut Vec<u32>) {
        let n = self.nodes[p as usize];
        let rw_mask = if n.want_rw > 0 || matches!(n.mode, RwMode::Single | RwMode::NonadjacentFree)
        {
            self.rw
        } else {
            0
        };
        let want_mask = (n.want[0] | n.want[1]) & !rw_mask;
        let legal_mask = self.legal & !rw_mask & !want_mask;
        let first_hop = n.parent == ROOT;
        for bit in one_bits(rels & rw_mask) {
            if let Some(q) = self.step_rel(n, p, bit, w) {
                into.push(q);
            }
        }
        if n.want_rw > 0 && first_hop {
            return;
        }
        for bit in one_bits(rels & want_mask) {
            if let Some(q) = self.step_rel(n, p, bit, w) {
                into.push(q);
            }
        }
        if n.want != [0, 0] && first_hop {
            return;
        }
        for bit in one_bits(rels & legal_mask) {
            if let Some(q) = self.step_rel(n, p, bit, w) {
                into.push(q);
                return;
            }
        }
    }

    /// `BFSPath.stepRel`: one relationship taken, or `None` if the path
    /// may not take it.
    fn step_rel(&mut self, n: Node, p: u32, rel: u8, w: u32) -> Option<u32> {
        let is_rw = rel & self.rw != 0;
        let mut want = n.want;
        // `checkOffRelInPackedSet`: the first wanted set this meets.
        if let Some(slot) = want.iter_mut().find(|s| **s & rel != 0) {
            *slot = 0;
        }
        let (want_rw, mode) = if rel & self.legal != 0 {
            let want_rw = if is_rw {
                n.want_rw.saturating_sub(1)
            } else {
                n.want_rw
            };
            let mode = match n.mode {
                RwMode::NonadjacentTaken => RwMode::NonadjacentFree,
                m => m,
            };
            (want_rw, mode)
        } else if is_rw {
            match n.mode {
                RwMode::Single => (0, RwMode::None),
                RwMode::NonadjacentFree => (n.want_rw.saturating_sub(1), RwMode::NonadjacentTaken),
                RwMode::None | RwMode::NonadjacentTaken => return None,
            }
        } else {
            return None;
        };
        Some(self.push(Node {
            vertex: w,
            parent: p,
            want,
            want_rw,
            mode,
        }))
    }
}

/// The set bits of `b`, lowest first, each alone.
fn one_bits(b: u8) -> impl Iterator<Item = u8> {
    (0..8).map(|i| 1u8 << i).filter(move |m| b & m != 0)
}

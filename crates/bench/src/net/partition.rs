//! Where partitions happen: the partition table consulted on every delivery,
//! and the four ways Maelstrom's partition nemesis cuts the cluster
//! (`:one`, `:minority-third`, `:majority`, `:majorities-ring`).

use crate::rng::Rng;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// `dest → srcs it drops`. Only server nodes ever appear.
pub type Grudge = BTreeMap<String, BTreeSet<String>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartitionSpec {
    One,
    MinorityThird,
    Majority,
    MajoritiesRing,
}

impl PartitionSpec {
    pub const ALL: [PartitionSpec; 4] = [
        Self::One,
        Self::MinorityThird,
        Self::Majority,
        Self::MajoritiesRing,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::One => "one",
            Self::MinorityThird => "minority-third",
            Self::Majority => "majority",
            Self::MajoritiesRing => "majorities-ring",
        }
    }

    /// Builds the grudge this spec describes over `nodes`.
    pub fn grudge(self, nodes: &[String], rng: &mut Rng) -> Grudge {
        let n = nodes.len();
        let mut shuffled = nodes.to_vec();
        rng.shuffle(&mut shuffled);
        match self {
            Self::One if n >= 2 => split(&shuffled, 1),
            Self::MinorityThird => split(&shuffled, (n.saturating_sub(1)) / 3),
            Self::Majority => split(&shuffled, n / 2),
            Self::MajoritiesRing if n <= 5 => perfect_ring(&shuffled),
            Self::MajoritiesRing => stochastic_ring(nodes, rng),
            Self::One => Grudge::new(),
        }
    }
}

/// Complete grudge between the first `k` nodes and the rest.
fn split(nodes: &[String], k: usize) -> Grudge {
    if k == 0 || k >= nodes.len() {
        return Grudge::new();
    }
    let (a, b) = nodes.split_at(k);
    complete(&[a.to_vec(), b.to_vec()])
}

/// Every node drops messages from every node outside its own component.
fn complete(components: &[Vec<String>]) -> Grudge {
    let mut grudge = Grudge::new();
    for (i, component) in components.iter().enumerate() {
        let others: BTreeSet<String> = components
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .flat_map(|(_, c)| c.iter().cloned())
            .collect();
        for node in component {
            grudge.insert(node.clone(), others.clone());
        }
    }
    grudge
}

/// N ≤ 5: for each window of `m` consecutive ring members, the member at
/// position `m/2` drops everyone outside the window.
fn perfect_ring(ring: &[String]) -> Grudge {
    let n = ring.len();
    let m = n / 2 + 1;
    let mut grudge = Grudge::new();
    if n <= 2 {
        return grudge;
    }
    for start in 0..n {
        let window: BTreeSet<&String> = (0..m).map(|k| &ring[(start + k) % n]).collect();
        let center = &ring[(start + m / 2) % n];
        let dropped: BTreeSet<String> = ring
            .iter()
            .filter(|x| !window.contains(x))
            .cloned()
            .collect();
        if !dropped.is_empty() {
            grudge.insert(center.clone(), dropped);
        }
    }
    grudge
}

/// N > 5: link minimum-degree nodes pairwise until every node (itself
/// included) sees a majority; each drops everything it is not linked to.
fn stochastic_ring(nodes: &[String], rng: &mut Rng) -> Grudge {
    let n = nodes.len();
    let m = n / 2 + 1;
    let mut links: Vec<BTreeSet<usize>> = (0..n).map(|i| BTreeSet::from([i])).collect();
    loop {
        let mut order: Vec<usize> = (0..n).collect();
        rng.shuffle(&mut order);
        order.sort_by_key(|&i| links[i].len());
        let Some(&a) = order.first().filter(|&&a| links[a].len() < m) else {
            break;
        };
        let Some(&b) = order.iter().find(|&&b| !links[a].contains(&b)) else {
            break;
        };
        links[a].insert(b);
        links[b].insert(a);
    }
    let mut grudge = Grudge::new();
    for (i, linked) in links.iter().enumerate() {
        let dropped: BTreeSet<String> = (0..n)
            .filter(|j| !linked.contains(j))
            .map(|j| nodes[j].clone())
            .collect();
        if !dropped.is_empty() {
            grudge.insert(nodes[i].clone(), dropped);
        }
    }
    grudge
}

/// The grudge as it appears in the history: `["isolated", {dest: [srcs]}]`.
pub fn grudge_value(grudge: &Grudge) -> Value {
    json!(["isolated", grudge])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("n{i}")).collect()
    }

    fn cut_pairs(g: &Grudge) -> usize {
        g.values().map(BTreeSet::len).sum()
    }

    #[test]
    fn sizes_match_maelstrom_table() {
        let mut rng = Rng::new(11);
        // (spec, N, directed cut pairs)
        let cases = [
            (PartitionSpec::One, 1, 0),
            (PartitionSpec::One, 3, 4),
            (PartitionSpec::One, 25, 48),
            (PartitionSpec::MinorityThird, 3, 0),
            (PartitionSpec::MinorityThird, 5, 8),
            (PartitionSpec::MinorityThird, 25, 2 * 8 * 17),
            (PartitionSpec::Majority, 3, 4),
            (PartitionSpec::Majority, 5, 12),
            (PartitionSpec::Majority, 25, 2 * 12 * 13),
            (PartitionSpec::MajoritiesRing, 2, 0),
            (PartitionSpec::MajoritiesRing, 3, 3),
            (PartitionSpec::MajoritiesRing, 5, 10),
        ];
        for (spec, n, pairs) in cases {
            let g = spec.grudge(&nodes(n), &mut rng);
            assert_eq!(cut_pairs(&g), pairs, "{spec:?} N={n}: {g:?}");
        }
    }

    #[test]
    fn three_node_ring_is_one_way() {
        let g = PartitionSpec::MajoritiesRing.grudge(&nodes(3), &mut Rng::new(5));
        for (dest, srcs) in &g {
            for src in srcs {
                assert!(!g.get(src).is_some_and(|s| s.contains(dest)), "{g:?}");
            }
        }
    }

    #[test]
    fn stochastic_ring_gives_every_node_a_majority() {
        let all = nodes(25);
        let g = PartitionSpec::MajoritiesRing.grudge(&all, &mut Rng::new(9));
        for node in &all {
            let dropped = g.get(node).map_or(0, BTreeSet::len);
            assert!(25 - dropped >= 13, "{node} sees {}", 25 - dropped);
            for src in g.get(node).into_iter().flatten() {
                assert!(g[src].contains(node), "symmetric");
            }
        }
    }
}

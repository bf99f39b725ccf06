//! Exact assignment of bond orders: branch and bound over candidate edges.
//!
//! Every candidate edge gets an order 0 (no bond), 1, 2 or 3 at a cost; every atom must end with a bond-order
//! sum equal to one of its allowed valences (each valence standing for one charge state, at a cost). The search
//! returns the assignment of least total cost whose charges add up to the required total, or nothing when none
//! exists (or when the node budget runs out before any is found).

/// One allowed state of an atom: the bond-order sum it needs, its formal charge, and what choosing it costs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct AtomState {
    pub valence: u8,
    pub charge: i8,
    pub cost: f64,
}

/// The problem: atoms with their allowed states, edges with the cost of each order (∞ where not allowed).
#[derive(Debug, Clone)]
pub(crate) struct Problem {
    pub states: Vec<Vec<AtomState>>,
    pub edges: Vec<(usize, usize)>,
    pub cost: Vec<[f64; 4]>,
    pub total_charge: i32,
    pub node_limit: usize,
    /// Accept only assignments whose bonds connect all atoms.
    pub connected: bool,
}

/// The best assignment found.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Solution {
    pub orders: Vec<u8>,
    pub charges: Vec<i8>,
    pub cost: f64,
    /// Whether the node budget ran out (the solution may then not be the best).
    pub exhausted: bool,
}

struct Search<'a> {
    p: &'a Problem,
    /// Edges in the order they are decided.
    order: Vec<usize>,
    /// For each position in `order`, the sum over later positions of each edge's cheapest cost.
    bound_after: Vec<f64>,
    /// For each atom, the position in `order` after which all its edges are decided.
    last: Vec<Option<usize>>,
    /// Remaining undecided edges' largest possible order, per atom.
    capacity: Vec<u32>,
    used: Vec<u32>,
    max_valence: Vec<u32>,
    min_valence: Vec<u32>,
    assignment: Vec<u8>,
    best: Option<(Vec<u8>, f64)>,
    nodes: usize,
    exhausted: bool,
}

fn max_order(c: &[f64; 4]) -> u32 {
    (0..4).rev().find(|&o| c[o].is_finite()).unwrap_or(0) as u32
}

pub(crate) fn solve(p: &Problem) -> Option<Solution> {
    let n = p.states.len();
    if p.states.iter().any(|s| s.is_empty()) {
        return None;
    }
    // Decide the edges of hydrogen-like atoms (largest valence 1) first, then the others by a walk that keeps
    // atoms' edges together, so atoms close (and are checked) early.
    let max_valence: Vec<u32> = p
        .states
        .iter()
        .map(|s| s.iter().map(|t| u32::from(t.valence)).max().unwrap_or(0))
        .collect();
    let min_valence: Vec<u32> = p
        .states
        .iter()
        .map(|s| s.iter().map(|t| u32::from(t.valence)).min().unwrap_or(0))
        .collect();
    let mut order: Vec<usize> = (0..p.edges.len()).collect();
    let key = |e: usize| {
        let (a, b) = p.edges[e];
        let light = max_valence[a] <= 1 || max_valence[b] <= 1;
        (!light, a.min(b), a.max(b))
    };
    order.sort_by_key(|&e| key(e));
    let mut bound_after = vec![0.0; order.len() + 1];
    for k in (0..order.len()).rev() {
        let c = &p.cost[order[k]];
        let cheapest = c.iter().copied().fold(f64::INFINITY, f64::min);
        bound_after[k] = bound_after[k + 1] + cheapest;
    }
    if !bound_after[0].is_finite() {
        return None;
    }
    let mut last = vec![None; n];
    let mut capacity = vec![0u32; n];
    for (k, &e) in order.iter().enumerate() {
        let (a, b) = p.edges[e];
        last[a] = Some(k);
        last[b] = Some(k);
        let m = max_order(&p.cost[e]);
        capacity[a] += m;
        capacity[b] += m;
    }
    // Atoms without edges must allow valence 0.
    for (l, states) in last.iter().zip(&p.states) {
        if l.is_none() && !states.iter().any(|s| s.valence == 0) {
            return None;
        }
    }
    let mut s = Search {
        p,
        order,
        bound_after,
        last,
        capacity,
        used: vec![0; n],
        max_valence,
        min_valence,
        assignment: vec![0; p.edges.len()],
        best: None,
        nodes: 0,
        exhausted: false,
    };
    for i in 0..n {
        if s.capacity[i] < s.min_valence[i] {
            return None;
        }
    }
    s.go(0, 0.0);
    let exhausted = s.exhausted;
    let (orders, cost) = s.best?;
    let charges = charges_of(p, &orders)?;
    Some(Solution {
        orders,
        charges,
        cost,
        exhausted,
    })
}

/// The cheapest charge state of every atom for the given orders (its valence fixed by them), with the total
/// charge as required; `None` when some atom has no state of that valence or the charges cannot balance.
fn charges_of(p: &Problem, orders: &[u8]) -> Option<Vec<i8>> {
    let n = p.states.len();
    let mut sum = vec![0u32; n];
    for (e, &(a, b)) in p.edges.iter().enumerate() {
        sum[a] += u32::from(orders[e]);
        sum[b] += u32::from(orders[e]);
    }
    let mut charges = Vec::with_capacity(n);
    for (states, &used) in p.states.iter().zip(&sum) {
        let best = states
            .iter()
            .filter(|s| u32::from(s.valence) == used)
            .min_by(|x, y| x.cost.total_cmp(&y.cost))?;
        charges.push(best.charge);
    }
    let total: i32 = charges.iter().map(|&q| i32::from(q)).sum();
    (total == p.total_charge).then_some(charges)
}

/// Whether the edges of non-zero order connect all atoms.
fn connected(p: &Problem, orders: &[u8]) -> bool {
    let n = p.states.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    let mut pieces = n;
    for (e, &(a, b)) in p.edges.iter().enumerate() {
        if orders[e] > 0 {
            let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
            if ra != rb {
                parent[ra] = rb;
                pieces -= 1;
            }
        }
    }
    pieces <= 1
}

impl Search<'_> {
    fn state_cost(&self, atom: usize) -> Option<f64> {
        self.p.states[atom]
            .iter()
            .filter(|s| u32::from(s.valence) == self.used[atom])
            .map(|s| s.cost)
            .min_by(f64::total_cmp)
    }

    fn go(&mut self, k: usize, cost: f64) {
        self.nodes += 1;
        if self.nodes > self.p.node_limit {
            self.exhausted = true;
            return;
        }
        if let Some((_, best)) = &self.best {
            if cost + self.bound_after[k] >= *best - 1e-12 {
                return;
            }
        }
        if k == self.order.len() {
            // Every atom is closed (checked on the way); the charges must balance.
            let orders = self.assignment.clone();
            if (!self.p.connected || connected(self.p, &orders))
                && charges_of(self.p, &orders).is_some()
            {
                self.best = Some((orders, cost));
            }
            return;
        }
        let e = self.order[k];
        let (a, b) = self.p.edges[e];
        let c = self.p.cost[e];
        let m = max_order(&c);
        self.capacity[a] -= m;
        self.capacity[b] -= m;
        // Try orders cheapest first.
        let mut tries: Vec<usize> = (0..4).filter(|&o| c[o].is_finite()).collect();
        tries.sort_by(|&x, &y| c[x].total_cmp(&c[y]));
        for o in tries {
            let o32 = o as u32;
            let (ua, ub) = (self.used[a] + o32, self.used[b] + o32);
            if ua > self.max_valence[a] || ub > self.max_valence[b] {
                continue;
            }
            if ua + self.capacity[a] < self.min_valence[a]
                || ub + self.capacity[b] < self.min_valence[b]
            {
                continue;
            }
            self.used[a] = ua;
            self.used[b] = ub;
            self.assignment[e] = o as u8;
            let mut extra = 0.0;
            let mut ok = true;
            for atom in [a, b] {
                if self.last[atom] == Some(k) {
                    match self.state_cost(atom) {
                        Some(sc) => extra += sc,
                        None => ok = false,
                    }
                }
            }
            if ok {
                self.go(k + 1, cost + c[o] + extra);
            }
            self.used[a] -= o32;
            self.used[b] -= o32;
            self.assignment[e] = 0;
            if self.exhausted {
                break;
            }
        }
        self.capacity[a] += m;
        self.capacity[b] += m;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn neutral(v: u8) -> Vec<AtomState> {
        vec![AtomState {
            valence: v,
            charge: 0,
            cost: 0.0,
        }]
    }

    #[test]
    fn ethene_gets_a_double_bond() {
        // C0=C1, two H on each.
        let mut states = vec![neutral(4), neutral(4)];
        states.extend((0..4).map(|_| neutral(1)));
        let mut edges = vec![(0, 1)];
        let mut cost = vec![[f64::INFINITY, 1.0, 0.0, 5.0]];
        for h in 2..6 {
            edges.push((if h < 4 { 0 } else { 1 }, h));
            cost.push([f64::INFINITY, 0.0, f64::INFINITY, f64::INFINITY]);
        }
        let p = Problem {
            states,
            edges,
            cost,
            total_charge: 0,
            node_limit: 1000,
            connected: true,
        };
        let s = solve(&p).unwrap();
        assert_eq!(s.orders[0], 2);
        assert!(!s.exhausted);
    }

    #[test]
    fn impossible_valences_give_none() {
        let p = Problem {
            states: vec![neutral(4), neutral(1)],
            edges: vec![(0, 1)],
            cost: vec![[0.0, 0.0, f64::INFINITY, f64::INFINITY]],
            total_charge: 0,
            node_limit: 1000,
            connected: true,
        };
        assert!(solve(&p).is_none());
    }
}

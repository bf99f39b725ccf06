//! Our bond estimator: covalent-radius candidates, then the exact bond-order assignment that spends every
//! valence and fits the bond lengths best.
//!
//! 1. **Candidates**: every pair with `d ≤ tolerance · (r_a + r_b)` (covalent radii of
//!    [`Element::covalent_radius`], tolerance 1.3, as generous as RDKit's perception).
//! 2. **Assignment**: each candidate gets an order 0 (no bond), 1, 2 or 3, each atom must spend its valence
//!    exactly (C 4, N 3, O 2, H 1, F 1), and among all such assignments the one of least cost is taken:
//!    `((d − L_o) / σ)²` for a bond of order o with typical length `L_o` ([`super::lengths::typical_length`],
//!    σ = 0.05 Å), and `(max(0, L_1 + 0.2 − d) / σ)²` for
//!    leaving a candidate unbonded (not allowed below the sum of the covalent radii: a clash). So short bonds get the higher orders, and a candidate that valence cannot
//!    carry is dropped: a bicyclo[1.1.1] cage's bridgeheads (1.79–1.95 Å apart, within the cut-off) already
//!    have four bonds each, so they stay unbonded.
//!    The search is exact (branch and bound, cheapest orders first, a lower bound from the cheapest order of
//!    every undecided candidate), with a budget of nodes.
//! 3. **Charges**, only when no neutral assignment exists: N⁺ (valence 4) and O⁻ (valence 1) are allowed at a
//!    cost each, the charges adding up to zero, so `[NH3+]CCC([O-])=O` and nitro-like `[N+](=O)[O-]` come out.
//! 4. When nothing spends every valence (a broken generated geometry), the result is the best effort: the
//!    clashing pairs bonded whatever their valence, then the other candidates bonded shortest first (relative to
//!    their radii) while both atoms have free valence, then orders raised shortest first while both have free
//!    valence. It is never valid (a valid one would have been an exact assignment, found in step 2 unless the
//!    node budget ran out), and its atom stability says how far it is from it.
//!
//! On the 48 C5H8O geometries with Gaussian noise on every coordinate (20 draws each, measured once): σ = 0.05 Å
//! keeps all 960 valid, σ = 0.1 Å 796, σ = 0.2 Å 89, σ = 0.3 Å 4; random points in a cube of side 1.5–3.5 Å are
//! best-effort graphs (20,000 tries, none valid). Each estimate takes microseconds (at most 0.5 ms seen).
//!
//! It fails on real geometries where the structure itself is ambiguous: a QM9 geometry that relaxed into another
//! tautomer or ring-opened form than its SMILES, or a long strained bond beyond the cut-off. Measured counts are
//! in the crate documentation.

use super::assign::{self, AtomState, Problem};
use super::lengths::typical_length;
use crate::element::Element;
use crate::graph::MolGraph;
use crate::molecule::Molecule;

/// The estimator's settings; [`OursSettings::default`] is the tuned one.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OursSettings {
    /// Candidate cut-off as a multiple of the sum of covalent radii (1.3).
    pub tolerance: f64,
    /// Length scale σ of the cost, Å (0.05).
    pub sigma: f64,
    /// How far beyond the single-bond length a candidate is free to stay unbonded, Å (0.2).
    pub slack: f64,
    /// Two atoms closer than this multiple of the sum of their covalent radii (1.0) must be bonded: no real
    /// non-bonded pair comes that close, and a generated geometry with such a clash and no bond that fits it is
    /// not valid.
    pub clash: f64,
    /// Cost of one formal charge in the fallback (25).
    pub charge_cost: f64,
    /// Node budget of one search (500,000).
    pub node_limit: usize,
}

impl Default for OursSettings {
    fn default() -> Self {
        OursSettings {
            tolerance: 1.3,
            sigma: 0.05,
            slack: 0.2,
            clash: 1.0,
            charge_cost: 25.0,
            node_limit: 500_000,
        }
    }
}

/// What the estimator did for one molecule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Outcome {
    /// A neutral assignment that spends every valence.
    Neutral,
    /// An assignment with formal charges (no neutral one exists).
    Charged,
    /// No assignment spends every valence: the best-effort graph.
    BestEffort,
}

/// Bonds a molecule with our estimator ([`OursSettings::default`]).
pub fn estimate(m: &Molecule) -> MolGraph {
    estimate_with(m, &OursSettings::default()).0
}

/// Bonds a molecule with the given settings; also says which step gave the graph.
pub fn estimate_with(m: &Molecule, s: &OursSettings) -> (MolGraph, Outcome) {
    let n = m.len();
    let mut edges = Vec::new();
    let mut cost = Vec::new();
    for a in 0..n {
        for b in a + 1..n {
            let (ea, eb) = (m.elements[a], m.elements[b]);
            let d = m.distance(a, b);
            if d > s.tolerance * (ea.covalent_radius() + eb.covalent_radius()) {
                continue;
            }
            let Some(single) = typical_length(ea, eb, 1) else {
                continue;
            };
            let mut c = [f64::INFINITY; 4];
            let radii = ea.covalent_radius() + eb.covalent_radius();
            c[0] = if d < s.clash * radii {
                f64::INFINITY
            } else {
                ((single + s.slack - d).max(0.0) / s.sigma).powi(2)
            };
            for o in 1..=3u8 {
                if let Some(l) = typical_length(ea, eb, o) {
                    c[usize::from(o)] = ((d - l) / s.sigma).powi(2);
                }
            }
            edges.push((a, b));
            cost.push(c);
        }
    }
    let neutral: Vec<Vec<AtomState>> = m
        .elements
        .iter()
        .map(|e| {
            vec![AtomState {
                valence: e.valence(),
                charge: 0,
                cost: 0.0,
            }]
        })
        .collect();
    let mut charged = neutral.clone();
    for (a, e) in m.elements.iter().enumerate() {
        for q in [1i8, -1] {
            let allowed = matches!((e, q), (Element::N, 1) | (Element::O, -1));
            if let (true, Some(v)) = (allowed, e.charged_valence(q)) {
                charged[a].push(AtomState {
                    valence: v,
                    charge: q,
                    cost: s.charge_cost,
                });
            }
        }
    }
    let mut problem = Problem {
        states: neutral,
        edges,
        cost,
        total_charge: 0,
        node_limit: s.node_limit,
        connected: true,
    };
    // Connected first (when the candidates can connect the atoms at all), neutral before charged.
    let can_connect = {
        let all = vec![1u8; problem.edges.len()];
        MolGraph {
            elements: m.elements.clone(),
            charges: vec![0; n],
            bonds: problem
                .edges
                .iter()
                .zip(&all)
                .map(|(&(a, b), &order)| crate::graph::Bond { a, b, order })
                .collect(),
        }
        .is_connected()
    };
    let neutral = problem.states.clone();
    for connected in [true, false] {
        if connected && !can_connect {
            continue;
        }
        problem.connected = connected;
        for (states, outcome) in [(&neutral, Outcome::Neutral), (&charged, Outcome::Charged)] {
            problem.states = states.clone();
            if let Some(sol) = assign::solve(&problem) {
                return (graph_of(m, &problem, &sol.orders, &sol.charges), outcome);
            }
        }
    }
    (best_effort(m, &problem), Outcome::BestEffort)
}

fn graph_of(m: &Molecule, p: &Problem, orders: &[u8], charges: &[i8]) -> MolGraph {
    let mut g = MolGraph::new(m.elements.clone());
    g.charges = charges.to_vec();
    for (&(a, b), &o) in p.edges.iter().zip(orders) {
        if o > 0 {
            // Distinct, in-range atoms by construction.
            let _ = g.add_bond(a, b, o);
        }
    }
    g
}

fn best_effort(m: &Molecule, p: &Problem) -> MolGraph {
    let mut g = MolGraph::new(m.elements.clone());
    let mut free: Vec<i32> = m.elements.iter().map(|e| i32::from(e.valence())).collect();
    let mut by_ratio: Vec<usize> = (0..p.edges.len()).collect();
    let ratio = |e: usize| {
        let (a, b) = p.edges[e];
        m.distance(a, b) / (m.elements[a].covalent_radius() + m.elements[b].covalent_radius())
    };
    by_ratio.sort_by(|&x, &y| ratio(x).total_cmp(&ratio(y)));
    // Clashing pairs (which may not stay unbonded) are bonded whatever their valence.
    for &e in &by_ratio {
        let (a, b) = p.edges[e];
        if !p.cost[e][0].is_finite() {
            let _ = g.add_bond(a, b, 1);
            free[a] -= 1;
            free[b] -= 1;
        }
    }
    for &e in &by_ratio {
        let (a, b) = p.edges[e];
        if p.cost[e][0].is_finite() && p.cost[e][1].is_finite() && free[a] > 0 && free[b] > 0 {
            let _ = g.add_bond(a, b, 1);
            free[a] -= 1;
            free[b] -= 1;
        }
    }
    for &e in &by_ratio {
        let (a, b) = p.edges[e];
        while g.bond_order(a, b) > 0
            && g.bond_order(a, b) < 3
            && p.cost[e][usize::from(g.bond_order(a, b) + 1)].is_finite()
            && free[a] > 0
            && free[b] > 0
        {
            let _ = g.add_bond(a, b, 1);
            free[a] -= 1;
            free[b] -= 1;
        }
    }
    g
}

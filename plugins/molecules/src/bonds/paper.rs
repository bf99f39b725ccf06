//! The appendix's three-step bond rule (Jaini, Holdijk & Welling 2021, appendix E.2; ESVGD.md §6), and the
//! released code's variant of its third step.
//!
//! 1. **Heavy-atom tree**: start from the heavy atom closest to the origin; repeatedly bond the closest pair
//!    (a connected heavy atom with free valence, an unconnected heavy atom) until every heavy atom is connected.
//! 2. **Hydrogens**: for every unbonded H find its nearest heavy atom with free valence; bond first the H whose
//!    nearest distance is largest; repeat.
//! 3. **Remaining valence**: while two or more heavy atoms have free valence, let (a, b) be the closest such
//!    pair and (c, e) the closest such pair not yet bonded; if `d(c, e) ≤ 1.1 · d(a, b)` bond (c, e), else raise
//!    the order of (a, b).
//!
//! In the released code (`EBM_QM9_sample.py`) the distance of the candidate new pair is read from the wrong
//! pair, so the 1.1 margin never stops it: among the pairs (each free atom, its nearest free atom), sorted by
//! distance, it bonds the first pair not yet bonded, however far, and raises the order of the closest pair only
//! when all of them are bonded. [`PaperVariant::Released`] does that.
//!
//! The rule spends valences by construction, so it calls almost any geometry valid; it fails (leaves valence
//! unspent) only when the tree or the hydrogens run out of partners with free valence, or one heavy atom is
//! left with free valence. Bond orders are not capped (a fourth raise gives order 4, which is never valid).

use crate::element::Element;
use crate::graph::MolGraph;
use crate::molecule::Molecule;

/// Which third step.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub enum PaperVariant {
    /// The appendix's rule with the 1.1 margin.
    #[default]
    Appendix,
    /// The released code: the margin never fires.
    Released,
}

/// Bonds a molecule by the appendix's rule. Always returns a graph; it is not valid where the rule fails.
pub fn estimate(m: &Molecule, variant: PaperVariant) -> MolGraph {
    let n = m.len();
    let mut g = MolGraph::new(m.elements.clone());
    let mut free: Vec<i32> = m.elements.iter().map(|e| i32::from(e.valence())).collect();
    let heavy: Vec<usize> = (0..n).filter(|&i| m.elements[i] != Element::H).collect();
    let hydrogens: Vec<usize> = (0..n).filter(|&i| m.elements[i] == Element::H).collect();
    let d = |a: usize, b: usize| m.distance(a, b);
    let bond = |g: &mut MolGraph, free: &mut [i32], a: usize, b: usize| {
        // Indices are distinct and in range by construction.
        let _ = g.add_bond(a, b, 1);
        free[a] -= 1;
        free[b] -= 1;
    };

    // Step 1: the heavy-atom tree.
    if let Some(&first) = heavy
        .iter()
        .min_by(|&&a, &&b| norm(&m.positions[a]).total_cmp(&norm(&m.positions[b])))
    {
        let mut connected = vec![first];
        let mut rest: Vec<usize> = heavy.iter().copied().filter(|&a| a != first).collect();
        while !rest.is_empty() {
            let best = connected
                .iter()
                .filter(|&&a| free[a] > 0)
                .flat_map(|&a| rest.iter().map(move |&b| (a, b)))
                .min_by(|x, y| d(x.0, x.1).total_cmp(&d(y.0, y.1)));
            let Some((a, b)) = best else { break };
            bond(&mut g, &mut free, a, b);
            connected.push(b);
            rest.retain(|&x| x != b);
        }
    }

    // Step 2: hydrogens, the farthest first.
    let mut unbonded = hydrogens;
    while !unbonded.is_empty() {
        let pick = unbonded
            .iter()
            .filter_map(|&h| {
                heavy
                    .iter()
                    .copied()
                    .filter(|&a| free[a] > 0)
                    .min_by(|&a, &b| d(h, a).total_cmp(&d(h, b)))
                    .map(|a| (h, a, d(h, a)))
            })
            .max_by(|x, y| x.2.total_cmp(&y.2));
        let Some((h, a, _)) = pick else { break };
        bond(&mut g, &mut free, h, a);
        unbonded.retain(|&x| x != h);
    }

    // Step 3: spend the remaining valence.
    loop {
        let open: Vec<usize> = heavy.iter().copied().filter(|&a| free[a] > 0).collect();
        if open.len() < 2 {
            break;
        }
        let mut pairs: Vec<(usize, usize, f64)> = Vec::new();
        match variant {
            PaperVariant::Appendix => {
                for (k, &a) in open.iter().enumerate() {
                    for &b in &open[k + 1..] {
                        pairs.push((a, b, d(a, b)));
                    }
                }
            }
            PaperVariant::Released => {
                // Each open atom with its nearest open atom.
                for &a in &open {
                    if let Some(b) = open
                        .iter()
                        .copied()
                        .filter(|&b| b != a)
                        .min_by(|&x, &y| d(a, x).total_cmp(&d(a, y)))
                    {
                        pairs.push((a, b, d(a, b)));
                    }
                }
            }
        }
        pairs.sort_by(|x, y| x.2.total_cmp(&y.2));
        let (a, b, dab) = pairs[0];
        let new = pairs.iter().find(|p| g.bond_order(p.0, p.1) == 0).copied();
        let choice = match (variant, new) {
            (PaperVariant::Appendix, Some((c, e, dce))) if dce <= 1.1 * dab => (c, e),
            (PaperVariant::Released, Some((c, e, _))) => (c, e),
            _ => (a, b),
        };
        bond(&mut g, &mut free, choice.0, choice.1);
    }
    g
}

fn norm(p: &[f64; 3]) -> f64 {
    (p[0] * p[0] + p[1] * p[1] + p[2] * p[2]).sqrt()
}

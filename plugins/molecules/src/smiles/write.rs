//! [`MolGraph`] to SMILES: a depth-first walk from the lowest-numbered heavy atom of each connected piece,
//! branches in parentheses, ring closures with the lowest free digit, hydrogens folded into their heavy atom.
//!
//! The string is deterministic for one atom order but not canonical: two atom orders of one molecule may give
//! two strings (compare molecules with [`MolGraph::same_molecule`], not by their SMILES).

use crate::element::Element;
use crate::graph::MolGraph;

impl MolGraph {
    /// A SMILES string of the graph, readable back by [`MolGraph::from_smiles`] (and RDKit) into the same graph.
    /// A hydrogen with exactly one single bond to a heavy atom is folded into it; any other hydrogen is written
    /// as an atom `[H]`. An atom is written bare (`C`, `N`, `O`, `F`) when it is neutral and the SMILES rule for
    /// implicit hydrogens gives exactly its hydrogen count, else in brackets with its count and charge
    /// (`[CH2]`, `[NH3+]`, `[O-]`). Pieces are joined by `.`; bonds of order above 3 are written `$`.
    ///
    /// ```
    /// use equistein_molecules::MolGraph;
    /// let g = MolGraph::from_smiles("CC1(O)CC1C#C").unwrap();
    /// let s = g.to_smiles();
    /// assert!(MolGraph::from_smiles(&s).unwrap().same_molecule(&g));
    /// ```
    pub fn to_smiles(&self) -> String {
        let n = self.len();
        let mut adjacency: Vec<Vec<(usize, u8)>> = vec![Vec::new(); n];
        for x in &self.bonds {
            adjacency[x.a].push((x.b, x.order));
            adjacency[x.b].push((x.a, x.order));
        }
        // Hydrogens folded into their heavy atom.
        let folded: Vec<bool> = (0..n)
            .map(|a| {
                self.elements[a] == Element::H
                    && self.charges[a] == 0
                    && adjacency[a].len() == 1
                    && adjacency[a][0].1 == 1
                    && self.elements[adjacency[a][0].0] != Element::H
            })
            .collect();
        let h_count: Vec<usize> = (0..n)
            .map(|a| adjacency[a].iter().filter(|(b, _)| folded[*b]).count())
            .collect();
        for list in &mut adjacency {
            list.retain(|(b, _)| !folded[*b]);
            list.sort();
        }
        let mut out = String::new();
        let mut seen = vec![false; n];
        for start in (0..n).filter(|&a| !folded[a]) {
            if seen[start] {
                continue;
            }
            if !out.is_empty() {
                out.push('.');
            }
            self.write_piece(start, &adjacency, &h_count, &mut seen, &mut out);
        }
        out
    }

    fn write_piece(
        &self,
        start: usize,
        adjacency: &[Vec<(usize, u8)>],
        h_count: &[usize],
        seen: &mut [bool],
        out: &mut String,
    ) {
        // Pass 1: the depth-first tree (children in visiting order) and the ring-closure bonds.
        let n = self.len();
        let mut children: Vec<Vec<(usize, u8)>> = vec![Vec::new(); n];
        let mut rings: Vec<Vec<(usize, u8)>> = vec![Vec::new(); n];
        let mut parent = vec![usize::MAX; n];
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        seen[start] = true;
        while let Some(&mut (a, ref mut next)) = stack.last_mut() {
            if *next >= adjacency[a].len() {
                stack.pop();
                continue;
            }
            let (b, order) = adjacency[a][*next];
            *next += 1;
            if !seen[b] {
                seen[b] = true;
                parent[b] = a;
                children[a].push((b, order));
                stack.push((b, 0));
            } else if parent[a] != b && !children[b].iter().any(|&(c, _)| c == a) {
                // A non-tree bond, met from both ends: record it at each.
                if !rings[a].iter().any(|&(c, _)| c == b) {
                    rings[a].push((b, order));
                    rings[b].push((a, order));
                }
            }
        }
        // Pass 2: write in preorder; a ring digit opens at the first end written and closes at the second.
        enum Task {
            Atom(usize, u8),
            Text(&'static str),
        }
        let mut written = vec![false; n];
        let mut digit_of: Vec<(usize, usize, usize)> = Vec::new(); // (from, to, digit) open rings
        let mut tasks = vec![Task::Atom(start, 0)];
        while let Some(task) = tasks.pop() {
            let (a, order) = match task {
                Task::Text(t) => {
                    out.push_str(t);
                    continue;
                }
                Task::Atom(a, order) => (a, order),
            };
            out.push_str(bond_symbol(order));
            self.write_atom(
                a,
                h_count[a],
                adjacency[a].iter().map(|x| u32::from(x.1)).sum(),
                out,
            );
            written[a] = true;
            for &(b, order) in &rings[a] {
                if written[b] {
                    if let Some(k) = digit_of.iter().position(|&(f, t, _)| f == b && t == a) {
                        let (_, _, d) = digit_of.remove(k);
                        out.push_str(&ring_digit(d));
                    }
                } else {
                    let mut d = 1;
                    while digit_of.iter().any(|&(_, _, x)| x == d) {
                        d += 1;
                    }
                    digit_of.push((a, b, d));
                    out.push_str(bond_symbol(order));
                    out.push_str(&ring_digit(d));
                }
            }
            let kids = &children[a];
            if let Some((&(last, last_order), rest)) = kids.split_last() {
                tasks.push(Task::Atom(last, last_order));
                for &(c, o) in rest.iter().rev() {
                    tasks.push(Task::Text(")"));
                    tasks.push(Task::Atom(c, o));
                    tasks.push(Task::Text("("));
                }
            }
        }
    }

    fn write_atom(&self, a: usize, hydrogens: usize, explicit_valence: u32, out: &mut String) {
        let e = self.elements[a];
        let q = self.charges[a];
        let bare = q == 0
            && e != Element::H
            && implicit_hydrogens(e, explicit_valence) == Some(hydrogens as u32);
        if bare {
            out.push_str(e.symbol());
            return;
        }
        out.push('[');
        out.push_str(e.symbol());
        match hydrogens {
            0 => {}
            1 => out.push('H'),
            h => {
                out.push('H');
                out.push_str(&h.to_string());
            }
        }
        match q {
            0 => {}
            1 => out.push('+'),
            -1 => out.push('-'),
            q if q > 0 => out.push_str(&format!("+{q}")),
            q => out.push_str(&format!("-{}", -i32::from(q))),
        }
        out.push(']');
    }
}

/// The SMILES rule for an organic-subset atom: hydrogens up to the smallest standard valence not below the
/// explicit bond-order sum (C 4; N 3, 5; O 2; F 1), `None` above the largest.
fn implicit_hydrogens(e: Element, explicit: u32) -> Option<u32> {
    let targets: &[u32] = match e {
        Element::C => &[4],
        Element::N => &[3, 5],
        Element::O => &[2],
        Element::F => &[1],
        Element::H => &[],
    };
    targets
        .iter()
        .find(|&&t| t >= explicit)
        .map(|t| t - explicit)
}

fn bond_symbol(order: u8) -> &'static str {
    match order {
        0 | 1 => "",
        2 => "=",
        3 => "#",
        _ => "$",
    }
}

fn ring_digit(d: usize) -> String {
    if d < 10 {
        d.to_string()
    } else {
        format!("%{d}")
    }
}

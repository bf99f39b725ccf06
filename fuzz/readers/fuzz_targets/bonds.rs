//! Small molecules decoded from the bytes through every bond estimator. Each atom takes 13 bytes: an element
//! (byte mod 5: H, C, N, O, F) and three little-endian f32 coordinates (any bits: NaN, infinities, huge and
//! subnormal values); at most 32 atoms. `Molecule::new` must refuse non-finite coordinates; for a molecule it
//! accepts, every `Estimator::ALL` estimate, its `valid`, `to_smiles` and the SMILES read back must not panic.
#![no_main]

use equistein_molecules::{Element, Estimator, MolGraph, Molecule};
use libfuzzer_sys::fuzz_target;

const ELEMENTS: [Element; 5] = [Element::H, Element::C, Element::N, Element::O, Element::F];

fuzz_target!(|data: &[u8]| {
    let mut elements = Vec::new();
    let mut positions = Vec::new();
    for atom in data.chunks_exact(13).take(32) {
        elements.push(ELEMENTS[(atom[0] % 5) as usize]);
        let c = |k: usize| {
            let b = &atom[1 + 4 * k..5 + 4 * k];
            f32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64
        };
        positions.push([c(0), c(1), c(2)]);
    }
    let finite = positions.iter().flatten().all(|v| v.is_finite());
    let molecule = match Molecule::new(elements, positions) {
        Ok(m) => {
            assert!(finite, "Molecule::new accepted a non-finite coordinate");
            m
        }
        Err(e) => {
            assert!(!finite, "Molecule::new refused finite coordinates: {e}");
            return;
        }
    };
    for estimator in Estimator::ALL {
        let graph = estimator.estimate(&molecule);
        assert_eq!(graph.len(), molecule.len());
        let _ = graph.valid();
        let _ = graph.is_connected();
        let _ = graph.formula();
        let smiles = graph.to_smiles();
        if let Err(e) = MolGraph::from_smiles(&smiles) {
            let _ = e.to_string();
        }
    }
});

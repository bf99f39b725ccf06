//! # equistein-molecules
//!
//! Molecular systems for [`equistein`]: DW-4, the four-particle double-well system of Köhler, Klein &
//! Noé (2020) used in Section 5 and appendix E.1 of Jaini, Holdijk & Welling (2021).
//!
//! - [`potential`]: the potential `E(x) = Σ_{i<j} a(d_ij − d0)⁴ + b(d_ij − d0)² + c` ([`DoubleWell`]) as a core
//!   [`equistein::Energy`] in f32 and f64, batched, forces in closed form, with temperature and the ordered-pair
//!   variant;
//! - [`states`]: its five meta-stable states as data ([`STATES`]);
//! - [`quench`] and [`classify`]: gradient descent to the nearest minimum ([`Quench`]) and the state classifier
//!   ([`Classifier`], batched and parallel), with per-state shares ([`StateShares`]);
//! - [`io`]: readers for raw little-endian f32 rows and `.npy`, an atomic `.npy` writer;
//! - [`dataset`]: loading a DW-4 file centred ([`load_dw4`]) and the paper's training set ([`TrainingSet`]);
//! - [`histogram`]: energy and pair-distance histograms on documented bins, and their total-variation distance;
//! - [`geometry`]: pair distances, sorted pair distances, centring.
//!
//! And QM9 molecules (issue 11; Jaini et al.'s appendix E.2, ESVGD.md §6):
//!
//! - [`io::xyz`], [`io::xyz_write`]: multi-record XYZ, plain or gzip, streamed record by record
//!   ([`XyzReader::open`], [`read_xyz`]) with the header's `key=value` tokens in order ([`XyzRecord::property`]);
//!   written atomically ([`write_xyz`], gzip when the name ends in `.gz`);
//! - [`element`], [`molecule`]: [`Element`] (H, C, N, O, F: valence, covalent radius, the 15 atom-type features
//!   [`Element::features`] with `Z_max` = 9), [`Molecule`] (elements and positions in Å, formula,
//!   [`Molecule::canonicalised`]: atoms sorted C, N, O, F, H so one formula has one type list);
//! - [`bonds`]: [`Estimator`] `Ours` (exact valence-spending bond orders by bond length, charges as a fallback),
//!   `Paper` (the appendix's three-step rule) and `PaperReleased` (the released code's variant); every estimator
//!   returns a [`MolGraph`] for any input;
//! - [`graph`], [`smiles`]: [`MolGraph`] (bond orders, formal charges, [`MolGraph::valid`],
//!   [`MolGraph::same_molecule`]: petgraph isomorphism up to the Kekulé form), [`MolGraph::from_smiles`] (purr) and
//!   [`MolGraph::to_smiles`] (readable, not canonical);
//! - [`metrics`]: [`ReferenceSet::from_index_tsv`] (the 35 training and 13 held-out C5H8O isomers from the SMILES
//!   column of `qm9_C5H8O_index.tsv`) and [`molecule_metrics`] → [`MoleculeMetrics`] (atom stability, validity,
//!   uniqueness, training isomers recovered, held-out isomers found, novel graphs; `Serialize`);
//! - [`report`]: [`bonds_report`] → [`BondsReport`] for `equistein bonds FILE.xyz[.gz] [--estimator paper|ours]`
//!   (per molecule validity, SMILES, match against `smiles=`; `Display` prints the lines and the summary).
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use equistein_molecules::{molecule_metrics, Estimator, MolGraph, Reference, ReferenceSet, XyzReader};
//!
//! // Two molecules in XYZ, as a generator would write them (positions in Å).
//! let xyz = "3\nsmiles=O\nO 0 0 0\nH 0.96 0 0\nH -0.24 0.93 0\n\
//!            3\n\nO 0 0 0\nH 2.5 0 0\nH -0.24 0.93 0\n";
//! let graphs: Vec<Option<MolGraph>> = XyzReader::new(xyz.as_bytes(), "generated.xyz")
//!     .map(|r| r.map(|r| Some(Estimator::Ours.estimate(&r.molecule))))
//!     .collect::<Result<_, _>>()?;
//! assert_eq!(graphs[0].as_ref().unwrap().to_smiles(), "O");
//! let refs = ReferenceSet { train: vec![Reference::from_smiles("water", "O")?], held_out: vec![] };
//! let m = molecule_metrics(&graphs, &refs);
//! assert_eq!((m.valid, m.train_recovered, m.stable_atoms), (1, 1, 4)); // the second lost an H
//! # Ok(())
//! # }
//! ```
//!
//! ## Bond estimation, measured
//!
//! Molecules whose estimated graph is the molecule of the header's `smiles=` (`cargo test -p equistein-molecules
//! --test bonds` asserts these; `benches/compare/bonds.py` puts RDKit's `DetermineBonds` beside them, see
//! docs/performance.md):
//!
//! | file | molecules | ours | appendix rule | released variant | RDKit |
//! | --- | --- | --- | --- | --- | --- |
//! | `qm9_C5H8O.xyz` | 48 | 48 | 48 | 45 | 43 |
//! | `qm9_C7H10O2.xyz.gz` | 6,094 | 6,094 | 6,094 | 5,608 | 5,482 |
//! | `qm9_heavy_le7.xyz.gz` | 3,921 | 3,921 | 3,883 | 3,780 | 3,793 |
//!
//! When each fails: ours needs a valence-spending assignment of the covalent-radius candidates in which every pair
//! closer than the sum of its covalent radii is bonded; where none exists (broken or squeezed generated
//! geometries) it returns a best-effort graph that is not valid, and it would miss a real geometry that relaxed into another
//! tautomer than its SMILES (none in these files). The appendix rule fails on six-membered aromatic rings (they
//! come out as Dewar-like bicycles) and on zwitterions (it has no charges), and, spending valences by construction,
//! calls almost any generated geometry valid. The released variant also bonds new pairs however far apart.
//! RDKit (covalent radii × 1.3, then xyz2mol) bonds the bridgeheads of bicyclo[1.1.1]/[2.1.1] cages.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use equistein::{Energy, Particles};
//! use equistein_molecules::{Assignment, Classifier, DoubleWell, TrainingSet, STATES};
//! use rand_core::SeedableRng;
//!
//! // The potential at the lowest minimum.
//! let dw4 = DoubleWell::dw4();
//! let e: f64 = dw4.energy(&STATES[0].coordinates)?;
//! assert!((e + 25.7922).abs() < 1e-3);
//!
//! // The paper's training set (5 states × 20 copies here, σ = 0.1), classified back.
//! let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
//! let data = TrainingSet::new(20, 0.1)?;
//! let xs: Particles<f32> = data.build(&mut rng);
//! let classes = Classifier::default().classify_batch(&xs)?;
//! assert!(classes
//!     .iter()
//!     .enumerate()
//!     .all(|(r, c)| c.assignment == Assignment::State(data.state_of_row(r))));
//! # Ok(())
//! # }
//! ```
//!
//! ## The quench, measured
//!
//! 2,000 starts from U[−5, 5)^8 (seed 11), each classified after a reference quench (steps of 0.01, moves capped
//! at 0.1, down to a gradient of 1e-9) land in the five states with shares 0.418, 0.309, 0.196, 0.057, 0.020 and
//! none unassigned. Against that reference:
//!
//! - [`Quench::default`] (0.01, cap 0.1, stop at a gradient of 1e-6, at most 20,000 steps) converges on all
//!   2,000 (165 steps on average, 350 at most) and agrees on every sample;
//! - [`Quench::authors`] (1,000 plain steps of 0.001 on the ordered-pair energy) converges on none (largest
//!   final gradient 2.4) and assigns 70 of 2,000 (3.5%) to another state, over-counting state 4 (0.073 against
//!   0.057): its first steps, uncapped, jump far where the forces are large;
//! - plain steps of 0.001 on the unordered energy leave 4.6% unassigned (not converged); plain steps of 0.01
//!   without the cap diverge or jump to another basin on 52% of the starts.
//!
//! Quench and classification of 2,000 samples take about 0.06 s with the default and 0.3 s with the authors'
//! quench (release build, 2 cores shared with other work; the default is as fast on one thread).
//!
//! The shipped data sets, classified with the default: `fixed_DW4` has exactly 200 samples in each state (it
//! is the paper's five-state set); `dimer_4particles` is all state 4 but for row 0, a perfect square, whose
//! descent keeps its symmetry and stops at the square saddle (E = −20.162), so it is unassigned; the EFM test
//! split (Boltzmann samples at temperature 1) has shares 0.410, 0.477, 0.059, 0.048, 0.006.
#![warn(missing_docs)]

pub mod bonds;
pub mod classify;
pub mod dataset;
pub mod element;
pub mod error;
pub mod geometry;
pub mod graph;
pub mod histogram;
pub mod io;
pub mod metrics;
pub mod molecule;
pub mod potential;
pub mod quench;
pub mod report;
pub mod smiles;
pub mod states;

pub use bonds::{estimate_bonds, Estimator, OursSettings, Outcome, PaperVariant};
pub use classify::{Assignment, Classification, Classifier, StateShares};
pub use dataset::{load_dw4, TrainingSet, DW4_DIM};
pub use element::{Element, FEATURE_LEN, Z_MAX};
pub use error::{MoleculesError, Result};
pub use graph::{Bond, MolGraph, ResonanceMasks};
pub use histogram::{
    count_total_variation, dw4_energies, dw4_energy_histogram, dw4_pair_distance_histogram,
    Histogram,
};
pub use io::npy::read_npy;
pub use io::npy_write::{write_npy, Precision};
pub use io::raw::read_raw_f32;
pub use io::read_particles;
pub use io::xyz::{read_xyz, XyzReader, XyzRecord};
pub use io::xyz_write::write_xyz;
pub use metrics::{molecule_metrics, MoleculeMetrics, Reference, ReferenceSet};
pub use molecule::Molecule;
pub use potential::{DoubleWell, PairSum};
pub use quench::{Quench, QuenchReport};
pub use report::{bonds_report, BondsLine, BondsReport};
pub use states::{MetastableState, STATES};

//! SMILES: reading a string into a [`crate::MolGraph`] with explicit hydrogens (through the `purr` parser) and
//! writing a graph as a SMILES string.

pub mod read;
pub mod write;

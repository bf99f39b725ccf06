//! Multi-record XYZ writing, atomically (a temporary file beside the target, renamed onto it); gzip when the
//! name ends in `.gz`.

use super::atomic::write_atomically;
use super::xyz::XyzRecord;
use crate::error::{MoleculesError, Result};
use flate2::write::GzEncoder;
use flate2::Compression;
use std::io::Write;
use std::path::Path;

/// Writes records as a multi-record XYZ file any molecule viewer opens: per record the atom count, the comment
/// line, then `element x y z` with 10 decimals (Å). A name ending in `.gz` is written gzip-compressed. The file
/// appears whole or not at all. A NaN or infinity is refused ([`MoleculesError::NonFiniteInput`] naming the
/// record and atom), since the reader refuses it too.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use equistein_molecules::{read_xyz, write_xyz, Element, Molecule, XyzRecord};
/// let dir = std::env::temp_dir().join(format!("xyz-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let water = Molecule::new(
///     vec![Element::O, Element::H, Element::H],
///     vec![[0.0, 0.0, 0.0], [0.96, 0.0, 0.0], [-0.24, 0.93, 0.0]],
/// )?;
/// let path = dir.join("water.xyz.gz");
/// write_xyz(&path, &[XyzRecord::new(water.clone(), "name=water")])?;
/// let back = read_xyz(&path)?;
/// assert_eq!(back[0].molecule, water);
/// assert_eq!(back[0].property("name"), Some("water"));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub fn write_xyz(path: impl AsRef<Path>, records: &[XyzRecord]) -> Result<()> {
    let path = path.as_ref();
    for (r, record) in records.iter().enumerate() {
        let m = &record.molecule;
        if m.elements.len() != m.positions.len() {
            return Err(MoleculesError::Mismatch {
                what: "XYZ record",
                reason: format!(
                    "record {r} has {} elements but {} positions",
                    m.elements.len(),
                    m.positions.len()
                ),
            });
        }
        for (a, p) in m.positions.iter().enumerate() {
            if p.iter().any(|v| !v.is_finite()) {
                return Err(MoleculesError::NonFiniteInput {
                    what: "XYZ record",
                    sample: r,
                    coordinate: a,
                });
            }
        }
    }
    let gzip = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"));
    write_atomically(path, |w| {
        if gzip {
            let mut z = GzEncoder::new(w, Compression::default());
            write_records(&mut z, records)?;
            z.finish()?;
            Ok(())
        } else {
            write_records(w, records)
        }
    })
}

fn write_records(w: &mut impl Write, records: &[XyzRecord]) -> std::io::Result<()> {
    for record in records {
        let m = &record.molecule;
        writeln!(w, "{}", m.len())?;
        writeln!(w, "{}", record.comment.replace(['\n', '\r'], " "))?;
        for (e, p) in m.elements.iter().zip(&m.positions) {
            writeln!(
                w,
                "{:<2} {:>16.10} {:>16.10} {:>16.10}",
                e.symbol(),
                p[0],
                p[1],
                p[2]
            )?;
        }
    }
    Ok(())
}

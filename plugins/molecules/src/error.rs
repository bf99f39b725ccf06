//! The crate's error type: every failure names the file (and the row) or the parameter at fault.

use std::path::PathBuf;

/// Everything that can go wrong in `equistein-molecules`. Library code never panics on user input.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MoleculesError {
    /// The file does not exist.
    #[error("{}: no such file", path.display())]
    Missing {
        /// The file asked for.
        path: PathBuf,
    },
    /// Any other failure to read or write a file.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A raw file whose size is not a whole number of rows.
    #[error(
        "{}: {bytes} bytes is not a multiple of the {row_bytes}-byte row ({complete_rows} complete rows; row {complete_rows} is truncated)",
        path.display()
    )]
    RawSize {
        /// The file.
        path: PathBuf,
        /// Its size in bytes.
        bytes: u64,
        /// The size of one row in bytes.
        row_bytes: usize,
        /// The number of whole rows in the file (also the index of the truncated row).
        complete_rows: usize,
    },
    /// A data set file that holds no rows where at least one is needed.
    #[error("{}: the file is empty (no rows)", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// A `.npy` header that cannot be parsed.
    #[error("{}: not a valid .npy file: {reason}", path.display())]
    NpyHeader {
        /// The file.
        path: PathBuf,
        /// What the parser reported.
        reason: String,
    },
    /// A `.npy` file whose dtype is not a float (`f4` or `f8`, either byte order).
    #[error("{}: dtype {found} is not supported (expected float32 or float64, e.g. <f4)", path.display())]
    NpyDtype {
        /// The file.
        path: PathBuf,
        /// The dtype as written in the header.
        found: String,
    },
    /// A `.npy` array of the wrong shape.
    #[error("{}: shape {found:?} does not match the expected {expected}", path.display())]
    NpyShape {
        /// The file.
        path: PathBuf,
        /// The shape in the header.
        found: Vec<u64>,
        /// The shapes accepted, in words.
        expected: String,
    },
    /// A `.npy` file whose data is shorter (or longer) than its header declares.
    #[error(
        "{}: the header declares {expected_bytes} data bytes but the file holds {found_bytes} (row {row} is the first incomplete one)",
        path.display()
    )]
    NpyTruncated {
        /// The file.
        path: PathBuf,
        /// Data bytes the header declares.
        expected_bytes: u64,
        /// Data bytes present after the header.
        found_bytes: u64,
        /// The first row not wholly present (the row count when the file is too long).
        row: usize,
    },
    /// A NaN or infinity in a data file.
    #[error("{}: non-finite value {value} at row {row}, column {column}", path.display())]
    NonFinite {
        /// The file.
        path: PathBuf,
        /// The row (sample) index, from 0.
        row: usize,
        /// The column (coordinate) index, from 0.
        column: usize,
        /// The value found.
        value: f64,
    },
    /// A NaN or infinity in an input that is not a file (a particle set handed to the classifier, a histogram).
    #[error("non-finite value in {what} at sample {sample}, coordinate {coordinate}")]
    NonFiniteInput {
        /// What held it.
        what: &'static str,
        /// The sample index.
        sample: usize,
        /// The coordinate within the sample.
        coordinate: usize,
    },
    /// A parameter outside its allowed range.
    #[error("invalid `{name}`: {reason}")]
    InvalidParameter {
        /// The parameter.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// An XYZ atom-count line that is not a non-negative whole number.
    #[error("{}:{line}: atom count: expected a non-negative whole number, found {found:?}", path.display())]
    XyzAtomCount {
        /// The file.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// The text found.
        found: String,
    },
    /// An XYZ record that ends (end of file) before its declared atoms.
    #[error(
        "{}:{line}: short record: the record starting at line {record_line} declares {declared} atoms but the file ends after {found}",
        path.display()
    )]
    XyzShortRecord {
        /// The file.
        path: PathBuf,
        /// The line where an atom (or the comment) was expected, from 1.
        line: usize,
        /// The record's atom-count line, from 1.
        record_line: usize,
        /// The atom count the record declares.
        declared: usize,
        /// The atoms present.
        found: usize,
    },
    /// An XYZ atom line with fewer than four fields.
    #[error("{}:{line}: atom line: expected `element x y z`, found {found:?}", path.display())]
    XyzAtomLine {
        /// The file.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// The text found.
        found: String,
    },
    /// An element symbol outside H, C, N, O, F.
    #[error("{}:{line}: element: unknown element {found:?} (expected H, C, N, O or F, or Z = 1, 6, 7, 8, 9)", path.display())]
    XyzElement {
        /// The file.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// The symbol found.
        found: String,
    },
    /// An XYZ coordinate that is not a number.
    #[error("{}:{line}: coordinate {field}: not a number: {found:?}", path.display())]
    XyzNumber {
        /// The file.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// `x`, `y` or `z`.
        field: &'static str,
        /// The text found.
        found: String,
    },
    /// An XYZ coordinate that is NaN or infinite.
    #[error("{}:{line}: coordinate {field}: non-finite value {value}", path.display())]
    XyzNonFinite {
        /// The file.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// `x`, `y` or `z`.
        field: &'static str,
        /// The value found.
        value: f64,
    },
    /// A gzip stream that is truncated or corrupt, or a line that is not UTF-8.
    #[error("{}:{line}: {what}: {source}", path.display())]
    XyzStream {
        /// The file.
        path: PathBuf,
        /// The line being read, from 1.
        line: usize,
        /// `truncated or corrupt gzip stream` or `not UTF-8 text`.
        what: &'static str,
        /// The decoder's error.
        #[source]
        source: std::io::Error,
    },
    /// A row of a tab-separated table (the QM9 index) that cannot be used.
    #[error("{}:{line}: {reason}", path.display())]
    TableRow {
        /// The file.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// A SMILES string that cannot be read into a molecular graph.
    #[error("SMILES {smiles:?}: {reason}")]
    Smiles {
        /// The string.
        smiles: String,
        /// What is wrong (with the character position where known).
        reason: String,
    },
    /// Two inputs whose sizes disagree (elements and positions, a graph and its molecule).
    #[error("{what}: {reason}")]
    Mismatch {
        /// What was compared.
        what: &'static str,
        /// The sizes.
        reason: String,
    },
    /// An error of the core (dimension mismatch, energy evaluation).
    #[error(transparent)]
    Core(#[from] equistein::Error),
}

/// The crate's result type.
pub type Result<T, E = MoleculesError> = core::result::Result<T, E>;

/// `Ok` when `value` is finite and strictly positive, else [`MoleculesError::InvalidParameter`].
pub(crate) fn ensure_positive(name: &'static str, value: f64) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(MoleculesError::InvalidParameter {
            name,
            reason: format!("must be positive and finite, got {value}"),
        })
    }
}

/// Wraps an I/O error with its file, turning "not found" into [`MoleculesError::Missing`].
pub(crate) fn io_error(path: &std::path::Path, source: std::io::Error) -> MoleculesError {
    if source.kind() == std::io::ErrorKind::NotFound {
        MoleculesError::Missing {
            path: path.to_path_buf(),
        }
    } else {
        MoleculesError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

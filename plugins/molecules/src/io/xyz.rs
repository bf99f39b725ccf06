//! Multi-record XYZ files, plain or gzip-compressed, read as a stream of records.
//!
//! A record is `N`, a comment line, then `N` lines `element x y z` (Å; further columns are ignored). The comment
//! line's whitespace-separated `key=value` tokens (split at the first `=`) are kept in order, as QM9's
//! `gdb=222 split=train … smiles=CC(C)(O)C#C …`. A file is gzip when it starts with the gzip magic bytes
//! (whatever its name); multi-member gzip files are read whole.

use crate::element::Element;
use crate::error::{io_error, MoleculesError, Result};
use crate::molecule::Molecule;
use flate2::read::MultiGzDecoder;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

/// Atoms pre-allocated for a record at most, whatever its declared count (a corrupt count cannot make the
/// reader reserve memory it will not fill).
const PREALLOCATE_ATOMS: usize = 1024;

/// One record of an XYZ file.
#[derive(Debug, Clone, PartialEq)]
pub struct XyzRecord {
    /// The atoms and their positions.
    pub molecule: Molecule,
    /// The comment (second) line, without its line ending.
    pub comment: String,
    /// The comment line's `key=value` tokens, in order (tokens without `=` are skipped).
    pub properties: Vec<(String, String)>,
    /// The record's first (atom-count) line in the file, from 1.
    pub line: usize,
}

impl XyzRecord {
    /// A record of `molecule` with a comment line (line breaks in it become spaces when written); its
    /// `key=value` tokens are parsed into [`XyzRecord::properties`].
    pub fn new(molecule: Molecule, comment: impl Into<String>) -> Self {
        let comment = comment.into().replace(['\n', '\r'], " ");
        let properties = parse_properties(&comment);
        XyzRecord {
            molecule,
            comment,
            properties,
            line: 0,
        }
    }

    /// The value of the first property `key`, e.g. `record.property("smiles")`.
    pub fn property(&self, key: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// The `key=value` tokens of a comment line, in order.
pub fn parse_properties(comment: &str) -> Vec<(String, String)> {
    comment
        .split_whitespace()
        .filter_map(|t| t.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A streaming reader of XYZ records: an iterator of `Result<XyzRecord>` that holds one record in memory at a
/// time. After the first error it yields nothing more.
///
/// ```
/// use equistein_molecules::XyzReader;
/// let text = "3\nname=water\nO 0 0 0\nH 0.96 0 0\nH -0.24 0.93 0\n";
/// let records: Vec<_> = XyzReader::new(text.as_bytes(), "water.xyz").collect::<Result<_, _>>().unwrap();
/// assert_eq!(records.len(), 1);
/// assert_eq!(records[0].property("name"), Some("water"));
/// assert_eq!(records[0].molecule.formula(), "H2O");
/// ```
pub struct XyzReader<R> {
    input: R,
    path: PathBuf,
    gzip: bool,
    line: usize,
    buffer: String,
    done: bool,
}

impl XyzReader<Box<dyn BufRead>> {
    /// Opens a file, plain or gzip (detected by its first two bytes, `1f 8b`).
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let mut file = BufReader::new(File::open(path).map_err(|e| io_error(path, e))?);
        let head = file.fill_buf().map_err(|e| io_error(path, e))?;
        let gzip = head.len() >= 2 && head[0] == 0x1f && head[1] == 0x8b;
        let input: Box<dyn BufRead> = if gzip {
            Box::new(BufReader::new(MultiGzDecoder::new(file)))
        } else {
            Box::new(file)
        };
        Ok(XyzReader {
            input,
            path: path.to_path_buf(),
            gzip,
            line: 0,
            buffer: String::new(),
            done: false,
        })
    }
}

impl<R: BufRead> XyzReader<R> {
    /// A reader of plain XYZ text from any buffered source; `name` is the file name used in errors.
    pub fn new(input: R, name: impl Into<PathBuf>) -> Self {
        XyzReader {
            input,
            path: name.into(),
            gzip: false,
            line: 0,
            buffer: String::new(),
            done: false,
        }
    }

    /// The file name used in errors.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the next line into the buffer (without its line ending); `false` at the end of the input.
    fn next_line(&mut self) -> Result<bool> {
        self.buffer.clear();
        self.line += 1;
        match self.input.read_line(&mut self.buffer) {
            Ok(0) => Ok(false),
            Ok(_) => {
                while self.buffer.ends_with(['\n', '\r']) {
                    self.buffer.pop();
                }
                Ok(true)
            }
            Err(e) => Err(self.stream_error(e)),
        }
    }

    fn stream_error(&self, e: std::io::Error) -> MoleculesError {
        let what = if self.gzip {
            "truncated or corrupt gzip stream"
        } else if e.kind() == std::io::ErrorKind::InvalidData {
            "not UTF-8 text"
        } else {
            return io_error(&self.path, e);
        };
        MoleculesError::XyzStream {
            path: self.path.clone(),
            line: self.line,
            what,
            source: e,
        }
    }

    fn read_record(&mut self) -> Result<Option<XyzRecord>> {
        // The atom count, after any blank lines.
        loop {
            if !self.next_line()? {
                return Ok(None);
            }
            if !self.buffer.trim().is_empty() {
                break;
            }
        }
        let record_line = self.line;
        let count_text = self.buffer.trim();
        let declared: usize = count_text
            .parse()
            .map_err(|_| MoleculesError::XyzAtomCount {
                path: self.path.clone(),
                line: self.line,
                found: count_text.to_string(),
            })?;
        let short = |s: &Self, found: usize| MoleculesError::XyzShortRecord {
            path: s.path.clone(),
            line: s.line,
            record_line,
            declared,
            found,
        };
        if !self.next_line()? {
            return Err(short(self, 0));
        }
        let comment = self.buffer.clone();
        let mut elements = Vec::with_capacity(declared.min(PREALLOCATE_ATOMS));
        let mut positions = Vec::with_capacity(declared.min(PREALLOCATE_ATOMS));
        for found in 0..declared {
            if !self.next_line()? {
                return Err(short(self, found));
            }
            let (e, p) = self.parse_atom()?;
            elements.push(e);
            positions.push(p);
        }
        Ok(Some(XyzRecord {
            molecule: Molecule {
                elements,
                positions,
            },
            properties: parse_properties(&comment),
            comment,
            line: record_line,
        }))
    }

    fn parse_atom(&self) -> Result<(Element, [f64; 3])> {
        let mut fields = self.buffer.split_whitespace();
        let (Some(symbol), Some(x), Some(y), Some(z)) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(MoleculesError::XyzAtomLine {
                path: self.path.clone(),
                line: self.line,
                found: self.buffer.clone(),
            });
        };
        let element = Element::parse(symbol).ok_or_else(|| MoleculesError::XyzElement {
            path: self.path.clone(),
            line: self.line,
            found: symbol.to_string(),
        })?;
        let mut p = [0.0; 3];
        for (k, (field, text)) in [("x", x), ("y", y), ("z", z)].into_iter().enumerate() {
            let v: f64 = text.parse().map_err(|_| MoleculesError::XyzNumber {
                path: self.path.clone(),
                line: self.line,
                field,
                found: text.to_string(),
            })?;
            if !v.is_finite() {
                return Err(MoleculesError::XyzNonFinite {
                    path: self.path.clone(),
                    line: self.line,
                    field,
                    value: v,
                });
            }
            p[k] = v;
        }
        Ok((element, p))
    }
}

impl<R: BufRead> Iterator for XyzReader<R> {
    type Item = Result<XyzRecord>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.read_record() {
            Ok(Some(r)) => Some(Ok(r)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// Reads every record of a file (plain or gzip) into memory. For large files iterate [`XyzReader::open`]
/// instead.
pub fn read_xyz(path: impl AsRef<Path>) -> Result<Vec<XyzRecord>> {
    XyzReader::open(path)?.collect()
}

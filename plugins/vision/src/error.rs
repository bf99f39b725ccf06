//! The one error type of the vision plugin. Every variant that comes from a file names the file.

use std::fmt;
use std::path::PathBuf;

/// Everything that can go wrong while reading, transforming or writing images.
///
/// Library code never panics on user input: a malformed file, a bad parameter or a failed write comes back as one
/// of these.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A file or folder that should exist does not.
    Missing {
        /// What was looked for (for example "FashionMNIST folder").
        what: &'static str,
        /// The path looked at.
        path: PathBuf,
    },
    /// An I/O error other than a missing file (permissions, a failed write or rename).
    Io {
        /// The file being read or written.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The first four bytes are not the IDX magic number expected.
    BadMagic {
        /// The file.
        path: PathBuf,
        /// The magic number expected (`0x0000_0801` for labels, `0x0000_0803` for images).
        expected: u32,
        /// The big-endian number found.
        found: u32,
    },
    /// The file ends inside its header, or the gzip stream ends before its end marker.
    Truncated {
        /// The file.
        path: PathBuf,
        /// Where it ends: "IDX header" or "gzip stream".
        within: &'static str,
    },
    /// The gzip stream is corrupt (bad deflate data, CRC or length mismatch, bad gzip header).
    CorruptGzip {
        /// The file.
        path: PathBuf,
        /// The decoder's message.
        source: std::io::Error,
    },
    /// The dimensions in the header are unusable (a zero size, images that are not square when squares are
    /// required, a product that overflows).
    Dimensions {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The header declares more data than the file holds.
    DeclaresMore {
        /// The file.
        path: PathBuf,
        /// Bytes of data the header declares (product of the dimensions).
        declared: u64,
        /// Bytes of data the file holds after its header.
        found: u64,
    },
    /// The file holds more data than its header declares.
    TrailingData {
        /// The file.
        path: PathBuf,
        /// Bytes of data the header declares.
        declared: u64,
    },
    /// The header declares more data than the reader's limit ([`crate::IdxLimits`]); refused before reading.
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Bytes of data the header declares.
        declared: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// Two pieces of data that belong together disagree (image and label counts, a label out of range, a buffer
    /// length that is not a whole number of images).
    Mismatch {
        /// What was compared.
        what: &'static str,
        /// The details.
        reason: String,
    },
    /// A parameter outside its allowed range.
    InvalidParameter {
        /// The parameter.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The PNG encoder failed.
    Png {
        /// The file being written.
        path: PathBuf,
        /// The encoder's message.
        reason: String,
    },
    /// An error of the core (for example while building [`equistein::Particles`]).
    Core(equistein::Error),
}

/// The vision plugin's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Missing { what, path } => write!(f, "{what} not found: {}", path.display()),
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::BadMagic {
                path,
                expected,
                found,
            } => write!(
                f,
                "{}: not an IDX file of the expected kind (magic number {found:#010x}, expected {expected:#010x})",
                path.display()
            ),
            Error::Truncated { path, within } => {
                write!(f, "{}: truncated (the file ends inside its {within})", path.display())
            }
            Error::CorruptGzip { path, source } => {
                write!(f, "{}: corrupt gzip stream: {source}", path.display())
            }
            Error::Dimensions { path, reason } => {
                write!(f, "{}: bad dimensions: {reason}", path.display())
            }
            Error::DeclaresMore {
                path,
                declared,
                found,
            } => write!(
                f,
                "{}: the header declares {declared} bytes of data but the file holds {found}",
                path.display()
            ),
            Error::TrailingData { path, declared } => write!(
                f,
                "{}: the file holds more than the {declared} bytes of data its header declares",
                path.display()
            ),
            Error::TooLarge {
                path,
                declared,
                limit,
            } => write!(
                f,
                "{}: the header declares {declared} bytes of data, above the limit of {limit}",
                path.display()
            ),
            Error::Mismatch { what, reason } => write!(f, "{what}: {reason}"),
            Error::InvalidParameter { name, reason } => write!(f, "invalid `{name}`: {reason}"),
            Error::Png { path, reason } => {
                write!(f, "{}: PNG encoding failed: {reason}", path.display())
            }
            Error::Core(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } | Error::CorruptGzip { source, .. } => Some(source),
            Error::Core(e) => Some(e),
            _ => None,
        }
    }
}

impl From<equistein::Error> for Error {
    fn from(e: equistein::Error) -> Self {
        Error::Core(e)
    }
}

/// An I/O error on `path`, as [`Error::Missing`] when the file does not exist.
pub(crate) fn io_error(what: &'static str, path: &std::path::Path, e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::NotFound {
        Error::Missing {
            what,
            path: path.to_path_buf(),
        }
    } else {
        Error::Io {
            path: path.to_path_buf(),
            source: e,
        }
    }
}

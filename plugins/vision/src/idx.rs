//! The IDX format (LeCun's MNIST files), unsigned-byte arrays only, raw or gzip-compressed.
//!
//! Layout, all integers big-endian:
//!
//! ```text
//! magic   u32   0x00 0x00 0x08 n   (0x08: unsigned bytes; n: the number of dimensions)
//! dims    n × u32                  (d_1, …, d_n; images: count, rows, cols; labels: count)
//! data    d_1 · … · d_n bytes      (row-major, the last dimension fastest)
//! ```
//!
//! Compression is detected from the content (the gzip magic `1f 8b`), not from the file name. The header is
//! validated before any data buffer is allocated: for a raw file the declared size `d_1 · … · d_n` must equal
//! the bytes after the header; for a gzip stream, whose decompressed size is unknown in advance, the declared
//! size must be at most [`IdxLimits::max_data_bytes`] and the data buffer grows only with what the decoder
//! actually returns (64 KiB at a time), so a crafted header cannot make the reader reserve gigabytes.
//!
//! A corrupt gzip stream is reported as [`Error::CorruptGzip`] (or [`Error::Truncated`] when it is cut short),
//! also when its garbage fails an IDX check first: the stream is then decoded up to 16 MiB further, into a fixed
//! buffer, to find the corruption before the IDX error is returned.

use crate::error::{io_error, Error, Result};
use flate2::read::MultiGzDecoder;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// The magic number of an IDX file of unsigned-byte labels (one dimension).
pub const LABELS_MAGIC: u32 = 0x0000_0801;
/// The magic number of an IDX file of unsigned-byte images (three dimensions: count, rows, cols).
pub const IMAGES_MAGIC: u32 = 0x0000_0803;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const CHUNK: usize = 64 * 1024;

/// Limits on what the reader accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdxLimits {
    /// The largest data section (bytes after the header) accepted; a header declaring more is refused with
    /// [`Error::TooLarge`] before anything is read. Default 1 GiB (FashionMNIST's training images are 47 MB).
    pub max_data_bytes: u64,
}

impl Default for IdxLimits {
    fn default() -> Self {
        IdxLimits {
            max_data_bytes: 1 << 30,
        }
    }
}

/// A decoded IDX array of unsigned bytes: its dimensions and its data, row-major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxArray {
    /// The dimensions `d_1, …, d_n` from the header.
    pub dims: Vec<usize>,
    /// The `d_1 · … · d_n` bytes of data.
    pub data: Vec<u8>,
}

/// Reads the IDX file at `path` (raw or gzip), which must have `ndims` dimensions, with the default limits.
pub fn read_idx(path: impl AsRef<Path>, ndims: u8) -> Result<IdxArray> {
    read_idx_with(path, ndims, IdxLimits::default())
}

/// Reads the IDX file at `path` (raw or gzip), which must have `ndims` dimensions, under `limits`.
pub fn read_idx_with(path: impl AsRef<Path>, ndims: u8, limits: IdxLimits) -> Result<IdxArray> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|e| io_error("IDX file", path, e))?;
    let len = file
        .metadata()
        .map_err(|e| io_error("IDX file", path, e))?
        .len();
    let mut reader = BufReader::with_capacity(CHUNK, file);
    let head = reader
        .fill_buf()
        .map_err(|e| io_error("IDX file", path, e))?;
    if head.starts_with(&GZIP_MAGIC) {
        decode(MultiGzDecoder::new(reader), None, ndims, path, limits)
    } else {
        decode(reader, Some(len), ndims, path, limits)
    }
}

/// Reads an IDX label file (magic `0x0000_0801`, one dimension, raw or gzip) with the default limits.
pub fn read_labels(path: impl AsRef<Path>) -> Result<Vec<u8>> {
    Ok(read_idx_with(path, 1, IdxLimits::default())?.data)
}

/// Decodes IDX bytes held in memory (raw or gzip); `name` is used in error messages.
pub fn parse_idx(bytes: &[u8], ndims: u8, name: &Path, limits: IdxLimits) -> Result<IdxArray> {
    if bytes.starts_with(&GZIP_MAGIC) {
        decode(MultiGzDecoder::new(bytes), None, ndims, name, limits)
    } else {
        decode(bytes, Some(bytes.len() as u64), ndims, name, limits)
    }
}

/// Decodes an IDX stream. `raw_len` is the total length of an uncompressed source (known in advance), `None`
/// for a gzip stream (whose read errors are then decompression errors).
fn decode<R: Read>(
    mut r: R,
    raw_len: Option<u64>,
    ndims: u8,
    path: &Path,
    limits: IdxLimits,
) -> Result<IdxArray> {
    match decode_inner(&mut r, raw_len, ndims, path, limits) {
        Err(e) if raw_len.is_none() => Err(prefer_gzip_error(&mut r, e, path)),
        other => other,
    }
}

/// A corrupt gzip stream can decode to garbage that fails the IDX checks first (a wrong magic number, odd
/// dimensions, extra bytes). Since the corruption is the cause, the rest of the stream (at most
/// [`DRAIN_LIMIT`] more bytes, read into a fixed buffer) is decoded to look for it before the IDX error is
/// reported.
fn prefer_gzip_error<R: Read>(r: &mut R, e: Error, path: &Path) -> Error {
    if !matches!(
        e,
        Error::BadMagic { .. }
            | Error::Dimensions { .. }
            | Error::TooLarge { .. }
            | Error::TrailingData { .. }
    ) {
        return e;
    }
    let mut buf = vec![0u8; CHUNK];
    let mut drained = 0u64;
    while drained < DRAIN_LIMIT {
        match read_full(r, &mut buf, true, path) {
            Ok(0) => break,
            Ok(n) => drained += n as u64,
            Err(gz @ (Error::CorruptGzip { .. } | Error::Truncated { .. })) => return gz,
            Err(_) => break,
        }
    }
    e
}

/// How far past a failed IDX check a gzip stream is decoded to look for corruption (16 MiB).
const DRAIN_LIMIT: u64 = 16 << 20;

fn decode_inner<R: Read>(
    mut r: R,
    raw_len: Option<u64>,
    ndims: u8,
    path: &Path,
    limits: IdxLimits,
) -> Result<IdxArray> {
    let gzip = raw_len.is_none();
    let expected = 0x0800 | u32::from(ndims);

    let mut magic = [0u8; 4];
    if read_full(&mut r, &mut magic, gzip, path)? < magic.len() {
        return Err(truncated_header(path));
    }
    let found = u32::from_be_bytes(magic);
    if found != expected {
        return Err(Error::BadMagic {
            path: path.to_path_buf(),
            expected,
            found,
        });
    }

    let mut dims_bytes = vec![0u8; 4 * usize::from(ndims)];
    if read_full(&mut r, &mut dims_bytes, gzip, path)? < dims_bytes.len() {
        return Err(truncated_header(path));
    }
    let dims: Vec<u64> = dims_bytes
        .chunks_exact(4)
        .map(|c| u64::from(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
        .collect();
    let declared = dims
        .iter()
        .try_fold(1u64, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| Error::Dimensions {
            path: path.to_path_buf(),
            reason: format!("the product of the dimensions {dims:?} overflows"),
        })?;
    if declared > limits.max_data_bytes {
        return Err(Error::TooLarge {
            path: path.to_path_buf(),
            declared,
            limit: limits.max_data_bytes,
        });
    }
    let dims_usize = dims
        .iter()
        .map(|&d| usize::try_from(d))
        .collect::<std::result::Result<Vec<usize>, _>>()
        .map_err(|_| Error::Dimensions {
            path: path.to_path_buf(),
            reason: format!("the dimensions {dims:?} do not fit this platform"),
        })?;
    let header = 4 + 4 * u64::from(ndims);

    let data = match raw_len {
        Some(total) => {
            let found = total.saturating_sub(header);
            if declared > found {
                return Err(Error::DeclaresMore {
                    path: path.to_path_buf(),
                    declared,
                    found,
                });
            }
            if declared < found {
                return Err(Error::TrailingData {
                    path: path.to_path_buf(),
                    declared,
                });
            }
            // Safe to allocate: the size is that of the file itself and within the limit.
            let mut data = vec![0u8; declared as usize];
            let got = read_full(&mut r, &mut data, false, path)?;
            if (got as u64) < declared {
                return Err(Error::DeclaresMore {
                    path: path.to_path_buf(),
                    declared,
                    found: got as u64,
                });
            }
            data
        }
        None => read_bounded(&mut r, declared, path)?,
    };
    // Anything after the declared data is an error (for gzip this read also runs the CRC check).
    let mut extra = [0u8; 1];
    if read_full(&mut r, &mut extra, gzip, path)? > 0 {
        return Err(Error::TrailingData {
            path: path.to_path_buf(),
            declared,
        });
    }
    Ok(IdxArray {
        dims: dims_usize,
        data,
    })
}

/// Reads `declared` bytes of a gzip stream in 64 KiB chunks; the buffer grows with what was read, never ahead.
fn read_bounded<R: Read>(r: &mut R, declared: u64, path: &Path) -> Result<Vec<u8>> {
    let mut data = Vec::new();
    let mut chunk = vec![0u8; CHUNK];
    while (data.len() as u64) < declared {
        let want = (declared - data.len() as u64).min(CHUNK as u64) as usize;
        let n = read_full(r, &mut chunk[..want], true, path)?;
        if n == 0 {
            break;
        }
        data.extend_from_slice(&chunk[..n]);
    }
    if (data.len() as u64) < declared {
        return Err(Error::DeclaresMore {
            path: path.to_path_buf(),
            declared,
            found: data.len() as u64,
        });
    }
    Ok(data)
}

/// Fills `buf` as far as the stream allows; returns the bytes read (less than `buf.len()` only at the end).
fn read_full<R: Read>(r: &mut R, buf: &mut [u8], gzip: bool, path: &Path) -> Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(read_error(e, gzip, path)),
        }
    }
    Ok(n)
}

fn read_error(e: std::io::Error, gzip: bool, path: &Path) -> Error {
    if !gzip {
        return io_error("IDX file", path, e);
    }
    match e.kind() {
        std::io::ErrorKind::UnexpectedEof => Error::Truncated {
            path: path.to_path_buf(),
            within: "gzip stream",
        },
        std::io::ErrorKind::InvalidInput | std::io::ErrorKind::InvalidData => Error::CorruptGzip {
            path: path.to_path_buf(),
            source: e,
        },
        _ => io_error("IDX file", path, e),
    }
}

fn truncated_header(path: &Path) -> Error {
    Error::Truncated {
        path: path.to_path_buf(),
        within: "IDX header",
    }
}

//! The IDX reader on malformed files: every failure is a typed error naming the file, found quickly and
//! without a large allocation.

mod common;

use common::{gzip, idx_bytes};
use equistein_vision::idx::{parse_idx, read_idx_with, IdxLimits};
use equistein_vision::{read_idx, read_labels, Error, Images};
use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The system allocator, recording the largest single request this test binary makes (every test here reads
/// tiny files, so any large request comes from trusting a header).
struct Recording;

static LARGEST: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Recording {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LARGEST.fetch_max(new_size, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Recording = Recording;

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn images_file() -> Vec<u8> {
    idx_bytes(3, &[2, 3, 3], &(0..18).map(|v| v * 10).collect::<Vec<u8>>())
}

#[test]
fn raw_and_gzip_read_alike_whatever_the_name() {
    let dir = tempfile::tempdir().unwrap();
    let raw = write(dir.path(), "images.gz", &images_file()); // raw despite the name
    let gz = write(dir.path(), "images.idx", &gzip(&images_file())); // gzip despite the name
    let a = Images::read_idx(&raw).unwrap();
    let b = Images::read_idx(&gz).unwrap();
    assert_eq!(a, b);
    assert_eq!((a.len(), a.rows(), a.cols(), a.channels()), (2, 3, 3, 1));
    assert_eq!(a.get(1).unwrap()[0], 90.0 / 255.0);
    assert_eq!(a.get(1).unwrap()[8], 170.0 / 255.0);
    let labels = write(dir.path(), "l", &gzip(&idx_bytes(1, &[3], &[4, 0, 9])));
    assert_eq!(read_labels(&labels).unwrap(), vec![4, 0, 9]);
    let arr = read_idx(&raw, 3).unwrap();
    assert_eq!(arr.dims, vec![2, 3, 3]);
}

#[test]
fn empty_file_is_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "empty", b"");
    let err = Images::read_idx(&p).unwrap_err();
    assert!(
        matches!(&err, Error::Truncated { path, within: "IDX header" } if path == &p),
        "{err}"
    );
    assert!(err.to_string().contains("empty"));
}

#[test]
fn truncated_header_and_data() {
    let dir = tempfile::tempdir().unwrap();
    let full = images_file();
    let p = write(dir.path(), "head", &full[..10]);
    assert!(matches!(
        Images::read_idx(&p),
        Err(Error::Truncated {
            within: "IDX header",
            ..
        })
    ));
    let p = write(dir.path(), "data", &full[..full.len() - 5]);
    let err = Images::read_idx(&p).unwrap_err();
    assert!(
        matches!(
            err,
            Error::DeclaresMore {
                declared: 18,
                found: 13,
                ..
            }
        ),
        "{err}"
    );
    // a gzip stream cut in the middle
    let gz = gzip(&full);
    let p = write(dir.path(), "cut.gz", &gz[..gz.len() / 2]);
    let err = Images::read_idx(&p).unwrap_err();
    assert!(
        matches!(&err, Error::Truncated { within: "gzip stream", path } if path == &p),
        "{err}"
    );
    // a complete gzip stream holding too little data
    let p = write(dir.path(), "short.gz", &gzip(&full[..full.len() - 5]));
    let err = Images::read_idx(&p).unwrap_err();
    assert!(
        matches!(
            err,
            Error::DeclaresMore {
                declared: 18,
                found: 13,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn corrupt_gzip_stream() {
    let dir = tempfile::tempdir().unwrap();
    let mut gz = gzip(&images_file());
    // flip bits in the deflate payload (after the 10-byte gzip header)
    for b in gz.iter_mut().skip(12).take(6) {
        *b ^= 0xa5;
    }
    let p = write(dir.path(), "corrupt.gz", &gz);
    let err = Images::read_idx(&p).unwrap_err();
    assert!(
        matches!(&err, Error::CorruptGzip { path, .. } if path == &p),
        "{err}"
    );
    // a wrong CRC in the trailer: the payload decodes but the check fails
    let mut gz = gzip(&images_file());
    let n = gz.len();
    gz[n - 8] ^= 0xff;
    let p = write(dir.path(), "crc.gz", &gz);
    let err = Images::read_idx(&p).unwrap_err();
    assert!(
        matches!(&err, Error::CorruptGzip { path, .. } if path == &p),
        "{err}"
    );
    assert!(err.to_string().contains("crc.gz"));
}

#[test]
fn wrong_magic_and_dimension_count() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = images_file();
    bytes[2] = 0x0d; // float data, unsupported
    let p = write(dir.path(), "float", &bytes);
    let err = Images::read_idx(&p).unwrap_err();
    assert!(
        matches!(
            err,
            Error::BadMagic {
                expected: 0x803,
                found: 0x0d03,
                ..
            }
        ),
        "{err}"
    );
    // a label file read as images: the dimension count in the magic disagrees
    let p = write(dir.path(), "labels", &idx_bytes(1, &[3], &[1, 2, 3]));
    let err = Images::read_idx(&p).unwrap_err();
    assert!(
        matches!(
            err,
            Error::BadMagic {
                expected: 0x803,
                found: 0x801,
                ..
            }
        ),
        "{err}"
    );
    let p = write(dir.path(), "text.gz", &gzip(b"hello, world"));
    assert!(matches!(read_labels(&p), Err(Error::BadMagic { .. })));
}

#[test]
fn count_disagreeing_with_data() {
    let dir = tempfile::tempdir().unwrap();
    // header says 2 images of 3 × 3, data holds 3
    let p = write(dir.path(), "more", &idx_bytes(3, &[2, 3, 3], &[7; 27]));
    let err = Images::read_idx(&p).unwrap_err();
    assert!(
        matches!(err, Error::TrailingData { declared: 18, .. }),
        "{err}"
    );
    let p = write(
        dir.path(),
        "more.gz",
        &gzip(&idx_bytes(3, &[2, 3, 3], &[7; 27])),
    );
    assert!(matches!(
        Images::read_idx(&p),
        Err(Error::TrailingData { declared: 18, .. })
    ));
    let p = write(dir.path(), "less", &idx_bytes(1, &[5], &[1, 2, 3]));
    assert!(matches!(
        read_labels(&p),
        Err(Error::DeclaresMore {
            declared: 5,
            found: 3,
            ..
        })
    ));
    let p = write(dir.path(), "zero", &idx_bytes(3, &[1, 0, 3], &[]));
    assert!(matches!(
        Images::read_idx(&p),
        Err(Error::Dimensions { .. })
    ));
}

/// A header declaring ~1.8 · 10^19 bytes (raw) or 4 GiB (gzip): refused at once, before any large buffer.
#[test]
fn huge_declared_size_is_refused_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let huge = idx_bytes(3, &[u32::MAX, u32::MAX, 1], &[1, 2, 3, 4]);
    let t = Instant::now();
    let p = write(dir.path(), "huge", &huge);
    let err = Images::read_idx(&p).unwrap_err();
    assert!(
        matches!(
            err,
            Error::TooLarge {
                limit: 1_073_741_824,
                ..
            }
        ),
        "{err}"
    );
    let p = write(
        dir.path(),
        "overflow",
        &idx_bytes(3, &[u32::MAX, u32::MAX, 255], &[1]),
    );
    assert!(matches!(
        Images::read_idx(&p),
        Err(Error::Dimensions { .. })
    ));
    // within the limit but more than the raw file holds
    let p = write(
        dir.path(),
        "big",
        &idx_bytes(3, &[1000, 1000, 1000], &[0; 64]),
    );
    let err = Images::read_idx(&p).unwrap_err();
    assert!(
        matches!(
            err,
            Error::DeclaresMore {
                declared: 1_000_000_000,
                found: 64,
                ..
            }
        ),
        "{err}"
    );
    // gzip: the decompressed size is unknown; a generous limit, and still only what was decompressed is held
    let p = write(
        dir.path(),
        "big.gz",
        &gzip(&idx_bytes(3, &[1 << 16, 256, 256], &[0; 1000])),
    );
    let limits = IdxLimits {
        max_data_bytes: 1 << 33,
    };
    let err = read_idx_with(&p, 3, limits).unwrap_err();
    assert!(
        matches!(
            err,
            Error::DeclaresMore {
                declared: 4_294_967_296,
                found: 1000,
                ..
            }
        ),
        "{err}"
    );
    let err = parse_idx(&huge, 3, Path::new("mem"), IdxLimits::default()).unwrap_err();
    assert!(matches!(err, Error::TooLarge { .. }));
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    // no single allocation above 1 MiB (the gzip reader's chunk is 64 KiB; the declared sizes were GiB)
    let largest = LARGEST.load(Ordering::Relaxed);
    assert!(largest < 1 << 20, "largest allocation {largest} bytes");
}

#[test]
fn missing_file_is_named() {
    let err = Images::read_idx("/nonexistent/images.gz").unwrap_err();
    assert!(matches!(err, Error::Missing { .. }));
    assert!(err.to_string().contains("/nonexistent/images.gz"));
}

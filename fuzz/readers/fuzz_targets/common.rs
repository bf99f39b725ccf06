//! Shared by the reader targets: a per-process scratch file for the readers that take a path.

use std::path::PathBuf;

/// Writes `bytes` to this process's scratch file (`/dev/shm/equistein-fuzz-<target>-<pid>.<ext>`, or under
/// `$TMPDIR` where there is no `/dev/shm`) and returns its path; each execution overwrites it.
pub fn scratch(target: &str, ext: &str, bytes: &[u8]) -> PathBuf {
    let shm = std::path::Path::new("/dev/shm");
    let dir = if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    let path = dir.join(format!(
        "equistein-fuzz-{target}-{}.{ext}",
        std::process::id()
    ));
    std::fs::write(&path, bytes).expect("writing the fuzz scratch file");
    path
}

/// `bytes` as a gzip stream (default compression).
#[allow(dead_code)]
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).expect("gzip into memory");
    e.finish().expect("gzip into memory")
}

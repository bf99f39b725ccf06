//! Atomic output: a run writes into a hidden temporary sibling `OUT/.EXPERIMENT.tmp-<pid>` and renames it to
//! `OUT/EXPERIMENT` only when every file is written, so a failed or killed run never leaves a half-written
//! result folder (a killed run leaves only the hidden temporary folder; the next run of the same experiment
//! removes such leftovers of processes that are no longer running).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// A result folder being written.
#[derive(Debug)]
pub struct StagedOutput {
    tmp: PathBuf,
    target: PathBuf,
    committed: bool,
    /// The folders `create` made for `out` (deepest first), removed again by a failed run if left empty.
    created: Vec<PathBuf>,
}

impl StagedOutput {
    /// Creates `out` (if needed) and the empty temporary folder for experiment `name`. A run that fails
    /// before [`StagedOutput::commit`] removes the temporary folder and the folders made for `out` that are
    /// still empty (a checkpoint folder of a training run keeps `out`, so that `--resume` finds it).
    pub fn create(out: &Path, name: &str) -> io::Result<Self> {
        let created: Vec<PathBuf> = out
            .ancestors()
            .take_while(|p| !p.as_os_str().is_empty() && !p.exists())
            .map(Path::to_path_buf)
            .collect();
        fs::create_dir_all(out)?;
        remove_stale(out, name);
        let pid = std::process::id();
        let tmp = out.join(format!(".{name}.tmp-{pid}"));
        if tmp.exists() {
            fs::remove_dir_all(&tmp)?;
        }
        fs::create_dir(&tmp)?;
        Ok(StagedOutput {
            tmp,
            target: out.join(name),
            committed: false,
            created,
        })
    }

    /// The temporary folder the files go to.
    pub fn dir(&self) -> &Path {
        &self.tmp
    }

    /// The final folder.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Writes one file into the temporary folder.
    pub fn write(&self, file: &str, bytes: &[u8]) -> io::Result<()> {
        fs::write(self.tmp.join(file), bytes)
    }

    /// Moves the finished folder into place, replacing an older result, and returns its path.
    pub fn commit(mut self) -> io::Result<PathBuf> {
        let old = self.target.with_file_name(format!(
            ".{}.old-{}",
            self.target
                .file_name()
                .and_then(|s| s.to_str())
                .unwrap_or("run"),
            std::process::id()
        ));
        let had_old = self.target.exists();
        if had_old {
            if old.exists() {
                fs::remove_dir_all(&old)?;
            }
            fs::rename(&self.target, &old)?;
        }
        if let Err(e) = fs::rename(&self.tmp, &self.target) {
            if had_old {
                // Put the previous result back; the new one stays in the temporary folder until drop.
                let _ = fs::rename(&old, &self.target);
            }
            return Err(e);
        }
        self.committed = true;
        if had_old {
            fs::remove_dir_all(&old)?;
        }
        Ok(self.target.clone())
    }
}

/// Removes `.NAME.tmp-PID` and `.NAME.old-PID` folders left by killed runs whose process is gone. Where
/// liveness cannot be checked (no `/proc`), nothing is removed.
fn remove_stale(out: &Path, name: &str) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = fs::read_dir(out) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name();
        let Some(file) = file.to_str() else { continue };
        let pid = [".tmp-", ".old-"].iter().find_map(|tag| {
            file.strip_prefix(&format!(".{name}{tag}"))
                .and_then(|p| p.parse::<u32>().ok())
        });
        if let Some(pid) = pid {
            if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
    }
}

impl Drop for StagedOutput {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.tmp);
            for dir in &self.created {
                // Fails, harmlessly, when the folder is not empty.
                let _ = fs::remove_dir(dir);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_replaces_and_drop_cleans_up() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        let s = StagedOutput::create(&out, "exp").unwrap();
        s.write("a.txt", b"one").unwrap();
        assert!(!out.join("exp").exists());
        let p = s.commit().unwrap();
        assert_eq!(fs::read(p.join("a.txt")).unwrap(), b"one");

        let s = StagedOutput::create(&out, "exp").unwrap();
        s.write("b.txt", b"two").unwrap();
        drop(s); // a failed run
        assert_eq!(fs::read(out.join("exp/a.txt")).unwrap(), b"one");
        assert_eq!(
            fs::read_dir(&out).unwrap().count(),
            1,
            "temporary folder removed"
        );

        let s = StagedOutput::create(&out, "exp").unwrap();
        s.write("b.txt", b"two").unwrap();
        s.commit().unwrap();
        assert!(!out.join("exp/a.txt").exists());
        assert_eq!(fs::read(out.join("exp/b.txt")).unwrap(), b"two");
        assert_eq!(fs::read_dir(&out).unwrap().count(), 1);
    }

    #[test]
    fn leftovers_of_dead_processes_are_removed() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        // A process id far above any live one (pid_max is at most 2^22 on Linux).
        let stale = out.join(".exp.tmp-4294967290");
        fs::create_dir_all(&stale).unwrap();
        let other = out.join(".other.tmp-4294967290");
        fs::create_dir_all(&other).unwrap();
        let s = StagedOutput::create(&out, "exp").unwrap();
        s.commit().unwrap();
        assert!(!stale.exists(), "the dead run's folder is removed");
        assert!(other.exists(), "another experiment's folder is left alone");
    }
}

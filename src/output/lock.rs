//! One writer at a time: `ssgx build` (and `ssgx functions build`) hold an
//! exclusive lock on `.ssgx/build.lock` while they write the project's
//! output folders. Two builds at once would otherwise trip over each
//! other's files; the second waits, as cargo does for its target folder.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::path::Path;

use crate::error::{Error, Result};

/// Held while a build writes; dropping it (or exiting) lets the next one in.
pub struct BuildLock {
    _file: File,
}

impl BuildLock {
    /// Takes the lock of the project at `root`, waiting (and saying so)
    /// while another build holds it.
    pub fn acquire(root: &Path) -> Result<BuildLock> {
        let dir = root.join(".ssgx");
        fs::create_dir_all(&dir).map_err(|e| Error::io_at("cannot create", &dir, e))?;
        let path = dir.join("build.lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io_at("cannot open", &path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                eprintln!("Waiting for another ssgx build of this site to finish...");
                file.lock()
                    .map_err(|e| Error::io_at("cannot lock", &path, e))?;
            }
            Err(TryLockError::Error(e)) => return Err(Error::io_at("cannot lock", &path, e)),
        }
        Ok(BuildLock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_waits_for_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let first = BuildLock::acquire(dir.path()).unwrap();
        let root = dir.path().to_path_buf();
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = std::thread::spawn(move || {
            let _second = BuildLock::acquire(&root).unwrap();
            tx.send(()).unwrap();
        });
        // Held by `first`: the second cannot have it yet.
        assert!(
            rx.recv_timeout(std::time::Duration::from_millis(300))
                .is_err()
        );
        drop(first);
        rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap();
        waiter.join().unwrap();
    }
}

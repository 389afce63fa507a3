//! File watching for `ssgx dev` and `ssgx functions serve`: notify events
//! filtered to real writes, editor droppings and build output ignored, and
//! bursts coalesced (a batch ends after 20 ms of quiet) so one save is one
//! rebuild.

use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::{RecursiveMode, Watcher};
use tokio::sync::mpsc;

use crate::error::Error;

/// How long a burst of events may pause before its batch is handed over.
pub const DEBOUNCE: Duration = Duration::from_millis(20);

/// A running watcher; dropping it stops watching.
pub struct Watch {
    watcher: notify::RecommendedWatcher,
    watched: Vec<PathBuf>,
    /// Folders that did not exist yet, watched once they appear.
    pending: Vec<PathBuf>,
}

impl Watch {
    /// Watches `dirs` recursively (also those created later) and `files`;
    /// events elsewhere or under `ignored_dirs` are dropped. Batches of
    /// changed paths arrive on the returned channel.
    pub fn start(
        dirs: &[PathBuf],
        files: &[PathBuf],
        ignored_dirs: Vec<PathBuf>,
    ) -> Result<(Watch, mpsc::UnboundedReceiver<Vec<PathBuf>>), Error> {
        let (tx, rx) = mpsc::unbounded_channel::<PathBuf>();
        let watched_dirs = dirs.to_vec();
        let watched_files = files.to_vec();
        let watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
            let Ok(event) = event else { return };
            // Reading a file (a build, cargo) is an event too: only writes,
            // creations, renames and removals count.
            let counts = match event.kind {
                notify::EventKind::Create(_) | notify::EventKind::Remove(_) => true,
                notify::EventKind::Modify(notify::event::ModifyKind::Metadata(_)) => false,
                notify::EventKind::Modify(_) => true,
                _ => false,
            };
            if counts {
                for path in event.paths {
                    // A file asked for by name counts even when hidden (`.env`).
                    let wanted = watched_files.contains(&path)
                        || (watched_dirs.iter().any(|d| path.starts_with(d))
                            && !ignored(&path)
                            && !ignored_dirs.iter().any(|d| path.starts_with(d)));
                    if wanted {
                        let _ = tx.send(path);
                    }
                }
            }
        })
        .map_err(|e| Error::io("cannot watch the site", std::io::Error::other(e)))?;
        let mut watch = Watch {
            watcher,
            watched: Vec::new(),
            pending: dirs.to_vec(),
        };
        watch.watch_new_dirs();
        // Files are seen through their folder, so that they may be created,
        // replaced or deleted (and the watched folders created) later.
        let mut parents: Vec<PathBuf> = files
            .iter()
            .chain(dirs)
            .filter_map(|p| p.parent().map(Path::to_path_buf))
            .collect();
        parents.sort();
        parents.dedup();
        for parent in parents.iter().filter(|p| p.is_dir()) {
            if let Err(e) = watch.watcher.watch(parent, RecursiveMode::NonRecursive) {
                tracing::warn!("cannot watch {}: {e}", parent.display());
            }
        }
        Ok((watch, batches(rx)))
    }

    /// Starts watching folders of the list that have appeared since.
    pub fn watch_new_dirs(&mut self) {
        let (ready, waiting): (Vec<PathBuf>, Vec<PathBuf>) =
            self.pending.drain(..).partition(|d| d.is_dir());
        self.pending = waiting;
        for dir in ready {
            if self.watched.iter().any(|w| dir.starts_with(w)) {
                continue;
            }
            match self.watcher.watch(&dir, RecursiveMode::Recursive) {
                Ok(()) => self.watched.push(dir),
                Err(e) => tracing::warn!("cannot watch {}: {e}", dir.display()),
            }
        }
    }
}

/// Groups single paths into batches: a batch closes after [`DEBOUNCE`]
/// without a new event.
fn batches(mut rx: mpsc::UnboundedReceiver<PathBuf>) -> mpsc::UnboundedReceiver<Vec<PathBuf>> {
    let (tx, out) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(first) = rx.recv().await {
            let mut changed = vec![first];
            while let Ok(Some(more)) = tokio::time::timeout(DEBOUNCE, rx.recv()).await {
                changed.push(more);
            }
            changed.sort();
            changed.dedup();
            if tx.send(changed).is_err() {
                return;
            }
        }
    });
    out
}

/// Editor droppings, hidden files and build folders.
pub fn ignored(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    name.starts_with('.')
        || name.starts_with(".#")
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name == "4913"
        || path.components().any(|c| {
            let c = c.as_os_str();
            c == "target" || c == ".ssgx" || c == ".git" || c == "node_modules"
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_files_are_ignored() {
        for p in [
            "site/.page.md.swp",
            "site/page.md~",
            "site/4913",
            "site/.#page.md",
            "functions/x/target/debug/x",
            "functions/node_modules/a/index.js",
        ] {
            assert!(ignored(Path::new(p)), "{p}");
        }
        assert!(!ignored(Path::new("site/page.md")));
    }
}

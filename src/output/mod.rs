//! Output: puts a finished build on disk.
//!
//! The whole site is rendered in memory before this module runs, so a build
//! that fails writes nothing and the previous output stays as it was. Here
//! each file is written only when its bytes changed, atomically (temporary
//! file, then rename), and files the new build no longer makes are removed.
//! The output tree is never deleted and recreated: on this project's disks
//! deleting and recreating 10k files costs seconds (DESIGN.md §7).
//!
//! Public surface: [`OutputFile`], [`Contents`], [`write`], [`WriteStats`],
//! and [`BuildLock`], which keeps two builds from writing at once.

mod lock;

pub use lock::BuildLock;

use std::collections::{BTreeSet, HashSet};
use std::fs;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::error::{Error, Result};

/// What goes into one output file.
#[derive(Debug, Clone)]
pub enum Contents {
    Bytes(Vec<u8>),
    Static(&'static [u8]),
    /// Copied from this source file.
    Copy(PathBuf),
}

#[derive(Debug, Clone)]
pub struct OutputFile {
    /// Path inside the output folder, `/`-separated, no leading `/`.
    pub path: String,
    pub contents: Contents,
}

impl OutputFile {
    pub fn bytes(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        OutputFile {
            path: path.into(),
            contents: Contents::Bytes(bytes.into()),
        }
    }
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WriteStats {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
}

/// Makes `out_dir` hold exactly `files`. Later entries of the same path win
/// (so the site's static files override the theme's).
pub fn write(out_dir: &Path, files: Vec<OutputFile>) -> Result<WriteStats> {
    let files = dedupe(files)?;
    fs::create_dir_all(out_dir)
        .map_err(|e| Error::io_at("cannot create the output folder", out_dir, e))?;
    let existing = existing_files(out_dir);

    let wanted: HashSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    let dirs: BTreeSet<PathBuf> = files
        .iter()
        .filter_map(|f| Path::new(&f.path).parent().map(Path::to_path_buf))
        .filter(|p| !p.as_os_str().is_empty())
        .collect();
    for dir in &dirs {
        make_dir(out_dir, dir)?;
    }

    let results: Vec<Result<bool>> = io_pool().install(|| {
        files
            .par_iter()
            .map(|f| write_if_changed(out_dir, f))
            .collect()
    });
    let mut stats = WriteStats::default();
    for r in results {
        if r? {
            stats.written += 1;
        } else {
            stats.unchanged += 1;
        }
    }

    for stale in existing.iter().filter(|p| !wanted.contains(p.as_str())) {
        let path = out_dir.join(stale);
        // Gone already, or made a folder by this build (a file was in the way).
        if fs::symlink_metadata(&path).map_or(true, |m| m.is_dir()) {
            continue;
        }
        match fs::remove_file(&path) {
            Ok(()) => stats.removed += 1,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io_at("cannot remove the stale file", &path, e)),
        }
    }
    remove_empty_dirs(out_dir);
    Ok(stats)
}

/// Writing is mostly waiting on the file system, not computing, so more
/// threads than cores keep the disk busy.
fn io_pool() -> rayon::ThreadPool {
    let threads = (rayon::current_num_threads() * 4).clamp(4, 16);
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap_or_else(|_| {
            rayon::ThreadPoolBuilder::new()
                .build()
                .expect("a default thread pool")
        })
}

/// Keeps the last entry of each path and refuses paths that could escape.
fn dedupe(files: Vec<OutputFile>) -> Result<Vec<OutputFile>> {
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(files.len());
    for f in files.into_iter().rev() {
        let safe = !f.path.is_empty()
            && Path::new(&f.path)
                .components()
                .all(|c| matches!(c, Component::Normal(_)));
        if !safe {
            return Err(Error::usage(
                format!(
                    "refusing to write `{}`: output paths must stay inside the output folder",
                    f.path
                ),
                "remove `..` and leading `/` from the page's `path` or the asset's name",
            ));
        }
        if seen.insert(f.path.clone()) {
            out.push(f);
        }
    }
    out.reverse();
    Ok(out)
}

/// Files (and symlinks) under `out_dir`, relative, `/`-separated. Links are
/// listed, never followed, so removing a stale one never touches its target.
fn existing_files(out_dir: &Path) -> Vec<String> {
    WalkDir::new(out_dir)
        .follow_links(false)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| !e.file_type().is_dir())
        .filter_map(|e| {
            e.path()
                .strip_prefix(out_dir)
                .ok()
                .map(crate::content::rel_string)
        })
        .collect()
}

/// Creates `rel` under `out_dir`; a stale file or link in the way goes.
fn make_dir(out_dir: &Path, rel: &Path) -> Result<()> {
    let mut current = out_dir.to_path_buf();
    for component in rel.components() {
        current.push(component);
        match fs::symlink_metadata(&current) {
            Ok(m) if m.is_dir() => continue,
            Ok(_) => fs::remove_file(&current)
                .map_err(|e| Error::io_at("cannot replace", &current, e))?,
            Err(_) => {}
        }
        if let Err(e) = fs::create_dir(&current)
            && e.kind() != io::ErrorKind::AlreadyExists
        {
            return Err(Error::io_at("cannot create the folder", &current, e));
        }
    }
    Ok(())
}

/// Writes one file unless it already holds these bytes; true if written.
fn write_if_changed(out_dir: &Path, file: &OutputFile) -> Result<bool> {
    let dest = out_dir.join(&file.path);
    let same = |bytes: &[u8]| fs::read(&dest).is_ok_and(|old| old == bytes);
    let owned;
    let bytes: &[u8] = match &file.contents {
        Contents::Bytes(b) => b,
        Contents::Static(b) => b,
        Contents::Copy(src) => {
            owned = fs::read(src).map_err(|e| Error::io_at("cannot read", src, e))?;
            &owned
        }
    };
    match fs::symlink_metadata(&dest) {
        Ok(m) if m.is_file() && m.len() == bytes.len() as u64 && same(bytes) => Ok(false),
        // A new file replaces nothing, so it is written in place: a crash
        // can leave it short, but never damages the previous output, and
        // the next build rewrites it. This halves the cost of a fresh tree.
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            write_new(&dest, bytes).map_err(|e| Error::io_at("cannot write", &dest, e))?;
            Ok(true)
        }
        _ => {
            atomic_write(&dest, bytes).map_err(|e| Error::io_at("cannot write", &dest, e))?;
            Ok(true)
        }
    }
}

fn write_new(dest: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(dest)?;
    f.write_all(bytes)
}

/// Writes beside the destination, then renames over it: a reader (or a
/// crash) sees the old file or the new one, never half of one.
fn atomic_write(dest: &Path, bytes: &[u8]) -> io::Result<()> {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dest.with_file_name(format!(".{name}.ssgx-tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        drop(f);
        // A directory where the file goes is stale output; clear it.
        if fs::symlink_metadata(dest).is_ok_and(|m| m.is_dir()) {
            fs::remove_dir_all(dest)?;
        }
        fs::rename(&tmp, dest)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Removes folders left empty by stale files, deepest first.
fn remove_empty_dirs(out_dir: &Path) {
    let mut dirs: Vec<PathBuf> = WalkDir::new(out_dir)
        .min_depth(1)
        .follow_links(false)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_dir())
        .map(|e| e.into_path())
        .collect();
    dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
    for d in dirs {
        // Fails (and is meant to) when the folder is not empty.
        let _ = fs::remove_dir(&d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_changes_only_and_removes_stale() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let first = vec![
            OutputFile::bytes("a/index.html", "A"),
            OutputFile::bytes("b/index.html", "B"),
        ];
        let s = write(&out, first).unwrap();
        assert_eq!(
            s,
            WriteStats {
                written: 2,
                unchanged: 0,
                removed: 0
            }
        );
        let second = vec![
            OutputFile::bytes("a/index.html", "A"),
            OutputFile::bytes("c.txt", "C"),
        ];
        let s = write(&out, second).unwrap();
        assert_eq!(
            s,
            WriteStats {
                written: 1,
                unchanged: 1,
                removed: 1
            }
        );
        assert!(!out.join("b").exists(), "empty stale folder removed");
        assert_eq!(fs::read_to_string(out.join("c.txt")).unwrap(), "C");
    }

    #[test]
    fn later_entries_win_and_escapes_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let files = vec![
            OutputFile::bytes("x.css", "theme"),
            OutputFile::bytes("x.css", "site"),
        ];
        write(&out, files).unwrap();
        assert_eq!(fs::read_to_string(out.join("x.css")).unwrap(), "site");
        assert!(write(&out, vec![OutputFile::bytes("../evil", "x")]).is_err());
        assert!(!dir.path().join("evil").exists());
    }

    #[test]
    fn a_file_in_the_way_of_a_folder_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write(&out, vec![OutputFile::bytes("a", "file")]).unwrap();
        write(&out, vec![OutputFile::bytes("a/index.html", "page")]).unwrap();
        assert_eq!(
            fs::read_to_string(out.join("a/index.html")).unwrap(),
            "page"
        );
    }
}

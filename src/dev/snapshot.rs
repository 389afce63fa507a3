//! One rendered state of the site, held in memory and served as is: the
//! output files by path, and the redirect and header rules that came with
//! them. A rebuild makes a new snapshot and swaps it in whole, so a request
//! never sees half a build.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use axum::body::Bytes;

use crate::diagnostics::Diagnostic;
use crate::netlify::Rules;
use crate::output::{Contents, OutputFile};
use crate::project::Project;

/// The bytes of one output file.
#[derive(Debug, Clone)]
pub enum Served {
    Bytes(Bytes),
    /// A static file, read from its source on each request.
    File(PathBuf),
}

#[derive(Debug, Default, Clone)]
pub struct Snapshot {
    pub files: HashMap<String, Served>,
    pub rules: Rules,
    /// Lines of `_redirects` / `_headers` that did not parse.
    pub rule_problems: Vec<Diagnostic>,
}

impl Snapshot {
    /// The snapshot of a rendered site's files. Later files of one path
    /// win, as in `ssgx build`.
    pub fn new(project: &Project, files: Vec<OutputFile>) -> Snapshot {
        let mut map = HashMap::with_capacity(files.len());
        for f in files {
            let served = match f.contents {
                Contents::Bytes(b) => Served::Bytes(Bytes::from(b)),
                Contents::Static(b) => Served::Bytes(Bytes::from_static(b)),
                Contents::Copy(p) => Served::File(p),
            };
            map.insert(f.path, served);
        }
        let text = |name: &str| match map.get(name) {
            Some(Served::Bytes(b)) => Some(String::from_utf8_lossy(b).into_owned()),
            Some(Served::File(p)) => std::fs::read_to_string(p).ok(),
            None => None,
        };
        let (rules, rule_problems) = Rules::load(
            project.display_path(&project.output_dir),
            text("_redirects").as_deref(),
            text("_headers").as_deref(),
            &project.netlify,
        );
        Snapshot {
            files: map,
            rules,
            rule_problems,
        }
    }

    /// This snapshot with `files` replaced (an incremental rebuild), and
    /// the paths whose bytes really changed.
    pub fn with_files(&self, files: Vec<OutputFile>) -> (Snapshot, Vec<String>) {
        let mut next = self.clone();
        let mut changed = Vec::new();
        for f in files {
            let bytes = match f.contents {
                Contents::Bytes(b) => Bytes::from(b),
                Contents::Static(b) => Bytes::from_static(b),
                Contents::Copy(p) => {
                    changed.push(f.path.clone());
                    next.files.insert(f.path, Served::File(p));
                    continue;
                }
            };
            let same = matches!(self.files.get(&f.path), Some(Served::Bytes(old)) if *old == bytes);
            if !same {
                changed.push(f.path.clone());
            }
            next.files.insert(f.path, Served::Bytes(bytes));
        }
        changed.sort();
        (next, changed)
    }

    pub fn has(&self, path: &str) -> bool {
        self.files.contains_key(path)
    }

    /// The file's bytes. A static file must still lie inside `root` once
    /// symlinks are resolved; anything else is treated as missing.
    pub fn read(&self, path: &str, root: &Path) -> Option<Bytes> {
        match self.files.get(path)? {
            Served::Bytes(b) => Some(b.clone()),
            Served::File(p) => {
                let real = p.canonicalize().ok()?;
                let root = root.canonicalize().ok()?;
                if !real.starts_with(&root) {
                    tracing::warn!("refused {}: it links outside the site", p.display());
                    return None;
                }
                std::fs::read(&real).ok().map(Bytes::from)
            }
        }
    }

    /// Output paths whose contents differ between `self` and `newer`, or
    /// that only one has. Static files count as changed when their source
    /// is among `touched` (the watcher's paths).
    pub fn changed_paths(&self, newer: &Snapshot, touched: &[PathBuf]) -> Vec<String> {
        let mut changed: Vec<String> = newer
            .files
            .iter()
            .filter(|(path, served)| match (self.files.get(*path), served) {
                (Some(Served::Bytes(a)), Served::Bytes(b)) => a != b,
                (Some(Served::File(a)), Served::File(b)) => a != b || touched.contains(b),
                _ => true,
            })
            .map(|(path, _)| path.clone())
            .collect();
        changed.extend(
            self.files
                .keys()
                .filter(|p| !newer.files.contains_key(*p))
                .cloned(),
        );
        changed.sort();
        changed
    }
}

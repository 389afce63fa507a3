//! One rendered state of the site, held in memory and served as is: the
//! output files by path, and the redirect and header rules that came with
//! them. A rebuild makes a new snapshot and swaps it in whole, so a request
//! never sees half a build.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Bytes;

use crate::diagnostics::Diagnostic;
use crate::error::Error;
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
    /// The files of the last full build, shared between snapshots.
    base: Arc<HashMap<String, Served>>,
    /// Files re-rendered since, which win over `base`: an incremental
    /// rebuild copies this small map, never the whole site.
    overlay: HashMap<String, Served>,
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
            base: Arc::new(map),
            overlay: HashMap::new(),
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
            let served = match f.contents {
                Contents::Bytes(b) => Served::Bytes(Bytes::from(b)),
                Contents::Static(b) => Served::Bytes(Bytes::from_static(b)),
                Contents::Copy(p) => Served::File(p),
            };
            let same = match (self.get(&f.path), &served) {
                (Some(Served::Bytes(old)), Served::Bytes(new)) => old == new,
                _ => false,
            };
            if !same {
                changed.push(f.path.clone());
            }
            next.overlay.insert(f.path, served);
        }
        // Fold a grown overlay back into a new base now and then.
        if next.overlay.len() > 2000 {
            let mut base = (*next.base).clone();
            base.extend(next.overlay.drain());
            next.base = Arc::new(base);
        }
        changed.sort();
        (next, changed)
    }

    pub fn has(&self, path: &str) -> bool {
        self.overlay.contains_key(path) || self.base.contains_key(path)
    }

    fn get(&self, path: &str) -> Option<&Served> {
        self.overlay.get(path).or_else(|| self.base.get(path))
    }

    /// How many files the site has.
    pub fn len(&self) -> usize {
        self.base.len()
            + self
                .overlay
                .keys()
                .filter(|k| !self.base.contains_key(*k))
                .count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every path with its contents, the overlay's version first.
    fn entries(&self) -> impl Iterator<Item = (&String, &Served)> {
        self.overlay.iter().chain(
            self.base
                .iter()
                .filter(|(k, _)| !self.overlay.contains_key(*k)),
        )
    }

    /// The file's bytes. A static file must still lie inside `root` once
    /// symlinks are resolved; anything else is treated as missing.
    pub fn read(&self, path: &str, root: &Path) -> Option<Bytes> {
        match self.get(path)? {
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
            .entries()
            .filter(|(path, served)| match (self.get(path), served) {
                (Some(Served::Bytes(a)), Served::Bytes(b)) => a != b,
                (Some(Served::File(a)), Served::File(b)) => a != b || touched.contains(b),
                _ => true,
            })
            .map(|(path, _)| path.clone())
            .collect();
        changed.extend(
            self.entries()
                .filter(|(p, _)| !newer.has(p))
                .map(|(p, _)| p.clone()),
        );
        changed.sort();
        changed
    }
}

/// The files of the output folder, for `ssgx serve`. Symlinks are kept
/// as paths: serving checks that they stay inside the folder.
pub fn built_files(project: &Project) -> Result<Vec<crate::output::OutputFile>, Error> {
    let out = &project.output_dir;
    if !out.join("index.html").is_file() && !out.join("404.html").is_file() {
        return Err(Error::usage(
            format!(
                "{} has no built site to serve",
                project.display_path(out).display()
            ),
            "run `ssgx build` first (or `ssgx dev` to build and serve in one go)",
        ));
    }
    let files = walkdir::WalkDir::new(out)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| !e.file_type().is_dir())
        .filter_map(|e| {
            let rel = e.path().strip_prefix(out).ok()?;
            Some(crate::output::OutputFile {
                path: crate::content::rel_string(rel),
                contents: crate::output::Contents::Copy(e.path().to_path_buf()),
            })
        })
        .collect();
    Ok(files)
}

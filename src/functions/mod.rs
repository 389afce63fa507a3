//! Functions: discovery of the functions folder, the Netlify event and
//! response shapes, the local runtime (a Lambda Runtime API for Rust, a
//! Node host for JavaScript and TypeScript) and the HTTP front for it.
//!
//! Public surface: [`discover`] and [`Function`]; [`Runtime`] (start,
//! invoke, reload, stop); [`event`] for the v1 event and response; [`serve`]
//! for mounting the runtime behind `/.netlify/functions/*` and
//! `/.functions/*` in one line; [`env`] for the variables functions get
//! and the `.env` files they come from (which the watchers follow).

pub mod bundle;
mod discover;
pub mod env;
pub mod event;
mod node_host;
pub mod routes;
mod runtime;
mod rust;
pub mod schedule;
pub mod serve;
mod typescript;

use std::path::{Path, PathBuf};

pub use discover::{ApiVersion, EVENT_FUNCTIONS, Function, Kind, Language, discover, valid_name};
pub use runtime::{CallError, DEFAULT_TIMEOUT, MAX_BODY_BYTES, Runtime, RuntimeOptions};

use crate::diagnostics::Diagnostics;
use crate::project::Project;

/// Where cargo builds Rust functions: `SSGX_TARGET_DIR`, else the
/// project's `.ssgx/target` (one folder shared by all its functions).
pub fn target_dir(project: &Project) -> PathBuf {
    std::env::var_os("SSGX_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| project.root.join(".ssgx").join("target"))
}

/// Writes `bytes` to `path` unless it already holds them, through a
/// temporary file and a rename: a Node process importing the file at that
/// moment reads the old whole file or the new one, never a half-written one.
pub(crate) fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<(), RuntimeError> {
    if std::fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    write_atomically(path, bytes)
}

/// Writes `bytes` to `path` through a temporary file and a rename.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), RuntimeError> {
    // One temporary name per writer: two tasks may write the same file.
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".{}-{seq}.ssgx-tmp", std::process::id()));
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes).map_err(|e| RuntimeError::io("cannot write", &tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        RuntimeError::io("cannot write", path, e)
    })
}

/// Why the runtime could not start or reload.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("the functions folder has errors")]
    Discovery(Diagnostics),
    #[error("`node` was not found; JavaScript functions need Node.js 18 or newer on the PATH")]
    NodeMissing,
    #[error("Node.js {0} is too old; JavaScript functions need Node.js 18 or newer")]
    NodeTooOld(String),
    #[error("the Node host failed: {0}")]
    HostFailed(String),
    #[error("`cargo` was not found; Rust functions need the Rust toolchain on the PATH")]
    CargoMissing,
    #[error("function `{function}` does not compile:\n{output}")]
    Compile { function: String, output: String },
    /// `at` is the line and column, when oxc says.
    #[error("{}{}: {message}", file.display(), line_col_suffix(*at))]
    TypeScript {
        file: PathBuf,
        at: Option<(usize, usize)>,
        message: String,
    },
    #[error(
        "cannot add the Rust target x86_64-unknown-linux-musl, which Netlify's Rust functions need: {0}\n  help: run `rustup target add x86_64-unknown-linux-musl`"
    )]
    MuslTarget(String),
    #[error(
        "function `{function}` imports the package `{package}`, which is not installed\n  help: run `npm install {package}` in the project"
    )]
    MissingPackage { function: String, package: String },
    #[error("`{0}` is not a valid included_files pattern: {1}")]
    BadGlob(String, String),
    #[error("function `{function}` uses {}, which is outside the project; bundles hold only the project's files", path.display())]
    OutsideProject { function: String, path: PathBuf },
    #[error("{context} {}: {source}", path.display())]
    Io {
        context: String,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// `:LINE:COLUMN` after a file name, or nothing when the place is unknown.
fn line_col_suffix(at: Option<(usize, usize)>) -> String {
    at.map_or(String::new(), |(line, column)| format!(":{line}:{column}"))
}

impl RuntimeError {
    pub fn io(context: &str, path: &Path, source: std::io::Error) -> Self {
        RuntimeError::Io {
            context: context.to_string(),
            path: path.to_path_buf(),
            source,
        }
    }
}

impl From<RuntimeError> for crate::Error {
    fn from(e: RuntimeError) -> Self {
        match e {
            RuntimeError::Discovery(d) => crate::Error::Site(d),
            RuntimeError::Io { .. } | RuntimeError::HostFailed(_) => {
                crate::Error::io("functions", std::io::Error::other(e.to_string()))
            }
            other => crate::Error::Usage {
                message: other.to_string(),
                hint: None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(unix)]
    fn unchanged_files_are_not_rewritten() {
        let dir = std::env::temp_dir().join(format!("ssgx-write-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("adapter.mjs");
        write_if_changed(&file, b"export const a = 1;\n").unwrap();
        let inode = |p: &Path| {
            use std::os::unix::fs::MetadataExt;
            std::fs::metadata(p).unwrap().ino()
        };
        let first = inode(&file);
        // Same bytes: the file a running Node may be reading stays as it is.
        write_if_changed(&file, b"export const a = 1;\n").unwrap();
        assert_eq!(inode(&file), first);
        // New bytes arrive as a new file, renamed over the old one.
        write_if_changed(&file, b"export const a = 2;\n").unwrap();
        assert_ne!(inode(&file), first);
        assert_eq!(std::fs::read(&file).unwrap(), b"export const a = 2;\n");
        let leftovers: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

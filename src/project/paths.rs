//! Resolving user-given paths without requiring that they exist.

use std::path::{Component, Path, PathBuf};

/// Removes `.` and folds `..` lexically.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// `path` made absolute against `base`, with symlinks in its existing part
/// resolved, so that containment checks compare real locations.
pub fn resolve(base: &Path, path: &Path) -> PathBuf {
    let joined = normalize(&base.join(path));
    // Canonicalize the longest prefix that exists; keep the rest as written.
    let mut existing = joined.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (
            existing.file_name().map(|n| n.to_os_string()),
            existing.parent(),
        ) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => return joined,
        }
    }
    let mut real = existing.canonicalize().unwrap_or(existing);
    for name in rest.into_iter().rev() {
        real.push(name);
    }
    real
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_folds_dots() {
        assert_eq!(
            normalize(Path::new("/a/b/../c/./d")),
            PathBuf::from("/a/c/d")
        );
        assert_eq!(normalize(Path::new("a/../../b")), PathBuf::from("../b"));
    }

    #[test]
    fn resolve_keeps_missing_tail() {
        let dir = std::env::temp_dir().canonicalize().unwrap();
        let got = resolve(&dir, Path::new("no-such-ssgx-dir/x/../y"));
        assert_eq!(got, dir.join("no-such-ssgx-dir/y"));
    }
}

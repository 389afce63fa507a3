//! The bytes of the site's files, for `get_url(..., cachebust=true)` and
//! `get_hash`: files the build makes (compiled Sass, `syntax.css`, the
//! built-in theme's stylesheet) and files copied from `static/`, the
//! theme's `static/` and the content folder.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::PathBuf;

use sha2::{Digest, Sha256, Sha384, Sha512};

#[derive(Debug, Default)]
pub struct AssetFiles {
    /// Searched in order; the first that has the file wins.
    dirs: Vec<PathBuf>,
    /// Output path (no leading `/`) → bytes.
    generated: HashMap<String, Vec<u8>>,
}

impl AssetFiles {
    pub fn new(dirs: Vec<PathBuf>, generated: HashMap<String, Vec<u8>>) -> AssetFiles {
        AssetFiles { dirs, generated }
    }

    /// The bytes of the file served at `path`, if the site has it. Files
    /// found through a symlink that leaves their folder do not count.
    pub fn bytes(&self, path: &str) -> Option<Cow<'_, [u8]>> {
        let rel = path.trim_start_matches('/');
        if let Some(b) = self.generated.get(rel) {
            return Some(Cow::Borrowed(b));
        }
        if rel.split('/').any(|part| part == "..") {
            return None;
        }
        self.dirs.iter().find_map(|dir| {
            let file = dir.join(rel);
            let real = file.canonicalize().ok()?;
            let root = dir.canonicalize().ok()?;
            if !real.starts_with(&root) || !real.is_file() {
                return None;
            }
            std::fs::read(&real).ok().map(Cow::Owned)
        })
    }
}

/// The hex SHA-256 of `bytes`, shortened: enough to bust a cache.
pub fn cachebust(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().take(10).map(|b| format!("{b:02x}")).collect()
}

/// SHA-256, -384 or -512 of `bytes`, as base64 (for `integrity`) or hex.
pub fn hash(bytes: &[u8], sha_type: u64, base64: bool) -> Option<String> {
    let digest: Vec<u8> = match sha_type {
        256 => Sha256::digest(bytes).to_vec(),
        384 => Sha384::digest(bytes).to_vec(),
        512 => Sha512::digest(bytes).to_vec(),
        _ => return None,
    };
    Some(if base64 {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(digest)
    } else {
        digest.iter().map(|b| format!("{b:02x}")).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes() {
        assert_eq!(
            hash(b"abc", 384, true).unwrap(),
            "ywB1P0WjXou1oD1pmsZQBycsMqsO3tFjGotgWkP/W+2AhgcroefMI1i67KE0yCWn"
        );
        assert_eq!(hash(b"abc", 256, false).unwrap().len(), 64);
        assert!(hash(b"abc", 1, true).is_none());
        assert_eq!(cachebust(b"abc"), "ba7816bf8f01cfea4141");
        let files = AssetFiles::new(
            Vec::new(),
            HashMap::from([("a.css".to_string(), b"x".to_vec())]),
        );
        assert_eq!(files.bytes("/a.css").as_deref(), Some(&b"x"[..]));
        assert!(files.bytes("../etc/passwd").is_none());
    }
}

//! Highlighted code blocks kept between builds. Highlighting is the one
//! costly step of rendering Markdown (a few microseconds a line, far more
//! on code its grammar cannot parse), and code rarely changes between builds:
//! each block's HTML is kept by a hash of its language, settings and
//! text, in memory for the life of the process (`ssgx dev`) and in
//! `.ssgx/cache/` between builds. Only the blocks a build used are saved,
//! so the file never grows past the site's own code.
//!
//! The file is a flat list of (key, length, bytes) records: a
//! serialization crate would add a dependency for twenty lines.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};

/// Bumped when the HTML ssgx makes for a block changes.
const FORMAT: &str = "highlight-v4";

#[derive(Default)]
struct Cache {
    /// From the file, not yet used by this build.
    loaded: HashMap<u64, Arc<str>>,
    /// Used by this build (found or made).
    used: HashMap<u64, Arc<str>>,
    /// The file `loaded` came from.
    file: Option<PathBuf>,
    dirty: bool,
}

static CACHE: LazyLock<Mutex<Cache>> = LazyLock::new(Mutex::default);

fn cache() -> std::sync::MutexGuard<'static, Cache> {
    CACHE.lock().unwrap_or_else(|e| e.into_inner())
}

/// The key of a block: what decides its HTML.
pub fn key(parts: &[&str]) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    FORMAT.hash(&mut hasher);
    env!("CARGO_PKG_VERSION").hash(&mut hasher);
    parts.hash(&mut hasher);
    hasher.finish()
}

/// The HTML of the block with this key, or `make`'s (then kept).
pub fn get_or_make(key: u64, make: impl FnOnce() -> Option<String>) -> Option<String> {
    {
        let mut c = cache();
        if let Some(html) = c.used.get(&key) {
            return Some(html.to_string());
        }
        if let Some(html) = c.loaded.remove(&key) {
            c.used.insert(key, Arc::clone(&html));
            return Some(html.to_string());
        }
    }
    // Made outside the lock: other threads highlight meanwhile.
    let html = make()?;
    let mut c = cache();
    c.used.insert(key, Arc::from(html.as_str()));
    c.dirty = true;
    Some(html)
}

fn file_in(project_root: &Path) -> PathBuf {
    project_root
        .join(".ssgx")
        .join("cache")
        .join(format!("{FORMAT}.bin"))
}

/// Reads the project's cache file once per process (a missing or damaged
/// file is an empty cache).
pub fn load(project_root: &Path) {
    let file = file_in(project_root);
    let mut c = cache();
    if c.file.as_ref() == Some(&file) {
        return;
    }
    *c = Cache {
        loaded: read(&file).unwrap_or_default(),
        file: Some(file),
        ..Cache::default()
    };
}

fn read(file: &Path) -> Option<HashMap<u64, Arc<str>>> {
    let bytes = std::fs::read(file).ok()?;
    let mut map = HashMap::new();
    let mut rest = bytes.as_slice();
    while !rest.is_empty() {
        let key = u64::from_le_bytes(rest.get(..8)?.try_into().ok()?);
        let len = u32::from_le_bytes(rest.get(8..12)?.try_into().ok()?) as usize;
        let html = std::str::from_utf8(rest.get(12..12 + len)?).ok()?;
        map.insert(key, Arc::from(html));
        rest = &rest[12 + len..];
    }
    Some(map)
}

/// Writes the blocks this build used, when it made new ones or stopped
/// using old ones; the next build starts from them.
pub fn save() {
    let mut c = cache();
    let Some(file) = c.file.clone() else {
        return;
    };
    if !c.dirty && c.loaded.is_empty() {
        return;
    }
    let mut out = Vec::new();
    for (key, html) in &c.used {
        out.extend_from_slice(&key.to_le_bytes());
        out.extend_from_slice(&(html.len() as u32).to_le_bytes());
        out.extend_from_slice(html.as_bytes());
    }
    let written = file
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| {
            let tmp = file.with_extension("tmp");
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&out)?;
            std::fs::rename(&tmp, &file)
        });
    match written {
        Ok(()) => {
            // What was used is now what is on disk.
            let used = std::mem::take(&mut c.used);
            c.loaded = used;
            c.dirty = false;
        }
        Err(e) => tracing::warn!("cannot write {}: {e}", file.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_survive_a_save_and_load() {
        let dir = std::env::temp_dir().join(format!("ssgx-hl-cache-{}", std::process::id()));
        load(&dir);
        let k = key(&["rust", "class", "fn main() {}"]);
        assert_eq!(
            get_or_make(k, || Some("<b>made</b>".into())).as_deref(),
            Some("<b>made</b>")
        );
        save();
        // A fresh process: forget what is in memory, read the file.
        *cache() = Cache::default();
        load(&dir);
        assert_eq!(
            get_or_make(k, || panic!("should come from the file")).as_deref(),
            Some("<b>made</b>")
        );
        assert_ne!(k, key(&["rust", "inline", "fn main() {}"]));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

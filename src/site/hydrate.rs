//! `hydrate.js`, the one script behind the `dynamic` shortcode: embedded
//! in ssgx, written under a name that carries its hash (so a new version
//! is never served from a stale cache), and linked only from the pages
//! that have a dynamic element.

use std::sync::LazyLock;

use crate::output::{Contents, OutputFile};

pub const SOURCE: &str = include_str!("../../assets/hydrate.js");

/// The attribute that marks a dynamic element.
const MARKER: &str = "data-ssgx-src=";

/// `ssgx/hydrate.HASH.js`, inside the output folder.
pub static FILE: LazyLock<String> = LazyLock::new(|| {
    let hash = SOURCE.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    format!("ssgx/hydrate.{hash:08x}.js")
});

/// Adds the script to a page that has dynamic elements (before `</head>`,
/// deferred, so it runs once the page is parsed). `base_path` is the path
/// of the site's base URL (`""` at the root of a domain).
pub fn link(html: &mut String, base_path: &str) {
    if memchr::memmem::find(html.as_bytes(), MARKER.as_bytes()).is_none() {
        return;
    }
    let tag = format!(
        "<script src=\"{base_path}/{}\" defer></script>",
        FILE.as_str()
    );
    let at = html
        .find("</head>")
        .or_else(|| html.rfind("</body>"))
        .unwrap_or(html.len());
    html.insert_str(at, &tag);
}

/// Whether any of `files` links the script.
pub fn linked(files: &[OutputFile]) -> bool {
    use rayon::prelude::*;
    files.par_iter().any(|f| match &f.contents {
        Contents::Bytes(b) => {
            f.path.ends_with(".html") && memchr::memmem::find(b, FILE.as_bytes()).is_some()
        }
        _ => false,
    })
}

/// The script itself, as an output file.
pub fn asset() -> OutputFile {
    OutputFile {
        path: FILE.clone(),
        contents: Contents::Static(SOURCE.as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_only_pages_with_dynamic_elements() {
        let mut plain = "<html><head></head><body>hi</body></html>".to_string();
        link(&mut plain, "");
        assert!(!plain.contains("<script"));
        let mut page =
            "<html><head><title>x</title></head><body><span data-ssgx-src=\"/.functions/a\">a</span></body></html>"
                .to_string();
        link(&mut page, "/blog");
        let tag = format!(
            "<script src=\"/blog/{}\" defer></script></head>",
            FILE.as_str()
        );
        assert!(page.contains(&tag), "{page}");
        assert!(linked(&[OutputFile::bytes("a/index.html", page)]));
    }
}

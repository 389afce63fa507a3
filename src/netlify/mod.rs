//! Netlify's routing rules, as its CDN applies them (NETLIFY.md §4):
//! `_redirects` and `[[redirects]]` ([`redirects`]), `_headers` and
//! `[[headers]]` ([`headers`]). Parsing and matching only; the dev server
//! decides what a match does.
//!
//! Public surface: [`Rules`] (both sets, loaded together), and the two
//! submodules' matchers.

pub mod headers;
pub mod redirects;

use std::path::Path;

use crate::diagnostics::Diagnostic;
use crate::project::NetlifyToml;

pub use headers::Headers;
pub use redirects::{Redirects, RequestFacts};

/// Where a static path leads on Netlify's CDN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// This output file answers.
    File(String),
    /// `/dir` where `dir/index.html` exists: Netlify redirects to `/dir/`.
    AddSlash,
}

/// Netlify's index and pretty-URL resolution of a request path over the
/// site's files (`has` says whether an output path exists): `/dir/` →
/// `dir/index.html`, `/page` → `page`, `/dir` → a slash redirect, then
/// `/page` → `page.html`.
pub fn resolve_static(path: &str, has: impl Fn(&str) -> bool) -> Option<Resolved> {
    let rel = path.trim_start_matches('/');
    if rel.is_empty() || rel.ends_with('/') {
        let index = format!("{rel}index.html");
        return has(&index).then_some(Resolved::File(index));
    }
    if has(rel) {
        return Some(Resolved::File(rel.to_string()));
    }
    if has(&format!("{rel}/index.html")) {
        return Some(Resolved::AddSlash);
    }
    let html = format!("{rel}.html");
    has(&html).then_some(Resolved::File(html))
}

/// The redirect and header rules of a site.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    pub redirects: Redirects,
    pub headers: Headers,
}

impl Rules {
    /// Rules from the published `_redirects` and `_headers` texts (if any)
    /// and netlify.toml. `output_dir` names the files in messages. Lines
    /// that do not parse are returned as diagnostics; the rest apply.
    pub fn load(
        output_dir: &Path,
        redirects_file: Option<&str>,
        headers_file: Option<&str>,
        netlify: &NetlifyToml,
    ) -> (Rules, Vec<Diagnostic>) {
        let mut problems = Vec::new();
        let file_redirects = match redirects_file {
            Some(text) => {
                let (rules, errors) = redirects::parse_file(&output_dir.join("_redirects"), text);
                problems.extend(errors);
                rules
            }
            None => Vec::new(),
        };
        let file_headers = match headers_file {
            Some(text) => {
                let (blocks, errors) = headers::parse_file(&output_dir.join("_headers"), text);
                problems.extend(errors);
                blocks
            }
            None => Vec::new(),
        };
        let rules = Rules {
            redirects: Redirects::new(file_redirects, redirects::from_toml(&netlify.redirects)),
            headers: Headers::new(file_headers, headers::from_toml(&netlify.headers)),
        };
        (rules, problems)
    }
}
